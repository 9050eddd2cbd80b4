#ifndef COFFER_VAULT_CORE_SERVICE_RETRY_H_
#define COFFER_VAULT_CORE_SERVICE_RETRY_H_

#include "absl/status/status.h"

namespace coffer::service {

// Runs `attempt` (a read-modify-write with store preconditions) again while it loses
// optimistic-concurrency races (ABORTED). After many losses: UNAVAILABLE, so the client backs off.
template <typename F>
auto RetryOnConflict(F&& attempt) -> decltype(attempt()) {
  constexpr int kMaxAttempts = 16;
  for (int i = 0; i < kMaxAttempts; ++i) {
    auto result = attempt();
    if (!absl::IsAborted(result.status())) return result;
  }
  return absl::UnavailableError("too many concurrent writes to one object; retry");
}

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_RETRY_H_
