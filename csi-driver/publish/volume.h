#ifndef COFFER_CSI_DRIVER_PUBLISH_VOLUME_H_
#define COFFER_CSI_DRIVER_PUBLISH_VOLUME_H_

// A volume as kubelet asks for it (PublishRequest, from NodePublishVolume's arguments) and as
// the driver remembers it between calls and across restarts (VolumeRecord: no secrets in it).

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/base/secret_bytes.h"

namespace coffer::csi {

struct PodInfo {
  std::string ns;
  std::string name;
  std::string uid;
  std::string service_account;
};

struct PublishRequest {
  std::string volume_id;
  std::string target_path;
  bool readonly = false;
  std::string vault_mount;  // volumeAttributes.vaultMount
  PodInfo pod;
  SecretBytes pod_token;  // the service-account token kubelet requested for Coffer's audience
};

// Reads the volume context of an inline ephemeral volume: `vaultMount`, the pod's
// csi.storage.k8s.io/pod.{name,namespace,uid} and serviceAccount.name (podInfoOnMount), and
// csi.storage.k8s.io/serviceAccount.tokens, JSON keyed by audience (tokenRequests).
// INVALID_ARGUMENT naming what is missing: a CSIDriver object without podInfoOnMount or
// tokenRequests for `audience`, or a volume without vaultMount. Never logs the token.
absl::Status ReadVolumeContext(const std::map<std::string, std::string>& context,
                               const std::string& audience, PublishRequest* request);

struct VolumeRecord {
  std::string volume_id;
  std::string target_path;
  bool readonly = false;
  std::string vault_mount;
  PodInfo pod;
  std::map<std::string, std::string> written;  // file name -> "VERSION MODE" of what it holds
  bool rotation_enabled = true;                // from the VaultMount, as of the last refresh
  absl::Duration rotation_interval = absl::Minutes(2);
  absl::Time refreshed;  // when the vault was last asked

  // Whether a new publish asks for the same volume (only the token may differ).
  bool SameVolume(const PublishRequest& request) const;
};

std::string EncodeRecord(const VolumeRecord& record);
absl::StatusOr<VolumeRecord> DecodeRecord(const std::string& text);

}  // namespace coffer::csi

#endif  // COFFER_CSI_DRIVER_PUBLISH_VOLUME_H_
