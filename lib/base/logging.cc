#include "lib/base/logging.h"

#include <array>
#include <memory>
#include <mutex>
#include <string>

#include "spdlog/details/os.h"
#include "spdlog/formatter.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace coffer {
namespace {

constexpr std::array<const char*, 11> kComponentNames = {
    "vault", "config", "http", "storage", "hsm", "crypto", "audit", "kube", "operator", "csi", "test"};

void AppendJsonEscaped(std::string_view in, spdlog::memory_buf_t& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : in) {
    switch (c) {
      case '"':
        out.append(std::string_view("\\\""));
        break;
      case '\\':
        out.append(std::string_view("\\\\"));
        break;
      case '\n':
        out.append(std::string_view("\\n"));
        break;
      case '\r':
        out.append(std::string_view("\\r"));
        break;
      case '\t':
        out.append(std::string_view("\\t"));
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          const char esc[] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xf], kHex[c & 0xf]};
          out.append(esc, esc + sizeof(esc));
        } else {
          out.push_back(c);
        }
    }
  }
}

// One JSON object per line: {"time":..., "level":..., "component":..., "msg":...}.
class JsonFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto secs = std::chrono::time_point_cast<std::chrono::seconds>(msg.time);
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(msg.time - secs).count();
    std::tm tm = spdlog::details::os::gmtime(std::chrono::system_clock::to_time_t(msg.time));
    char ts[96];
    std::snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long>(micros));
    dest.append(std::string_view("{\"time\":\""));
    dest.append(std::string_view(ts));
    dest.append(std::string_view("\",\"level\":\""));
    auto level = spdlog::level::to_string_view(msg.level);
    dest.append(level.data(), level.data() + level.size());
    dest.append(std::string_view("\",\"component\":\""));
    AppendJsonEscaped(std::string_view(msg.logger_name.data(), msg.logger_name.size()), dest);
    dest.append(std::string_view("\",\"msg\":\""));
    AppendJsonEscaped(std::string_view(msg.payload.data(), msg.payload.size()), dest);
    dest.append(std::string_view("\"}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

std::unique_ptr<spdlog::formatter> TextFormatter() {
  return std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%fZ %l [%n] %v",
                                                     spdlog::pattern_time_type::utc);
}

struct Loggers {
  std::shared_ptr<spdlog::sinks::stderr_sink_mt> sink =
      std::make_shared<spdlog::sinks::stderr_sink_mt>();
  std::array<std::shared_ptr<spdlog::logger>, kComponentNames.size()> loggers;

  Loggers() {
    sink->set_formatter(TextFormatter());
    for (std::size_t i = 0; i < loggers.size(); ++i) {
      loggers[i] = std::make_shared<spdlog::logger>(kComponentNames[i], sink);
      loggers[i]->set_level(spdlog::level::info);
    }
  }
};

Loggers& AllLoggers() {
  static Loggers* loggers = new Loggers();
  return *loggers;
}

}  // namespace

void InitLogging(LogFormat format, std::string_view level) {
  Loggers& all = AllLoggers();
  if (format == LogFormat::kJson) {
    all.sink->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    all.sink->set_formatter(TextFormatter());
  }
  auto lvl = spdlog::level::from_str(std::string(level));
  for (auto& logger : all.loggers) logger->set_level(lvl);
}

std::string ForLog(std::string_view text, std::size_t max) {
  std::string out;
  const std::string_view kept = text.substr(0, max);
  out.reserve(kept.size() + 3);
  for (char c : kept) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '\\') {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  if (text.size() > max) out += "...";
  return out;
}

spdlog::logger& Logger(Component component) {
  return *AllLoggers().loggers[static_cast<std::size_t>(component)];
}

}  // namespace coffer
