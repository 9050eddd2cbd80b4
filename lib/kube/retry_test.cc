#include "lib/kube/retry.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/kube/fake_kube_client.h"
#include "lib/testing/status_matchers.h"

namespace coffer::kube {
namespace {

using ::coffer::testing::StatusIs;
using ::nlohmann::json;
using ::testing::ElementsAre;

const ResourceRef kConfigMaps{"", "v1", "configmaps", true};

class RetryTest : public ::testing::Test {
 protected:
  RetryTest() {
    options_.sleep = [this](absl::Duration d) { delays_.push_back(d); };
  }
  RetryOptions options_;
  std::vector<absl::Duration> delays_;
};

TEST_F(RetryTest, ConflictingWriterIsRetriedOnFreshReadAndBothChangesSurvive) {
  FakeKubeClient client;
  COFFER_ASSERT_OK(
      client.Create(kConfigMaps, "ns", {{"metadata", {{"name", "c"}}}, {"data", json::object()}})
          .status());
  int calls = 0;
  absl::Status status = RetryOnConflict(
      [&]() -> absl::Status {
        ++calls;
        absl::StatusOr<json> current = client.Get(kConfigMaps, "ns", "c");
        if (!current.ok()) return current.status();
        if (calls == 1) {
          // Another writer slips in between our read and our write.
          json other = *current;
          other["data"]["theirs"] = "1";
          if (!client.Update(kConfigMaps, "ns", other).ok()) return absl::InternalError("setup");
        }
        (*current)["data"]["ours"] = "1";
        return client.Update(kConfigMaps, "ns", *current).status();
      },
      options_);
  COFFER_ASSERT_OK(status);
  EXPECT_EQ(calls, 2);
  COFFER_ASSERT_OK_AND_ASSIGN(json got, client.Get(kConfigMaps, "ns", "c"));
  EXPECT_EQ(got["data"], json({{"ours", "1"}, {"theirs", "1"}}));
  EXPECT_THAT(delays_, ElementsAre(absl::Milliseconds(10)));
}

TEST_F(RetryTest, PersistentConflictGivesUpAfterAttemptsWithGrowingBackoff) {
  int calls = 0;
  absl::Status status = RetryOnConflict(
      [&] {
        ++calls;
        return absl::AbortedError("conflict");
      },
      options_);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(calls, 5);
  EXPECT_THAT(delays_, ElementsAre(absl::Milliseconds(10), absl::Milliseconds(20),
                                   absl::Milliseconds(40), absl::Milliseconds(80)));
}

TEST_F(RetryTest, OtherErrorsAreNotRetried) {
  int calls = 0;
  absl::Status status = RetryOnConflict(
      [&] {
        ++calls;
        return absl::NotFoundError("gone");
      },
      options_);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(delays_.empty());
}

}  // namespace
}  // namespace coffer::kube
