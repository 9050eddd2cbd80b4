#ifndef COFFER_VAULT_CORE_AUDIT_LINE_SHIPPER_H_
#define COFFER_VAULT_CORE_AUDIT_LINE_SHIPPER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/clock.h"
#include "lib/base/log_throttle.h"

namespace coffer::audit {

// Sends the audit log's lines to a log collector as they become durable (docs/audit-log.md,
// "Shipping"): the process's stdout, or a unix stream socket the collector listens on. It never
// holds the log up: lines wait in a bounded queue for a thread of their own, and when the
// collector falls that far behind (or is away) new lines are dropped, counted and logged; the
// file keeps them all, and a gap in the shipped seqs shows the collector what it missed. Lines
// arrive in order, whole, at least once: after a reconnect the line that was being sent is sent
// again. Thread-safe.
class LineShipper {
 public:
  // `target` is "stdout" or "unix:PATH". INVALID_ARGUMENT for anything else. A socket that is
  // not there yet is not an error: it is dialled each second until it is.
  static absl::StatusOr<std::unique_ptr<LineShipper>> Start(const std::string& target,
                                                            std::size_t max_queued_bytes = 8 << 20);
  // The same over a descriptor it borrows (stdout is this with 1); for tests.
  static std::unique_ptr<LineShipper> ForDescriptor(int fd, std::size_t max_queued_bytes);
  // Sends what is queued for up to two seconds, then stops.
  ~LineShipper();
  LineShipper(const LineShipper&) = delete;
  LineShipper& operator=(const LineShipper&) = delete;

  // Queues whole lines, each ending with a newline; never blocks on the collector.
  void Ship(std::string lines);

  std::int64_t shipped_lines() const;
  std::int64_t dropped_lines() const;

 private:
  LineShipper(std::string socket_path, int fd, std::size_t max_queued_bytes);
  void Run();
  // Sends `batch` from `*sent` on; false when the collector went away (then `*sent` is the
  // start of the line it was in).
  bool Send(const std::string& batch, std::size_t* sent);
  bool Connected();
  void Disconnect();
  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string socket_path_;  // "" for a borrowed descriptor
  const std::size_t max_queued_bytes_;
  int fd_;  // only the shipping thread touches it; -1 while disconnected
  LogThrottle log_{Clock::Real(), absl::Seconds(30)};

  mutable absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  std::size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::int64_t shipped_lines_ ABSL_GUARDED_BY(mu_) = 0;
  std::int64_t dropped_lines_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace coffer::audit

#endif  // COFFER_VAULT_CORE_AUDIT_LINE_SHIPPER_H_
