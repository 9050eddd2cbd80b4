#include "tests/integration/vault_harness.h"

#include <filesystem>

#include "lib/http/cpprest/client.h"
#include "lib/testing/status_matchers.h"

namespace coffer::testing {

VaultHarnessTest::VaultHarnessTest() : pki_(MakeTestPki(dir_)), port_(PickFreePort()) {}

std::string VaultHarnessTest::WriteConfig(const std::string& token_label,
                                          const std::string& pin_file) {
  std::string path = dir_.File("coffer.yaml");
  WriteFileOrDie(
      path, "http:\n  port: " + std::to_string(port_) +
                "\n  drain_timeout: 5s\n  tls: {cert_file: " + pki_.server_cert +
                ", key_file: " + pki_.server_key + "}\nstorage:\n  sqlite: {path: " + db_path() +
                "}\nhsm:\n  pkcs11:\n    module: " + SoftHsmToken::kModulePath +
                "\n    token_label: " + token_label + "\n    pin_file: " + pin_file +
                "\naudit: {path: " + audit_path() + "}\nadmin: {socket: " + admin_socket() + "}\n");
  return path;
}

std::unique_ptr<Subprocess> VaultHarnessTest::StartVault(
    const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv = {COFFER_VAULT_BINARY};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  auto vault = std::make_unique<Subprocess>(
      argv, dir_.File("vault.log"),
      std::map<std::string, std::string>{{"SOFTHSM2_CONF", token_.conf_path()}});
  EXPECT_TRUE(vault->Start());
  return vault;
}

std::unique_ptr<Subprocess> VaultHarnessTest::StartReadyVault(
    const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"--config", WriteConfig()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto vault = StartVault(args);
  auto client = Client();
  EXPECT_TRUE(PollUntil([&] { return Get(*client, "/readyz").status == 200; })) << vault->Log();
  // The admin API starts after the data plane answers.
  EXPECT_TRUE(PollUntil([&] { return std::filesystem::exists(admin_socket()); })) << vault->Log();
  return vault;
}

std::unique_ptr<vaultclient::AdminClient> VaultHarnessTest::ConnectAdmin() {
  vaultclient::AdminTarget target;
  target.unix_socket = admin_socket();
  auto connected = vaultclient::AdminClient::Connect(target);
  EXPECT_TRUE(connected.ok()) << connected.status();
  return connected.ok() ? *std::move(connected) : nullptr;
}

std::unique_ptr<http::Client> VaultHarnessTest::Client() {
  http::ClientOptions options;
  options.base_url = "https://127.0.0.1:" + std::to_string(port_);
  options.ca_file = pki_.ca_cert;
  auto client = http::cpprest::NewClient(options);
  EXPECT_THAT(client, IsOk());
  return std::move(*client);
}

vaultclient::DataPlaneCredentials VaultHarnessTest::NewPrincipal(vaultclient::AdminClient& admin,
                                                                 const std::string& display_name,
                                                                 std::string* object_id) {
  admin::v1::CreatePrincipalRequest create;
  create.set_display_name(display_name);
  auto principal = admin.CreatePrincipal(create);
  EXPECT_THAT(principal, IsOk());
  if (!principal.ok()) return {};
  if (object_id != nullptr) *object_id = principal->object_id();
  admin::v1::AddClientSecretRequest add;
  add.set_object_id(principal->object_id());
  auto secret = admin.AddClientSecret(add);
  auto installation = admin.GetInstallation({});
  EXPECT_THAT(secret, IsOk());
  EXPECT_THAT(installation, IsOk());
  if (!secret.ok() || !installation.ok()) return {};
  return {installation->tenant_id(), principal->client_id(), SecretBytes(secret->value()),
          installation->authority_url(), SecretBytes()};
}

vaultclient::DataPlaneCredentials VaultHarnessTest::NewSecretsVault(const std::string& name,
                                                                    const std::string& host) {
  std::unique_ptr<vaultclient::AdminClient> admin = ConnectAdmin();
  if (admin == nullptr) return {};
  admin::v1::CreateVaultRequest vault;
  vault.set_name(name);
  vault.add_hostnames(host);
  EXPECT_THAT(admin->CreateVault(vault), IsOk());
  std::string object_id;
  vaultclient::DataPlaneCredentials credentials = NewPrincipal(*admin, "writer", &object_id);
  admin::v1::SetAccessPolicyRequest policy;
  policy.set_vault(name);
  policy.mutable_policy()->set_object_id(object_id);
  policy.mutable_policy()->add_secrets("all");
  EXPECT_THAT(admin->SetAccessPolicy(policy), IsOk());
  return credentials;
}

std::unique_ptr<vaultclient::DataPlaneClient> VaultHarnessTest::DataPlane(
    const std::string& vault_host, const vaultclient::DataPlaneCredentials& credentials) {
  vaultclient::DataPlaneOptions options;
  options.vault_url = "https://" + vault_host + ":" + std::to_string(port_);
  options.ca_file = pki_.ca_cert;
  options.connect_to = "127.0.0.1:" + std::to_string(port_);
  options.credentials = credentials;
  options.timeout = absl::Seconds(5);
  auto client = vaultclient::DataPlaneClient::Create(options, http::cpprest::NewClient);
  EXPECT_THAT(client, IsOk());
  return client.ok() ? std::move(*client) : nullptr;
}

http::ClientResponse VaultHarnessTest::Get(http::Client& client, const std::string& path) {
  http::ClientRequest request;
  request.path_and_query = path;
  auto response = client.Send(request);
  return response.ok() ? *response : http::ClientResponse{};
}

}  // namespace coffer::testing
