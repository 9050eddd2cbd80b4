#include "vault-core/keystore/pin.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "lib/base/logging.h"

namespace coffer::keystore {
namespace {

// A PIN is short; a bigger file is surely the wrong one.
constexpr size_t kMaxPinFileSize = 4096;

absl::Status ErrnoStatus(int err, const std::string& what) {
  std::string message = what + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::FailedPreconditionError(message);
  }
}

void TrimTrailingNewlines(SecretBytes& pin) {
  size_t size = pin.size();
  while (size > 0 && (pin.data()[size - 1] == '\n' || pin.data()[size - 1] == '\r')) --size;
  pin.resize(size);
}

}  // namespace

bool PinFileIsPrivate(mode_t mode, gid_t file_group, gid_t process_group) {
  if ((mode & S_IRWXO) != 0) return false;
  return (mode & S_IRWXG) == 0 || file_group == process_group;
}

namespace {

absl::StatusOr<SecretBytes> ReadPinFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open PIN file '" + path + "'");
  struct stat st = {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return absl::FailedPreconditionError("PIN file '" + path + "' is not a regular file");
  }
  if (!PinFileIsPrivate(st.st_mode, st.st_gid, getegid())) {
    COFFER_LOG(kHsm, warn,
               "PIN file '{}' is accessible by other users (mode {:04o}, group {}); chmod 600 it",
               path, st.st_mode & 0777, st.st_gid);
  }
  std::optional<SecretBytes> pin = ReadSecretFd(fd, kMaxPinFileSize);
  const int err = errno;
  close(fd);
  if (!pin) return ErrnoStatus(err, "cannot read PIN file '" + path + "'");
  if (pin->size() > kMaxPinFileSize) {
    return absl::InvalidArgumentError("PIN file '" + path + "' is larger than 4 KiB");
  }
  TrimTrailingNewlines(*pin);
  if (pin->empty()) return absl::InvalidArgumentError("PIN file '" + path + "' is empty");
  return *std::move(pin);
}

}  // namespace

absl::StatusOr<SecretBytes> ReadPin(const std::string& pin_file, const std::string& pin_env) {
  if (pin_file.empty() == pin_env.empty()) {
    return absl::InvalidArgumentError(
        pin_file.empty() ? "no HSM PIN source: set the PIN file or the PIN environment variable"
                         : "both a PIN file and a PIN environment variable are set; use one");
  }
  if (!pin_file.empty()) return ReadPinFile(pin_file);
  const char* value = std::getenv(pin_env.c_str());
  if (value == nullptr) {
    return absl::NotFoundError("environment variable " + pin_env + " (the HSM PIN) is not set");
  }
  SecretBytes pin{std::string_view(value)};
  // The environment's copy is wiped and removed: it would otherwise stay in the process's
  // memory (and /proc/self/environ, and a core dump) for as long as the process lives.
  internal::ZeroMemory(const_cast<char*>(value), std::strlen(value));
  unsetenv(pin_env.c_str());
  if (pin.empty()) {
    return absl::InvalidArgumentError("environment variable " + pin_env +
                                      " (the HSM PIN) is empty");
  }
  return pin;
}

}  // namespace coffer::keystore
