#include "operator/api/v1alpha1/types.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace coffer::op::v1alpha1 {
namespace {

using ::coffer::testing::StatusIs;
using nlohmann::json;
using ::testing::HasSubstr;

json Policy(json spec) {
  return {{"metadata", {{"name", "p"}, {"namespace", "team-a"}, {"generation", 3}}},
          {"spec", std::move(spec)}};
}

TEST(TypesTest, AccessPolicyNamespacesDefaultToThePolicys) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      AccessPolicy ap,
      ParseAccessPolicy(Policy({{"vaultRef", {{"name", "prod"}}},
                                {"subject", {{"serviceAccount", {{"name", "app"}}}}},
                                {"permissions", {{"secrets", {"get"}}}}})));
  EXPECT_EQ(ap.spec.vault.String(), "team-a/prod");
  EXPECT_EQ(ap.spec.service_account->String(), "team-a/app");
  EXPECT_EQ(ap.spec.permissions.secrets, std::vector<std::string>{"get"});
  EXPECT_EQ(ap.meta.generation, 3);
}

TEST(TypesTest, AccessPolicyNeedsExactlyOneSubjectAndAVault) {
  EXPECT_THAT(
      ParseAccessPolicy(Policy({{"vaultRef", {{"name", "prod"}}}, {"subject", json::object()}})),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("spec.subject")));
  EXPECT_THAT(ParseAccessPolicy(Policy({{"subject", {{"principal", {{"objectId", "x"}}}}}})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("spec.vaultRef.name")));
  EXPECT_THAT(ParseAccessPolicy(json::object()), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TypesTest, KeyVaultDefaultsAndStatusRoundTrip) {
  json object = {
      {"metadata", {{"name", "prod"}, {"namespace", "team-a"}}},
      {"spec", {{"sku", "premium"}}},
      {"status",
       {{"vaultName", "team-a-prod"},
        {"conditions", {{{"type", "Ready"}, {"status", "True"}, {"reason", "VaultReady"}}}}}}};
  COFFER_ASSERT_OK_AND_ASSIGN(KeyVault kv, ParseKeyVault(object));
  EXPECT_EQ(kv.spec.sku, "premium");
  EXPECT_EQ(kv.spec.soft_delete_retention_days, 90);
  EXPECT_EQ(ToJson(kv.status)["vaultName"], "team-a-prod");
  EXPECT_EQ(ToJson(kv.status)["conditions"][0]["reason"], "VaultReady");
  object["spec"]["sku"] = "gold";
  EXPECT_THAT(ParseKeyVault(object),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("spec.sku")));
}

}  // namespace
}  // namespace coffer::op::v1alpha1
