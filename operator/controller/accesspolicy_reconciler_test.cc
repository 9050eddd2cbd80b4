#include "operator/controller/accesspolicy_reconciler.h"

#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "operator/controller/keyvault_reconciler.h"
#include "operator/controller/testing/reconciler_fixture.h"

namespace coffer::op {
namespace {

namespace v1 = ::coffer::admin::v1;
using ::coffer::testing::StatusIs;
using nlohmann::json;
using ::testing::ElementsAre;
using v1alpha1::kAccessPolicies;
using v1alpha1::kKeyVaults;

const kube::ResourceRef kConfigMaps{"", "v1", "configmaps", true};

class AccessPolicyReconcilerTest : public ReconcilerFixture {
 protected:
  void SetUp() override {
    Apply(kKeyVaults, "team-a", "prod", json::object());
    ASSERT_TRUE(vaults_.Reconcile({"team-a", "prod"}).ok());
    admin_.ResetCalls();
  }
  void ApplyPolicy(const std::string& ns, json subject,
                   json permissions = {{"secrets", {"Get", "list"}}},
                   json vault_ref = {{"name", "prod"}, {"namespace", "team-a"}}) {
    Apply(kAccessPolicies, ns, "app-reads",
          {{"vaultRef", vault_ref}, {"subject", subject}, {"permissions", permissions}});
  }
  absl::Status Reconcile(const std::string& ns = "team-a") {
    return policies_.Reconcile({ns, "app-reads"});
  }
  json Policy(const std::string& ns = "team-a") { return Get(kAccessPolicies, ns, "app-reads"); }
  std::map<std::string, v1::AccessPolicy> Granted() {
    v1::ListAccessPoliciesRequest list;
    list.set_vault("team-a-prod");
    std::map<std::string, v1::AccessPolicy> out;
    absl::StatusOr<v1::ListAccessPoliciesResponse> listed = admin_.ListAccessPolicies(list);
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (!listed.ok()) return out;
    const v1::ListAccessPoliciesResponse response = *std::move(listed);
    for (const auto& p : response.policies()) out[p.object_id()] = p;
    return out;
  }
  static json ServiceAccount(const std::string& name) {
    return {{"serviceAccount", {{"name", name}}}};
  }

  KeyVaultReconciler vaults_{ctx_, ListerOf(kKeyVaults)};
  AccessPolicyReconciler policies_{
      ctx_, ListerOf(kAccessPolicies), ListerOf(kKeyVaults),
      [this](const std::string&) { return kube_.List(kAccessPolicies, "", {})->items; }};
};

TEST_F(AccessPolicyReconcilerTest, ServiceAccountGetsAManagedIdentityAndTheGrant) {
  ApplyPolicy("team-a", ServiceAccount("billing"));
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(admin_.total_calls(), 2);  // CreateManagedIdentity, SetAccessPolicy
  json policy = Policy();
  EXPECT_EQ(ReadyReason(policy), "True/PolicySet");
  const std::string object_id = policy["status"]["principalObjectId"];
  v1::GetPrincipalRequest get;
  get.set_object_id(object_id);
  v1::Principal identity = *admin_.GetPrincipal(get);
  EXPECT_EQ(identity.service_account().cluster(), settings_.cluster_name);
  EXPECT_EQ(identity.service_account().namespace_(), "team-a");
  EXPECT_EQ(identity.service_account().name(), "billing");
  EXPECT_EQ(policy["status"]["clientId"], identity.client_id());  // AZURE_CLIENT_ID for its pods
  EXPECT_THAT(Granted()[object_id].secrets(), ElementsAre("get", "list"));
  EXPECT_EQ(policy["status"]["grantedPermissions"]["secrets"], json({"get", "list"}));
}

TEST_F(AccessPolicyReconcilerTest, ReconcilingAgainMakesNoAdminCall) {
  ApplyPolicy("team-a", ServiceAccount("billing"));
  COFFER_ASSERT_OK(Reconcile());
  const json before = Policy();
  admin_.ResetCalls();
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(admin_.total_calls(), 0);
  EXPECT_EQ(Policy()["metadata"]["resourceVersion"], before["metadata"]["resourceVersion"]);
}

TEST_F(AccessPolicyReconcilerTest, GrantRemovedBehindTheOperatorsBackComesBack) {
  ApplyPolicy("team-a", ServiceAccount("billing"));
  COFFER_ASSERT_OK(Reconcile());
  const std::string object_id = Policy()["status"]["principalObjectId"];
  v1::RemoveAccessPolicyRequest remove;
  remove.set_vault("team-a-prod");
  remove.set_object_id(object_id);
  ASSERT_TRUE(admin_.RemoveAccessPolicy(remove).ok());
  policies_.MarkForRecheck({"team-a", "app-reads"});  // what the drift sweep does
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(Granted().count(object_id), 1u);
}

TEST_F(AccessPolicyReconcilerTest, PermissionChangeReplacesTheGrant) {
  ApplyPolicy("team-a", ServiceAccount("billing"));
  COFFER_ASSERT_OK(Reconcile());
  ApplyPolicy("team-a", ServiceAccount("billing"), {{"secrets", {"get"}}, {"keys", {"sign"}}});
  COFFER_ASSERT_OK(Reconcile());
  const std::string object_id = Policy()["status"]["principalObjectId"];
  EXPECT_THAT(Granted()[object_id].secrets(), ElementsAre("get"));
  EXPECT_THAT(Granted()[object_id].keys(), ElementsAre("sign"));
}

TEST_F(AccessPolicyReconcilerTest, OtherNamespacesNeedTheVaultsPermissionAndLoseItWithIt) {
  ApplyPolicy("team-b", ServiceAccount("ci"));
  COFFER_ASSERT_OK(Reconcile("team-b"));
  EXPECT_EQ(ReadyReason(Policy("team-b")), "False/NamespaceNotAllowed");
  EXPECT_TRUE(Granted().empty());
  Apply(kKeyVaults, "team-a", "prod", {{"allowPolicyFromNamespaces", {"team-b"}}});
  COFFER_ASSERT_OK(vaults_.Reconcile({"team-a", "prod"}));
  EXPECT_FALSE(kube_.Get(kConfigMaps, "team-b", "coffer-ca").ok());
  COFFER_ASSERT_OK(Reconcile("team-b"));
  EXPECT_EQ(ReadyReason(Policy("team-b")), "True/PolicySet");
  EXPECT_EQ(Granted().size(), 1u);
  // The namespace has no KeyVault, yet its pods mount the CA the webhook injects.
  EXPECT_EQ(Get(kConfigMaps, "team-b", "coffer-ca")["data"]["ca.crt"], settings_.ca_pem);
  Apply(kKeyVaults, "team-a", "prod", json::object());  // permission withdrawn
  COFFER_ASSERT_OK(vaults_.Reconcile({"team-a", "prod"}));
  COFFER_ASSERT_OK(Reconcile("team-b"));
  EXPECT_EQ(ReadyReason(Policy("team-b")), "False/NamespaceNotAllowed");
  EXPECT_TRUE(Granted().empty());  // revoked, not merely reported
}

TEST_F(AccessPolicyReconcilerTest, MissingOrUnreadyVaultIsReported) {
  ApplyPolicy("team-a", ServiceAccount("billing"), {{"secrets", {"get"}}}, {{"name", "nope"}});
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(ReadyReason(Policy()), "False/VaultNotFound");
  Apply(kKeyVaults, "team-a", "nope", json::object());  // exists, not reconciled yet
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(ReadyReason(Policy()), "False/VaultNotReady");
  EXPECT_EQ(admin_.total_calls(), 0);
}

TEST_F(AccessPolicyReconcilerTest, UnknownPrincipalIsReported) {
  ApplyPolicy("team-a", {{"principal", {{"objectId", "5f0c2a9e-3b7d-4c1e-9a42-7d3e8b6f1a20"}}}});
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(ReadyReason(Policy()), "False/PrincipalNotFound");
  EXPECT_EQ(admin_.calls("SetAccessPolicy"), 0);
}

TEST_F(AccessPolicyReconcilerTest, DeletionRevokesTheGrant) {
  ApplyPolicy("team-a", ServiceAccount("billing"));
  COFFER_ASSERT_OK(Reconcile());
  ASSERT_EQ(Granted().size(), 1u);
  MarkDeleted(kAccessPolicies, "team-a", "app-reads");
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_TRUE(Granted().empty());
  json finalizers = Policy()["metadata"].value("finalizers", json::array());
  EXPECT_TRUE(finalizers.empty());
}

TEST_F(AccessPolicyReconcilerTest, SecondPolicyForTheSameSubjectIsADuplicate) {
  ApplyPolicy("team-a", ServiceAccount("billing"));
  COFFER_ASSERT_OK(Reconcile());
  Apply(kAccessPolicies, "team-a", "zz-also-billing",
        {{"vaultRef", {{"name", "prod"}}},
         {"subject", ServiceAccount("billing")},
         {"permissions", {{"secrets", {"all"}}}}});
  COFFER_ASSERT_OK(policies_.Reconcile({"team-a", "zz-also-billing"}));
  EXPECT_EQ(ReadyReason(Get(kAccessPolicies, "team-a", "zz-also-billing")),
            "False/DuplicateSubject");
  const std::string object_id = Policy()["status"]["principalObjectId"];
  EXPECT_THAT(Granted()[object_id].secrets(), ElementsAre("get", "list"));  // the first's
}

TEST_F(AccessPolicyReconcilerTest, SubjectThatCannotBeGrantedRevokesTheOldGrant) {
  ApplyPolicy("team-a", ServiceAccount("billing"));
  COFFER_ASSERT_OK(Reconcile());
  ASSERT_EQ(Granted().size(), 1u);
  ApplyPolicy("team-a", {{"principal", {{"objectId", "5f0c2a9e-3b7d-4c1e-9a42-7d3e8b6f1a20"}}}});
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(ReadyReason(Policy()), "False/PrincipalNotFound");
  EXPECT_TRUE(Granted().empty());
  EXPECT_FALSE(Policy()["status"].contains("principalObjectId"));
}

TEST_F(AccessPolicyReconcilerTest, InvalidSpecRevokesAndStillDeletes) {
  ApplyPolicy("team-a", ServiceAccount("billing"));
  COFFER_ASSERT_OK(Reconcile());
  Apply(kAccessPolicies, "team-a", "app-reads", {{"vaultRef", {{"name", "prod"}}}});  // no subject
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(ReadyReason(Policy()), "False/InvalidSpec");
  EXPECT_TRUE(Granted().empty());
  MarkDeleted(kAccessPolicies, "team-a", "app-reads");
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_TRUE(Policy()["metadata"].value("finalizers", json::array()).empty());
}

TEST_F(AccessPolicyReconcilerTest, AbandonLetsDeletionFinishWithoutTheVaultCore) {
  ApplyPolicy("team-a", ServiceAccount("billing"));
  COFFER_ASSERT_OK(Reconcile());
  MarkDeleted(kAccessPolicies, "team-a", "app-reads");
  admin_.SetUnreachable(true);
  EXPECT_FALSE(Reconcile().ok());  // blocked, retrying
  json policy = Policy();
  policy["metadata"]["annotations"]["coffer.dev/abandon"] = "true";
  ASSERT_TRUE(kube_.Update(kAccessPolicies, "team-a", policy).ok());
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_TRUE(Policy()["metadata"].value("finalizers", json::array()).empty());
}

// A vault that holds 1024 principals' policies takes no more: reported, not retried as an
// outage, and granted once one is removed.
TEST_F(AccessPolicyReconcilerTest, AFullVaultIsReportedAndTheGrantComesWithRoom) {
  for (int i = 0; i < 1024; ++i) {
    v1::SetAccessPolicyRequest other;
    other.set_vault("team-a-prod");
    other.mutable_policy()->set_object_id("other-" + std::to_string(i));
    other.mutable_policy()->add_secrets("get");
    ASSERT_TRUE(admin_.SetAccessPolicy(other).ok());
  }
  ApplyPolicy("team-a", ServiceAccount("billing"));
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(ReadyReason(Policy()), "False/PolicyLimitReached");

  v1::RemoveAccessPolicyRequest remove;
  remove.set_vault("team-a-prod");
  remove.set_object_id("other-0");
  ASSERT_TRUE(admin_.RemoveAccessPolicy(remove).ok());
  COFFER_ASSERT_OK(Reconcile());
  EXPECT_EQ(ReadyReason(Policy()), "True/PolicySet");
}

TEST_F(AccessPolicyReconcilerTest, UnreachableVaultCoreIsAnErrorToRetry) {
  ApplyPolicy("team-a", ServiceAccount("billing"));
  admin_.SetUnreachable(true);
  EXPECT_THAT(Reconcile(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ReadyReason(Policy()), "False/VaultUnreachable");
}

}  // namespace
}  // namespace coffer::op
