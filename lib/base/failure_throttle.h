#ifndef COFFER_LIB_BASE_FAILURE_THROTTLE_H_
#define COFFER_LIB_BASE_FAILURE_THROTTLE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"

namespace coffer {

// Counts failures per key (a client id, a source address) and says when a key has failed too
// often: `burst` failures in a row pass, then one more each `refill` (a token bucket, kept as
// the time at which the key's bucket is full again). Successes cost nothing and forgive
// nothing: a key earns attempts back only with time.
//
// At most `max_keys` keys are remembered. When that many are still owed time, the oldest
// entries are not searched for: an arbitrary one is forgotten, which costs the table at most
// one key's history per new key (the caller's queue bounds the rest). Thread-safe.
class FailureThrottle {
 public:
  struct Options {
    int burst = 10;
    absl::Duration refill = absl::Seconds(6);
    std::size_t max_keys = 100000;
  };

  FailureThrottle(Clock& clock, Options options) : clock_(clock), options_(options) {}

  // How long `key` must wait before its next attempt; zero when it may go now.
  absl::Duration Wait(std::string_view key);
  // Records one failure of `key`. True when this failure used up the key's last attempt: the
  // moment it becomes throttled (worth one audit record; the refusals after it are not).
  bool Failed(std::string_view key);

  std::size_t size() const;

 private:
  // `full` as far ahead as failures alone can put it: a clock stepped back leaves it further,
  // and owing more than a full bucket would lock the key out for as long as the clock stepped.
  absl::Time Capped(absl::Time full, absl::Time now) const;
  // The wait for a key whose bucket is full again at `full`.
  absl::Duration WaitFor(absl::Time full, absl::Time now) const;
  void MakeRoom(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock& clock_;
  const Options options_;
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, absl::Time> full_at_ ABSL_GUARDED_BY(mu_);
  absl::Time last_sweep_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace coffer

#endif  // COFFER_LIB_BASE_FAILURE_THROTTLE_H_
