#include "vault-core/keystore/software/key_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lib/base/scoped_fd.h"
#include "lib/base/status.h"

namespace coffer::keystore {
namespace {

constexpr size_t kMaxKeyFileSize = 64 * 1024;

absl::Status IoError(const std::string& what, const std::string& path, int err) {
  return absl::FailedPreconditionError(what + " '" + path + "': " + std::strerror(err));
}

absl::StatusOr<SecretBytes> ReadKeyFile(const std::string& path, int fd) {
  SecretBytes contents(kMaxKeyFileSize + 1);
  size_t total = 0;
  while (total < contents.size()) {
    ssize_t n = read(fd, contents.mutable_data() + total, contents.size() - total);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot read key file", path, errno);
    if (n == 0) break;
    total += static_cast<size_t>(n);
  }
  if (total > kMaxKeyFileSize) {
    return absl::FailedPreconditionError("key file '" + path + "' is larger than 64 KiB");
  }
  contents.resize(total);
  return contents;
}

absl::Status WriteAll(int fd, const SecretBytes& bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot write key file", path, errno);
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return IoError("cannot sync key file", path, errno);
  return absl::OkStatus();
}

// Returns true if this call created the file, false if another got there first.
absl::StatusOr<bool> CreateKeyFile(const std::string& path, const SecretBytes& contents) {
  std::string temp = path + ".tmp.XXXXXX";
  ScopedFd fd(mkstemp(temp.data()));  // mode 0600
  if (fd.get() < 0) return IoError("cannot create key file next to", path, errno);
  absl::Status written = WriteAll(fd.get(), contents, temp);
  // link(2), unlike rename(2), fails when the target exists: a racing creator keeps its key.
  int linked = written.ok() ? link(temp.c_str(), path.c_str()) : -1;
  int link_errno = errno;
  unlink(temp.c_str());
  COFFER_RETURN_IF_ERROR(written);
  if (linked == 0) return true;
  if (link_errno == EEXIST) return false;
  return IoError("cannot create key file", path, link_errno);
}

}  // namespace

absl::StatusOr<KeyFile> ReadOrCreateKeyFile(
    const std::string& path, const std::function<absl::StatusOr<SecretBytes>()>& make) {
  KeyFile result;
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0 && errno != ENOENT) return IoError("cannot open key file", path, errno);
  if (fd.get() < 0) {
    COFFER_ASSIGN_OR_RETURN(SecretBytes fresh, make());
    COFFER_ASSIGN_OR_RETURN(result.created, CreateKeyFile(path, fresh));
    if (result.created) {
      result.contents = std::move(fresh);
      return result;
    }
    ScopedFd existing(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (existing.get() < 0) return IoError("cannot open key file", path, errno);
    COFFER_ASSIGN_OR_RETURN(result.contents, ReadKeyFile(path, existing.get()));
    return result;
  }
  COFFER_ASSIGN_OR_RETURN(result.contents, ReadKeyFile(path, fd.get()));
  return result;
}

}  // namespace coffer::keystore
