#ifndef COFFER_CSI_DRIVER_PUBLISH_PUBLISHER_H_
#define COFFER_CSI_DRIVER_PUBLISH_PUBLISHER_H_

// The work behind NodePublishVolume and NodeUnpublishVolume, free of gRPC: fetch what a
// VaultMount names with the pod's own identity, write it to a tmpfs at the target path with an
// atomic swap, keep it current on republish, and remember each volume in a state directory so
// that a restarted driver carries on. Thread-safe; calls on one volume do not overlap (the
// second gets ABORTED).

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "csi-driver/fs/atomic_writer.h"
#include "csi-driver/mount/mounter.h"
#include "csi-driver/publish/backends.h"
#include "csi-driver/publish/object_cache.h"
#include "csi-driver/publish/volume.h"
#include "lib/base/clock.h"
#include "lib/base/worker_pool.h"
#include "lib/metrics/metrics.h"
#include "lib/vaultclient/workload_vault.h"

namespace coffer::csi {

struct PublisherOptions {
  std::string state_dir;                     // one small JSON file per volume; no secrets
  std::int64_t tmpfs_size = 8 * 1024 * 1024;  // bytes per volume
};

class Publisher {
 public:
  Publisher(Cluster& cluster, vaultclient::Vault& vault, Mounter& mounter, ObjectCache& cache,
            Clock& clock, metrics::Registry& metrics, PublisherOptions options);

  // Reads the state directory: volumes whose target is still mounted are taken back, the
  // records of the others are removed. INTERNAL when the directory cannot be made or read.
  absl::Status Recover();

  // First publish: fetch every object, then mount and write; on error nothing is left behind.
  // Republish of the same volume (kubelet, requiresRepublish): nothing happens until the
  // rotation interval has passed since the last refresh; then the objects are fetched again
  // and the files swapped only if a version changed. A failed refresh leaves the files as they
  // were. Errors: ALREADY_EXISTS (the volume id is published with other arguments), ABORTED (a
  // call on this volume is in progress), INVALID_ARGUMENT (a bad VaultMount, or an object that
  // cannot be written in its format: object_files.h), PERMISSION_DENIED
  // naming a required object the identity may not read, FAILED_PRECONDITION (a missing object,
  // KeyVault or AccessPolicy), UNAUTHENTICATED (the token service refused the pod's token),
  // UNAVAILABLE (the vault or the API server cannot be reached), INTERNAL (mount, files).
  absl::Status Publish(const PublishRequest& request);

  // Unmounts, removes the target directory and forgets the volume. OK for a volume it does not
  // know (kubelet retries), after removing what this driver would have written there.
  absl::Status Unpublish(const std::string& volume_id, const std::string& target_path);

  std::size_t volume_count() const;

 private:
  struct FetchedSet {
    std::vector<FileToWrite> files;
    std::map<std::string, std::string> written;  // file name -> "VERSION MODE"
    bool rotation_enabled = true;
    absl::Duration rotation_interval;
  };
  absl::StatusOr<FetchedSet> FetchSet(const PublishRequest& request);
  absl::Status FirstPublish(const PublishRequest& request);
  absl::Status Refresh(const PublishRequest& request, VolumeRecord record);
  absl::Status SaveRecord(const VolumeRecord& record);
  // Saves the record and remembers it.
  absl::Status Keep(VolumeRecord record);
  void DropRecord(const std::string& volume_id);
  std::string RecordPath(const std::string& volume_id) const;

  Cluster& cluster_;
  vaultclient::Vault& vault_;
  Mounter& mounter_;
  ObjectCache& cache_;
  Clock& clock_;
  const PublisherOptions options_;
  metrics::Counter& publishes_;
  metrics::Counter& failures_;
  metrics::Counter& rotations_;
  metrics::Histogram& fetch_seconds_;

  // Reads objects beside each publish's own thread; bounded, whatever the number of publishes.
  WorkerPool readers_{7};

  mutable absl::Mutex mu_;
  std::set<std::string> busy_ ABSL_GUARDED_BY(mu_);  // volume ids with a call in progress
  std::map<std::string, VolumeRecord> volumes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coffer::csi

#endif  // COFFER_CSI_DRIVER_PUBLISH_PUBLISHER_H_
