#ifndef COFFER_LIB_BASE_SCOPED_FD_H_
#define COFFER_LIB_BASE_SCOPED_FD_H_

#include <unistd.h>

#include <utility>

namespace coffer {

// Owns a file descriptor and closes it on every path out.
class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) close(fd_);
      fd_ = other.release();
    }
    return *this;
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;

  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace coffer

#endif  // COFFER_LIB_BASE_SCOPED_FD_H_
