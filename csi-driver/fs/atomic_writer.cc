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

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  return names;
}

std::string LinkTarget(const std::string& path) {
  char buffer[4096];
  ssize_t n = readlink(path.c_str(), buffer, sizeof(buffer));
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

void RemoveSetDir(const std::string& path) {
  for (const std::string& name : Entries(path)) unlink((path + "/" + name).c_str());
  rmdir(path.c_str());
}

absl::Status WriteFile(const std::string& path, const FileToWrite& file) {
  ScopedFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
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
  const std::string previous = LinkTarget(dir + "/" + kData);
  std::string set_name = SetDirName(now);
  if (set_name == previous) set_name += "_";  // two writes within a nanosecond's tick
  const std::string set_path = dir + "/" + set_name;
  if (mkdir(set_path.c_str(), 0755) != 0) return Failed("cannot create", set_path);
  // mkdir's mode is cut by the umask; readers of any uid need to enter it.
  if (chmod(set_path.c_str(), 0755) != 0) {
    absl::Status failed = Failed("cannot chmod", set_path);
    RemoveSetDir(set_path);
    return failed;
  }
  for (const FileToWrite& file : files) {
    absl::Status written = WriteFile(set_path + "/" + file.name, file);
    if (!written.ok()) {
      RemoveSetDir(set_path);
      return written;
    }
  }
  // The switch: a new link under a temporary name, renamed over the old one (rename is atomic).
  const std::string tmp = dir + "/" + kDataTmp;
  unlink(tmp.c_str());
  if (symlink(set_name.c_str(), tmp.c_str()) != 0 ||
      rename(tmp.c_str(), (dir + "/" + kData).c_str()) != 0) {
    absl::Status failed = Failed("cannot switch", dir + "/" + kData);
    unlink(tmp.c_str());
    RemoveSetDir(set_path);
    return failed;
  }
  // From here on the new set is live; what follows only tidies up.
  for (const std::string& name : names) {
    std::string link = dir + "/" + name;
    std::string want = std::string(kData) + "/" + name;
    if (LinkTarget(link) == want) continue;
    unlink(link.c_str());
    if (symlink(want.c_str(), link.c_str()) != 0) return Failed("cannot link", link);
  }
  for (const std::string& entry : Entries(dir)) {
    std::string path = dir + "/" + entry;
    if (entry.rfind("..", 0) == 0) {
      // Earlier sets, and any left by a write that was cut off. Only real directories are
      // emptied: opendir on a stray link would follow it into the live set.
      struct stat st;
      if (entry == kData || entry == set_name || lstat(path.c_str(), &st) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        RemoveSetDir(path);
      } else {
        unlink(path.c_str());
      }
    } else if (names.count(entry) == 0 && LinkTarget(path).rfind(std::string(kData) + "/", 0) == 0) {
      unlink(path.c_str());
    }
  }
  return absl::OkStatus();
}

void RemoveSets(const std::string& dir) {
  for (const std::string& entry : Entries(dir)) {
    std::string path = dir + "/" + entry;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) continue;
    if (entry.rfind("..", 0) == 0) {
      if (S_ISDIR(st.st_mode)) {
        RemoveSetDir(path);
      } else {
        unlink(path.c_str());
      }
    } else if (S_ISLNK(st.st_mode) && LinkTarget(path).rfind(std::string(kData) + "/", 0) == 0) {
      unlink(path.c_str());
    }
  }
}

}  // namespace coffer::csi
