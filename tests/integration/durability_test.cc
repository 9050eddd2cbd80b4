// Acknowledged writes survive a crash: coffer-vault is killed with SIGKILL in the middle of a
// stream of secret sets, restarted, and every version it acknowledged must be there.
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

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
  // A vault, and a principal that may do everything with secrets in it.
  vaultclient::DataPlaneCredentials Bootstrap() {
    std::unique_ptr<vaultclient::AdminClient> admin = ConnectAdmin();
    if (admin == nullptr) return {};
    admin::v1::CreateVaultRequest vault;
    vault.set_name("durable");
    vault.add_hostnames(kHost);
    EXPECT_THAT(admin->CreateVault(vault), testing::IsOk());
    std::string object_id;
    vaultclient::DataPlaneCredentials credentials = NewPrincipal(*admin, "writer", &object_id);
    admin::v1::SetAccessPolicyRequest policy;
    policy.set_vault("durable");
    policy.mutable_policy()->set_object_id(object_id);
    policy.mutable_policy()->add_secrets("all");
    EXPECT_THAT(admin->SetAccessPolicy(policy), testing::IsOk());
    return credentials;
  }
};

TEST_F(DurabilityTest, EveryAcknowledgedVersionSurvivesSigkill) {
  auto vault = StartReadyVault();
  vaultclient::DataPlaneCredentials credentials = Bootstrap();
  auto client = DataPlane(kHost, credentials);
  ASSERT_NE(client, nullptr);

  std::mutex mu;
  std::map<std::string, std::string> acknowledged;  // version -> value
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      std::string value = "value-" + std::to_string(i);
      auto secret = client->SetSecret("stream", SecretBytes(value));
      if (!secret.ok()) return;  // the server is gone
      std::lock_guard<std::mutex> lock(mu);
      acknowledged[secret->version] = value;
    }
  });
  ASSERT_TRUE(PollUntil([&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged.size() >= 40;
  }));
  kill(vault->pid(), SIGKILL);  // mid-stream: the writer has a request in flight
  vault->Wait(std::chrono::seconds(10));
  stop = true;
  writer.join();

  auto restarted = StartReadyVault();
  auto reader = DataPlane(kHost, credentials);
  ASSERT_NE(reader, nullptr);
  COFFER_ASSERT_OK_AND_ASSIGN(auto versions, reader->ListVersions("stream"));
  std::set<std::string> stored;
  for (const auto& v : versions) stored.insert(v.version);
  std::lock_guard<std::mutex> lock(mu);
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
