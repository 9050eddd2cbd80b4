#ifndef COFFER_LIB_VAULTCLIENT_DATA_PLANE_VAULT_H_
#define COFFER_LIB_VAULTCLIENT_DATA_PLANE_VAULT_H_

// Vault over the vault's REST API (DataPlaneClient): the tenant and token service are learnt
// from each vault's login challenge (once per vault URL), and HTTP connections are shared by
// every identity's session, so a read costs requests, not TLS handshakes.

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/clock.h"
#include "lib/http/client.h"
#include "lib/vaultclient/challenge.h"
#include "lib/vaultclient/workload_vault.h"

namespace coffer::vaultclient {

struct DataPlaneVaultOptions {
  // "HOST:PORT" every vault request is sent to, whatever the vault URL's host (which is still
  // sent as Host and checked against the certificate); empty: the vault URL's own address.
  std::string connect_to;
  std::string ca_file;  // trust this CA bundle instead of the system's
  absl::Duration timeout = absl::Seconds(10);
};

class DataPlaneVault : public Vault {
 public:
  DataPlaneVault(DataPlaneVaultOptions options, http::ClientFactory factory, Clock& clock);
  ~DataPlaneVault() override;

  absl::StatusOr<std::unique_ptr<VaultSession>> SignIn(const std::string& vault_url,
                                                       const std::string& client_id,
                                                       const SecretBytes& assertion) override;

 private:
  absl::StatusOr<VaultAuthority> Authority(const std::string& vault_url);
  // Hands out borrowed views of one long-lived client per origin.
  absl::StatusOr<std::unique_ptr<http::Client>> SharedClient(const http::ClientOptions& options);

  const DataPlaneVaultOptions options_;
  const http::ClientFactory factory_;
  Clock& clock_;
  absl::Mutex mu_;
  std::map<std::string, VaultAuthority> authorities_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<http::Client>> clients_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coffer::vaultclient

#endif  // COFFER_LIB_VAULTCLIENT_DATA_PLANE_VAULT_H_
