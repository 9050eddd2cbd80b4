// The data plane and token service at the handler level, over real services, a memory store, the
// software key store and the audit fake: everything but the socket. Test-only.
#ifndef COFFER_VAULT_CORE_API_REST_TESTING_DATA_PLANE_FIXTURE_H_
#define COFFER_VAULT_CORE_API_REST_TESTING_DATA_PLANE_FIXTURE_H_

#include <atomic>
#include <string>
#include <string_view>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "lib/base/base64.h"
#include "lib/base/fake_clock.h"
#include "nlohmann/json.hpp"
#include "vault-core/api/rest/data_plane.h"
#include "vault-core/audit/memory_audit_log.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/crypto/random.h"
#include "vault-core/crypto/testing/test_rsa_certificate.h"
#include "vault-core/service/testing/services_fixture.h"

namespace coffer::api::rest {

inline constexpr char kTenant[] = "6f1c2d7e-0000-4000-8000-00000000c0ff";
inline constexpr char kHost[] = "prod.vault.coffer.test:8443";

class DataPlaneTest : public service::ServicesFixture {
 protected:
  DataPlaneTest()
      : signer_(*hsm_, clock_),
        authority_{"https://login.coffer.test", kTenant, absl::Hours(1)},
        verifier_(hsm_->signing_public_key(), authority_.issuer(), clock_),
        audit_(clock_),
        tokens_(authority_, signer_, *principals_, *vaults_, audit_, clock_,
                {{"prod-cluster", "https://kubernetes.default.svc", "api://coffer", &reviewer_},
                 {"dev-cluster", "https://dev.example", "api://coffer", &reviewer_}}),
        plane_(
            DataPlaneDeps{*vaults_, secrets_, key_service_, certificate_service_, *policies_,
                          *principals_, verifier_, tokens_, audit_},
            authority_, "https") {
    vault_ = *vaults_->CreateVault(
        {"prod", {"prod.vault.coffer.test"}, domain::Sku::kStandard, 7, false});
    app_ = *principals_->CreatePrincipal("app");
    secret_ = std::move(*principals_->AddSecret(app_.object_id, std::nullopt));
    EXPECT_TRUE(policies_->Set(vault_.id, {app_.object_id, {"all"}, {}, {}}).ok());
  }

  // Sends a request the way the HTTP server does: OnHeaders first, Handle unless it answered.
  http::Response Send(const std::string& method, const std::string& target,
                      const std::string& body = "", const std::string& token = "",
                      const std::string& host = kHost) {
    http::Request request;
    request.method = method;
    request.target = target;
    std::size_t q = target.find('?');
    request.path = http::PercentDecode(target.substr(0, q), false).value_or("");
    if (q != std::string::npos) request.query = http::ParseQuery(target.substr(q + 1));
    request.headers.Add("Host", host);
    request.remote_address = remote_;
    if (!token.empty()) request.headers.Add("Authorization", "Bearer " + token);
    if (!body.empty()) request.headers.Add("Content-Length", std::to_string(body.size()));
    if (auto early = plane_.OnHeaders(request)) return *early;
    request.body = body;
    return plane_.Handle(request);
  }

  std::string Token(const std::string& scope = "https://vault.coffer.test/.default") {
    http::Response r =
        Send("POST", std::string("/") + kTenant + "/oauth2/v2.0/token",
             "grant_type=client_credentials&client_id=" + app_.client_id +
                 "&client_secret=" + std::string(secret_.value.reveal()) + "&scope=" + scope,
             "", "login.coffer.test");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? nlohmann::json::parse(r.body)["access_token"].get<std::string>() : "";
  }

  // Plays the cluster's TokenReview: a token's last part is "sa_NS_NAME" (valid), "down" (the
  // cluster cannot be asked) or anything else (refused).
  class FakeReviewer : public identity::ServiceAccountTokenReviewer {
   public:
    std::atomic<int> calls{0};
    absl::Notification* hold = nullptr;  // when set, every review waits for it
    absl::StatusOr<identity::ReviewedServiceAccount> Review(std::string_view token,
                                                            std::string_view audience) override {
      EXPECT_EQ(audience, "api://coffer");
      ++calls;
      if (hold != nullptr) hold->WaitForNotification();
      std::string subject(token.substr(token.rfind('.') + 1));
      if (subject == "down") return absl::UnavailableError("cluster unreachable");
      if (subject.rfind("sa_", 0) != 0) return absl::UnauthenticatedError("token revoked");
      std::size_t colon = subject.find('_', 3);
      return identity::ReviewedServiceAccount{subject.substr(3, colon - 3),
                                              subject.substr(colon + 1), "pod-1"};
    }
  };
  // A JWT whose payload claims `issuer` (and `review` as its subject) valid for an hour from
  // `from_now`; the signature part carries the fake review's answer.
  std::string PodToken(const std::string& issuer, const std::string& review,
                       const std::string& audience = "api://coffer",
                       absl::Duration from_now = absl::ZeroDuration()) {
    int64_t iat = absl::ToUnixSeconds(clock_.Now() + from_now);
    nlohmann::json claims = {{"iss", issuer}, {"sub", review},    {"aud", {audience}},
                   {"iat", iat},    {"nbf", iat},       {"exp", iat + 3600}};
    return Base64UrlEncode(R"({"alg":"RS256"})") + "." + Base64UrlEncode(claims.dump()) + "." +
           review;
  }
  http::Response AssertionLogin(
      const std::string& client_id, const std::string& assertion,
      const std::string& type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
    return Send("POST", std::string("/") + kTenant + "/oauth2/v2.0/token",
                "grant_type=client_credentials&client_id=" + client_id +
                    "&client_assertion_type=" + type + "&client_assertion=" + assertion +
                    "&scope=https://vault.coffer.test/.default",
                "", "login.coffer.test");
  }

  // What ClientCertificateCredential sends (PS256, x5t#S256), or RS256 with x5t; `changes`
  // are merged into the claims.
  std::string CertAssertion(const crypto::TestRsaCertificate& cert, const std::string& client_id,
                            const std::string& alg = "PS256",
                            const nlohmann::json& changes = nlohmann::json::object()) {
    nlohmann::json header = {{"alg", alg}, {"typ", "JWT"}};
    if (alg == "RS256") {
      header["x5t"] = Base64UrlEncode(crypto::Sha1(cert.certificate_der));
    } else {
      header["x5t#S256"] = Base64UrlEncode(crypto::Sha256(cert.certificate_der));
    }
    int64_t now = absl::ToUnixSeconds(clock_.Now());
    nlohmann::json claims = {{"aud", authority_.token_endpoint()},
                   {"iss", client_id},
                   {"sub", client_id},
                   {"jti", crypto::RandomUuid()},
                   {"nbf", now},
                   {"iat", now},
                   {"exp", now + 600}};
    claims.merge_patch(changes);
    std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
    return input + "." +
           Base64UrlEncode(alg == "RS256" ? cert.SignRs256(input) : cert.SignPs256(input));
  }

  // A token request with a client secret, as ClientSecretCredential sends it.
  http::Response SecretLogin(const std::string& client_id, std::string_view secret) {
    return Send("POST", std::string("/") + kTenant + "/oauth2/v2.0/token",
                "grant_type=client_credentials&client_id=" + client_id + "&client_secret=" +
                    std::string(secret) + "&scope=https://vault.coffer.test/.default",
                "", "login.coffer.test");
  }
  int ThrottledAuditRecords() {
    int n = 0;
    for (const audit::AuditRecord& r : audit_.records()) n += r.operation == "LoginThrottled";
    return n;
  }

  std::string remote_ = "192.0.2.7:40000";  // the peer of what Send sends
  FakeReviewer reviewer_;
  identity::TokenSigner signer_;
  Authority authority_;
  identity::TokenVerifier verifier_;
  audit::MemoryAuditLog audit_;
  TokenApi tokens_;
  DataPlane plane_;
  domain::Vault vault_;
  domain::Principal app_;
  service::CreatedClientSecret secret_;
};

}  // namespace coffer::api::rest

#endif  // COFFER_VAULT_CORE_API_REST_TESTING_DATA_PLANE_FIXTURE_H_
