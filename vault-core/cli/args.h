#ifndef COFFER_VAULT_CORE_CLI_ARGS_H_
#define COFFER_VAULT_CORE_CLI_ARGS_H_

// The command line of `coffer`: flags and positional words, usage errors, and exit codes.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace coffer::cli {

// Exit codes that scripts can rely on (docs/cli.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,
  kExitUsage = 2,
  kExitNotFound = 3,
  kExitDenied = 4,  // unauthenticated or permission denied
  kExitConflict = 5,
  kExitTampered = 6,
  kExitUnavailable = 7,
};

struct FlagSpec {
  std::string name;             // "--hostname"
  std::string value_name = "";  // "H"; empty for a switch
  std::string help = "";
  bool repeatable = false;
  std::string short_name = "";  // "-o"; optional
};

// Parsed flags and positional words. Accepted forms: `--flag value`, `--flag=value`, `-o value`,
// switches without a value, and `--` before words that start with '-'.
class Args {
 public:
  // Usage errors: an unknown flag, a missing value, a value given to a switch, a repeated flag
  // that is not repeatable.
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& argv,
                                    const std::vector<FlagSpec>& specs);

  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(std::string_view flag) const;
  // The value given to a flag (the last one for a repeatable flag).
  std::optional<std::string> Value(std::string_view flag) const;
  std::vector<std::string> Values(std::string_view flag) const;

 private:
  std::vector<std::string> positional_;
  std::vector<std::pair<std::string, std::string>> flags_;  // by long name, in order
};

// A status that makes `coffer` exit with kExitUsage.
absl::Status UsageError(std::string_view message);
bool IsUsageError(const absl::Status& status);

// A status that makes `coffer` exit with `code` and print nothing more (the command has already
// said what happened, as `audit verify` does for a tampered file).
absl::Status QuietExit(int code);
std::optional<int> QuietExitCode(const absl::Status& status);

// The exit code for a command's result.
int ExitCodeFor(const absl::Status& status);

// "720h", "90m", "30d" (days are ours; the rest is absl::ParseDuration). Usage error if bad or
// not positive.
absl::StatusOr<long long> ParseDurationSeconds(std::string_view text, std::string_view flag);

// A decimal integer; a usage error naming `flag` otherwise.
absl::StatusOr<long long> ParseInteger(std::string_view text, std::string_view flag);

// "get, list,set" -> {"get", "list", "set"}; empty items are dropped.
std::vector<std::string> SplitList(std::string_view text);

}  // namespace coffer::cli

#endif  // COFFER_VAULT_CORE_CLI_ARGS_H_
