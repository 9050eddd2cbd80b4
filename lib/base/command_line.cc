#include "lib/base/command_line.h"

namespace coffer {
namespace {

absl::Status Bad(const std::string& flag, const std::string& what) {
  return absl::InvalidArgumentError(flag + ": " + what);
}

}  // namespace

absl::Status ParseCommandLine(const std::vector<std::string>& args, CommandLineFlags flags,
                              bool* help) {
  if (flags.log_level != nullptr) {
    flags.with_value["--log-level"] = [level = flags.log_level](const std::string& v) {
      *level = v;
      for (const char* name : {"trace", "debug", "info", "warn", "err", "critical", "off"}) {
        if (v == name) return absl::OkStatus();
      }
      return Bad("--log-level", "trace, debug, info, warn, err, critical or off");
    };
  }
  if (flags.log_format != nullptr) {
    flags.with_value["--log-format"] = [format = flags.log_format](const std::string& v) {
      *format = v;
      return v == "text" || v == "json" ? absl::OkStatus() : Bad("--log-format", "text or json");
    };
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
      return absl::OkStatus();
    }
    if (auto on = flags.switches.find(arg); on != flags.switches.end()) {
      *on->second = true;
      continue;
    }
    // "--flag=value" as well as "--flag value": manifests and Helm charts write the first.
    const std::size_t eq = arg.rfind("--", 0) == 0 ? arg.find('=') : std::string::npos;
    const std::string name = arg.substr(0, eq);
    auto handler = flags.with_value.find(name);
    if (handler == flags.with_value.end()) {
      return Bad(name, flags.switches.count(name) ? "takes no value" : "unknown flag (see --help)");
    }
    if (eq == std::string::npos && i + 1 >= args.size()) return Bad(arg, "needs a value");
    absl::Status parsed = handler->second(eq == std::string::npos ? args[++i] : arg.substr(eq + 1));
    if (!parsed.ok()) return parsed;
  }
  return absl::OkStatus();
}

}  // namespace coffer
