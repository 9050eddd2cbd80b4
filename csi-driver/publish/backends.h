#ifndef COFFER_CSI_DRIVER_PUBLISH_BACKENDS_H_
#define COFFER_CSI_DRIVER_PUBLISH_BACKENDS_H_

// What the publisher asks of the cluster: VaultMounts, KeyVaults, the managed identity of a
// ServiceAccount, Events. The vault it reads as that identity is lib/vaultclient's
// (workload_vault.h), shared with the operator. cmd/ wires the real ones (kube_cluster,
// vaultclient::DataPlaneVault); tests may pass their own.

#include <string>

#include "absl/status/statusor.h"
#include "csi-driver/publish/volume.h"
#include "lib/crd/vault_mount.h"

namespace coffer::csi {

class Cluster {
 public:
  virtual ~Cluster() = default;
  virtual absl::StatusOr<crd::MountSpec> GetVaultMount(const std::string& ns,
                                                  const std::string& name) = 0;
  // The KeyVault's status.vaultUri ("https://prod.vault.example.com"); FAILED_PRECONDITION while
  // the operator has not set it.
  virtual absl::StatusOr<std::string> VaultUrl(const std::string& ns, const std::string& name) = 0;
  // AZURE_CLIENT_ID of the ServiceAccount's managed identity, as its AccessPolicies publish it
  // (status.clientId); PERMISSION_DENIED when no AccessPolicy in `ns` grants the ServiceAccount.
  virtual absl::StatusOr<std::string> ClientId(const std::string& ns,
                                               const std::string& service_account) = 0;
  // A Warning Event on the pod; best effort.
  virtual void Warn(const PodInfo& pod, const std::string& reason, const std::string& note) = 0;
};

}  // namespace coffer::csi

#endif  // COFFER_CSI_DRIVER_PUBLISH_BACKENDS_H_
