#include "lib/kube/retry.h"

#include <algorithm>

namespace coffer::kube {

absl::Status RetryOnConflict(const std::function<absl::Status()>& fn, const RetryOptions& options) {
  absl::Duration delay = options.initial_delay;
  absl::Status status;
  for (int attempt = 1;; ++attempt) {
    status = fn();
    if (status.code() != absl::StatusCode::kAborted || attempt >= options.attempts) return status;
    options.sleep(delay);
    delay = std::min(delay * options.factor, options.max_delay);
  }
}

}  // namespace coffer::kube
