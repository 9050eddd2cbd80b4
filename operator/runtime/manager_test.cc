// The whole operator in one process over the fake Kubernetes client and the fake admin API:
// informers, work queues, workers, the drift sweep and leader election, on the real clock.
#include "operator/runtime/manager.h"

#include <cstdlib>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/kube/fake_kube_client.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/vaultclient/fake_admin_api.h"

namespace coffer::op {
namespace {

namespace v1 = ::coffer::admin::v1;
using nlohmann::json;

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kube_
                    .Create(v1alpha1::kKeyVaults, "team-a",
                            {{"metadata", {{"name", "prod"}, {"namespace", "team-a"}}},
                             {"spec", json::object()}})
                    .ok());
    ASSERT_TRUE(kube_
                    .Create(v1alpha1::kAccessPolicies, "team-a",
                            {{"metadata", {{"name", "billing"}, {"namespace", "team-a"}}},
                             {"spec",
                              {{"vaultRef", {{"name", "prod"}}},
                               {"subject", {{"serviceAccount", {{"name", "billing"}}}}},
                               {"permissions", {{"secrets", {"get"}}}}}}})
                    .ok());
  }

  std::string PolicyReady() {
    auto policy = kube_.Get(v1alpha1::kAccessPolicies, "team-a", "billing");
    if (!policy.ok()) return "missing";
    for (const json& c : policy->value("/status/conditions"_json_pointer, json::array())) {
      if (c.value("type", "") == "Ready") return c.value("status", "");
    }
    return "none";
  }
  int Grants() {
    v1::ListAccessPoliciesRequest list;
    list.set_vault("team-a-prod");
    auto listed = admin_.ListAccessPolicies(list);
    return listed.ok() ? listed->policies_size() : -1;
  }
  ManagerOptions Options(absl::Duration resync = absl::Minutes(10)) {
    ManagerOptions options;
    options.resync_period = resync;
    return options;
  }

  kube::FakeKubeClient kube_;
  vaultclient::FakeAdminApi admin_;
  metrics::Registry metrics_;
};

TEST_F(ManagerTest, BringsPolicyToReadyThroughItsVault) {
  Manager manager(kube_, admin_, Clock::Real(), metrics_, Options());
  std::thread run([&] { EXPECT_TRUE(manager.Run().ok()); });
  EXPECT_TRUE(testing::PollUntil([&] { return PolicyReady() == "True"; })) << PolicyReady();
  EXPECT_EQ(Grants(), 1);
  EXPECT_TRUE(manager.Ready());
  manager.Stop();
  run.join();
  EXPECT_THAT(metrics_.Render(), ::testing::HasSubstr("coffer_operator_admin_calls_total"));
}

// Vault core down: the objects say why, and the retries back off, visibly in the metrics.
TEST_F(ManagerTest, UnreachableVaultCoreIsReportedAndRetriedWithBackoff) {
  admin_.SetUnreachable(true);
  Manager manager(kube_, admin_, Clock::Real(), metrics_, Options());
  std::thread run([&] { EXPECT_TRUE(manager.Run().ok()); });
  EXPECT_TRUE(testing::PollUntil([&] {
    auto kv = kube_.Get(v1alpha1::kKeyVaults, "team-a", "prod");
    return kv.ok() && kv->dump().find("VaultUnreachable") != std::string::npos;
  }));
  auto retries = [&] {
    const std::string text = metrics_.Render();
    const std::string series = "coffer_operator_retries_total{kind=\"KeyVault\"} ";
    std::size_t at = text.find(series);
    return at == std::string::npos ? 0 : std::atoi(text.c_str() + at + series.size());
  };
  EXPECT_TRUE(testing::PollUntil([&] { return retries() >= 2; }));
  EXPECT_EQ(PolicyReady(), "False");  // waiting for its KeyVault, not hammering the vault
  admin_.SetUnreachable(false);
  EXPECT_TRUE(testing::PollUntil([&] { return PolicyReady() == "True"; }));
  manager.Stop();
  run.join();
}

TEST_F(ManagerTest, SecondPolicyForTheSameServiceAccountIsReportedAsADuplicate) {
  Manager manager(kube_, admin_, Clock::Real(), metrics_, Options());
  std::thread run([&] { EXPECT_TRUE(manager.Run().ok()); });
  ASSERT_TRUE(testing::PollUntil([&] { return PolicyReady() == "True"; }));
  ASSERT_TRUE(kube_
                  .Create(v1alpha1::kAccessPolicies, "team-a",
                          {{"metadata", {{"name", "billing-again"}, {"namespace", "team-a"}}},
                           {"spec",
                            {{"vaultRef", {{"name", "prod"}}},
                             {"subject", {{"serviceAccount", {{"name", "billing"}}}}},
                             {"permissions", {{"secrets", {"all"}}}}}}})
                  .ok());
  EXPECT_TRUE(testing::PollUntil([&] {
    auto policy = kube_.Get(v1alpha1::kAccessPolicies, "team-a", "billing-again");
    return policy.ok() && policy->dump().find("DuplicateSubject") != std::string::npos;
  }));
  EXPECT_EQ(Grants(), 1);
  manager.Stop();
  run.join();
}

TEST_F(ManagerTest, ResyncRepairsAGrantRemovedBehindItsBack) {
  Manager manager(kube_, admin_, Clock::Real(), metrics_, Options(absl::Milliseconds(200)));
  std::thread run([&] { EXPECT_TRUE(manager.Run().ok()); });
  ASSERT_TRUE(testing::PollUntil([&] { return PolicyReady() == "True"; }));
  v1::RemoveAccessPolicyRequest remove;
  remove.set_vault("team-a-prod");
  remove.set_object_id(kube_.Get(v1alpha1::kAccessPolicies, "team-a", "billing")
                           ->value("/status/principalObjectId"_json_pointer, std::string()));
  ASSERT_TRUE(admin_.RemoveAccessPolicy(remove).ok());
  ASSERT_EQ(Grants(), 0);
  EXPECT_TRUE(testing::PollUntil([&] { return Grants() == 1; }));
  manager.Stop();
  run.join();
}

TEST_F(ManagerTest, OnlyTheLeaseHolderReconcilesAndAnotherTakesOver) {
  auto elected = [&](const std::string& identity) {
    ManagerOptions options = Options();
    kube::LeaderElectionConfig lease;
    lease.lease_namespace = "coffer-system";
    lease.lease_name = "coffer-operator";
    lease.identity = identity;
    lease.lease_duration = absl::Seconds(2);
    lease.renew_deadline = absl::Seconds(1);
    lease.retry_period = absl::Milliseconds(100);
    options.leader_election = lease;
    return options;
  };
  metrics::Registry second_metrics;
  Manager first(kube_, admin_, Clock::Real(), metrics_, elected("first"));
  std::thread run_first([&] { EXPECT_TRUE(first.Run().ok()); });
  ASSERT_TRUE(testing::PollUntil([&] { return first.Leading(); }));
  Manager second(kube_, admin_, Clock::Real(), second_metrics, elected("second"));
  std::thread run_second([&] { EXPECT_TRUE(second.Run().ok()); });
  ASSERT_TRUE(testing::PollUntil([&] { return PolicyReady() == "True"; }));
  EXPECT_FALSE(second.Leading());
  EXPECT_TRUE(second.Ready());  // standing by is ready
  first.Stop();                 // releases the lease
  run_first.join();
  EXPECT_TRUE(testing::PollUntil([&] { return second.Leading(); }));
  second.Stop();
  run_second.join();
}

}  // namespace
}  // namespace coffer::op
