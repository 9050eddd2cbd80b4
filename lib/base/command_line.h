#ifndef COFFER_LIB_BASE_COMMAND_LINE_H_
#define COFFER_LIB_BASE_COMMAND_LINE_H_

// The command lines of the long-running binaries (coffer-operator, coffer-csi): "--flag VALUE"
// or "--flag=VALUE", and bare switches, every error naming the flag.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace coffer {

struct CommandLineFlags {
  // Each flag that takes a value, with what to do with it (an error names the flag).
  std::map<std::string, std::function<absl::Status(const std::string&)>> with_value;
  // Each flag without a value, with the bool it sets.
  std::map<std::string, bool*> switches;
  std::string* log_level = nullptr;   // --log-level, checked against spdlog's level names
  std::string* log_format = nullptr;  // --log-format text|json
};

// Applies `args` to `flags`. Stops at --help or -h, setting `*help`. INVALID_ARGUMENT
// ("--flag: what is wrong") for an unknown flag, a missing value or a value refused.
absl::Status ParseCommandLine(const std::vector<std::string>& args, CommandLineFlags flags,
                              bool* help);

}  // namespace coffer

#endif  // COFFER_LIB_BASE_COMMAND_LINE_H_
