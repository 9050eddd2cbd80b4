#include "lib/kube/leader_elector.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/kube/fake_kube_client.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"

namespace coffer::kube {
namespace {

using ::coffer::testing::PollUntil;
using ::coffer::testing::StatusIs;
using ::nlohmann::json;

struct Candidate {
  int started = 0;
  int stopped = 0;
  std::unique_ptr<LeaderElector> elector;
};

class LeaderElectorTest : public ::testing::Test {
 protected:
  void Make(Candidate& c, const std::string& identity) {
    LeaderElectionConfig config;
    config.lease_namespace = "ns";
    config.lease_name = "op";
    config.identity = identity;
    config.retry_period = absl::Milliseconds(5);
    config.on_started_leading = [&c] { ++c.started; };
    config.on_stopped_leading = [&c] { ++c.stopped; };
    c.elector = std::make_unique<LeaderElector>(client_, clock_, config);
  }
  json Spec() {
    absl::StatusOr<json> lease = client_.Get(kLeases, "ns", "op");
    EXPECT_TRUE(lease.ok()) << lease.status();
    return lease.ok() ? (*lease)["spec"] : json();
  }
  void SetUp() override {
    Make(a_, "a");
    Make(b_, "b");
  }

  FakeClock clock_;
  FakeKubeClient client_;
  Candidate a_;
  Candidate b_;
};

TEST_F(LeaderElectorTest, FirstCandidateCreatesLeaseAndLeads) {
  COFFER_ASSERT_OK(a_.elector->TryAcquireOrRenew());
  EXPECT_TRUE(a_.elector->IsLeader());
  EXPECT_EQ(a_.started, 1);
  json spec = Spec();
  EXPECT_EQ(spec["holderIdentity"], "a");
  EXPECT_EQ(spec["leaseDurationSeconds"], 15);
  EXPECT_EQ(spec["leaseTransitions"], 0);
  EXPECT_EQ(spec["acquireTime"], FormatMicroTime(clock_.Now()));
  EXPECT_EQ(spec["renewTime"], "2026-01-01T00:00:00.000000Z");

  EXPECT_THAT(b_.elector->TryAcquireOrRenew(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(b_.elector->IsLeader());
  EXPECT_EQ(b_.started, 0);
}

TEST_F(LeaderElectorTest, OtherCandidateTakesOverOnlyAfterLeaderStopsRenewing) {
  COFFER_ASSERT_OK(a_.elector->TryAcquireOrRenew());
  EXPECT_FALSE(b_.elector->TryAcquireOrRenew().ok());
  clock_.Advance(absl::Seconds(5));
  COFFER_ASSERT_OK(a_.elector->TryAcquireOrRenew());  // renewal
  EXPECT_EQ(Spec()["renewTime"], FormatMicroTime(clock_.Now()));
  EXPECT_EQ(a_.started, 1);

  // a stops renewing. b sees the renewal at t=5 s, so it waits until t=20 s.
  EXPECT_FALSE(b_.elector->TryAcquireOrRenew().ok());
  clock_.Advance(absl::Seconds(14));
  EXPECT_FALSE(b_.elector->TryAcquireOrRenew().ok());
  EXPECT_FALSE(b_.elector->IsLeader());
  clock_.Advance(absl::Seconds(1));
  COFFER_ASSERT_OK(b_.elector->TryAcquireOrRenew());
  EXPECT_TRUE(b_.elector->IsLeader());
  EXPECT_EQ(b_.started, 1);
  json spec = Spec();
  EXPECT_EQ(spec["holderIdentity"], "b");
  EXPECT_EQ(spec["leaseTransitions"], 1);
  EXPECT_EQ(spec["acquireTime"], FormatMicroTime(clock_.Now()));

  // The old leader learns on its next round and steps down.
  EXPECT_THAT(a_.elector->TryAcquireOrRenew(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(a_.elector->IsLeader());
  EXPECT_EQ(a_.stopped, 1);
}

TEST_F(LeaderElectorTest, LeaderGivesUpWhenRenewalsFailForRenewDeadline) {
  COFFER_ASSERT_OK(a_.elector->TryAcquireOrRenew());
  clock_.Advance(absl::Seconds(5));
  client_.FailNextCall(absl::UnavailableError("api server down"));
  EXPECT_FALSE(a_.elector->TryAcquireOrRenew().ok());
  EXPECT_TRUE(a_.elector->IsLeader());
  clock_.Advance(absl::Seconds(5));
  client_.FailNextCall(absl::UnavailableError("api server down"));
  EXPECT_FALSE(a_.elector->TryAcquireOrRenew().ok());
  EXPECT_FALSE(a_.elector->IsLeader());
  EXPECT_EQ(a_.stopped, 1);
}

TEST_F(LeaderElectorTest, LeaseWithoutHolderIsTakenWithoutWaiting) {
  COFFER_ASSERT_OK(a_.elector->TryAcquireOrRenew());
  COFFER_ASSERT_OK_AND_ASSIGN(json lease, client_.Get(kLeases, "ns", "op"));
  lease["spec"]["holderIdentity"] = nullptr;
  COFFER_ASSERT_OK(client_.Update(kLeases, "ns", lease).status());
  COFFER_ASSERT_OK(b_.elector->TryAcquireOrRenew());
  EXPECT_EQ(Spec()["holderIdentity"], "b");
  EXPECT_EQ(Spec()["leaseTransitions"], 1);
}

TEST_F(LeaderElectorTest, StopReleasesLeaseForImmediateHandOver) {
  COFFER_ASSERT_OK(a_.elector->TryAcquireOrRenew());
  a_.elector->Stop();
  EXPECT_FALSE(a_.elector->IsLeader());
  EXPECT_EQ(a_.stopped, 1);
  COFFER_ASSERT_OK(b_.elector->TryAcquireOrRenew());
  EXPECT_EQ(Spec()["holderIdentity"], "b");
  EXPECT_EQ(Spec()["leaseTransitions"], 1);
}

TEST_F(LeaderElectorTest, StartedElectorAcquiresOnItsOwnThread) {
  b_.elector->Start();
  ASSERT_TRUE(PollUntil([&] { return b_.elector->IsLeader(); }));
  b_.elector->Stop();
  EXPECT_EQ(b_.started, 1);
  EXPECT_EQ(b_.stopped, 1);
  EXPECT_EQ(Spec()["holderIdentity"], "");
}

}  // namespace
}  // namespace coffer::kube
