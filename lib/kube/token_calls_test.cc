#include "lib/kube/token_calls.h"

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
using ::testing::IsEmpty;

TEST(ReviewTokenTest, SendsTheReviewAndDecodesAnAuthenticatedStatus) {
  FakeKubeClient client;
  std::string method, path;
  json sent;
  client.SetRawHandler([&](std::string_view m, std::string_view p, const json& body) {
    method = std::string(m);
    path = std::string(p);
    sent = body;
    return absl::StatusOr<json>(
        json{{"kind", "TokenReview"},
             {"status",
              {{"authenticated", true},
               {"user",
                {{"username", "system:serviceaccount:default:app"},
                 {"uid", "u-1"},
                 {"groups", {"system:serviceaccounts", "system:serviceaccounts:default"}},
                 {"extra",
                  {{"authentication.kubernetes.io/pod-name", {"pod-a"}},
                   {"authentication.kubernetes.io/pod-uid", {"p-1"}}}}}},
               {"audiences", {"vault"}}}}});
  });
  COFFER_ASSERT_OK_AND_ASSIGN(TokenReviewResult result, ReviewToken(client, "tok", {"vault"}));
  EXPECT_EQ(method, "POST");
  EXPECT_EQ(path, "/apis/authentication.k8s.io/v1/tokenreviews");
  EXPECT_EQ(sent["kind"], "TokenReview");
  EXPECT_EQ(sent["spec"]["token"], "tok");
  EXPECT_EQ(sent["spec"]["audiences"], json({"vault"}));
  EXPECT_TRUE(result.authenticated);
  EXPECT_EQ(result.username, "system:serviceaccount:default:app");
  EXPECT_EQ(result.uid, "u-1");
  EXPECT_THAT(result.groups,
              ElementsAre("system:serviceaccounts", "system:serviceaccounts:default"));
  EXPECT_THAT(result.audiences, ElementsAre("vault"));
  EXPECT_EQ(result.pod_name, "pod-a");
  EXPECT_EQ(result.pod_uid, "p-1");
  EXPECT_THAT(result.error, IsEmpty());
}

TEST(ReviewTokenTest, UnauthenticatedIsAResultAndNoAudiencesAreSentWhenEmpty) {
  FakeKubeClient client;
  json sent;
  client.SetRawHandler([&](std::string_view, std::string_view, const json& body) {
    sent = body;
    return absl::StatusOr<json>(
        json{{"status", {{"user", json::object()}, {"error", "invalid bearer token"}}}});
  });
  COFFER_ASSERT_OK_AND_ASSIGN(TokenReviewResult result, ReviewToken(client, "junk", {}));
  EXPECT_FALSE(sent["spec"].contains("audiences"));
  EXPECT_FALSE(result.authenticated);
  EXPECT_THAT(result.username, IsEmpty());
  EXPECT_EQ(result.error, "invalid bearer token");
}

TEST(ReviewTokenTest, PassesErrorsOnAndRejectsAnswersWithoutStatus) {
  FakeKubeClient client;
  client.SetRawHandler([](std::string_view, std::string_view, const json&) {
    return absl::StatusOr<json>(absl::PermissionDeniedError("forbidden"));
  });
  EXPECT_THAT(ReviewToken(client, "t", {}), StatusIs(absl::StatusCode::kPermissionDenied));
  client.SetRawHandler([](std::string_view, std::string_view, const json&) {
    return absl::StatusOr<json>(json{{"kind", "TokenReview"}});
  });
  EXPECT_THAT(ReviewToken(client, "t", {}), StatusIs(absl::StatusCode::kInternal));
}

TEST(RequestTokenTest, SendsTheRequestWithABoundPodAndDecodesTheToken) {
  FakeKubeClient client;
  std::string method, path;
  json sent;
  client.SetRawHandler([&](std::string_view m, std::string_view p, const json& body) {
    method = std::string(m);
    path = std::string(p);
    sent = body;
    return absl::StatusOr<json>(
        json{{"status", {{"token", "jwt"}, {"expirationTimestamp", "2026-01-02T03:04:05Z"}}}});
  });
  COFFER_ASSERT_OK_AND_ASSIGN(IssuedToken issued, RequestToken(client, "ns1", "app", {"vault"}, 600,
                                                               BoundPod{"pod-a", "p-1"}));
  EXPECT_EQ(method, "POST");
  EXPECT_EQ(path, "/api/v1/namespaces/ns1/serviceaccounts/app/token");
  EXPECT_EQ(sent["kind"], "TokenRequest");
  EXPECT_EQ(sent["spec"]["audiences"], json({"vault"}));
  EXPECT_EQ(sent["spec"]["expirationSeconds"], 600);
  EXPECT_EQ(sent["spec"]["boundObjectRef"],
            json({{"apiVersion", "v1"}, {"kind", "Pod"}, {"name", "pod-a"}, {"uid", "p-1"}}));
  EXPECT_EQ(issued.token, "jwt");
  EXPECT_EQ(issued.expiration,
            absl::FromCivil(absl::CivilSecond(2026, 1, 2, 3, 4, 5), absl::UTCTimeZone()));
}

TEST(RequestTokenTest, OmitsDefaultsAndReportsBadAnswers) {
  FakeKubeClient client;
  json sent;
  json answer = {{"status", {{"token", "jwt"}}}};
  client.SetRawHandler([&](std::string_view, std::string_view, const json& body) {
    sent = body;
    return absl::StatusOr<json>(answer);
  });
  COFFER_ASSERT_OK(RequestToken(client, "default", "app", {}, 0, std::nullopt).status());
  EXPECT_FALSE(sent["spec"].contains("expirationSeconds"));
  EXPECT_FALSE(sent["spec"].contains("boundObjectRef"));

  answer = {{"status", json::object()}};
  EXPECT_THAT(RequestToken(client, "default", "app", {}, 0, std::nullopt),
              StatusIs(absl::StatusCode::kInternal));
  answer = {{"status", {{"token", "jwt"}, {"expirationTimestamp", "tomorrow"}}}};
  EXPECT_THAT(RequestToken(client, "default", "app", {}, 0, std::nullopt),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(RequestToken(client, "", "app", {}, 0, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument));
  client.SetRawHandler([](std::string_view, std::string_view, const json&) {
    return absl::StatusOr<json>(absl::NotFoundError("serviceaccounts \"app\" not found"));
  });
  EXPECT_THAT(RequestToken(client, "default", "app", {}, 0, std::nullopt),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace coffer::kube
