#include "operator/controller/vaultmount_reconciler.h"

#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "operator/controller/keyvault_reconciler.h"
#include "operator/controller/testing/reconciler_fixture.h"

namespace coffer::op {
namespace {

using ::coffer::testing::StatusIs;
using nlohmann::json;
using ::testing::HasSubstr;
using v1alpha1::kKeyVaults;
using v1alpha1::kVaultMounts;

class VaultMountReconcilerTest : public ReconcilerFixture {
 protected:
  void ReadyKeyVault() {
    Apply(kKeyVaults, "team-a", "prod", json::object());
    COFFER_ASSERT_OK(keyvaults_.Reconcile({"team-a", "prod"}));
  }
  void Mount(json objects) {
    Apply(kVaultMounts, "team-a", "files", {{"vaultRef", {{"name", "prod"}}}, {"objects", objects}});
  }
  absl::Status Reconcile() { return reconciler_.Reconcile({"team-a", "files"}); }
  std::string Condition(const std::string& type) {
    const json mount = Get(kVaultMounts, "team-a", "files");
    for (const auto& c : mount.value("/status/conditions"_json_pointer, json::array())) {
      if (c["type"] == type) {
        return c["status"].get<std::string>() + "/" + c["reason"].get<std::string>() + ": " +
               c["message"].get<std::string>();
      }
    }
    return "<none>";
  }

  KeyVaultReconciler keyvaults_{ctx_, ListerOf(kKeyVaults)};
  VaultMountReconciler reconciler_{ctx_, ListerOf(kVaultMounts), ListerOf(kKeyVaults)};
};

TEST_F(VaultMountReconcilerTest, ReadyWhenTheKeyVaultIsReadyAndEveryObjectResolves) {
  ReadyKeyVault();
  admin_.PutSecret("team-a-prod", "db", "v1");
  Mount(json::array({{{"name", "db"}, {"type", "secret"}},
                     {{"name", "extra"}, {"type", "secret"}, {"optional", true}}}));
  admin_.ResetCalls();
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(admin_.calls("ResolveObjects"), 1);
  EXPECT_THAT(Condition("Ready"), HasSubstr("True/Ready: every required object can be read "
                                            "(optional, would be skipped: secret 'extra'"));
  EXPECT_THAT(Condition("VaultReady"), HasSubstr("True/KeyVaultReady"));
  EXPECT_THAT(Condition("ObjectsResolvable"), HasSubstr("True/ObjectsResolvable"));
  EXPECT_EQ(Get(kVaultMounts, "team-a", "files")["status"]["observedGeneration"],
            Get(kVaultMounts, "team-a", "files")["metadata"]["generation"]);
}

TEST_F(VaultMountReconcilerTest, MissingRequiredObjectIsNamed) {
  ReadyKeyVault();
  Mount(json::array({{{"name", "db"}, {"type", "secret"}}, {{"name", "tls"}, {"type", "certificate"}}}));
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_THAT(Condition("Ready"), HasSubstr("False/ObjectsNotResolvable: secret 'db' does not "
                                            "exist; certificate 'tls' does not exist"));
  admin_.PutSecret("team-a-prod", "db", "v1");
  Mount(json::array({{{"name", "db"}, {"type", "secret"}}}));
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_THAT(Condition("Ready"), HasSubstr("True/Ready"));
}

TEST_F(VaultMountReconcilerTest, KeyVaultMissingOrNotReadyIsSaidWithoutAskingTheVault) {
  Mount(json::array({{{"name", "db"}, {"type", "secret"}}}));
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_THAT(Condition("Ready"),
              HasSubstr("False/KeyVaultNotFound: KeyVault team-a/prod does not exist"));
  Apply(kKeyVaults, "team-a", "prod", json::object());  // never reconciled: no status
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_THAT(Condition("VaultReady"), HasSubstr("False/KeyVaultNotReady"));
  EXPECT_EQ(admin_.calls("ResolveObjects"), 0);
}

TEST_F(VaultMountReconcilerTest, InvalidSpecAndUnreachableVault) {
  Mount(json::array({{{"name", "db"}, {"type", "secret"}, {"fileName", "../x"}}}));
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_THAT(Condition("Ready"), HasSubstr("False/InvalidSpec: VaultMount spec.objects[0].fileName"));
  ReadyKeyVault();
  Mount(json::array({{{"name", "db"}, {"type", "secret"}}}));
  admin_.SetUnreachable(true);
  EXPECT_THAT(Reconcile(), StatusIs(absl::StatusCode::kUnavailable));  // retried with backoff
  EXPECT_THAT(Condition("Ready"), HasSubstr("False/VaultUnreachable"));
}

TEST_F(VaultMountReconcilerTest, AnotherNamespacesVaultIsNotAskedUnlessItAllows) {
  ReadyKeyVault();
  admin_.PutSecret("team-a-prod", "db", "v1");
  Apply(kVaultMounts, "team-b", "peek",
        {{"vaultRef", {{"name", "prod"}, {"namespace", "team-a"}}},
         {"objects", json::array({{{"name", "db"}, {"type", "secret"}}})}});
  admin_.ResetCalls();
  COFFER_ASSERT_OK(reconciler_.Reconcile({"team-b", "peek"}));
  EXPECT_EQ(admin_.calls("ResolveObjects"), 0);
  EXPECT_EQ(ReadyReason(Get(kVaultMounts, "team-b", "peek")), "False/NamespaceNotAllowed");
  Apply(kKeyVaults, "team-a", "prod", {{"allowPolicyFromNamespaces", {"team-b"}}});
  COFFER_ASSERT_OK(keyvaults_.Reconcile({"team-a", "prod"}));
  COFFER_ASSERT_OK(reconciler_.Reconcile({"team-b", "peek"}));
  EXPECT_EQ(ReadyReason(Get(kVaultMounts, "team-b", "peek")), "True/Ready");
}

}  // namespace
}  // namespace coffer::op
