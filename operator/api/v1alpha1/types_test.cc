#include "operator/api/v1alpha1/types.h"

#include <functional>

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

json Sync(json spec) {
  return {{"metadata", {{"name", "app-secrets"}, {"namespace", "team-a"}, {"uid", "u1"}}},
          {"spec", std::move(spec)}};
}

json MinimalSyncSpec() {
  return {{"vaultRef", {{"name", "prod"}}},
          {"serviceAccountName", "app"},
          {"data", {{{"key", "password"}, {"objectName", "db"}}}}};
}

TEST(TypesTest, SecretSyncDefaultsAreTheCrds) {
  COFFER_ASSERT_OK_AND_ASSIGN(SecretSync ss, ParseSecretSync(Sync(MinimalSyncSpec())));
  EXPECT_EQ(ss.spec.vault.String(), "team-a/prod");
  EXPECT_EQ(ss.spec.service_account, "app");
  EXPECT_EQ(ss.spec.refresh_interval, absl::Hours(1));
  EXPECT_EQ(ss.spec.target.name, "app-secrets");  // the SecretSync's own name
  EXPECT_EQ(ss.spec.target.type, "Opaque");
  EXPECT_EQ(ss.spec.deletion_policy, DeletionPolicy::kDelete);
  ASSERT_EQ(ss.spec.data.size(), 1u);
  EXPECT_EQ(ss.spec.data[0].object_type, SyncObjectType::kSecret);
  EXPECT_EQ(ss.spec.data[0].value_template, SyncTemplate::kValue);
  EXPECT_EQ(ss.spec.data[0].object_version, "");
}

TEST(TypesTest, SecretSyncTlsTargetFromACertificate) {
  json spec = MinimalSyncSpec();
  spec["refreshInterval"] = "1h30m";
  spec["deletionPolicy"] = "Retain";
  spec["target"] = {{"name", "web-tls"},
                    {"type", "kubernetes.io/tls"},
                    {"labels", {{"team", "a"}}},
                    {"annotations", {{"note", "synced"}}}};
  spec["data"] = {{{"key", "tls.crt"},
                   {"objectName", "web"},
                   {"objectType", "certificate"},
                   {"template", "tls.crt"}},
                  {{"key", "tls.key"},
                   {"objectName", "web"},
                   {"objectType", "certificate"},
                   {"template", "tls.key"},
                   {"objectVersion", "0123456789abcdef0123456789abcdef"}}};
  COFFER_ASSERT_OK_AND_ASSIGN(SecretSync ss, ParseSecretSync(Sync(spec)));
  EXPECT_EQ(ss.spec.refresh_interval, absl::Minutes(90));
  EXPECT_EQ(ss.spec.deletion_policy, DeletionPolicy::kRetain);
  EXPECT_EQ(ss.spec.target.name, "web-tls");
  EXPECT_EQ(ss.spec.target.labels.at("team"), "a");
  EXPECT_EQ(ss.spec.target.annotations.at("note"), "synced");
  EXPECT_EQ(ss.spec.data[0].value_template, SyncTemplate::kTlsCrt);
  EXPECT_EQ(ss.spec.data[1].value_template, SyncTemplate::kTlsKey);
  EXPECT_EQ(ss.spec.data[1].object_type, SyncObjectType::kCertificate);
  EXPECT_EQ(ss.spec.data[1].object_version, "0123456789abcdef0123456789abcdef");
}

TEST(TypesTest, SecretSyncRefusesWhatTheCrdRefuses) {
  auto refused = [](const std::function<void(json&)>& change, const std::string& field) {
    json spec = MinimalSyncSpec();
    change(spec);
    EXPECT_THAT(ParseSecretSync(Sync(spec)),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(field)))
        << spec.dump();
  };
  refused([](json& s) { s.erase("serviceAccountName"); }, "spec.serviceAccountName");
  refused([](json& s) { s["serviceAccountName"] = "../../x"; }, "spec.serviceAccountName");
  refused([](json& s) { s["refreshInterval"] = "9s"; }, "spec.refreshInterval");
  refused([](json& s) { s["refreshInterval"] = "soon"; }, "spec.refreshInterval");
  refused([](json& s) { s["data"] = json::array(); }, "spec.data");
  refused([](json& s) { s["data"][0]["key"] = "..hidden"; }, "spec.data[0].key");
  refused([](json& s) { s["data"][0]["key"] = "a/b"; }, "spec.data[0].key");
  refused([](json& s) { s["data"][0]["objectName"] = "db_1"; }, "spec.data[0].objectName");
  refused([](json& s) { s["data"][0]["template"] = "tls.key"; }, "certificates only");
  refused([](json& s) { s["data"][0]["objectVersion"] = "../keys/x"; }, "objectVersion");
  refused([](json& s) { s["data"].push_back(s["data"][0]); }, "spec.data[1].key: written twice");
  refused([](json& s) { s["target"] = {{"type", "kubernetes.io/tls"}}; }, "tls.crt and tls.key");
  refused(
      [](json& s) {
        s["target"] = {{"type", "kubernetes.io/dockerconfigjson"}};
      },
      ".dockerconfigjson");
  refused(
      [](json& s) {
        s["target"] = {{"type", "bootstrap.kubernetes.io/token"}};
      },
      "spec.target.type");
  refused([](json& s) { s["target"] = {{"name", "Upper"}}; }, "spec.target.name");
  refused([](json& s) { s["target"] = {{"labels", {{"a", 1}}}}; }, "spec.target.labels.a");
  refused([](json& s) { s["deletionPolicy"] = "Orphan"; }, "spec.deletionPolicy");
}

TEST(TypesTest, SecretSyncStatusRoundTrips) {
  json object = Sync(MinimalSyncSpec());
  SecretSyncStatus status;
  status.observed_generation = 4;
  status.secret_name = "app-secrets";
  status.last_sync_time = "2026-01-01T00:00:00Z";
  status.synced_versions = {{"password", "db", "v2"}};
  status.conditions = {{"Ready", "True", "Synced", "1 key", "2026-01-01T00:00:00Z", 4}};
  object["status"] = ToJson(status);
  COFFER_ASSERT_OK_AND_ASSIGN(SecretSync ss, ParseSecretSync(object));
  EXPECT_EQ(ToJson(ss.status), object["status"]);
  EXPECT_EQ(ss.status.synced_versions, status.synced_versions);
  object["spec"]["refreshInterval"] = 5;  // what an old schema let through: status still read
  EXPECT_FALSE(ParseSecretSync(object).ok());
  EXPECT_EQ(SecretSyncWithoutSpec(object).status.secret_name, "app-secrets");
}

}  // namespace
}  // namespace coffer::op::v1alpha1
