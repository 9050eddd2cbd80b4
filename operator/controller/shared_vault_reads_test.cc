#include "operator/controller/shared_vault_reads.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/kube/fake_kube_client.h"
#include "lib/testing/status_matchers.h"
#include "lib/vaultclient/fake_workload_vault.h"

namespace coffer::op {
namespace {

using ::coffer::testing::StatusIs;
using nlohmann::json;

class SharedVaultReadsTest : public ::testing::Test {
 protected:
  SharedVaultReadsTest() {
    kube_.SetRawHandler([this](std::string_view, std::string_view, const json&) {
      ++tokens_;
      return json{{"status",
                   {{"token", "t" + std::to_string(tokens_)},
                    {"expirationTimestamp",
                     absl::FormatTime(absl::RFC3339_sec, clock_.Now() + absl::Seconds(600),
                                      absl::UTCTimeZone())}}}};
    });
    for (const char* name : {"a", "b", "c"}) {
      vault_.PutSecret(name, "v1", std::string("value of ") + name);
      vault_.Grant("client-app", name);
    }
  }

  absl::StatusOr<vaultclient::FetchedObject> Read(const std::string& name,
                                                  absl::Duration max_age = absl::Hours(1)) {
    return reads_.ReadSecret(app_, name, "", max_age);
  }

  FakeClock clock_;
  kube::FakeKubeClient kube_;
  vaultclient::FakeWorkloadVault vault_;
  int tokens_ = 0;
  const ReadIdentity app_{"https://prod.team-a.svc", "client-app", "team-a", "app"};
  SharedVaultReads reads_{kube_, vault_, clock_, [] {
                            SharedVaultReadsOptions options;
                            options.max_reads = 2;
                            return options;
                          }()};
};

TEST_F(SharedVaultReadsTest, SessionIsKeptUntilAMinuteBeforeItsTokenExpires) {
  COFFER_ASSERT_OK(reads_.SignIn(app_));
  clock_.Advance(absl::Seconds(539));
  COFFER_ASSERT_OK(reads_.SignIn(app_));
  EXPECT_EQ(vault_.sign_ins(), 1);
  clock_.Advance(absl::Seconds(2));
  COFFER_ASSERT_OK(reads_.SignIn(app_));
  EXPECT_EQ(vault_.sign_ins(), 2);
  EXPECT_EQ(tokens_, 2);
  EXPECT_THAT(vault_.assertions(), ::testing::ElementsAre("t1", "t2"));
}

TEST_F(SharedVaultReadsTest, ReadIsSharedForTheShorterOfItsTtlAndTheCallersMaxAge) {
  COFFER_ASSERT_OK(Read("a"));
  clock_.Advance(absl::Seconds(15));
  COFFER_ASSERT_OK_AND_ASSIGN(vaultclient::FetchedObject got, Read("a"));
  EXPECT_EQ(got.value.reveal(), "value of a");
  EXPECT_EQ(vault_.reads(), 1);
  COFFER_ASSERT_OK(Read("a", absl::Seconds(10)));  // older than this caller wants
  EXPECT_EQ(vault_.reads(), 2);
  clock_.Advance(absl::Seconds(31));  // past the read TTL
  COFFER_ASSERT_OK(Read("a"));
  EXPECT_EQ(vault_.reads(), 3);
  EXPECT_EQ(reads_.counters().reads, 3u);
  EXPECT_EQ(reads_.counters().hits, 1u);
}

TEST_F(SharedVaultReadsTest, OldestReadIsEvictedBeyondTheBound) {
  for (const char* name : {"a", "b", "c"}) COFFER_ASSERT_OK(Read(name));
  COFFER_ASSERT_OK(Read("c"));
  EXPECT_EQ(vault_.reads(), 3);
  COFFER_ASSERT_OK(Read("a"));  // evicted when c came
  EXPECT_EQ(vault_.reads(), 4);
}

TEST_F(SharedVaultReadsTest, FailuresAreNotKept) {
  vault_.Revoke("client-app", "a");
  EXPECT_THAT(Read("a"), StatusIs(absl::StatusCode::kPermissionDenied));
  vault_.Grant("client-app", "a");
  COFFER_EXPECT_OK(Read("a"));
}

TEST_F(SharedVaultReadsTest, SignInErrorsSayWhatToFix) {
  kube_.SetRawHandler([](std::string_view, std::string_view, const json&) -> absl::StatusOr<json> {
    return absl::PermissionDeniedError("cannot create resource serviceaccounts/token");
  });
  EXPECT_THAT(
      reads_.SignIn(app_),
      StatusIs(absl::StatusCode::kPermissionDenied,
               ::testing::HasSubstr("may not request a token for ServiceAccount team-a/app")));
  kube_.SetRawHandler([](std::string_view, std::string_view, const json&) -> absl::StatusOr<json> {
    return json{{"status", {{"token", "stolen"}}}};
  });
  vault_.AcceptAssertion("client-app", "the real one");
  EXPECT_THAT(reads_.SignIn(app_), StatusIs(absl::StatusCode::kUnauthenticated,
                                            ::testing::HasSubstr("as client id client-app")));
  EXPECT_THAT(Read("a"), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(vault_.reads(), 0);
}

}  // namespace
}  // namespace coffer::op
