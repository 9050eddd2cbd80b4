#ifndef COFFER_LIB_BASE_LOG_THROTTLE_H_
#define COFFER_LIB_BASE_LOG_THROTTLE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"

namespace coffer {

// Lets one line per cause through per period and counts the ones held back. A failure that
// every request meets (a cluster down, storage unreadable) then costs one log line per period,
// not one per request: whoever sends the requests does not decide how much is logged. Causes
// are counted apart, so a noisy one never hides another. Keep the set of causes small and
// fixed (a component, a configured cluster): never a value taken from a request. Thread-safe.
class LogThrottle {
 public:
  LogThrottle(Clock& clock, absl::Duration period) : clock_(clock), period_(period) {}

  // Whether to log `cause` now; when so, *held_back is how many lines of it were held back
  // since its last one.
  bool Admit(std::string_view cause, int64_t* held_back) {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    auto it = causes_.find(cause);
    if (it == causes_.end()) it = causes_.emplace(std::string(cause), State()).first;
    State& state = it->second;
    // A clock stepped back must not silence a cause for as long as it stepped.
    if (now < state.next && now >= state.next - period_) {
      ++state.held_back;
      return false;
    }
    state.next = now + period_;
    *held_back = state.held_back;
    state.held_back = 0;
    return true;
  }

 private:
  struct State {
    absl::Time next = absl::InfinitePast();
    int64_t held_back = 0;
  };
  Clock& clock_;
  const absl::Duration period_;
  absl::Mutex mu_;
  std::map<std::string, State, std::less<>> causes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coffer

#endif  // COFFER_LIB_BASE_LOG_THROTTLE_H_
