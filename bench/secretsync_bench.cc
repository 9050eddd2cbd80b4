// SecretSync at scale: SYNCS SecretSyncs over SECRETS vault secrets (SecretSync i reads secret
// i % SECRETS as ServiceAccount app(i % ACCOUNTS)), applied with one kubectl apply to the
// Kubernetes API stand-in and kept by a real coffer-operator reading a real coffer-vault (the
// e2e cluster harness). Prints, beside the reference of the same run (kubectl storing the same
// number of Opaque Secrets itself, i.e. what the API server alone takes for the result):
//   - seconds from the start of the apply until every SecretSync is Ready,
//   - vault reads on the first pass and per refresh (each identity reads each object once per
//     refresh however many SecretSyncs name it: shared reads),
//   - the operator's peak RSS (VmHWM).
//
// Run by hand: build/bench/coffer_secretsync_bench (a single gtest, to reuse the e2e fixtures).
// Environment: SYNCS (1000), SECRETS (100), ACCOUNTS (1), REFRESH (60s).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <string>

#include "gtest/gtest.h"
#include "lib/http/cpprest/client.h"
#include "lib/testing/status_matchers.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/cluster_harness.h"

namespace coffer {
namespace {

using SteadyClock = std::chrono::steady_clock;

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoi(value) : fallback;
}

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

class SecretSyncBench : public testing::ClusterHarnessTest {
 protected:
  std::vector<std::string> ExtraVaultArgs() override {
    return {"--set", "http.tls.ca_cert_file=" + pki_.ca_cert, "--set",
            "http.tls.ca_key_file=" + pki_.ca_key, "--set", "log.level=warn"};
  }

  void SetUp() override {
    resync_period_ = "10m";  // the operator's resyncs must not weigh on the figures
    ClusterHarnessTest::SetUp();
    if (HasFatalFailure()) return;
    metrics_port_ = testing::PickFreePort();
    operator_ = StartOperator("op-1", false,
                              {"--vault-url", "https://127.0.0.1:" + std::to_string(port_),
                               "--metrics-address", "127.0.0.1:" + std::to_string(metrics_port_),
                               "--log-level", "warn"});
    Apply("kv", KeyVaultYaml());
    for (int a = 0; a < accounts_; ++a) {
      const std::string name = "app" + std::to_string(a);
      ASSERT_EQ(Kubectl({"create", "serviceaccount", name, "-n", "team-a"}).exit_code, 0);
      Apply(name, PolicyYaml(name, "{serviceAccount: {name: " + name + "}}", "get"));
    }
    std::string writer_id;
    vaultclient::DataPlaneCredentials writer = NewPrincipal(*admin_, "writer", &writer_id);
    Apply("writer", PolicyYaml("writer", "{principal: {objectId: " + writer_id + "}}", "set"));
    ASSERT_TRUE(testing::PollUntil([&] { return Ready("kvap", "writer"); },
                                   std::chrono::seconds(60)));
    auto vault = DataPlane("prod.vault.coffer.test", writer);
    ASSERT_NE(vault, nullptr);
    for (int s = 0; s < secrets_; ++s) {
      COFFER_ASSERT_OK(
          vault->SetSecret("s" + std::to_string(s), SecretBytes(std::string(64, 'x'))).status());
    }
  }

  // One kubectl apply of `docs` (JSON documents are YAML documents); seconds it took.
  double ApplyAll(const std::string& name, const std::vector<nlohmann::json>& docs) {
    std::ofstream out(dir_.File(name + ".yaml"));
    for (const nlohmann::json& doc : docs) out << "---\n" << doc.dump() << "\n";
    out.close();
    const auto start = SteadyClock::now();
    testing::RunResult applied = Kubectl({"apply", "-f", dir_.File(name + ".yaml")});
    EXPECT_EQ(applied.exit_code, 0) << applied.output.substr(0, 2000);
    return Seconds(SteadyClock::now() - start);
  }

  int ReadyCount() {
    testing::RunResult got = Kubectl({"get", "kvss", "-n", "team-a", "-o", "json"});
    nlohmann::json list = nlohmann::json::parse(got.output, nullptr, false);
    if (!list.is_object()) return -1;
    int ready = 0;
    const nlohmann::json items = list.value("items", nlohmann::json::array());
    for (const auto& item : items) {
      const nlohmann::json conditions =
          item.value("/status/conditions"_json_pointer, nlohmann::json::array());
      for (const auto& c : conditions) {
        ready += c.is_object() && c.value("type", "") == "Ready" && c.value("status", "") == "True";
      }
    }
    return ready;
  }

  double Metric(const std::string& name) {
    http::ClientOptions options;
    options.base_url = "http://127.0.0.1:" + std::to_string(metrics_port_);
    auto client = http::cpprest::NewClient(options);
    if (!client.ok()) return -1;
    std::string text = Get(**client, "/metrics").body;
    std::smatch m;
    return std::regex_search(text, m, std::regex(name + " ([0-9.e+]+)")) ? std::stod(m[1]) : -1;
  }

  // The vault reads counter once it has not moved for 3 seconds (no refresh under way).
  double QuietReads() {
    double last = -1;
    for (int still = 0, waited = 0; still < 3 && waited < 120; ++waited) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      const double now = Metric("coffer_operator_secretsync_vault_reads") +
                         Metric("coffer_operator_secretsync_shared_reads");
      still = now == last ? still + 1 : 0;
      last = now;
    }
    return Metric("coffer_operator_secretsync_vault_reads");
  }

  double PeakRssMiB() {
    std::ifstream status("/proc/" + std::to_string(operator_->pid()) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024;
    }
    return -1;
  }

  const int syncs_ = EnvInt("SYNCS", 1000);
  const int secrets_ = EnvInt("SECRETS", 100);
  const int accounts_ = EnvInt("ACCOUNTS", 1);
  const int refresh_ = EnvInt("REFRESH", 60);
  int metrics_port_ = 0;
  std::unique_ptr<testing::Subprocess> operator_;
};

TEST_F(SecretSyncBench, ThousandSyncsOverAHundredSecrets) {
  // Reference: the API server alone storing as many Secrets as the operator will write.
  ASSERT_EQ(Kubectl({"create", "namespace", "reference"}).exit_code, 0);
  std::vector<nlohmann::json> secrets, syncs;
  for (int i = 0; i < syncs_; ++i) {
    secrets.push_back({{"apiVersion", "v1"},
                       {"kind", "Secret"},
                       {"metadata", {{"name", "r" + std::to_string(i)}, {"namespace", "reference"}}},
                       {"type", "Opaque"},
                       {"stringData", {{"value", std::string(64, 'x')}}}});
    syncs.push_back(
        {{"apiVersion", "coffer.dev/v1alpha1"},
         {"kind", "SecretSync"},
         {"metadata", {{"name", "sync" + std::to_string(i)}, {"namespace", "team-a"}}},
         {"spec",
          {{"vaultRef", {{"name", "prod"}}},
           {"serviceAccountName", "app" + std::to_string(i % accounts_)},
           {"refreshInterval", std::to_string(refresh_) + "s"},
           {"data", {{{"key", "value"}, {"objectName", "s" + std::to_string(i % secrets_)}}}}}}});
  }
  const double reference = ApplyAll("reference", secrets);

  const auto start = SteadyClock::now();
  const double applied = ApplyAll("syncs", syncs);
  ASSERT_TRUE(testing::PollUntil([&] { return ReadyCount() == syncs_; }, std::chrono::minutes(10)))
      << ReadyCount() << " Ready\n" << operator_->Log();
  const double all_synced = Seconds(SteadyClock::now() - start);
  const double first_reads = Metric("coffer_operator_secretsync_vault_reads");
  const double first_shared = Metric("coffer_operator_secretsync_shared_reads");

  // One refresh of every SecretSync with nothing changed in the vault: from a quiet moment
  // until every SecretSync has looked its objects up again and the operator is quiet again.
  const double quiet_reads = QuietReads();
  const double quiet_shared = Metric("coffer_operator_secretsync_shared_reads");
  ASSERT_TRUE(testing::PollUntil(
      [&] {
        return Metric("coffer_operator_secretsync_vault_reads") +
                   Metric("coffer_operator_secretsync_shared_reads") >=
               quiet_reads + quiet_shared + syncs_;
      },
      std::chrono::seconds(2 * refresh_ + 30)));
  const double refresh_reads = QuietReads() - quiet_reads;
  const double refresh_shared = Metric("coffer_operator_secretsync_shared_reads") - quiet_shared;

  std::printf("\n%d SecretSyncs over %d secrets, %d ServiceAccount(s), refresh %ds, 2 workers\n",
              syncs_, secrets_, accounts_, refresh_);
  std::printf("%-52s %12s %12s\n", "measure", "operator", "reference");
  std::printf("%-52s %12.1f %12.1f\n", "kubectl apply of every object (s)", applied, reference);
  std::printf("%-52s %12.1f %12s\n", "apply start until every SecretSync Ready (s)", all_synced,
              "");
  std::printf("%-52s %12.0f %12s\n", "vault reads, first pass", first_reads, "");
  std::printf("%-52s %12.0f %12s\n", "reads shared, first pass", first_shared, "");
  std::printf("%-52s %12.0f %12s\n", "vault reads, one refresh of every SecretSync", refresh_reads,
              "");
  std::printf("%-52s %12.0f %12s\n", "reads shared, that refresh", refresh_shared, "");
  std::printf("%-52s %12.1f %12s\n", "operator peak RSS (MiB)", PeakRssMiB(), "");
}

}  // namespace
}  // namespace coffer
