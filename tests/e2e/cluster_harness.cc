#include "tests/e2e/cluster_harness.h"

#include <fstream>

#include "gtest/gtest.h"
#include "lib/kube/kube_config.h"
#include "lib/testing/kube_standin.h"
#include "lib/testing/temp_dir.h"
#include "nlohmann/json.hpp"

namespace coffer::testing {
namespace {

constexpr char kIssuer[] = "https://kubernetes.default.svc.cluster.local";

}  // namespace

void ClusterHarnessTest::SetUp() {
  kubeconfig_ = dir_.File("kubeconfig");
  standin_ = StartKubeStandin(KUBE_STANDIN_PATH, kubeconfig_, dir_.File("standin.log"));
  ASSERT_NE(standin_, nullptr);
  ASSERT_EQ(Kubectl({"apply", "-f", CRDS_DIR}).exit_code, 0);
  ASSERT_EQ(Kubectl({"create", "namespace", "team-a"}).exit_code, 0);
  // The vault trusts the stand-in's service-account tokens (it reads the kubeconfig).
  std::vector<std::string> args;
  if (TrustClusterInConfig()) {
    args = {"--set", "identity.clusters.e2e.issuer=" + std::string(kIssuer), "--set",
            "identity.clusters.e2e.kubeconfig=" + kubeconfig_};
  }
  for (std::string& arg : ExtraVaultArgs()) args.push_back(std::move(arg));
  vault_ = StartReadyVault(args);
  admin_ = ConnectAdmin();
  ASSERT_NE(admin_, nullptr);
}

void ClusterHarnessTest::TrustClusterThroughAdminApi(const std::string& verify) {
  absl::StatusOr<kube::KubeConfig> config = kube::LoadKubeconfig(kubeconfig_);
  ASSERT_TRUE(config.ok()) << config.status();
  admin::v1::SetTrustedClusterRequest request;
  admin::v1::TrustedCluster& cluster = *request.mutable_cluster();
  cluster.set_name("e2e");
  cluster.set_issuer(kIssuer);
  cluster.set_verify(verify);
  cluster.set_api_server(config->server);
  cluster.set_ca_certificate_pem(config->ca_data.empty() ? ReadFileOrDie(config->ca_file)
                                                         : config->ca_data);
  request.set_token(config->token_file.empty() ? std::string(config->token.reveal())
                                               : ReadFileOrDie(config->token_file));
  auto set = admin_->SetTrustedCluster(request);
  ASSERT_TRUE(set.ok()) << set.status();
}

RunResult ClusterHarnessTest::Kubectl(std::vector<std::string> args) {
  return testing::Run(KubectlArgv(kubeconfig_, dir_.File("kubectl-cache"), args), {{"HOME", dir_.path()}});
}

void ClusterHarnessTest::Apply(const std::string& name, const std::string& yaml) {
  std::string path = dir_.File(name + ".yaml");
  std::ofstream(path) << yaml;
  RunResult applied = Kubectl({"apply", "-f", path});
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
}

std::unique_ptr<Subprocess> ClusterHarnessTest::StartOperator(
    const std::string& identity, bool leader_elect, const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv = {OPERATOR_BINARY,
                                   "--kubeconfig",
                                   kubeconfig_,
                                   "--vault-admin",
                                   "unix://" + admin_socket(),
                                   "--cluster-name",
                                   "e2e",
                                   "--vault-port",
                                   std::to_string(port_),
                                   "--resync-period",
                                   resync_period_,
                                   "--identity",
                                   identity,
                                   "--metrics-address",
                                   ""};
  if (leader_elect) argv.insert(argv.end(), {"--leader-elect", "--lease-namespace", "team-a"});
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  auto op = std::make_unique<Subprocess>(argv, dir_.File(identity + ".log"));
  EXPECT_TRUE(op->Start());
  return op;
}

std::string ClusterHarnessTest::Jsonpath(const std::string& kind, const std::string& name,
                                         const std::string& path) {
  RunResult got = Kubectl({"get", kind, name, "-n", "team-a", "-o", "jsonpath=" + path});
  return got.exit_code == 0 ? got.output : "<" + got.output + ">";
}

bool ClusterHarnessTest::Ready(const std::string& kind, const std::string& name) {
  return Jsonpath(kind, name, "{.status.conditions[?(@.type==\"Ready\")].status}") == "True";
}

bool ClusterHarnessTest::Gone(const std::string& kind, const std::string& name) {
  return Kubectl({"get", kind, name, "-n", "team-a"}).output.find("NotFound") != std::string::npos;
}

std::unique_ptr<vaultclient::DataPlaneClient> ClusterHarnessTest::Writer() {
  std::string writer_id;
  vaultclient::DataPlaneCredentials writer = NewPrincipal(*admin_, "writer", &writer_id);
  admin::v1::SetAccessPolicyRequest grant;
  grant.set_vault("team-a-prod");
  grant.mutable_policy()->set_object_id(writer_id);
  for (const char* p : {"set", "get"}) grant.mutable_policy()->add_secrets(p);
  // get too: the operation of a create tells its outcome.
  for (const char* p : {"create", "get"}) grant.mutable_policy()->add_certificates(p);
  auto granted = admin_->SetAccessPolicy(grant);
  EXPECT_TRUE(granted.ok()) << granted.status();
  if (!granted.ok()) return nullptr;
  return DataPlane("prod.vault.coffer.test", writer);
}

std::string ClusterHarnessTest::KeyVaultYaml() {
  return "apiVersion: coffer.dev/v1alpha1\nkind: KeyVault\nmetadata: {name: prod, namespace: "
         "team-a}\nspec: {softDeleteRetentionInDays: 7, hostnames: [prod.vault.coffer.test]}\n";
}

std::string ClusterHarnessTest::PolicyYaml(const std::string& name, const std::string& subject,
                                           const std::string& secrets, const std::string& keys) {
  return "apiVersion: coffer.dev/v1alpha1\nkind: AccessPolicy\nmetadata: {name: " + name +
         ", namespace: team-a}\nspec:\n  vaultRef: {name: prod}\n  subject: " + subject +
         "\n  permissions: {secrets: [" + secrets + "]" +
         (keys.empty() ? "" : ", keys: [" + keys + "]") + "}\n";
}

void ClusterHarnessTest::IssueSelfSignedCertificate(vaultclient::DataPlaneClient& writer,
                                                    const std::string& name,
                                                    const std::string& subject) {
  const nlohmann::json policy = {
      {"key_props", {{"kty", "EC"}, {"crv", "P-256"}, {"exportable", true}}},
      {"secret_props", {{"contentType", "application/x-pkcs12"}}},
      {"x509_props", {{"subject", subject}, {"validity_months", 12}}},
      {"issuer", {{"name", "Self"}}},
  };
  // The certificates api-version (docs/azure-certificates-wire.md), as coffer certificate sends.
  absl::StatusOr<std::string> created =
      writer.CallJson("POST", "/certificates/" + name + "/create?api-version=2025-07-01",
                        nlohmann::json{{"policy", policy}}.dump(), 202);
  ASSERT_TRUE(created.ok()) << created.status();
  // The 202 shows the request in progress, as Azure's does; the operation tells the outcome,
  // completed at once for issuer Self.
  absl::StatusOr<std::string> pending = writer.CallJson(
      "GET", "/certificates/" + name + "/pending?api-version=2025-07-01", "", 200);
  ASSERT_TRUE(pending.ok()) << pending.status();
  const nlohmann::json operation = nlohmann::json::parse(*pending, nullptr, false);
  ASSERT_TRUE(operation.is_object() && operation.value("status", "") == "completed") << *pending;
}

}  // namespace coffer::testing
