#ifndef COFFER_LIB_BASE_RECENT_KEYS_H_
#define COFFER_LIB_BASE_RECENT_KEYS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"

namespace coffer {

// The keys seen within the last `ttl`: each Touch() keeps a key for `ttl` more. At most
// `capacity` keys are kept; a full table drops what has expired (looked for at most once a
// minute), else an arbitrary key: the set grants a courtesy, never what decides access.
// Thread-safe.
class RecentKeys {
 public:
  RecentKeys(Clock& clock, absl::Duration ttl, std::size_t capacity)
      : clock_(clock), ttl_(ttl), capacity_(capacity) {}

  void Touch(std::string_view key);
  bool Contains(std::string_view key) const;
  std::size_t size() const;

 private:
  Clock& clock_;
  const absl::Duration ttl_;
  const std::size_t capacity_;
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, absl::Time> expires_ ABSL_GUARDED_BY(mu_);
  absl::Time last_sweep_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace coffer

#endif  // COFFER_LIB_BASE_RECENT_KEYS_H_
