#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "csi-driver/mount/mounter.h"

namespace coffer::csi {
namespace {

constexpr char kSource[] = "coffer-csi";
constexpr unsigned long kFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      int value = 0;
      bool octal = true;
      for (std::size_t j = 1; j <= 3; ++j) {
        char c = field[i + j];
        if (c < '0' || c > '7') octal = false;
        value = value * 8 + (c - '0');
      }
      if (octal) {
        out.push_back(static_cast<char>(value));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

class LinuxMounter : public Mounter {
 public:
  absl::Status MountTmpfs(const std::string& target, std::int64_t size_bytes) override {
    // Not executable, no devices, no set-uid: it holds data files only, a few hundred at most.
    // noswap (Linux 6.4 and later) keeps its pages off swap devices, as kubelet's own secret
    // volumes do; older kernels refuse the option and mount without it.
    std::string options = "size=" + std::to_string(size_bytes) + ",mode=0755,nr_inodes=4096";
    if (mount(kSource, target.c_str(), "tmpfs", kFlags, (options + ",noswap").c_str()) == 0 ||
        (errno == EINVAL &&
         mount(kSource, target.c_str(), "tmpfs", kFlags, options.c_str()) == 0)) {
      return absl::OkStatus();
    }
    return absl::InternalError(Errno("cannot mount a tmpfs at", target));
  }

  absl::Status SetWritable(const std::string& target, bool writable) override {
    // The mount's own read-only flag (MS_BIND), not the tmpfs's: a read-only remount of the
    // file system itself fails (EBUSY) while a reader holds a file a rotation has unlinked.
    // kubelet binds the volume into containers read-only (the driver takes readOnly volumes
    // only), so no view of it is writable.
    if (mount(nullptr, target.c_str(), nullptr,
              MS_REMOUNT | MS_BIND | kFlags | (writable ? 0 : MS_RDONLY), nullptr) != 0) {
      return absl::InternalError(Errno("cannot remount", target));
    }
    return absl::OkStatus();
  }

  absl::Status Unmount(const std::string& target) override {
    absl::StatusOr<bool> mounted = IsMounted(target);
    if (!mounted.ok()) return mounted.status();
    if (!*mounted) return absl::OkStatus();
    // A reader holding a file open must not keep the volume (and the pod) from going away.
    if (umount2(target.c_str(), 0) != 0 && umount2(target.c_str(), MNT_DETACH) != 0) {
      return absl::InternalError(Errno("cannot unmount", target));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<bool> IsMounted(const std::string& target) override {
    std::ifstream in("/proc/self/mountinfo");
    if (!in) return absl::InternalError("cannot read /proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
      // ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS
      std::istringstream fields(line);
      std::string id, parent, dev, root, mount_point, field;
      fields >> id >> parent >> dev >> root >> mount_point;
      while (fields >> field && field != "-") {
      }
      std::string fstype, source;
      fields >> fstype >> source;
      if (fstype == "tmpfs" && source == kSource && Unescape(mount_point) == target) return true;
    }
    return false;
  }
};

class DirectoryMounter : public Mounter {
 public:
  absl::Status MountTmpfs(const std::string&, std::int64_t) override { return absl::OkStatus(); }
  absl::Status SetWritable(const std::string&, bool) override { return absl::OkStatus(); }
  absl::Status Unmount(const std::string&) override { return absl::OkStatus(); }
  absl::StatusOr<bool> IsMounted(const std::string& target) override {
    struct stat st;
    return lstat((target + "/..data").c_str(), &st) == 0 && S_ISLNK(st.st_mode);
  }
};

}  // namespace

std::unique_ptr<Mounter> NewLinuxMounter() { return std::make_unique<LinuxMounter>(); }
std::unique_ptr<Mounter> NewDirectoryMounter() { return std::make_unique<DirectoryMounter>(); }

}  // namespace coffer::csi
