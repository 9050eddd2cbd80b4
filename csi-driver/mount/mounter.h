#ifndef COFFER_CSI_DRIVER_MOUNT_MOUNTER_H_
#define COFFER_CSI_DRIVER_MOUNT_MOUNTER_H_

// What the driver does to a volume's target path: give it a private, size-capped tmpfs (so
// vault objects never touch a disk), and take it away again.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace coffer::csi {

class Mounter {
 public:
  virtual ~Mounter() = default;

  // Makes the existing directory `target` the root of a new tmpfs of at most `size_bytes`,
  // writable until SetWritable(target, false).
  virtual absl::Status MountTmpfs(const std::string& target, std::int64_t size_bytes) = 0;
  // Remounts this driver's tmpfs at `target` read-write or read-only: pods only ever see it
  // read-only, so nothing in it is theirs to change.
  virtual absl::Status SetWritable(const std::string& target, bool writable) = 0;
  // Undoes MountTmpfs; OK when `target` is no mount of this driver (already undone).
  virtual absl::Status Unmount(const std::string& target) = 0;
  // Whether `target` is a mount this driver made.
  virtual absl::StatusOr<bool> IsMounted(const std::string& target) = 0;
};

// Real tmpfs mounts (needs CAP_SYS_ADMIN: the node plugin runs privileged). Mounts are named
// "coffer-csi" in /proc/self/mountinfo, which is how the driver tells its own.
std::unique_ptr<Mounter> NewLinuxMounter();

// Mounts nothing: files go straight into the target directory (--no-tmpfs, for unprivileged
// local runs, and tests). A target counts as mounted when it holds a published set (..data).
std::unique_ptr<Mounter> NewDirectoryMounter();

}  // namespace coffer::csi

#endif  // COFFER_CSI_DRIVER_MOUNT_MOUNTER_H_
