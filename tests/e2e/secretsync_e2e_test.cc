// SecretSync end to end, as a cluster user meets it: real kubectl applies SecretSyncs to the
// Kubernetes API stand-in, a real coffer-operator reads a real coffer-vault as each one's
// ServiceAccount and keeps a Kubernetes Secret current; openssl judges the TLS Secret.
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "tests/e2e/cluster_harness.h"

namespace coffer {
namespace {

using ::coffer::testing::PollUntil;
using ::testing::HasSubstr;

class SecretSyncE2eTest : public testing::ClusterHarnessTest {
 protected:
  // As under the Helm chart: the installation's CA is also behind the vault's own certificate
  // (its token service), so the operator trusts one CA.
  std::vector<std::string> ExtraVaultArgs() override {
    return {"--set", "http.tls.ca_cert_file=" + pki_.ca_cert, "--set",
            "http.tls.ca_key_file=" + pki_.ca_key};
  }

  void SetUp() override {
    resync_period_ = "10m";  // only a SecretSync's own refresh may pick up a rotation
    ClusterHarnessTest::SetUp();
    if (HasFatalFailure()) return;
    // The operator reaches every vault at the vault's address; names still go in SNI and Host.
    operator_ = StartOperator("op-1", false,
                              {"--vault-url", "https://127.0.0.1:" + std::to_string(port_)});
    Apply("kv", KeyVaultYaml());
    for (const char* account : {"web", "nosy"}) {
      ASSERT_EQ(Kubectl({"create", "serviceaccount", account, "-n", "team-a"}).exit_code, 0);
    }
    Apply("web", PolicyYaml("web", "{serviceAccount: {name: web}}", "get"));
    Apply("nosy", PolicyYaml("nosy", "{serviceAccount: {name: nosy}}", "list"));
    ASSERT_TRUE(PollUntil([&] { return Ready("kvap", "web") && Ready("kvap", "nosy"); }))
        << operator_->Log();
    writer_ = Writer();
    ASSERT_NE(writer_, nullptr);
  }

  static std::string SyncYaml(const std::string& name, const std::string& account,
                              const std::string& rest) {
    return "apiVersion: coffer.dev/v1alpha1\nkind: SecretSync\nmetadata: {name: " + name +
           ", namespace: team-a}\nspec:\n  vaultRef: {name: prod}\n  serviceAccountName: " +
           account + "\n  refreshInterval: 10s\n" + rest;
  }

  // A key of Secret `name`, decoded; "<missing>" when there is none.
  std::string SecretData(const std::string& name, const std::string& key) {
    testing::RunResult got = Kubectl({"get", "secret", name, "-n", "team-a", "-o",
                                      "jsonpath={.data." + key + "}"});
    if (got.exit_code != 0 || got.output.empty()) return "<missing>";
    std::optional<std::string> decoded = Base64Decode(got.output);
    return decoded ? *decoded : "<not base64>";
  }

  std::string Openssl(const std::vector<std::string>& args, const std::string& input_file) {
    std::vector<std::string> argv = {"openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-in", input_file});
    testing::RunResult run = testing::Run(argv);
    EXPECT_EQ(run.exit_code, 0) << run.output;
    return run.output;
  }

  std::unique_ptr<testing::Subprocess> operator_;
  std::unique_ptr<vaultclient::DataPlaneClient> writer_;
};

TEST_F(SecretSyncE2eTest, CertificateBecomesAnIngressTlsSecretThatOpensslAccepts) {
  IssueSelfSignedCertificate(*writer_, "web-tls", "CN=web.team-a.test");
  Apply("web-tls", SyncYaml("web-tls", "web",
                            "  target: {name: web-ingress-tls, type: kubernetes.io/tls}\n"
                            "  data:\n"
                            "    - {key: tls.crt, objectName: web-tls, objectType: certificate, "
                            "template: tls.crt}\n"
                            "    - {key: tls.key, objectName: web-tls, objectType: certificate, "
                            "template: tls.key}\n"));
  ASSERT_TRUE(PollUntil([&] { return Ready("kvss", "web-tls"); }))
      << Jsonpath("kvss", "web-tls", "{.status}") << operator_->Log();
  EXPECT_EQ(Jsonpath("secret", "web-ingress-tls", "{.type}"), "kubernetes.io/tls");
  std::ofstream(dir_.File("tls.crt")) << SecretData("web-ingress-tls", "tls\\.crt");
  std::ofstream(dir_.File("tls.key")) << SecretData("web-ingress-tls", "tls\\.key");
  EXPECT_THAT(Openssl({"x509", "-noout", "-subject"}, dir_.File("tls.crt")),
              HasSubstr("CN = web.team-a.test"));
  // The key is the certificate's.
  EXPECT_EQ(Openssl({"x509", "-noout", "-pubkey"}, dir_.File("tls.crt")),
            Openssl({"pkey", "-pubout"}, dir_.File("tls.key")));
  EXPECT_THAT(Jsonpath("kvss", "web-tls", "{.status.syncedVersions[0].version}"),
              ::testing::Not(::testing::IsEmpty()));
  // Deleting the SecretSync deletes its Secret (deletionPolicy Delete, the default).
  ASSERT_EQ(Kubectl({"delete", "kvss", "web-tls", "-n", "team-a"}).exit_code, 0);
  EXPECT_TRUE(PollUntil([&] { return Gone("secret", "web-ingress-tls"); }));
}

TEST_F(SecretSyncE2eTest, RotationReachesTheSecretAndRetainKeepsIt) {
  COFFER_ASSERT_OK(writer_->SetSecret("db-password", SecretBytes("first")).status());
  Apply("db", SyncYaml("db", "web",
                       "  deletionPolicy: Retain\n  data:\n"
                       "    - {key: password, objectName: db-password}\n"));
  ASSERT_TRUE(PollUntil([&] { return SecretData("db", "password") == "first"; }))
      << Jsonpath("kvss", "db", "{.status}") << operator_->Log();
  COFFER_ASSERT_OK_AND_ASSIGN(vaultclient::Secret second,
                              writer_->SetSecret("db-password", SecretBytes("second")));
  // Within the refresh interval (10 s; the next refresh instant, then the read and the write),
  // nothing else prompting it: no resync, no change to the SecretSync.
  ASSERT_TRUE(PollUntil([&] { return SecretData("db", "password") == "second"; },
                        std::chrono::seconds(40)))
      << operator_->Log();
  EXPECT_TRUE(PollUntil([&] {
    return Jsonpath("kvss", "db", "{.status.syncedVersions[0].version}") ==
           second.version;
  }));
  ASSERT_EQ(Kubectl({"delete", "kvss", "db", "-n", "team-a"}).exit_code, 0);
  ASSERT_TRUE(PollUntil([&] { return Gone("kvss", "db"); }));
  EXPECT_EQ(SecretData("db", "password"), "second");  // Retain: the Secret stays
}

TEST_F(SecretSyncE2eTest, AServiceAccountThatMayNotReadGetsNoSecret) {
  COFFER_ASSERT_OK(writer_->SetSecret("db-password", SecretBytes("hidden")).status());
  Apply("nosy", SyncYaml("nosy", "nosy",
                         "  data:\n    - {key: password, objectName: db-password}\n"));
  const std::string reason = "{.status.conditions[?(@.type==\"Ready\")].reason}";
  ASSERT_TRUE(PollUntil([&] { return Jsonpath("kvss", "nosy", reason) == "Forbidden"; }))
      << Jsonpath("kvss", "nosy", "{.status}") << operator_->Log();
  EXPECT_FALSE(Ready("kvss", "nosy"));
  EXPECT_THAT(
      Jsonpath("kvss", "nosy", "{.status.conditions[?(@.type==\"Ready\")].message}"),
      HasSubstr("db-password"));
  EXPECT_TRUE(Gone("secret", "nosy"));
  EXPECT_THAT(operator_->Log(), ::testing::Not(HasSubstr("hidden")));
}

}  // namespace
}  // namespace coffer
