#ifndef COFFER_LIB_HTTP_BEAST_CONNECTION_LIMITS_H_
#define COFFER_LIB_HTTP_BEAST_CONNECTION_LIMITS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/clock.h"
#include "lib/base/log_throttle.h"

namespace coffer::http::beast {

// Counts the server's open connections, in all and per peer address, so that one client (or
// many) cannot hold every file descriptor: a connection past either cap is closed as soon as
// it is accepted, before any TLS or HTTP work. Thread-safe (the I/O threads share one).
class ConnectionLimits {
 public:
  ConnectionLimits(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  // Takes a place for a connection from `address` (http::PeerSource: the peer's IP, an IPv6
  // peer's /64); false when a cap is reached, and nothing is taken.
  bool Admit(const std::string& address);
  // Gives back a place Admit took.
  void Release(const std::string& address);
  // Logs a refused connection, at most one line per 10 s with a count of the others.
  void NoteRefused(const std::string& address);

  std::size_t total() const;

 private:
  const std::size_t max_total_;
  const std::size_t max_per_address_;
  mutable absl::Mutex mu_;
  std::size_t total_ ABSL_GUARDED_BY(mu_) = 0;
  std::unordered_map<std::string, std::size_t> per_address_ ABSL_GUARDED_BY(mu_);
  LogThrottle refusal_log_{Clock::Real(), absl::Seconds(10)};
};

}  // namespace coffer::http::beast

#endif  // COFFER_LIB_HTTP_BEAST_CONNECTION_LIMITS_H_
