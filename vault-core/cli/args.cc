#include "vault-core/cli/args.h"

#include <cstdlib>

#include "absl/strings/cord.h"
#include "absl/time/time.h"
#include "lib/base/absl_compat.h"

namespace coffer::cli {
namespace {

constexpr char kUsagePayload[] = "type.coffer.dev/cli.usage";
constexpr char kQuietPayload[] = "type.coffer.dev/cli.quiet-exit";

const FlagSpec* Find(const std::vector<FlagSpec>& specs, std::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name || (!spec.short_name.empty() && spec.short_name == name)) return &spec;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& argv,
                                 const std::vector<FlagSpec>& specs) {
  Args args;
  bool only_words = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& token = argv[i];
    if (only_words || token.size() < 2 || token[0] != '-') {
      args.positional_.push_back(token);
      continue;
    }
    if (token == "--") {
      only_words = true;
      continue;
    }
    std::size_t eq = token.find('=');
    std::string name = token.substr(0, eq);
    const FlagSpec* spec = Find(specs, name);
    if (spec == nullptr) return UsageError("unknown flag " + name);
    std::string value;
    if (spec->value_name.empty()) {
      if (eq != std::string::npos) return UsageError(spec->name + " takes no value");
    } else if (eq != std::string::npos) {
      value = token.substr(eq + 1);
    } else if (i + 1 < argv.size()) {
      value = argv[++i];
    } else {
      return UsageError(spec->name + " needs a value (" + spec->name + " " + spec->value_name +
                        ")");
    }
    if (!spec->repeatable && args.Has(spec->name)) {
      return UsageError(spec->name + " was given twice");
    }
    args.flags_.emplace_back(spec->name, std::move(value));
  }
  return args;
}

bool Args::Has(std::string_view flag) const {
  for (const auto& [name, value] : flags_) {
    if (name == flag) return true;
  }
  return false;
}

std::optional<std::string> Args::Value(std::string_view flag) const {
  std::optional<std::string> out;
  for (const auto& [name, value] : flags_) {
    if (name == flag) out = value;
  }
  return out;
}

std::vector<std::string> Args::Values(std::string_view flag) const {
  std::vector<std::string> out;
  for (const auto& [name, value] : flags_) {
    if (name == flag) out.push_back(value);
  }
  return out;
}

absl::Status UsageError(std::string_view message) {
  absl::Status status = absl::InvalidArgumentError(AsAbsl(message));
  status.SetPayload(kUsagePayload, absl::Cord("1"));
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

absl::Status QuietExit(int code) {
  absl::Status status = absl::UnknownError("exit " + std::to_string(code));
  status.SetPayload(kQuietPayload, absl::Cord(std::to_string(code)));
  return status;
}

std::optional<int> QuietExitCode(const absl::Status& status) {
  auto payload = status.GetPayload(kQuietPayload);
  if (!payload.has_value()) return std::nullopt;
  return std::atoi(std::string(*payload).c_str());
}

int ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  if (auto quiet = QuietExitCode(status)) return *quiet;
  if (IsUsageError(status)) return kExitUsage;
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return kExitNotFound;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return kExitDenied;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
      return kExitConflict;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kExitUnavailable;
    default:
      return kExitError;
  }
}

absl::StatusOr<long long> ParseDurationSeconds(std::string_view text, std::string_view flag) {
  absl::Duration duration;
  bool ok = false;
  if (text.size() > 1 && text.back() == 'd') {
    char* end = nullptr;
    std::string days(text.substr(0, text.size() - 1));
    long long n = std::strtoll(days.c_str(), &end, 10);
    ok = end != nullptr && *end == '\0';
    duration = absl::Hours(24) * n;
  } else {
    ok = absl::ParseDuration(AsAbsl(text), &duration);
  }
  if (!ok || duration <= absl::ZeroDuration()) {
    return UsageError("invalid " + std::string(flag) + " '" + std::string(text) +
                      "': expected a duration such as 720h, 90m or 30d");
  }
  return absl::ToInt64Seconds(duration);
}

absl::StatusOr<long long> ParseInteger(std::string_view text, std::string_view flag) {
  std::string copy(text);
  char* end = nullptr;
  long long value = std::strtoll(copy.c_str(), &end, 10);
  if (copy.empty() || end == nullptr || *end != '\0') {
    return UsageError("invalid " + std::string(flag) + " '" + copy + "': expected a number");
  }
  return value;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

}  // namespace coffer::cli
