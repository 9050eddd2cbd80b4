#ifndef COFFER_CSI_DRIVER_PUBLISH_BACKENDS_H_
#define COFFER_CSI_DRIVER_PUBLISH_BACKENDS_H_

// What the publisher asks of the world: the cluster (VaultMounts, KeyVaults, the managed
// identity of a ServiceAccount, Events) and the vault (log in as that identity, read objects).
// cmd/ wires the real ones (kube_cluster, data_plane_vault); tests may pass their own.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "lib/crd/vault_mount.h"
#include "csi-driver/publish/volume.h"
#include "lib/base/secret_bytes.h"

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

struct FetchedObject {
  std::string version;
  SecretBytes value;
  std::string content_type;  // a secret's (a certificate's secret says PKCS#12 or PEM)
};

// One identity, logged in at one vault. With an empty `version`, each read takes the newest
// enabled version inside its not-before/expiry window (FAILED_PRECONDITION when there is none);
// otherwise the vault's error (PERMISSION_DENIED, NOT_FOUND, ...).
class VaultSession {
 public:
  virtual ~VaultSession() = default;
  // A secret's value and content type. A certificate is read as its linked secret (same name
  // and version), which holds its chain and, when exportable, its private key.
  virtual absl::StatusOr<FetchedObject> ReadSecret(const std::string& name,
                                                   const std::string& version) = 0;
  // A key's public JSON Web Key (the key bundle's `key`), as JSON text. A pinned version that
  // is disabled is FAILED_PRECONDITION, as a disabled secret version is refused.
  virtual absl::StatusOr<FetchedObject> ReadKey(const std::string& name,
                                                const std::string& version) = 0;
};

class Vault {
 public:
  virtual ~Vault() = default;
  // Exchanges `assertion` (the pod's token) at the vault's token service for an access token
  // of managed identity `client_id`: always a round trip, so a pod that is gone is refused.
  virtual absl::StatusOr<std::unique_ptr<VaultSession>> SignIn(const std::string& vault_url,
                                                               const std::string& client_id,
                                                               const SecretBytes& assertion) = 0;
};

}  // namespace coffer::csi

#endif  // COFFER_CSI_DRIVER_PUBLISH_BACKENDS_H_
