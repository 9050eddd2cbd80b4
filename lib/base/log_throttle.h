#ifndef COFFER_LIB_BASE_LOG_THROTTLE_H_
#define COFFER_LIB_BASE_LOG_THROTTLE_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"

namespace coffer {

// Lets one line through per period and counts the ones held back. A failure that every
// request meets (a cluster down, storage unreadable) then costs one log line per period, not
// one per request: whoever sends the requests does not decide how much is logged.
// Thread-safe.
class LogThrottle {
 public:
  LogThrottle(Clock& clock, absl::Duration period) : clock_(clock), period_(period) {}

  // Whether to log now; when so, *held_back is how many were held back since the last line.
  bool Admit(int64_t* held_back) {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    if (now < next_) {
      ++held_back_;
      return false;
    }
    next_ = now + period_;
    *held_back = held_back_;
    held_back_ = 0;
    return true;
  }

 private:
  Clock& clock_;
  const absl::Duration period_;
  absl::Mutex mu_;
  absl::Time next_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t held_back_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace coffer

#endif  // COFFER_LIB_BASE_LOG_THROTTLE_H_
