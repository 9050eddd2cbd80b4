#ifndef COFFER_LIB_VAULTCLIENT_WORKLOAD_VAULT_H_
#define COFFER_LIB_VAULTCLIENT_WORKLOAD_VAULT_H_

// A vault as a workload meets it: sign in as a managed identity with an assertion (a
// ServiceAccount token), then read secrets and keys with exactly that identity's rights. The
// CSI driver reads with a pod's token, the operator's SecretSync with a token it requests for
// the named ServiceAccount. DataPlaneVault (data_plane_vault.h) is the real one; tests pass
// their own.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"

namespace coffer::vaultclient {

struct FetchedObject {
  std::string version;
  SecretBytes value;
  std::string content_type;  // a secret's (a certificate's secret says PKCS#12 or PEM)
};

// One identity, logged in at one vault. With an empty `version`, each read takes the newest
// enabled version inside its not-before/expiry window (FAILED_PRECONDITION when there is none);
// otherwise the vault's error (PERMISSION_DENIED, NOT_FOUND, ...). Thread-safe.
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

// Thread-safe.
class Vault {
 public:
  virtual ~Vault() = default;
  // Exchanges `assertion` (a ServiceAccount token) at the vault's token service for an access
  // token of managed identity `client_id`: always a round trip, so a token that is no longer
  // valid (its pod is gone) is refused. UNAUTHENTICATED when the token service refuses it,
  // UNAVAILABLE when the vault or its token service cannot be reached.
  virtual absl::StatusOr<std::unique_ptr<VaultSession>> SignIn(const std::string& vault_url,
                                                               const std::string& client_id,
                                                               const SecretBytes& assertion) = 0;
};

}  // namespace coffer::vaultclient

#endif  // COFFER_LIB_VAULTCLIENT_WORKLOAD_VAULT_H_
