#ifndef COFFER_LIB_BASE_LOGGING_H_
#define COFFER_LIB_BASE_LOGGING_H_

// Operator-facing logs (the audit trail is a separate sink). Include this from .cc files only.
// Never pass a secret, token or key to a log call: SecretBytes prints as "[redacted]" anyway.
//
//   COFFER_LOG(kStorage, info, "opened {}", path);

#include <cstddef>
#include <string>
#include <string_view>

#include "spdlog/logger.h"

namespace coffer {

enum class Component {
  kVault,
  kConfig,
  kHttp,
  kStorage,
  kHsm,
  kCrypto,
  kAudit,
  kKube,
  kOperator,
  kCsi,
  kTest
};
enum class LogFormat { kText, kJson };

// Sets format and level for every component's logger; safe to call again (tests, reloads).
// Level names are spdlog's: trace, debug, info, warn, error, critical, off.
void InitLogging(LogFormat format, std::string_view level);

spdlog::logger& Logger(Component component);

// `text` from outside (a path, a header) made fit for one log line: at most `max` bytes, then
// "..."; control characters, backslashes and bytes outside ASCII as \xNN, so that nobody can
// start a line of their own in the operator's log.
std::string ForLog(std::string_view text, std::size_t max = 256);

}  // namespace coffer

// Checks the level before any formatting work is done. Severities are spdlog's: trace, debug,
// info, warn, err, critical.
#define COFFER_LOG(component, severity, ...)                                             \
  do {                                                                                   \
    ::spdlog::logger& coffer_logger_ = ::coffer::Logger(::coffer::Component::component); \
    if (coffer_logger_.should_log(::spdlog::level::severity)) {                          \
      coffer_logger_.log(::spdlog::level::severity, __VA_ARGS__);                        \
    }                                                                                    \
  } while (0)

#endif  // COFFER_LIB_BASE_LOGGING_H_
