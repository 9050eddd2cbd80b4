#ifndef COFFER_TESTS_INTEGRATION_VAULT_HARNESS_H_
#define COFFER_TESTS_INTEGRATION_VAULT_HARNESS_H_

// A real coffer-vault process for multi-process tests: its own SoftHSM2 token, test PKI, SQLite
// file, audit log and admin socket in a temp dir, on a free port.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/http/client.h"
#include "lib/testing/softhsm_token.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_certs.h"
#include "lib/vaultclient/admin_client.h"
#include "lib/vaultclient/data_plane_client.h"

namespace coffer::testing {

class VaultHarnessTest : public ::testing::Test {
 protected:
  VaultHarnessTest();

  // Writes coffer.yaml for this harness (with another token label or PIN file if given).
  std::string WriteConfig(const std::string& token_label, const std::string& pin_file);
  std::string WriteConfig() { return WriteConfig(token_.label(), token_.pin_file()); }

  std::unique_ptr<Subprocess> StartVault(const std::vector<std::string>& extra_args);
  // Starts with the default config (plus `extra_args`, e.g. --set overrides) and waits for
  // /readyz and the admin socket; fails the test if they never come.
  std::unique_ptr<Subprocess> StartReadyVault(const std::vector<std::string>& extra_args = {});

  // The admin API over the harness's unix socket. Null (and a test failure) on error.
  std::unique_ptr<vaultclient::AdminClient> ConnectAdmin();
  // A client of https://127.0.0.1:<port> trusting the test CA.
  std::unique_ptr<http::Client> Client();

  // A new service principal with a client secret, as the Azure SDK would be configured with it
  // (tenant and authority from the admin API). Fails the test on error.
  vaultclient::DataPlaneCredentials NewPrincipal(vaultclient::AdminClient& admin,
                                                 const std::string& display_name,
                                                 std::string* object_id = nullptr);
  // A new vault `name` at `host`, and a principal that may do everything with secrets in it.
  vaultclient::DataPlaneCredentials NewSecretsVault(const std::string& name,
                                                    const std::string& host);
  // A data-plane client of https://<vault_host>:<port>, dialled at 127.0.0.1, trusting the
  // test CA. Null (and a test failure) on error.
  std::unique_ptr<vaultclient::DataPlaneClient> DataPlane(
      const std::string& vault_host, const vaultclient::DataPlaneCredentials& credentials);
  // GET path; status 0 when nothing answers.
  http::ClientResponse Get(http::Client& client, const std::string& path);

  std::string db_path() const { return dir_.File("vault.db"); }
  std::string admin_socket() const { return dir_.File("admin.sock"); }
  std::string audit_path() const { return dir_.File("audit.log"); }

  TempDir dir_;
  SoftHsmToken token_;
  TestPki pki_;
  int port_;
};

}  // namespace coffer::testing

#endif  // COFFER_TESTS_INTEGRATION_VAULT_HARNESS_H_
