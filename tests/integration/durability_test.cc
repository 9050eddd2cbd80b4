// Acknowledged writes survive a crash: coffer-vault is killed with SIGKILL in the middle of a
// stream of secret sets, restarted, and every version it acknowledged must be there, each with
// its durable audit line.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "lib/vaultclient/admin_client.h"
#include "lib/vaultclient/data_plane_client.h"
#include "tests/integration/vault_harness.h"
#include "vault-core/audit/audit_verify.h"

namespace coffer {
namespace {

using ::coffer::testing::PollUntil;

constexpr char kHost[] = "durable.vault.coffer.test";

class DurabilityTest : public testing::VaultHarnessTest {
 protected:
  vaultclient::DataPlaneCredentials Bootstrap() { return NewSecretsVault("durable", kHost); }
};

TEST_F(DurabilityTest, EveryAcknowledgedVersionSurvivesSigkill) {
  auto vault = StartReadyVault();
  vaultclient::DataPlaneCredentials credentials = Bootstrap();
  auto client = DataPlane(kHost, credentials);
  ASSERT_NE(client, nullptr);

  absl::Mutex mu;
  std::map<std::string, std::string> acknowledged;  // version -> value, under mu
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      std::string value = "value-" + std::to_string(i);
      auto secret = client->SetSecret("stream", SecretBytes(value));
      if (!secret.ok()) return;  // the server is gone
      absl::MutexLock lock(&mu);
      acknowledged[secret->version] = value;
    }
  });
  const bool written = PollUntil([&] {
    absl::MutexLock lock(&mu);
    return acknowledged.size() >= 40;
  });
  kill(vault->pid(), SIGKILL);  // mid-stream: the writer has a request in flight
  vault->Wait(std::chrono::seconds(10));
  stop = true;
  writer.join();
  ASSERT_TRUE(written);

  auto restarted = StartReadyVault();
  auto reader = DataPlane(kHost, credentials);
  ASSERT_NE(reader, nullptr);
  COFFER_ASSERT_OK_AND_ASSIGN(auto versions, reader->ListVersions("stream"));
  std::set<std::string> stored;
  for (const auto& v : versions) stored.insert(v.version);
  absl::MutexLock lock(&mu);
  for (const auto& [version, value] : acknowledged) {
    ASSERT_EQ(stored.count(version), 1u) << "acknowledged version lost: " << version;
    COFFER_ASSERT_OK_AND_ASSIGN(auto secret, reader->GetSecret("stream", version));
    EXPECT_EQ(secret.value.reveal(), value);
  }
  // At most the one write in flight may have landed without being acknowledged.
  EXPECT_LE(stored.size(), acknowledged.size() + 1);
  EXPECT_EQ(restarted->Stop(SIGTERM), 0);
  auto audit = audit::VerifyAuditFile(audit_path());
  ASSERT_THAT(audit, testing::IsOk());
  EXPECT_TRUE(audit->intact) << audit->problem;
  // No acknowledged change without its audit line: the log, as the crash left it, records at
  // least as many successful sets as were acknowledged (the one in flight may be there too).
  std::ifstream log(audit_path());
  std::size_t audited_sets = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.find(R"("operation":"SecretSet")") != std::string::npos &&
        line.find(R"("object":"secrets/stream","result":"200")") != std::string::npos) {
      ++audited_sets;
    }
  }
  EXPECT_GE(audited_sets, acknowledged.size());
  EXPECT_LE(audited_sets, acknowledged.size() + 1);
}

// The same with writes that are committed together: writers of one secret go in one commit of
// its versions, and commits of different secrets share one SQLite transaction.
TEST_F(DurabilityTest, GroupCommittedWritesSurviveSigkillWhole) {
  auto vault = StartReadyVault();
  vaultclient::DataPlaneCredentials credentials = Bootstrap();
  constexpr int kSecrets = 4;
  constexpr int kWritersPerSecret = 3;
  absl::Mutex mu;
  // secret -> version -> value
  std::map<std::string, std::map<std::string, std::string>> acknowledged;  // under mu
  std::atomic<int> total{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kSecrets * kWritersPerSecret; ++w) {
    auto client = DataPlane(kHost, credentials);
    ASSERT_NE(client, nullptr);
    writers.emplace_back([&, w, client = std::shared_ptr<vaultclient::DataPlaneClient>(
                                    std::move(client))] {
      const std::string name = "group-" + std::to_string(w % kSecrets);
      for (int i = 0; !stop.load(); ++i) {
        std::string value = "writer-" + std::to_string(w) + "-" + std::to_string(i);
        auto secret = client->SetSecret(name, SecretBytes(value));
        if (!secret.ok()) return;  // the server is gone
        absl::MutexLock lock(&mu);
        acknowledged[name][secret->version] = value;
        ++total;
      }
    });
  }
  const bool written = PollUntil([&] { return total.load() >= 300; });
  kill(vault->pid(), SIGKILL);
  vault->Wait(std::chrono::seconds(10));
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_TRUE(written) << total.load() << " writes acknowledged";

  auto restarted = StartReadyVault();
  auto reader = DataPlane(kHost, credentials);
  ASSERT_NE(reader, nullptr);
  absl::MutexLock lock(&mu);
  std::size_t unacknowledged = 0;
  for (int s = 0; s < kSecrets; ++s) {
    const std::string name = "group-" + std::to_string(s);
    COFFER_ASSERT_OK_AND_ASSIGN(auto versions, reader->ListVersions(name));
    std::set<std::string> stored;
    for (const auto& v : versions) {
      stored.insert(v.version);
      // Every stored version opens: none is half-written.
      COFFER_ASSERT_OK_AND_ASSIGN(auto secret, reader->GetSecret(name, v.version));
      auto known = acknowledged[name].find(v.version);
      if (known == acknowledged[name].end()) {
        ++unacknowledged;
      } else {
        EXPECT_EQ(secret.value.reveal(), known->second);
      }
    }
    for (const auto& [version, value] : acknowledged[name]) {
      EXPECT_EQ(stored.count(version), 1u)
          << "acknowledged version lost: " << name << "/" << version;
    }
    // The latest is one of the stored versions and opens.
    COFFER_ASSERT_OK_AND_ASSIGN(auto latest, reader->GetSecret(name));
    EXPECT_EQ(stored.count(latest.version), 1u);
  }
  // Only writes in flight at the kill may have landed unacknowledged: one per writer.
  EXPECT_LE(unacknowledged, static_cast<std::size_t>(kSecrets * kWritersPerSecret));
  EXPECT_EQ(restarted->Stop(SIGTERM), 0);
}

TEST_F(DurabilityTest, SecretsPersistAcrossACleanRestart) {
  auto vault = StartReadyVault();
  vaultclient::DataPlaneCredentials credentials = Bootstrap();
  {
    auto client = DataPlane(kHost, credentials);
    ASSERT_NE(client, nullptr);
    COFFER_ASSERT_OK(client->SetSecret("kept", SecretBytes("across restarts")));
  }
  EXPECT_EQ(vault->Stop(SIGTERM), 0);
  auto again = StartReadyVault();
  auto client = DataPlane(kHost, credentials);
  ASSERT_NE(client, nullptr);
  COFFER_ASSERT_OK_AND_ASSIGN(auto secret, client->GetSecret("kept"));
  EXPECT_EQ(secret.value.reveal(), "across restarts");
}

}  // namespace
}  // namespace coffer
