// Cluster tokens checked against the cluster's published keys, with the lookups only the
// cluster can answer, over a fake API server.
#include "vault-core/server/jwks_token_reviewer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/base/fake_clock.h"
#include "lib/kube/fake_kube_client.h"
#include "lib/testing/status_matchers.h"
#include "nlohmann/json.hpp"
#include "vault-core/crypto/testing/test_rsa_certificate.h"

namespace coffer::server {
namespace {

using ::coffer::testing::StatusIs;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kIssuer[] = "https://kubernetes.default.svc.cluster.local";
const kube::ResourceRef kServiceAccounts{"", "v1", "serviceaccounts", true};
const kube::ResourceRef kPods{"", "v1", "pods", true};

class JwksTokenReviewerTest : public ::testing::Test {
 protected:
  JwksTokenReviewerTest() : clock_(absl::Now()) {
    auto fake = std::make_unique<kube::FakeKubeClient>();
    kube_ = fake.get();
    kube_->SetRawHandler([this](std::string_view method, std::string_view path,
                                const json&) -> absl::StatusOr<json> {
      ++fetches_;
      if (down_) return absl::UnavailableError("connection refused");
      EXPECT_EQ(method, "GET");
      if (path == "/.well-known/openid-configuration") {
        // A jwks_uri away from the API server (--service-account-jwks-uri): not followed.
        return json{{"issuer", kIssuer}, {"jwks_uri", "https://oidc.example.com/keys/cluster-1"}};
      }
      if (path == "/openid/v1/jwks") return json{{"keys", {json::parse(published_)}}};
      return absl::NotFoundError(std::string(path));
    });
    EXPECT_TRUE(kube_->Create(kServiceAccounts, "team-a",
                              {{"metadata", {{"name", "billing"}, {"namespace", "team-a"}}}})
                    .ok());
    EXPECT_TRUE(kube_->Create(kPods, "team-a",
                              {{"metadata", {{"name", "web"}, {"namespace", "team-a"}}}})
                    .ok());
    reviewer_ = std::make_unique<JwksTokenReviewer>(std::move(fake), kIssuer, clock_);
  }

  std::string Uid(const kube::ResourceRef& ref, const std::string& name) {
    auto object = kube_->Get(ref, "team-a", name);
    return object.ok() ? object->value("/metadata/uid"_json_pointer, std::string()) : "";
  }

  // A token of ServiceAccount billing bound to pod web, as the cluster signs it.
  std::string Token(const std::string& kid = "k1") {
    const int64_t now = absl::ToUnixSeconds(clock_.Now());
    json claims = {{"iss", kIssuer},
                   {"aud", {"api://coffer"}},
                   {"sub", "system:serviceaccount:team-a:billing"},
                   {"nbf", now},
                   {"exp", now + 3600},
                   {"kubernetes.io",
                    {{"namespace", "team-a"},
                     {"serviceaccount", {{"name", "billing"}, {"uid", Uid(kServiceAccounts, "billing")}}},
                     {"pod", {{"name", "web"}, {"uid", Uid(kPods, "web")}}}}}};
    std::string input = Base64UrlEncode(json{{"alg", "RS256"}, {"kid", kid}}.dump()) + "." +
                        Base64UrlEncode(claims.dump());
    return input + "." + Base64UrlEncode(cert_.SignRs256(input));
  }

  FakeClock clock_;
  crypto::TestRsaCertificate cert_ = crypto::MakeTestRsaCertificate();
  std::string published_ = cert_.JwkJson("k1");
  kube::FakeKubeClient* kube_;
  int fetches_ = 0;
  bool down_ = false;
  std::unique_ptr<JwksTokenReviewer> reviewer_;
};

TEST_F(JwksTokenReviewerTest, TokenOfALivePodIsAcceptedWithKeysFetchedOnce) {
  COFFER_ASSERT_OK_AND_ASSIGN(identity::ReviewedServiceAccount account,
                              reviewer_->Review(Token(), "api://coffer"));
  EXPECT_EQ(account.ns, "team-a");
  EXPECT_EQ(account.name, "billing");
  EXPECT_EQ(account.pod, "web");
  COFFER_ASSERT_OK(reviewer_->Review(Token(), "api://coffer").status());
  EXPECT_EQ(fetches_, 2);  // discovery document and JWKS, once
  EXPECT_THAT(reviewer_->Review(Token(), "https://kubernetes.default.svc"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("audience")));
}

TEST_F(JwksTokenReviewerTest, GonePodOrServiceAccountIsRefused) {
  const std::string token = Token();
  ASSERT_TRUE(kube_->Delete(kPods, "team-a", "web", {}).ok());
  EXPECT_THAT(reviewer_->Review(token, "api://coffer"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("no longer exists")));
  // The same name again is another pod.
  ASSERT_TRUE(kube_->Create(kPods, "team-a",
                            {{"metadata", {{"name", "web"}, {"namespace", "team-a"}}}})
                  .ok());
  EXPECT_THAT(reviewer_->Review(token, "api://coffer"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("created again")));
  const std::string of_new_pod = Token();
  COFFER_ASSERT_OK(reviewer_->Review(of_new_pod, "api://coffer").status());
  ASSERT_TRUE(kube_->Delete(kServiceAccounts, "team-a", "billing", {}).ok());
  EXPECT_THAT(reviewer_->Review(of_new_pod, "api://coffer"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("serviceaccounts")));
}

TEST_F(JwksTokenReviewerTest, UnknownKeyIdsRefetchAtMostEvery30Seconds) {
  COFFER_ASSERT_OK(reviewer_->Review(Token(), "api://coffer").status());
  EXPECT_EQ(fetches_, 2);
  clock_.Advance(absl::Seconds(31));
  EXPECT_THAT(reviewer_->Review(Token("forged"), "api://coffer"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("unknown key")));
  EXPECT_EQ(fetches_, 4);  // looked again, in case the cluster rotated its keys
  for (int i = 0; i < 20; ++i) {
    EXPECT_THAT(reviewer_->Review(Token("forged"), "api://coffer"),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  EXPECT_EQ(fetches_, 4);  // not again within 30 s, however many come
  published_ = cert_.JwkJson("k2");  // the cluster rotates
  clock_.Advance(absl::Seconds(31));
  COFFER_EXPECT_OK(reviewer_->Review(Token("k2"), "api://coffer").status());
}

TEST_F(JwksTokenReviewerTest, UnreachableClusterIsUnavailableNotARefusal) {
  down_ = true;
  EXPECT_THAT(reviewer_->Review(Token(), "api://coffer"),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(reviewer_->Review(Token(), "api://coffer"),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(fetches_, 1);  // the second waited for the 30 s to pass
  down_ = false;
  clock_.Advance(absl::Seconds(31));
  COFFER_EXPECT_OK(reviewer_->Review(Token(), "api://coffer").status());
}

}  // namespace
}  // namespace coffer::server
