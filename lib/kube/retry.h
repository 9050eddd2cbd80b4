#ifndef COFFER_LIB_KUBE_RETRY_H_
#define COFFER_LIB_KUBE_RETRY_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace coffer::kube {

struct RetryOptions {
  int attempts = 5;  // client-go's retry.DefaultRetry: 5 steps from 10 ms
  absl::Duration initial_delay = absl::Milliseconds(10);
  double factor = 2.0;
  absl::Duration max_delay = absl::Seconds(1);
  // Waits between attempts; tests record the delays instead of sleeping.
  std::function<void(absl::Duration)> sleep = [](absl::Duration d) { absl::SleepFor(d); };
};

// client-go's retry.RetryOnConflict: runs `fn`, which must re-read the object, apply its change
// and write it back, again while it fails with ABORTED (409 Conflict: someone else wrote the
// object first), waiting with exponential backoff between attempts. Returns the first other
// result, or the last ABORTED once `attempts` are used up.
absl::Status RetryOnConflict(const std::function<absl::Status()>& fn,
                             const RetryOptions& options = RetryOptions());

}  // namespace coffer::kube

#endif  // COFFER_LIB_KUBE_RETRY_H_
