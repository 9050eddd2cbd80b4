// Workload identity end to end, as AKS users meet it: the operator's admission webhook, called
// by the Kubernetes API stand-in through a real MutatingWebhookConfiguration, gives a pod that
// kubectl applies everything DefaultAzureCredential reads; a process started with exactly that
// environment, its token file minted by the stand-in for that pod, reads a secret with the
// official Azure SDK for JavaScript, unmodified.
//
// Needs root: the process sees its token and CA files at the injected paths through a private
// mount namespace (unshare + tmpfs), as a container would. CI runs as root.
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/http/cpprest/client.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/cluster_harness.h"

namespace coffer {
namespace {

using ::coffer::testing::PollUntil;
using ::testing::HasSubstr;
using nlohmann::json;

constexpr char kTokenFile[] = "/var/run/secrets/azure/tokens/azure-identity-token";
constexpr char kCaFile[] = "/var/run/secrets/coffer/ca/ca.crt";

std::string Quoted(const std::string& text) {  // for sh -c
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

json EnvOf(const json& container) {
  json out = json::object();
  for (const json& var : container.value("env", json::array())) {
    if (var.contains("value")) out[var["name"].get<std::string>()] = var["value"];
  }
  return out;
}

class WorkloadIdentityE2eTest : public testing::ClusterHarnessTest {
 protected:
  // As under the Helm chart: the installation's CA is the one behind the vault's own
  // certificate (the token service), so the CA the webhook injects is all a pod needs.
  std::vector<std::string> ExtraVaultArgs() override {
    return {"--set", "http.tls.ca_cert_file=" + pki_.ca_cert, "--set",
            "http.tls.ca_key_file=" + pki_.ca_key};
  }

  void SetUp() override {
    ClusterHarnessTest::SetUp();
    if (HasFatalFailure()) return;
    testing::RunResult npm = testing::Run({COMPAT_DIR "/npm-install"});
    ASSERT_EQ(npm.exit_code, 0) << npm.output;
    auto installation = admin_->GetInstallation({});
    ASSERT_TRUE(installation.ok()) << installation.status();
    installation_ = *installation;
    webhook_port_ = testing::PickFreePort();
    operator_ = StartOperator(
        "op-1", false,
        {"--webhook-address", "127.0.0.1:" + std::to_string(webhook_port_), "--webhook-names",
         "localhost", "--webhook-configuration", "coffer-workload-identity"});
    ASSERT_TRUE(PollUntil([&] { return WebhookAnswers(); })) << operator_->Log();
  }

  // The webhook is up, with a certificate from the installation's CA.
  bool WebhookAnswers() {
    std::string ca = dir_.File("installation-ca.pem");
    std::ofstream(ca) << installation_.ca_certificate_pem();
    http::ClientOptions options;
    options.base_url = "https://localhost:" + std::to_string(webhook_port_);
    options.ca_file = ca;
    auto client = http::cpprest::NewClient(options);
    if (!client.ok()) return false;
    http::ClientRequest request;
    request.path_and_query = "/mutate-pods";
    auto response = (*client)->Send(request);
    return response.ok() && response->status == 405;
  }

  std::string WebhookConfigurationYaml() {
    return absl::StrCat(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\n"
        "metadata: {name: coffer-workload-identity}\nwebhooks:\n"
        "  - name: workload-identity.coffer.dev\n"
        "    admissionReviewVersions: [v1]\n    sideEffects: None\n    failurePolicy: Fail\n"
        "    timeoutSeconds: 10\n"
        "    clientConfig:\n      url: https://localhost:",
        webhook_port_,
        "/mutate-pods\n"
        "    rules:\n      - {operations: [CREATE], apiGroups: [\"\"], apiVersions: [v1], "
        "resources: [pods]}\n"
        "    objectSelector:\n      matchLabels: {coffer.dev/workload-identity: \"true\"}\n");
  }

  static std::string PodYaml(const std::string& name, bool labelled) {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
           "\n  namespace: team-a\n" +
           (labelled ? "  labels: {coffer.dev/workload-identity: \"true\"}\n" : "") +
           // A volume and a mount of its own, as every real pod has (the API server adds its
           // kube-api-access volume before webhooks run): the webhook appends to both.
           "spec:\n  serviceAccountName: app\n  volumes: [{name: scratch, emptyDir: {}}]\n"
           "  containers:\n"
           "    - name: app\n      image: registry.example/app:1\n"
           "      env: [{name: GREETING, value: hello}]\n"
           "      volumeMounts: [{name: scratch, mountPath: /scratch}]\n"
           "    - name: sidecar\n      image: registry.example/sidecar:1\n"
           "      env: [{name: AZURE_TENANT_ID, value: set-by-the-pod}]\n";
  }

  json Pod(const std::string& name) {
    testing::RunResult got = Kubectl({"get", "pod", name, "-n", "team-a", "-o", "json"});
    EXPECT_EQ(got.exit_code, 0) << got.output;
    return json::parse(got.output, nullptr, false);
  }

  admin::v1::Installation installation_;
  int webhook_port_ = 0;
  std::unique_ptr<testing::Subprocess> operator_;
};

TEST_F(WorkloadIdentityE2eTest, LabelledPodGetsItsIdentityAndReadsASecretWithTheSdk) {
  ASSERT_EQ(getuid(), 0u) << "needs root for a private mount namespace (CI runs as root)";
  Apply("kv", KeyVaultYaml());
  ASSERT_TRUE(PollUntil([&] { return Ready("kv", "prod"); })) << operator_->Log();
  ASSERT_EQ(Kubectl({"create", "serviceaccount", "app", "-n", "team-a"}).exit_code, 0);
  Apply("app", PolicyYaml("app", "{serviceAccount: {name: app}}", "get"));
  std::string writer_id;
  vaultclient::DataPlaneCredentials writer = NewPrincipal(*admin_, "writer", &writer_id);
  Apply("writer", PolicyYaml("writer", "{principal: {objectId: " + writer_id + "}}", "set"));
  ASSERT_TRUE(PollUntil([&] { return Ready("kvap", "app") && Ready("kvap", "writer"); }))
      << operator_->Log();
  const std::string client_id = Jsonpath("kvap", "app", "{.status.clientId}");
  auto vault = DataPlane("prod.vault.coffer.test", writer);
  ASSERT_NE(vault, nullptr);
  COFFER_ASSERT_OK(vault->SetSecret("db-password", SecretBytes("pod-read-me")).status());

  // No caBundle: the operator sets the one of the CA that issued its certificate.
  Apply("webhook", WebhookConfigurationYaml());
  ASSERT_TRUE(PollUntil([&] {
    return Kubectl({"get", "mutatingwebhookconfiguration", "coffer-workload-identity", "-o",
                    "jsonpath={.webhooks[0].clientConfig.caBundle}"})
               .output == Base64Encode(installation_.ca_certificate_pem());
  })) << operator_->Log();
  Apply("pod", PodYaml("billing", true));
  json pod = Pod("billing");
  ASSERT_FALSE(pod.is_discarded());
  const json& app = pod["spec"]["containers"][0];
  json env = EnvOf(app);
  EXPECT_EQ(env["GREETING"], "hello");  // the pod's own, kept
  EXPECT_EQ(env["AZURE_CLIENT_ID"], client_id);
  EXPECT_EQ(env["AZURE_TENANT_ID"], installation_.tenant_id());
  EXPECT_EQ(env["AZURE_AUTHORITY_HOST"], installation_.authority_url());
  EXPECT_EQ(env["AZURE_FEDERATED_TOKEN_FILE"], kTokenFile);
  for (const char* name : {"SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE"}) {
    EXPECT_EQ(env[name], kCaFile) << name;
  }
  EXPECT_EQ(EnvOf(pod["spec"]["containers"][1])["AZURE_TENANT_ID"], "set-by-the-pod");
  json token_source;
  bool ca_volume = false;
  for (const json& volume : pod["spec"]["volumes"]) {
    if (volume.contains("projected")) token_source = volume["projected"]["sources"][0];
    if (volume.contains("configMap")) ca_volume = volume["configMap"]["name"] == "coffer-ca";
  }
  EXPECT_EQ(token_source["serviceAccountToken"]["audience"], "api://coffer");
  EXPECT_EQ(token_source["serviceAccountToken"]["expirationSeconds"], 3600);
  EXPECT_TRUE(ca_volume);
  EXPECT_EQ(pod["spec"]["volumes"][0]["name"], "scratch");
  EXPECT_EQ(app["volumeMounts"].size(), 3u);  // scratch, the token, the CA

  // A second pass over an already mutated spec changes nothing.
  json again = pod;
  again["metadata"] = {{"name", "billing-again"},
                       {"namespace", "team-a"},
                       {"labels", {{"coffer.dev/workload-identity", "true"}}}};
  again.erase("status");
  std::ofstream(dir_.File("again.json")) << again.dump();
  ASSERT_EQ(Kubectl({"apply", "-f", dir_.File("again.json")}).exit_code, 0);
  EXPECT_EQ(Pod("billing-again")["spec"]["containers"], pod["spec"]["containers"]);
  EXPECT_EQ(Pod("billing-again")["spec"]["volumes"], pod["spec"]["volumes"]);

  // Without the label, nothing is injected.
  Apply("plain", PodYaml("plain", false));
  json plain = Pod("plain");
  EXPECT_FALSE(EnvOf(plain["spec"]["containers"][0]).contains("AZURE_CLIENT_ID"));
  EXPECT_EQ(plain["spec"]["volumes"].size(), 1u);

  // kubelet's part: the token projected for this pod, and the ConfigMap's CA, at the paths the
  // webhook named; then the application, with exactly the pod's environment.
  testing::RunResult token =
      Kubectl({"create", "token", "app", "-n", "team-a", "--audience", "api://coffer",
               "--bound-object-kind", "Pod", "--bound-object-name", "billing",
               "--bound-object-uid", pod["metadata"]["uid"].get<std::string>()});
  ASSERT_EQ(token.exit_code, 0) << token.output;
  std::ofstream(dir_.File("token")) << token.output.substr(0, token.output.find('\n'));
  std::ofstream(dir_.File("ca.crt")) << Jsonpath("configmap", "coffer-ca", "{.data.ca\\.crt}");
  std::string environment;
  for (const auto& [name, value] : env.items()) {
    environment += " " + Quoted(name + "=" + value.get<std::string>());
  }
  const std::string script =
      "set -e; node=$(command -v node); mount -t tmpfs tmpfs /run;"
      " mkdir -p /run/secrets/azure/tokens /run/secrets/coffer/ca;"
      " cp " + Quoted(dir_.File("token")) + " " + kTokenFile + ";"
      " cp " + Quoted(dir_.File("ca.crt")) + " " + kCaFile + ";"
      " exec env -i" + environment + " \"$node\" --import " COMPAT_DIR "/workload/loopback_dns.mjs "
      COMPAT_DIR "/workload/read_secret.mjs https://prod.vault.coffer.test:" +
      std::to_string(port_) + " db-password";
  testing::RunResult read =
      testing::Run({"unshare", "--mount", "--propagation", "private", "sh", "-c", script});
  EXPECT_EQ(read.exit_code, 0) << read.output;
  EXPECT_EQ(read.output, "pod-read-me");
}

}  // namespace
}  // namespace coffer
