#include "operator/webhook/client_id_lookup.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/kube/fake_kube_client.h"
#include "lib/testing/status_matchers.h"
#include "operator/api/v1alpha1/types.h"

namespace coffer::op {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;
using nlohmann::json;
using v1alpha1::kAccessPolicies;

const kube::ResourceRef kServiceAccounts{"", "v1", "serviceaccounts", true};

class KubeClientIdLookupTest : public ::testing::Test {
 protected:
  void AddServiceAccount(const std::string& ns, const std::string& name,
                         const std::string& client_id = "") {
    json account = {{"metadata", {{"name", name}, {"namespace", ns}}}};
    if (!client_id.empty()) {
      account["metadata"]["annotations"] = {{kClientIdAnnotation, client_id}};
    }
    ASSERT_THAT(kube_.Create(kServiceAccounts, ns, account), IsOk());
  }
  // A policy in `ns` for ServiceAccount `subject` (`subject_ns` defaults to the policy's own).
  void AddPolicy(const std::string& ns, const std::string& name, const std::string& subject,
                 const std::string& client_id, const std::string& subject_ns = "") {
    json account = {{"name", subject}};
    if (!subject_ns.empty()) account["namespace"] = subject_ns;
    json policy = {
        {"metadata", {{"name", name}, {"namespace", ns}}},
        {"spec", {{"vaultRef", {{"name", "prod"}}}, {"subject", {{"serviceAccount", account}}}}}};
    if (!client_id.empty()) policy["status"] = {{"clientId", client_id}};
    ASSERT_THAT(kube_.Create(kAccessPolicies, ns, policy), IsOk());
  }

  std::string ClientIdOf(const std::string& ns, const std::string& name) {
    absl::StatusOr<std::string> id = lookup_.ClientIdOf(ns, name);
    EXPECT_THAT(id, IsOk());
    return id.ok() ? *id : "<error>";
  }

  kube::FakeKubeClient kube_;
  KubeClientIdLookup lookup_{kube_};
};

TEST_F(KubeClientIdLookupTest, AnnotationWinsOverAccessPolicy) {
  AddServiceAccount("team-a", "billing", "annotated-id");
  AddPolicy("team-a", "billing-reads", "billing", "policy-id");
  EXPECT_EQ(ClientIdOf("team-a", "billing"), "annotated-id");
}

TEST_F(KubeClientIdLookupTest, ClientIdComesFromTheAccessPolicyStatus) {
  AddServiceAccount("team-a", "billing");
  AddPolicy("team-a", "billing-reads", "billing", "policy-id");
  EXPECT_EQ(ClientIdOf("team-a", "billing"), "policy-id");
}

TEST_F(KubeClientIdLookupTest, PoliciesForOthersOrWithoutClientIdAreSkipped) {
  AddServiceAccount("team-a", "billing");
  AddPolicy("team-a", "a-not-reconciled-yet", "billing", "");
  AddPolicy("team-a", "b-other-account", "shipping", "shipping-id");
  AddPolicy("team-a", "c-other-namespace", "billing", "team-b-billing-id", "team-b");
  AddPolicy("team-b", "d-in-team-b", "billing", "team-b-billing-id");
  ASSERT_THAT(kube_.Create(kAccessPolicies, "team-a",
                           {{"metadata", {{"name", "e-principal"}, {"namespace", "team-a"}}},
                            {"spec",
                             {{"vaultRef", {{"name", "prod"}}},
                              {"subject", {{"principal", {{"objectId", "p-1"}}}}}}},
                            {"status", {{"clientId", "principal-id"}}}}),
              IsOk());
  EXPECT_EQ(ClientIdOf("team-a", "billing"), "");
  AddPolicy("team-a", "f-billing-writes", "billing", "policy-id");
  EXPECT_EQ(ClientIdOf("team-a", "billing"), "policy-id");
}

TEST_F(KubeClientIdLookupTest, NothingPublishedIsEmptyNotAnError) {
  AddServiceAccount("team-a", "billing");
  EXPECT_EQ(ClientIdOf("team-a", "billing"), "");
}

TEST_F(KubeClientIdLookupTest, MissingServiceAccountIsNotAnError) {
  EXPECT_EQ(ClientIdOf("team-a", "ghost"), "");
  AddPolicy("team-a", "ghost-reads", "ghost", "ghost-id");
  EXPECT_EQ(ClientIdOf("team-a", "ghost"), "ghost-id");
}

TEST_F(KubeClientIdLookupTest, PolicyOnALaterPageIsFound) {
  AddServiceAccount("team-a", "billing");
  for (int i = 0; i < 250; ++i) {
    AddPolicy("team-a", "p-" + std::to_string(1000 + i), "shipping", "shipping-id");
  }
  AddPolicy("team-a", "z-billing", "billing", "policy-id");
  EXPECT_EQ(ClientIdOf("team-a", "billing"), "policy-id");
}

TEST_F(KubeClientIdLookupTest, UnavailableApiServerIsAnError) {
  AddServiceAccount("team-a", "billing");
  kube_.FailNextCall(absl::UnavailableError("connection refused"));
  EXPECT_THAT(lookup_.ClientIdOf("team-a", "billing"), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(KubeClientIdLookupTest, FailedPolicyListIsAnError) {
  // The Get answers (NOT_FOUND); the List after it fails.
  struct FailingList : kube::FakeKubeClient {
    absl::StatusOr<kube::ObjectList> List(const kube::ResourceRef&, std::string_view,
                                          const kube::ListOptions&) override {
      return absl::PermissionDeniedError("accesspolicies is forbidden");
    }
  } kube;
  KubeClientIdLookup lookup(kube);
  EXPECT_THAT(lookup.ClientIdOf("team-a", "billing"),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(KubeClientIdLookupTest, InvalidNamesNeverReachTheApiServer) {
  kube_.FailNextCall(absl::UnavailableError("must not be called"));
  for (const auto& [ns, name] :
       std::vector<std::pair<std::string, std::string>>{{"", "billing"},
                                                        {"team-a", ""},
                                                        {"..", "billing"},
                                                        {"team-a", "../../../api/v1/secrets"},
                                                        {"Team-A", "billing"},
                                                        {"team-a", "billing?watch=1"},
                                                        {"team.a", "billing"},
                                                        {std::string(64, 'a'), "billing"}}) {
    EXPECT_THAT(lookup_.ClientIdOf(ns, name), StatusIs(absl::StatusCode::kInvalidArgument))
        << ns << "/" << name;
  }
  // The failure set above is still pending: no call reached the API server.
  EXPECT_THAT(lookup_.ClientIdOf("team-a", "billing.v2"), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace coffer::op
