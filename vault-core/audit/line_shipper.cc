#include "vault-core/audit/line_shipper.h"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/base/logging.h"

namespace coffer::audit {
namespace {

constexpr std::string_view kUnixPrefix = "unix:";

std::int64_t CountLines(std::string_view bytes) {
  return static_cast<std::int64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
}

}  // namespace

absl::StatusOr<std::unique_ptr<LineShipper>> LineShipper::Start(const std::string& target,
                                                                std::size_t max_queued_bytes) {
  if (target == "stdout") return ForDescriptor(STDOUT_FILENO, max_queued_bytes);
  if (target.compare(0, kUnixPrefix.size(), kUnixPrefix) != 0 ||
      target.size() == kUnixPrefix.size() ||
      target.size() - kUnixPrefix.size() >= sizeof(sockaddr_un::sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "audit shipping target must be stdout or unix:PATH (a path of at most ",
        sizeof(sockaddr_un::sun_path) - 1, " bytes)"));
  }
  std::unique_ptr<LineShipper> shipper(
      new LineShipper(target.substr(kUnixPrefix.size()), -1, max_queued_bytes));
  shipper->thread_ = std::thread([raw = shipper.get()] { raw->Run(); });
  return shipper;
}

std::unique_ptr<LineShipper> LineShipper::ForDescriptor(int fd, std::size_t max_queued_bytes) {
  std::unique_ptr<LineShipper> shipper(new LineShipper("", fd, max_queued_bytes));
  shipper->thread_ = std::thread([raw = shipper.get()] { raw->Run(); });
  return shipper;
}

LineShipper::LineShipper(std::string socket_path, int fd, std::size_t max_queued_bytes)
    : socket_path_(std::move(socket_path)), max_queued_bytes_(max_queued_bytes), fd_(fd) {}

LineShipper::~LineShipper() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
  if (!socket_path_.empty()) Disconnect();
}

void LineShipper::Ship(std::string lines) {
  if (lines.empty()) return;
  absl::MutexLock lock(&mu_);
  if (queued_bytes_ + lines.size() > max_queued_bytes_) {
    const std::int64_t dropped = CountLines(lines);
    dropped_lines_ += dropped;
    int64_t held_back = 0;
    if (log_.Admit("behind", &held_back)) {
      COFFER_LOG(kAudit, warn,
                 "audit shipping to {} is behind: {} lines dropped so far (the log file has "
                 "them)",
                 socket_path_.empty() ? "stdout" : socket_path_, dropped_lines_);
    }
    return;
  }
  queued_bytes_ += lines.size();
  queue_.push_back(std::move(lines));
}

std::int64_t LineShipper::shipped_lines() const {
  absl::MutexLock lock(&mu_);
  return shipped_lines_;
}

std::int64_t LineShipper::dropped_lines() const {
  absl::MutexLock lock(&mu_);
  return dropped_lines_;
}

bool LineShipper::HasWorkOrStopping() const { return stopping_ || !queue_.empty(); }

void LineShipper::Run() {
  pthread_setname_np(pthread_self(), "coffer-ship");
  // A collector that went away must be an EPIPE here, not a signal that ends the process.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  absl::Time give_up = absl::InfiniteFuture();  // once stopping: two more seconds
  std::size_t sent = 0;  // into the batch at the queue's front
  for (;;) {
    std::string batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &LineShipper::HasWorkOrStopping));
      if (stopping_ && give_up == absl::InfiniteFuture()) give_up = absl::Now() + absl::Seconds(2);
      if (queue_.empty() || absl::Now() >= give_up) return;
      batch = queue_.front();  // a copy: Ship only appends, so the front stays this batch
    }
    if (Connected() && Send(batch, &sent)) {
      absl::MutexLock lock(&mu_);
      queue_.pop_front();
      queued_bytes_ -= batch.size();
      shipped_lines_ += CountLines(batch);
      sent = 0;
      continue;
    }
    Disconnect();
    // Dial again in a second; a stop does not wait for a collector that is away.
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Seconds(1));
  }
}

bool LineShipper::Connected() {
  if (fd_ >= 0) return true;
  if (socket_path_.empty()) return false;  // a borrowed descriptor that failed: gone for good
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket_path_.data(), socket_path_.size());
  // A collector that stops reading must not hold this thread for long: the queue then fills
  // and drops, rather than the shipper waiting forever.
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    int64_t held_back = 0;
    if (log_.Admit("connect", &held_back)) {
      COFFER_LOG(kAudit, warn, "cannot ship audit lines to {}: {}", socket_path_,
                 std::strerror(errno));
    }
    close(fd);
    return false;
  }
  fd_ = fd;
  return true;
}

void LineShipper::Disconnect() {
  if (fd_ >= 0 && !socket_path_.empty()) close(fd_);
  if (!socket_path_.empty()) fd_ = -1;
}

bool LineShipper::Send(const std::string& batch, std::size_t* sent) {
  while (*sent < batch.size()) {
    ssize_t n = write(fd_, batch.data() + *sent, batch.size() - *sent);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {  // SO_SNDTIMEO: still there
      absl::MutexLock lock(&mu_);
      if (stopping_) return false;
      continue;
    }
    if (n <= 0) {
      // What of the current line the collector got is incomplete: it is sent again whole.
      const std::size_t line_start = batch.rfind('\n', *sent == 0 ? 0 : *sent - 1);
      *sent = line_start == std::string::npos || *sent == 0 ? 0 : line_start + 1;
      int64_t held_back = 0;
      if (log_.Admit("send", &held_back)) {
        COFFER_LOG(kAudit, warn, "audit shipping to {} failed: {}",
                   socket_path_.empty() ? "stdout" : socket_path_, std::strerror(errno));
      }
      return false;
    }
    *sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace coffer::audit
