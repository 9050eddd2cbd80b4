#include "lib/vaultclient/secret_codec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "nlohmann/json.hpp"

namespace coffer::vaultclient {
namespace {

using ::coffer::testing::StatusIs;
using nlohmann::json;

TEST(SecretCodecTest, SetBodyCarriesOnlyWhatWasGivenAndAlwaysAttributes) {
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes body, SetSecretBody(SecretBytes("hello"), {}));
  EXPECT_EQ(json::parse(body.reveal()), json::parse(R"({"value":"hello","attributes":{}})"));

  SetSecretOptions options;
  options.content_type = "text/plain";
  options.tags = {{"env", "prod"}};
  options.enabled = false;
  options.not_before = absl::FromUnixSeconds(1767225600);
  options.expires = absl::FromUnixSeconds(1798761600);
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes full, SetSecretBody(SecretBytes("v"), options));
  EXPECT_EQ(json::parse(full.reveal()), json::parse(R"({"value":"v","contentType":"text/plain",
      "tags":{"env":"prod"},"attributes":{"enabled":false,"nbf":1767225600,"exp":1798761600}})"));
}

TEST(SecretCodecTest, BinaryValueIsRefused) {
  EXPECT_THAT(SetSecretBody(SecretBytes(std::string_view("\xff\xfe", 2)), {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SecretCodecTest, BundleParsesIntoNameVersionValueAndTimes) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      Secret s, ParseSecret(R"({"value":"s3cret","id":"https://prod.vault.x:8443/secrets/db/0a1b",
        "contentType":"text/plain","tags":{"a":"b"},"attributes":{"enabled":false,
        "created":1767225600,"updated":1767225601,"nbf":0,"exp":1798761600,
        "recoveryLevel":"Recoverable+Purgeable","recoverableDays":90}})"));
  EXPECT_EQ(s.name, "db");
  EXPECT_EQ(s.version, "0a1b");
  EXPECT_EQ(s.value.reveal(), "s3cret");
  EXPECT_EQ(s.content_type, "text/plain");
  EXPECT_EQ(s.tags.at("a"), "b");
  EXPECT_FALSE(s.enabled);
  EXPECT_EQ(s.created, absl::FromUnixSeconds(1767225600));
  EXPECT_FALSE(s.not_before.has_value());  // 0 means unset
  EXPECT_EQ(s.expires, absl::FromUnixSeconds(1798761600));
  EXPECT_EQ(s.recoverable_days, 90);
}

TEST(SecretCodecTest, DeletedBundleHasRecoveryFields) {
  COFFER_ASSERT_OK_AND_ASSIGN(Secret s,
                              ParseSecret(R"({"id":"https://h.v.x/secrets/db","attributes":{},
        "recoveryId":"https://h.v.x/deletedsecrets/db","deletedDate":10,"scheduledPurgeDate":20})"));
  EXPECT_EQ(s.name, "db");
  EXPECT_EQ(s.version, "");
  EXPECT_EQ(s.recovery_id, "https://h.v.x/deletedsecrets/db");
  EXPECT_EQ(s.scheduled_purge, absl::FromUnixSeconds(20));
}

TEST(SecretCodecTest, MalformedAnswersAreInternal) {
  EXPECT_THAT(ParseSecret("nope"), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(ParseSecret(R"({"value":"x"})"), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(ParseSecretPage(R"({"nextLink":null})"), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(ParseBackupBlob("{}"), StatusIs(absl::StatusCode::kInternal));
}

TEST(SecretCodecTest, LastPageHasNullNextLink) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      SecretPage page,
      ParseSecretPage(R"({"value":[{"id":"https://h.v.x/secrets/a"}],"nextLink":null})"));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].name, "a");
  EXPECT_EQ(page.next_link, "");
}

}  // namespace
}  // namespace coffer::vaultclient
