#include "csi-driver/fs/atomic_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "absl/strings/str_format.h"
#include "lib/base/scoped_fd.h"

// Every step works relative to a descriptor of the volume directory and never follows a
// symbolic link: whatever a pod may have put into its volume, the driver (root, in the host's
// mount namespace) only ever touches entries of that directory and of its own set directories.

namespace coffer::csi {
namespace {

constexpr char kData[] = "..data";
constexpr char kDataTmp[] = "..data_tmp";

absl::Status Failed(const std::string& what, const std::string& path) {
  return absl::InternalError(what + " " + path + ": " + std::strerror(errno));
}

bool ValidName(const std::string& name) {
  return !name.empty() && name.size() <= 255 && name[0] != '.' &&
         name.find('/') == std::string::npos && name.find('\0') == std::string::npos;
}

// "..2026_12_02_18_41_45.123456789": sortable, and never a valid file name.
std::string SetDirName(absl::Time now) {
  return absl::FormatTime("..%Y_%m_%d_%H_%M_%E9S", now, absl::UTCTimeZone());
}

ScopedFd OpenDir(int at, const std::string& name) {
  return ScopedFd(openat(at, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

std::vector<std::string> Entries(int dir) {
  std::vector<std::string> names;
  int fd = dup(dir);
  DIR* d = fd < 0 ? nullptr : fdopendir(fd);
  if (d == nullptr) {
    if (fd >= 0) close(fd);
    return names;
  }
  rewinddir(d);
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  return names;
}

std::string LinkTarget(int dir, const std::string& name) {
  char buffer[4096];
  ssize_t n = readlinkat(dir, name.c_str(), buffer, sizeof(buffer));
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

// Empties the set directory `name` and removes it; a link of that name is removed itself.
void RemoveEntry(int dir, const std::string& name) {
  struct stat st;
  if (fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (!S_ISDIR(st.st_mode)) {
    unlinkat(dir, name.c_str(), 0);
    return;
  }
  if (ScopedFd set = OpenDir(dir, name); set.get() >= 0) {
    for (const std::string& entry : Entries(set.get())) unlinkat(set.get(), entry.c_str(), 0);
  }
  unlinkat(dir, name.c_str(), AT_REMOVEDIR);
}

absl::Status WriteFile(int set, const std::string& dir, const FileToWrite& file) {
  const std::string path = dir + "/" + file.name;
  ScopedFd fd(
      openat(set, file.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) return Failed("cannot create", path);
  std::string_view data = file.content.reveal();
  while (!data.empty()) {
    ssize_t n = write(fd.get(), data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Failed("cannot write", path);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  // The mode is set after the content, and not through umask.
  if (fchmod(fd.get(), file.mode & 07777) != 0) return Failed("cannot chmod", path);
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteAtomically(const std::string& dir, const std::vector<FileToWrite>& files,
                             absl::Time now) {
  std::set<std::string> names;
  for (const FileToWrite& file : files) {
    if (!ValidName(file.name)) return absl::InvalidArgumentError("bad file name '" + file.name + "'");
    if (!names.insert(file.name).second) {
      return absl::InvalidArgumentError("two objects would be written to file '" + file.name + "'");
    }
  }
  ScopedFd root(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (root.get() < 0) return Failed("cannot open", dir);
  const int at = root.get();
  const std::string previous = LinkTarget(at, kData);
  std::string set_name = SetDirName(now);
  if (set_name == previous) set_name += "_";  // two writes within a nanosecond's tick
  const std::string set_path = dir + "/" + set_name;
  if (mkdirat(at, set_name.c_str(), 0755) != 0) return Failed("cannot create", set_path);
  absl::Status written;
  {
    ScopedFd set = OpenDir(at, set_name);
    // mkdir's mode is cut by the umask; readers of any uid need to enter it.
    if (set.get() < 0 || fchmod(set.get(), 0755) != 0) {
      written = Failed("cannot open", set_path);
    }
    for (const FileToWrite& file : files) {
      if (!written.ok()) break;
      written = WriteFile(set.get(), set_path, file);
    }
  }
  if (!written.ok()) {
    RemoveEntry(at, set_name);
    return written;
  }
  // The switch: a new link under a temporary name, renamed over the old one (rename is atomic).
  unlinkat(at, kDataTmp, 0);
  if (symlinkat(set_name.c_str(), at, kDataTmp) != 0 || renameat(at, kDataTmp, at, kData) != 0) {
    absl::Status failed = Failed("cannot switch", dir + "/" + kData);
    unlinkat(at, kDataTmp, 0);
    RemoveEntry(at, set_name);
    return failed;
  }
  // From here on the new set is live; what follows only tidies up.
  for (const std::string& name : names) {
    const std::string want = std::string(kData) + "/" + name;
    if (LinkTarget(at, name) == want) continue;
    unlinkat(at, name.c_str(), 0);
    if (symlinkat(want.c_str(), at, name.c_str()) != 0) return Failed("cannot link", dir + "/" + name);
  }
  for (const std::string& entry : Entries(at)) {
    if (entry.rfind("..", 0) == 0) {
      // Earlier sets, and any left by a write that was cut off.
      if (entry != kData && entry != set_name) RemoveEntry(at, entry);
    } else if (names.count(entry) == 0 &&
               LinkTarget(at, entry).rfind(std::string(kData) + "/", 0) == 0) {
      unlinkat(at, entry.c_str(), 0);
    }
  }
  return absl::OkStatus();
}

void RemoveSets(const std::string& dir) {
  ScopedFd root(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (root.get() < 0) return;
  for (const std::string& entry : Entries(root.get())) {
    if (entry.rfind("..", 0) == 0) {
      RemoveEntry(root.get(), entry);
    } else if (LinkTarget(root.get(), entry).rfind(std::string(kData) + "/", 0) == 0) {
      unlinkat(root.get(), entry.c_str(), 0);
    }
  }
}

}  // namespace coffer::csi
