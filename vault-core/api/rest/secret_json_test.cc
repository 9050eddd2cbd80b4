#include "vault-core/api/rest/secret_json.h"

#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "nlohmann/json.hpp"

namespace coffer::api::rest {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;

// What a writer function puts out, parsed back.
template <class Write>
nlohmann::json Written(Write&& write) {
  std::string body;
  JsonWriter w(&body);
  write(w);
  return nlohmann::json::parse(body);
}
using ::testing::HasSubstr;

TEST(SecretJsonTest, ParsesAFullSetRequest) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      SetSecretRequest set,
      ParseSetSecret(R"({"value":"s3cret","contentType":"text/plain","tags":{"a":"b"},)"
                     R"("attributes":{"enabled":false,"nbf":1700000000,"exp":1800000000}})"));
  EXPECT_EQ(set.value.reveal(), "s3cret");
  EXPECT_EQ(set.options.content_type, "text/plain");
  EXPECT_EQ(set.options.tags.at("a"), "b");
  EXPECT_FALSE(set.options.enabled);
  EXPECT_EQ(*set.options.not_before, absl::FromUnixSeconds(1700000000));
  EXPECT_EQ(*set.options.expires, absl::FromUnixSeconds(1800000000));
}

TEST(SecretJsonTest, SdkShapedMinimalBodyIsAccepted) {
  COFFER_ASSERT_OK_AND_ASSIGN(SetSecretRequest set,
                              ParseSetSecret(R"({"value":"hello","attributes":{}})"));
  EXPECT_TRUE(set.options.enabled);
}

TEST(SecretJsonTest, BadBodiesNameTheProblem) {
  EXPECT_THAT(ParseSetSecret("{not json"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
  EXPECT_THAT(ParseSetSecret("[1]"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSetSecret(R"({"contentType":"x"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'value'")));
  EXPECT_THAT(ParseSetSecret(R"({"value":42})"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSetSecret(R"({"value":"x","colour":"red"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("colour")));
  EXPECT_THAT(ParseSetSecret(R"({"value":"x","attributes":{"enabled":"yes"}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("enabled")));
  EXPECT_THAT(ParseSetSecret(R"({"value":"x","attributes":{"exp":"tomorrow"}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exp")));
  EXPECT_THAT(ParseSetSecret(R"({"value":"x","attributes":{"color":1}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("attributes.color")));
  EXPECT_THAT(ParseSetSecret(R"({"value":"x","tags":{"a":1}})"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseRestoreSecret(R"({"value":"***"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base64url")));
}

TEST(SecretJsonTest, UpdateCarriesOnlyWhatWasSent) {
  COFFER_ASSERT_OK_AND_ASSIGN(auto update,
                              ParseUpdateSecret(R"({"attributes":{"enabled":true,"exp":null}})"));
  EXPECT_EQ(update.enabled, true);
  ASSERT_TRUE(update.expires.has_value());
  EXPECT_FALSE(update.expires->has_value());  // cleared
  EXPECT_FALSE(update.not_before.has_value());
  EXPECT_FALSE(update.tags.has_value());
  EXPECT_FALSE(update.content_type.has_value());
  EXPECT_THAT(ParseUpdateSecret(R"({"value":"x"})"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SecretJsonTest, BundlesCarryAbsoluteIdsAndAzureAttributes) {
  domain::Vault vault;
  vault.soft_delete_retention_days = 7;
  domain::SecretProperties p;
  p.name = "db";
  p.version = "0123456789abcdef0123456789abcdef";
  p.attributes.created = absl::FromUnixSeconds(100);
  p.attributes.updated = absl::FromUnixSeconds(200);
  SecretBytes value("v");
  auto bundle = Written([&](JsonWriter& w) {
    WriteSecretBundle(w, "https://prod.vault.coffer.test:8443", vault, p, &value);
  });
  EXPECT_EQ(bundle["id"],
            "https://prod.vault.coffer.test:8443/secrets/db/0123456789abcdef0123456789abcdef");
  EXPECT_EQ(bundle["value"], "v");
  EXPECT_EQ(bundle["attributes"]["created"], 100);
  EXPECT_EQ(bundle["attributes"]["recoveryLevel"], "CustomizedRecoverable+Purgeable");
  EXPECT_EQ(bundle["attributes"]["recoverableDays"], 7);
  EXPECT_FALSE(bundle["attributes"].contains("exp"));
  EXPECT_FALSE(bundle.contains("tags"));
  auto item = Written([&](JsonWriter& w) { WriteSecretItem(w, "https://h", vault, p, false); });
  EXPECT_EQ(item["id"], "https://h/secrets/db");
  EXPECT_FALSE(item.contains("value"));
}

TEST(SecretJsonTest, DeletedBundlesCarryRecoveryFieldsTagsAndDates) {
  domain::Vault vault;
  vault.soft_delete_retention_days = 90;
  domain::DeletedSecret deleted;
  domain::SecretProperties& p = deleted.properties;
  p.name = "db";
  p.version = "0123456789abcdef0123456789abcdef";
  p.content_type = "text/plain";
  p.tags = {{"team", "a \"b\""}, {"env", "prod"}};
  p.attributes.not_before = absl::FromUnixSeconds(10);
  p.attributes.expires = absl::FromUnixSeconds(20);
  deleted.deleted = absl::FromUnixSeconds(300);
  deleted.scheduled_purge = absl::FromUnixSeconds(400);
  auto bundle =
      Written([&](JsonWriter& w) { WriteDeletedSecretBundle(w, "https://h:1", vault, deleted); });
  EXPECT_EQ(bundle["recoveryId"], "https://h:1/deletedsecrets/db");
  EXPECT_EQ(bundle["deletedDate"], 300);
  EXPECT_EQ(bundle["scheduledPurgeDate"], 400);
  EXPECT_EQ(bundle["id"], "https://h:1/secrets/db/0123456789abcdef0123456789abcdef");
  EXPECT_EQ(bundle["contentType"], "text/plain");
  EXPECT_EQ(bundle["tags"], (nlohmann::json{{"team", "a \"b\""}, {"env", "prod"}}));
  EXPECT_EQ(bundle["attributes"]["nbf"], 10);
  EXPECT_EQ(bundle["attributes"]["exp"], 20);
  EXPECT_FALSE(bundle.contains("value"));
  auto item =
      Written([&](JsonWriter& w) { WriteDeletedSecretItem(w, "https://h:1", vault, deleted); });
  EXPECT_EQ(item["id"], "https://h:1/secrets/db");
  EXPECT_EQ(item["recoveryId"], "https://h:1/deletedsecrets/db");
}

}  // namespace
}  // namespace coffer::api::rest
