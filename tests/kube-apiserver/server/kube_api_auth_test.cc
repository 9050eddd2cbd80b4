// TokenRequest, TokenReview and OIDC discovery of KubeApiHandler.
#include <map>
#include <string>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/base/fake_clock.h"
#include "tests/kube-apiserver/server/kube_api_handler.h"

namespace coffer::kube::standin {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kToken[] = "admin-token";
constexpr char kIssuer[] = "https://kubernetes.default.svc.cluster.local";
const char kTokenPath[] = "/api/v1/namespaces/default/serviceaccounts/coffer/token";
const char kReviewPath[] = "/apis/authentication.k8s.io/v1/tokenreviews";

class KubeApiAuthTest : public ::testing::Test {
 protected:
  http::Response Call(std::string method, std::string path, std::string body = "",
                      std::string content_type = "application/json", bool auth = true) {
    http::Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.target = request.path;
    request.body = std::move(body);
    if (auth) request.headers.Add("Authorization", std::string("Bearer ") + kToken);
    request.headers.Add("Content-Type", content_type);
    return handler_.Handle(request);
  }
  json CallJson(std::string method, std::string path, const json& body, int expected) {
    http::Response response = Call(method, path, body.dump());
    EXPECT_EQ(response.status, expected) << method << " " << path << ": " << response.body;
    return json::parse(response.body);
  }
  // Creates ServiceAccount "coffer" and Pod "p1" running as it; returns the pod's uid.
  std::string CreateAccountAndPod() {
    CallJson("POST", "/api/v1/namespaces/default/serviceaccounts",
             {{"metadata", {{"name", "coffer"}}}}, 201);
    json pod =
        CallJson("POST", "/api/v1/namespaces/default/pods",
                 {{"metadata", {{"name", "p1"}}},
                  {"spec", {{"serviceAccountName", "coffer"}, {"containers", json::array()}}}},
                 201);
    return pod["metadata"]["uid"];
  }
  std::string PodToken(const std::string& audience) {
    json request = {
        {"spec",
         {{"audiences", {audience}},
          {"expirationSeconds", 600},
          {"boundObjectRef", {{"kind", "Pod"}, {"apiVersion", "v1"}, {"name", "p1"}}}}}};
    return CallJson("POST", kTokenPath, request, 201)["status"]["token"];
  }
  json Review(const std::string& token, json audiences = json::array()) {
    json review = {{"apiVersion", "authentication.k8s.io/v1"},
                   {"kind", "TokenReview"},
                   {"spec", {{"token", token}, {"audiences", audiences}}}};
    return CallJson("POST", kReviewPath, review, 201)["status"];
  }
  static json Part(const std::string& jwt, int index) {
    std::vector<std::string> parts = absl::StrSplit(jwt, '.');
    return json::parse(*Base64UrlDecode(parts.at(static_cast<size_t>(index))));
  }

  FakeClock clock_;
  KubeApiHandler handler_{clock_, kToken, "127.0.0.1:6443"};
};

TEST_F(KubeApiAuthTest, TokenRequestForMissingServiceAccountIs404) {
  json status = CallJson("POST", kTokenPath, {{"spec", json::object()}}, 404);
  EXPECT_EQ(status["reason"], "NotFound");
}

TEST_F(KubeApiAuthTest, PodBoundTokenCarriesKubernetesClaims) {
  std::string pod_uid = CreateAccountAndPod();
  json request = {{"spec",
                   {{"audiences", {"vault"}},
                    {"expirationSeconds", 600},
                    {"boundObjectRef", {{"kind", "Pod"}, {"apiVersion", "v1"}, {"name", "p1"}}}}}};
  json response = CallJson("POST", kTokenPath, request, 201);
  EXPECT_EQ(response["kind"], "TokenRequest");
  EXPECT_EQ(response["status"]["expirationTimestamp"], "2026-01-01T00:10:00Z");
  std::string jwt = response["status"]["token"];
  json header = Part(jwt, 0);
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_EQ(header["kid"], handler_.issuer().key_id());
  json claims = Part(jwt, 1);
  EXPECT_EQ(claims["iss"], kIssuer);
  EXPECT_EQ(claims["sub"], "system:serviceaccount:default:coffer");
  EXPECT_EQ(claims["aud"], json({"vault"}));
  EXPECT_EQ(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>(), 600);
  EXPECT_EQ(claims["nbf"], claims["iat"]);
  EXPECT_EQ(claims["kubernetes.io"]["namespace"], "default");
  EXPECT_EQ(claims["kubernetes.io"]["serviceaccount"]["name"], "coffer");
  EXPECT_EQ(claims["kubernetes.io"]["pod"], json({{"name", "p1"}, {"uid", pod_uid}}));
}

TEST_F(KubeApiAuthTest, TokenRequestRules) {
  CreateAccountAndPod();
  json short_lived = {{"spec", {{"expirationSeconds", 60}}}};
  EXPECT_EQ(CallJson("POST", kTokenPath, short_lived, 422)["reason"], "Invalid");
  json wrong_uid = {
      {"spec", {{"boundObjectRef", {{"kind", "Pod"}, {"name", "p1"}, {"uid", "x"}}}}}};
  EXPECT_EQ(CallJson("POST", kTokenPath, wrong_uid, 409)["reason"], "Conflict");
  json missing_pod = {{"spec", {{"boundObjectRef", {{"kind", "Pod"}, {"name", "nope"}}}}}};
  CallJson("POST", kTokenPath, missing_pod, 404);
  json node = {{"spec", {{"boundObjectRef", {{"kind", "Deployment"}, {"name", "p1"}}}}}};
  CallJson("POST", kTokenPath, node, 400);
  // No audiences: the API server's own.
  json token = CallJson("POST", kTokenPath, {{"spec", json::object()}}, 201);
  EXPECT_EQ(Part(token["status"]["token"], 1)["aud"], json({kIssuer}));
  EXPECT_EQ(Review(token["status"]["token"])["authenticated"], true);
}

TEST_F(KubeApiAuthTest, DecodesTheProtobufBodyKubectlSends) {
  CreateAccountAndPod();
  auto field = [](int number, const std::string& bytes) {
    return std::string(1, static_cast<char>(number << 3 | 2)) +
           std::string(1, static_cast<char>(bytes.size())) + bytes;
  };
  std::string ref = field(1, "Pod") + field(2, "v1") + field(3, "p1");
  std::string spec = field(1, "aud-x") + field(3, ref) + std::string("\x20\xb0\x09", 3);  // 1200
  std::string token_request = field(1, "") + field(2, spec) + field(3, "");
  std::string unknown = field(1, field(1, "authentication.k8s.io/v1") + field(2, "TokenRequest")) +
                        field(2, token_request) + field(3, "") + field(4, "");
  http::Response response = Call("POST", kTokenPath, std::string("k8s\0", 4) + unknown,
                                 "application/vnd.kubernetes.protobuf");
  ASSERT_EQ(response.status, 201) << response.body;
  json claims = Part(json::parse(response.body)["status"]["token"], 1);
  EXPECT_EQ(claims["aud"], json({"aud-x"}));
  EXPECT_EQ(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>(), 1200);
  EXPECT_EQ(claims["kubernetes.io"]["pod"]["name"], "p1");
  EXPECT_EQ(Call("POST", kTokenPath, "junk", "application/vnd.kubernetes.protobuf").status, 400);
}

TEST_F(KubeApiAuthTest, CreatesAServiceAccountFromProtobufAndRefusesProtobufPods) {
  auto field = [](int number, const std::string& bytes) {
    return std::string(1, static_cast<char>(number << 3 | 2)) +
           std::string(1, static_cast<char>(bytes.size())) + bytes;
  };
  std::string meta =
      field(1, "coffer") + field(3, "default") + field(11, field(1, "a") + field(2, "b"));
  std::string unknown = field(1, field(1, "v1") + field(2, "ServiceAccount")) +
                        field(2, field(1, meta)) + field(3, "") + field(4, "");
  std::string body = std::string("k8s\0", 4) + unknown;
  http::Response created = Call("POST", "/api/v1/namespaces/default/serviceaccounts", body,
                                "application/vnd.kubernetes.protobuf");
  ASSERT_EQ(created.status, 201) << created.body;
  json sa = json::parse(created.body);
  EXPECT_EQ(sa["metadata"]["name"], "coffer");
  EXPECT_EQ(sa["metadata"]["labels"], json({{"a", "b"}}));
  EXPECT_EQ(sa["kind"], "ServiceAccount");
  std::string pod = field(1, field(1, "v1") + field(2, "Pod")) + field(2, field(1, meta));
  http::Response refused =
      Call("POST", "/api/v1/namespaces/default/pods", std::string("k8s\0", 4) + pod,
           "application/vnd.kubernetes.protobuf");
  EXPECT_EQ(refused.status, 415) << refused.body;
}

TEST_F(KubeApiAuthTest, ReviewAuthenticatesAValidPodToken) {
  std::string pod_uid = CreateAccountAndPod();
  json status = Review(PodToken("vault"), {"vault", "other"});
  EXPECT_EQ(status["authenticated"], true);
  EXPECT_EQ(status["audiences"], json({"vault"}));
  EXPECT_EQ(status["user"]["username"], "system:serviceaccount:default:coffer");
  EXPECT_EQ(
      status["user"]["groups"],
      json({"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"}));
  EXPECT_EQ(status["user"]["extra"]["authentication.kubernetes.io/pod-name"], json({"p1"}));
  EXPECT_EQ(status["user"]["extra"]["authentication.kubernetes.io/pod-uid"], json({pod_uid}));
}

TEST_F(KubeApiAuthTest, ReviewRejectsWrongAudienceExpiryDeletedPodAndGarbage) {
  CreateAccountAndPod();
  std::string token = PodToken("vault");
  json wrong = Review(token, {"other"});
  EXPECT_FALSE(wrong.value("authenticated", false));
  EXPECT_THAT(wrong["error"].get<std::string>(),
              HasSubstr("token audiences [\"vault\"] is invalid for the target audiences"));
  json default_audience = Review(token);
  EXPECT_FALSE(default_audience.value("authenticated", false));

  json garbage = Review("not.a.jwt");
  EXPECT_FALSE(garbage.value("authenticated", false));
  EXPECT_THAT(garbage["error"].get<std::string>(), HasSubstr("invalid bearer token"));

  clock_.Advance(absl::Seconds(600 + 61));
  json expired = Review(token, {"vault"});
  EXPECT_FALSE(expired.value("authenticated", false));
  EXPECT_THAT(expired["error"].get<std::string>(), HasSubstr("has expired"));

  std::string fresh = PodToken("vault");
  EXPECT_EQ(Review(fresh, {"vault"})["authenticated"], true);
  CallJson("DELETE", "/api/v1/namespaces/default/pods/p1", json::object(), 200);
  json deleted = Review(fresh, {"vault"});
  EXPECT_FALSE(deleted.value("authenticated", false));
  EXPECT_THAT(deleted["error"].get<std::string>(), HasSubstr("has been invalidated"));
}

TEST_F(KubeApiAuthTest, ServesOidcDiscoveryWithoutAToken) {
  http::Response config = Call("GET", "/.well-known/openid-configuration", "", "", false);
  ASSERT_EQ(config.status, 200) << config.body;
  json doc = json::parse(config.body);
  EXPECT_EQ(doc["issuer"], kIssuer);
  EXPECT_EQ(doc["jwks_uri"], "https://127.0.0.1:6443/openid/v1/jwks");
  EXPECT_EQ(doc["id_token_signing_alg_values_supported"], json({"RS256"}));
  EXPECT_EQ(doc["response_types_supported"], json({"id_token"}));
  EXPECT_EQ(doc["subject_types_supported"], json({"public"}));
  http::Response jwks = Call("GET", "/openid/v1/jwks", "", "", false);
  ASSERT_EQ(jwks.status, 200);
  json key = json::parse(jwks.body)["keys"].at(0);
  EXPECT_EQ(key["kid"], handler_.issuer().key_id());
  EXPECT_EQ(key["alg"], "RS256");
  EXPECT_EQ(key["use"], "sig");
  EXPECT_EQ(key["e"], "AQAB");
  EXPECT_EQ(Base64UrlDecode(key["n"].get<std::string>())->size(), 256u);
  EXPECT_EQ(Call("POST", "/openid/v1/jwks").status, 405);
  EXPECT_EQ(Call("GET", kReviewPath, "", "", false).status, 401);
}

TEST_F(KubeApiAuthTest, DiscoveryListsTokenReviewsAndTheTokenSubresource) {
  http::Response list = Call("GET", "/apis/authentication.k8s.io/v1");
  ASSERT_EQ(list.status, 200);
  json resources = json::parse(list.body)["resources"];
  ASSERT_EQ(resources.size(), 1u);
  EXPECT_EQ(resources[0]["name"], "tokenreviews");
  EXPECT_EQ(resources[0]["verbs"], json({"create"}));
  EXPECT_THAT(Call("GET", "/api/v1").body, HasSubstr("serviceaccounts/token"));
}

}  // namespace
}  // namespace coffer::kube::standin
