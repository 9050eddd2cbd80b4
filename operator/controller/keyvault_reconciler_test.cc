#include "operator/controller/keyvault_reconciler.h"

#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "operator/controller/testing/reconciler_fixture.h"

namespace coffer::op {
namespace {

namespace v1 = ::coffer::admin::v1;
using ::coffer::testing::StatusIs;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using v1alpha1::kKeyVaults;

const kube::ResourceRef kServices{"", "v1", "services", true};
const kube::ResourceRef kConfigMaps{"", "v1", "configmaps", true};

class KeyVaultReconcilerTest : public ReconcilerFixture {
 protected:
  absl::Status Reconcile(const std::string& name = "prod") {
    return reconciler_.Reconcile({"team-a", name});
  }
  json KeyVault(const std::string& name = "prod") { return Get(kKeyVaults, "team-a", name); }
  v1::Vault Vault(const std::string& name = "team-a-prod") {
    v1::GetVaultRequest get;
    get.set_name(name);
    return admin_.GetVault(get).value_or(v1::Vault());
  }

  KeyVaultReconciler reconciler_{ctx_, ListerOf(kKeyVaults)};
};

TEST_F(KeyVaultReconcilerTest, CreatesVaultServiceAndCaThenReportsReady) {
  Apply(kKeyVaults, "team-a", "prod", {{"sku", "premium"}, {"hostnames", {"prod.example.com"}}});
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(admin_.total_calls(), 2);  // GetVault, CreateVault
  v1::Vault vault = Vault();
  EXPECT_THAT(vault.hostnames(),
              ElementsAre("prod.team-a.svc", "prod.team-a.svc.cluster.local", "prod.example.com"));
  EXPECT_EQ(vault.sku(), v1::SKU_PREMIUM);
  json kv = KeyVault();
  EXPECT_EQ(ReadyReason(kv), "True/VaultReady");
  EXPECT_EQ(kv["status"]["vaultUri"], "https://prod.team-a.svc");
  EXPECT_EQ(kv["status"]["vaultId"], vault.id());
  EXPECT_THAT(kv["metadata"]["finalizers"].get<std::vector<std::string>>(),
              ElementsAre("coffer.dev/keyvault"));
  json service = Get(kServices, "team-a", "prod");
  EXPECT_EQ(service["spec"]["selector"]["app.kubernetes.io/name"], "coffer-vault");
  EXPECT_EQ(service["spec"]["ports"][0]["port"], 443);
  EXPECT_EQ(service["metadata"]["ownerReferences"][0]["uid"], kv["metadata"]["uid"]);
  EXPECT_EQ(Get(kConfigMaps, "team-a", "coffer-ca")["data"]["ca.crt"], settings_.ca_pem);
}

// As the Helm chart runs it: the vault in its own namespace, KeyVaults everywhere.
TEST_F(KeyVaultReconcilerTest, WithAVaultServiceEachKeyVaultServiceIsAnAliasForIt) {
  Apply(kKeyVaults, "team-a", "prod", json::object());
  COFFER_ASSERT_OK(Reconcile());  // first as a selector Service
  settings_.vault_service = "coffer-vault.coffer-system.svc.cluster.local";
  COFFER_ASSERT_OK(Reconcile());
  json service = Get(kServices, "team-a", "prod");
  EXPECT_EQ(service["spec"]["type"], "ExternalName");
  EXPECT_EQ(service["spec"]["externalName"], "coffer-vault.coffer-system.svc.cluster.local");
  EXPECT_FALSE(service["spec"].contains("selector"));
  EXPECT_EQ(service["spec"]["ports"][0]["port"], 443);
  const std::string version = service["metadata"]["resourceVersion"];
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(Get(kServices, "team-a", "prod")["metadata"]["resourceVersion"], version);
}

TEST_F(KeyVaultReconcilerTest, HostnamesFollowTheClusterDomainWhoseServiceNamesCannotBeClaimed) {
  settings_.cluster_domain = "corp.internal";
  Apply(kKeyVaults, "team-a", "prod", json::object());
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_THAT(Vault().hostnames(), ElementsAre("prod.team-a.svc", "prod.team-a.svc.corp.internal"));
  // The CRD knows only cluster.local; the operator knows the domain.
  Apply(kKeyVaults, "team-a", "thief",
        {{"vaultName", "team-a-thief"},
         {"hostnames", {"coffer-vault.coffer-system.svc.corp.internal"}}});
  COFFER_ASSERT_OK(Reconcile("thief"));
  EXPECT_EQ(ReadyReason(KeyVault("thief")), "False/InvalidSpec");
  EXPECT_EQ(Vault("team-a-thief").name(), "");  // never created
}

TEST_F(KeyVaultReconcilerTest, ReconcilingAgainChangesNothing) {
  Apply(kKeyVaults, "team-a", "prod", json::object());
  COFFER_ASSERT_OK(Reconcile());
  const json before = KeyVault();
  admin_.ResetCalls();
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(admin_.total_calls(), 0);
  EXPECT_EQ(KeyVault()["metadata"]["resourceVersion"], before["metadata"]["resourceVersion"]);
}

TEST_F(KeyVaultReconcilerTest, SpecChangesReachTheVault) {
  Apply(kKeyVaults, "team-a", "prod", json::object());
  COFFER_ASSERT_OK(Reconcile());
  Apply(kKeyVaults, "team-a", "prod", {{"sku", "premium"}, {"enablePurgeProtection", true}});
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(Vault().sku(), v1::SKU_PREMIUM);
  EXPECT_TRUE(Vault().purge_protection());
  EXPECT_EQ(admin_.calls("CreateVault"), 1);
  EXPECT_EQ(admin_.calls("UpdateVault"), 1);
}

TEST_F(KeyVaultReconcilerTest, SoftDeletedVaultIsRecoveredOnlyWhenAskedTo) {
  v1::CreateVaultRequest create;
  create.set_name("team-a-prod");
  create.add_hostnames("prod.team-a.svc");
  ASSERT_TRUE(admin_.CreateVault(create).ok());
  v1::DeleteVaultRequest del;
  del.set_name("team-a-prod");
  ASSERT_TRUE(admin_.DeleteVault(del).ok());
  Apply(kKeyVaults, "team-a", "prod", json::object());
  COFFER_ASSERT_OK(Reconcile());  // waiting for a person: not an error, no hot loop
  EXPECT_EQ(ReadyReason(KeyVault()), "False/VaultSoftDeleted");
  EXPECT_NE(Vault().deleted_unix(), 0);
  Apply(kKeyVaults, "team-a", "prod", {{"recoverIfSoftDeleted", true}});
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(ReadyReason(KeyVault()), "True/VaultReady");
  EXPECT_EQ(Vault().deleted_unix(), 0);
}

TEST_F(KeyVaultReconcilerTest, AnotherVaultWithTheNameIsNotTakenOver) {
  v1::CreateVaultRequest create;
  create.set_name("team-a-prod");
  create.add_hostnames("someone.else.example");
  ASSERT_TRUE(admin_.CreateVault(create).ok());
  Apply(kKeyVaults, "team-a", "prod", json::object());
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(ReadyReason(KeyVault()), "False/VaultNameTaken");
  EXPECT_THAT(Vault().hostnames(), ElementsAre("someone.else.example"));
}

TEST_F(KeyVaultReconcilerTest, VaultPurgedBehindTheOperatorsBackIsReportedNotRecreated) {
  Apply(kKeyVaults, "team-a", "prod", json::object());
  COFFER_ASSERT_OK(Reconcile());
  v1::DeleteVaultRequest del;
  del.set_name("team-a-prod");
  ASSERT_TRUE(admin_.DeleteVault(del).ok());
  v1::PurgeVaultRequest purge;
  purge.set_name("team-a-prod");
  ASSERT_TRUE(admin_.PurgeVault(purge).ok());
  reconciler_.MarkForRecheck({"team-a", "prod"});
  COFFER_ASSERT_OK(Reconcile());
  json kv = KeyVault();
  EXPECT_EQ(ReadyReason(kv), "False/VaultMissing");
  EXPECT_THAT(kv["status"]["conditions"][0]["message"].get<std::string>(),
              HasSubstr("purged outside the operator"));
  EXPECT_EQ(admin_.calls("CreateVault"), 1);  // the first one only
}

TEST_F(KeyVaultReconcilerTest, UnreachableVaultCoreIsAnErrorToRetry) {
  Apply(kKeyVaults, "team-a", "prod", json::object());
  admin_.SetUnreachable(true);
  EXPECT_THAT(Reconcile(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ReadyReason(KeyVault()), "False/VaultUnreachable");
  admin_.SetUnreachable(false);
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(ReadyReason(KeyVault()), "True/VaultReady");
}

TEST_F(KeyVaultReconcilerTest, ConditionKeepsItsTransitionTimeWhileUnchanged) {
  Apply(kKeyVaults, "team-a", "prod", json::object());
  admin_.SetUnreachable(true);
  EXPECT_FALSE(Reconcile().ok());
  const json first = KeyVault()["status"]["conditions"][0]["lastTransitionTime"];
  clock_.Advance(absl::Minutes(5));
  EXPECT_FALSE(Reconcile().ok());
  EXPECT_EQ(KeyVault()["status"]["conditions"][0]["lastTransitionTime"], first);
}

TEST_F(KeyVaultReconcilerTest, DeletionSoftDeletesTheVaultAndReleasesTheFinalizer) {
  Apply(kKeyVaults, "team-a", "prod", json::object());
  COFFER_ASSERT_OK(Reconcile());
  MarkDeleted(kKeyVaults, "team-a", "prod");
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_NE(Vault().deleted_unix(), 0);
  EXPECT_FALSE(KeyVault()["metadata"].contains("finalizers") &&
               !KeyVault()["metadata"]["finalizers"].empty());
}

TEST_F(KeyVaultReconcilerTest, ServiceNamesOfOtherKeyVaultsCannotBeClaimed) {
  Apply(kKeyVaults, "team-a", "squatter",
        {{"vaultName", "team-b-victim"}, {"hostnames", {"victim.team-b.svc"}}});
  COFFER_ASSERT_OK(Reconcile("squatter"));
  EXPECT_EQ(ReadyReason(KeyVault("squatter")), "False/InvalidSpec");
  EXPECT_EQ(admin_.total_calls(), 0);
}

TEST_F(KeyVaultReconcilerTest, NamesThatDoNotFitAskForVaultName) {
  Apply(kKeyVaults, "team-a", "a-rather-long-keyvault-name", json::object());
  COFFER_ASSERT_OK(Reconcile("a-rather-long-keyvault-name"));
  EXPECT_EQ(ReadyReason(KeyVault("a-rather-long-keyvault-name")), "False/InvalidVaultName");
  EXPECT_EQ(admin_.total_calls(), 0);
  Apply(kKeyVaults, "team-a", "a-rather-long-keyvault-name", {{"vaultName", "long-one"}});
  COFFER_ASSERT_OK(Reconcile("a-rather-long-keyvault-name"));
  EXPECT_EQ(Vault("long-one").name(), "long-one");
}

}  // namespace
}  // namespace coffer::op
