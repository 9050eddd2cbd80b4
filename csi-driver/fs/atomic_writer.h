#ifndef COFFER_CSI_DRIVER_FS_ATOMIC_WRITER_H_
#define COFFER_CSI_DRIVER_FS_ATOMIC_WRITER_H_

// Replaces the set of files in a directory at once, as kubelet does for Secret volumes:
//
//   DIR/..2026_12_02_18_41_45.123456789/   this set's files, written first
//   DIR/..data -> ..2026_12_02_18_41_45.123456789    renamed into place: the switch
//   DIR/NAME -> ..data/NAME                          one stable link per file
//
// A reader that resolves DIR/..data once and reads beneath it sees one whole set, never a mix
// of two; one that opens DIR/NAME gets the old or the new file, never a partial one.

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lib/base/secret_bytes.h"

namespace coffer::csi {

struct FileToWrite {
  std::string name;  // a plain file name: no '/', not starting with '.'
  SecretBytes content;
  mode_t mode = 0644;
};

// Writes `files` as DIR's new set, then removes the previous set and the links of files no
// longer in it. On error the previous set stays in place and what was begun is removed.
// INVALID_ARGUMENT for a bad or repeated name; INTERNAL for a file system error. Not
// thread-safe for one DIR: the caller serialises writes to a volume.
absl::Status WriteAtomically(const std::string& dir, const std::vector<FileToWrite>& files,
                             absl::Time now);

// Removes every set from DIR, ..data, and the links into it; anything else is left.
void RemoveSets(const std::string& dir);

}  // namespace coffer::csi

#endif  // COFFER_CSI_DRIVER_FS_ATOMIC_WRITER_H_
