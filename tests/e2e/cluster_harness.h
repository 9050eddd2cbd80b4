#ifndef COFFER_TESTS_E2E_CLUSTER_HARNESS_H_
#define COFFER_TESTS_E2E_CLUSTER_HARNESS_H_

// A cluster as the end-to-end tests meet it: the Kubernetes API stand-in with Coffer's CRDs
// and namespace team-a, a real coffer-vault that trusts the stand-in's service-account tokens
// (cluster "e2e"), coffer-operator processes on demand, and real kubectl.

#include <memory>
#include <string>
#include <vector>

#include "lib/testing/subprocess.h"
#include "lib/vaultclient/admin_client.h"
#include "lib/vaultclient/data_plane_client.h"
#include "tests/integration/vault_harness.h"

namespace coffer::testing {

class ClusterHarnessTest : public VaultHarnessTest {
 protected:
  void SetUp() override;
  // More coffer-vault flags (--set overrides) for a fixture's own configuration.
  virtual std::vector<std::string> ExtraVaultArgs() { return {}; }
  // Whether the vault's configuration file trusts the stand-in as cluster "e2e" (else a test
  // may trust it through the admin API: TrustClusterThroughAdminApi).
  virtual bool TrustClusterInConfig() { return true; }
  void TrustClusterThroughAdminApi(const std::string& verify);

  RunResult Kubectl(std::vector<std::string> args);
  // kubectl apply of `yaml`, saved as NAME.yaml; fails the test if kubectl does.
  void Apply(const std::string& name, const std::string& yaml);
  // coffer-operator for cluster "e2e", resyncing every `resync_period_`.
  std::unique_ptr<Subprocess> StartOperator(const std::string& identity,
                                            bool leader_elect = false,
                                            const std::vector<std::string>& extra_args = {});
  // kubectl get KIND NAME -n team-a -o jsonpath=PATH; "<kubectl's output>" on failure.
  std::string Jsonpath(const std::string& kind, const std::string& name, const std::string& path);
  bool Ready(const std::string& kind, const std::string& name);
  bool Gone(const std::string& kind, const std::string& name);

  // A client of vault team-a-prod (KeyVault prod, Ready) as a new service principal that may
  // set and get secrets and create and get certificates (granted through the admin API, so no
  // AccessPolicy shows in the cluster). Null, with the test failed, on error.
  std::unique_ptr<vaultclient::DataPlaneClient> Writer();

  // Certificate `name` (EC P-256, exportable, PKCS#12) issued by the vault itself (issuer
  // Self) through `writer`, which may create and get certificates. Fails the test otherwise.
  static void IssueSelfSignedCertificate(vaultclient::DataPlaneClient& writer,
                                         const std::string& name, const std::string& subject);

  // KeyVault prod (hostname prod.vault.coffer.test) and an AccessPolicy on it for `subject`,
  // granting `secrets` (and `keys`, when not empty): "get, list".
  static std::string KeyVaultYaml();
  static std::string PolicyYaml(const std::string& name, const std::string& subject,
                                const std::string& secrets, const std::string& keys = "");

  std::unique_ptr<Subprocess> vault_;
  std::unique_ptr<Subprocess> standin_;
  std::string kubeconfig_;
  std::unique_ptr<vaultclient::AdminClient> admin_;
  std::string resync_period_ = "2s";  // tests see drift repaired fast
};

}  // namespace coffer::testing

#endif  // COFFER_TESTS_E2E_CLUSTER_HARNESS_H_
