// Service-account tokens checked against a cluster's published keys.
#include "vault-core/identity/cluster_key_set.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/testing/status_matchers.h"
#include "nlohmann/json.hpp"
#include "vault-core/crypto/testing/test_rsa_certificate.h"

namespace coffer::identity {
namespace {

using ::coffer::testing::StatusIs;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kIssuer[] = "https://kubernetes.default.svc.cluster.local";

class ClusterKeySetTest : public ::testing::Test {
 protected:
  std::string Token(const json& changes = json::object(), const std::string& kid = "k1") {
    const int64_t now = absl::ToUnixSeconds(now_);
    json claims = {{"iss", kIssuer},
                   {"aud", {"api://coffer"}},
                   {"sub", "system:serviceaccount:team-a:billing"},
                   {"iat", now},
                   {"nbf", now},
                   {"exp", now + 3600},
                   {"kubernetes.io",
                    {{"namespace", "team-a"},
                     {"serviceaccount", {{"name", "billing"}, {"uid", "sa-uid"}}},
                     {"pod", {{"name", "web"}, {"uid", "pod-uid"}}}}}};
    claims.merge_patch(changes);
    std::string input = Base64UrlEncode(json{{"alg", "RS256"}, {"kid", kid}}.dump()) + "." +
                        Base64UrlEncode(claims.dump());
    return input + "." + Base64UrlEncode(cert_.SignRs256(input));
  }
  absl::StatusOr<ClusterTokenClaims> Verify(const std::string& token) {
    return keys_->Verify(token, kIssuer, "api://coffer", now_);
  }

  absl::Time now_ = absl::Now();
  crypto::TestRsaCertificate cert_ = crypto::MakeTestRsaCertificate();
  std::unique_ptr<ClusterKeySet> keys_ = *ClusterKeySet::Parse(json{
      {"keys", {json::parse(cert_.JwkJson("k1")), {{"kty", "oct"}, {"kid", "secret"}, {"k", "AAAA"}}}}});
};

TEST_F(ClusterKeySetTest, PodBoundTokenVerifies) {
  EXPECT_EQ(keys_->size(), 1u);  // the symmetric key is no signing key of a cluster's
  COFFER_ASSERT_OK_AND_ASSIGN(ClusterTokenClaims claims, Verify(Token()));
  EXPECT_EQ(claims.ns, "team-a");
  EXPECT_EQ(claims.service_account, "billing");
  EXPECT_EQ(claims.service_account_uid, "sa-uid");
  EXPECT_EQ(claims.pod, "web");
  EXPECT_EQ(claims.pod_uid, "pod-uid");
}

TEST_F(ClusterKeySetTest, WhatTheClusterDidNotSignOrSaidOtherwiseIsRefused) {
  std::string forged = Token();
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_THAT(Verify(forged), StatusIs(absl::StatusCode::kUnauthenticated, "bad signature"));
  EXPECT_THAT(Verify(Token(json::object(), "rotated")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Verify(Token({{"aud", {"https://kubernetes.default.svc"}}})),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("audience")));
  EXPECT_THAT(Verify(Token({{"iss", "https://evil.example"}})),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("issuer")));
  const int64_t past = absl::ToUnixSeconds(now_ - absl::Hours(2));
  EXPECT_THAT(Verify(Token({{"nbf", past}, {"exp", past + 600}})),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
  EXPECT_THAT(Verify(Token({{"sub", "system:serviceaccount:team-a:admin"}})),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("service account")));
  EXPECT_THAT(Verify("a.b"), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(ClusterKeySet::Parse(json{{"keys", json::array()}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::identity
