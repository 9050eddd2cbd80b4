#include "vault-core/server/kube_token_reviewer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/kube/fake_kube_client.h"
#include "lib/testing/status_matchers.h"

namespace coffer::server {
namespace {

using ::coffer::testing::StatusIs;
using nlohmann::json;

// The reviewer against what a cluster's TokenReview could answer.
class KubeTokenReviewerTest : public ::testing::Test {
 protected:
  absl::StatusOr<identity::ReviewedServiceAccount> ReviewAnswered(json status) {
    auto kube = std::make_unique<kube::FakeKubeClient>();
    kube->SetRawHandler([status](std::string_view, std::string_view path,
                                 const json& body) -> absl::StatusOr<json> {
      EXPECT_EQ(path, "/apis/authentication.k8s.io/v1/tokenreviews");
      EXPECT_EQ(body["spec"]["audiences"], json({"api://coffer"}));
      if (status.is_null()) return absl::UnavailableError("connection refused");
      return json{{"status", status}};
    });
    return KubeTokenReviewer::ForClient(std::move(kube))->Review("a.b.c", "api://coffer");
  }
  static json ServiceAccount(const std::string& username, json groups, json audiences) {
    return {{"authenticated", true},
            {"user", {{"username", username}, {"groups", groups}}},
            {"audiences", audiences}};
  }
};

TEST_F(KubeTokenReviewerTest, AServiceAccountForTheAudienceIsAccepted) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      identity::ReviewedServiceAccount account,
      ReviewAnswered(ServiceAccount(
          "system:serviceaccount:team-a:billing",
          {"system:serviceaccounts", "system:serviceaccounts:team-a", "system:authenticated"},
          {"api://coffer"})));
  EXPECT_EQ(account.ns, "team-a");
  EXPECT_EQ(account.name, "billing");
}

TEST_F(KubeTokenReviewerTest, WhatIsNotAServiceAccountForTheAudienceIsRefused) {
  const json groups = {"system:serviceaccounts", "system:serviceaccounts:team-a"};
  for (const json& status :
       {// the cluster said no
        json{{"authenticated", false}, {"error", "token has expired"}},
        // another audience granted
        ServiceAccount("system:serviceaccount:team-a:billing", groups, {"https://other"}),
        // a user of another authenticator named like a service account
        ServiceAccount("system:serviceaccount:team-a:billing", {"oidc:users"}, {"api://coffer"}),
        // empty names
        ServiceAccount("system:serviceaccount::billing", groups, {"api://coffer"}),
        ServiceAccount("alice", groups, {"api://coffer"})}) {
    EXPECT_THAT(ReviewAnswered(status), StatusIs(absl::StatusCode::kUnauthenticated))
        << status.dump();
  }
}

TEST_F(KubeTokenReviewerTest, AClusterThatCannotBeAskedIsUnavailableNotARefusal) {
  EXPECT_THAT(ReviewAnswered(nullptr), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace coffer::server
