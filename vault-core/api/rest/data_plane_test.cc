// The data plane and token service at the handler level, over real services, a memory store, the
// software key store and the audit fake: everything but the socket.
#include "vault-core/api/rest/data_plane.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "lib/base/base64.h"
#include "lib/base/fake_clock.h"
#include "lib/base/logging.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "nlohmann/json.hpp"
#include "vault-core/api/rest/testing/data_plane_fixture.h"
#include "vault-core/audit/memory_audit_log.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/crypto/random.h"
#include "vault-core/crypto/testing/test_rsa_certificate.h"
#include "vault-core/service/testing/services_fixture.h"

namespace coffer::api::rest {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST_F(DataPlaneTest, RequestWithoutTokenGetsKeyVaultsChallengeBeforeItsBody) {
  http::Request head;
  head.method = "PUT";
  head.path = "/secrets/db";
  head.headers.Add("Host", kHost);
  head.headers.Add("Content-Length", "5000000");
  auto early = plane_.OnHeaders(head);
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(early->status, 401);
  EXPECT_EQ(early->headers.Get("WWW-Authenticate"),
            std::string("Bearer authorization=\"https://login.coffer.test/") + kTenant +
                "\", resource=\"https://vault.coffer.test:8443\"");
  EXPECT_EQ(json::parse(early->body)["error"]["code"], "Unauthorized");
  ASSERT_FALSE(audit_.records().empty());
  EXPECT_EQ(audit_.records().back().result, "401");
  EXPECT_EQ(audit_.records().back().operation, "Authenticate");
}

// A request that comes while the audit log is far behind is turned away before it acts: it
// changes nothing that would then have no record.
TEST_F(DataPlaneTest, RequestsAreTurnedAwayBeforeActingWhileTheAuditLogIsBehind) {
  const std::string token = Token();
  const std::size_t lines = audit_.records().size();
  audit_.SetOverloaded(true);
  http::Response busy =
      Send("PUT", "/secrets/db?api-version=7.4", R"({"value":"s3cret"})", token);
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.headers.Get("Retry-After"), std::string("1"));
  EXPECT_THAT(secrets_.Get(vault_, "db", ""),
              ::coffer::testing::StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(audit_.records().size(), lines);

  audit_.SetOverloaded(false);
  EXPECT_EQ(Send("PUT", "/secrets/db?api-version=7.4", R"({"value":"s3cret"})", token).status,
            200);
}

// What the headers already refuse is answered before the body is read: a body for a host no
// vault answers to, and a token request larger than any token request can be.
TEST_F(DataPlaneTest, UnknownHostsAndOversizedTokenRequestsAreRefusedBeforeTheirBody) {
  http::Request head;
  head.method = "PUT";
  head.path = "/secrets/db";
  head.headers.Add("Host", "nobody.vault.coffer.test");
  head.headers.Add("Content-Length", "1000000");
  auto early = plane_.OnHeaders(head);
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(early->status, 404);

  http::Request token;
  token.method = "POST";
  token.path = std::string("/") + kTenant + "/oauth2/v2.0/token";
  token.headers.Add("Host", "login.coffer.test");
  token.headers.Add("Content-Length", "1000000");
  early = plane_.OnHeaders(token);
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(early->status, 413);
  token.headers.Set("Content-Length", "300");
  EXPECT_FALSE(plane_.OnHeaders(token).has_value());
  EXPECT_FALSE(Token().empty());  // and a real one still gets its token
}

// The Python SDK checks that the request's host:port ends with the challenge resource's; the JS
// SDK compares host names. The resource carries a non-default port, and tokens for it or for
// the portless resource both serve.
TEST_F(DataPlaneTest, ChallengeNamesANonDefaultPortAndTokensForEitherFormServe) {
  auto challenge = [&](const std::string& host) {
    http::Response r = Send("GET", "/secrets/db?api-version=7.4", "", "", host);
    return std::string(r.headers.Get("WWW-Authenticate").value_or(""));
  };
  EXPECT_THAT(challenge("prod.vault.coffer.test:8443"),
              HasSubstr("resource=\"https://vault.coffer.test:8443\""));
  EXPECT_THAT(challenge("prod.vault.coffer.test:443"),
              HasSubstr("resource=\"https://vault.coffer.test\""));
  EXPECT_THAT(challenge("prod.vault.coffer.test"),
              HasSubstr("resource=\"https://vault.coffer.test\""));
  for (const char* scope :
       {"https://vault.coffer.test:8443/.default", "https://vault.coffer.test/.default"}) {
    std::string token = Token(scope);
    ASSERT_FALSE(token.empty()) << scope;
    EXPECT_EQ(Send("PUT", "/secrets/db?api-version=7.4", R"({"value":"v"})", token).status, 200)
        << scope;
  }
  // A port is no licence for another domain.
  http::Response elsewhere =
      Send("POST", std::string("/") + kTenant + "/oauth2/v2.0/token",
           "grant_type=client_credentials&client_id=" + app_.client_id + "&client_secret=" +
               std::string(secret_.value.reveal()) + "&scope=https://elsewhere.test:8443/.default",
           "", "login.coffer.test");
  EXPECT_EQ(elsewhere.status, 400) << elsewhere.body;
}

TEST_F(DataPlaneTest, OpenIdConfigurationHasTenantFirstEndpoints) {
  http::Response r =
      Send("GET", std::string("/") + kTenant + "/v2.0/.well-known/openid-configuration", "", "",
           "login.coffer.test");
  ASSERT_EQ(r.status, 200);
  auto config = json::parse(r.body);
  std::string tenant_url = std::string("https://login.coffer.test/") + kTenant;
  EXPECT_EQ(config["issuer"], tenant_url + "/v2.0");
  EXPECT_EQ(config["token_endpoint"], tenant_url + "/oauth2/v2.0/token");
  EXPECT_EQ(config["authorization_endpoint"], tenant_url + "/oauth2/v2.0/authorize");
  EXPECT_EQ(config["jwks_uri"], tenant_url + "/discovery/v2.0/keys");
  EXPECT_THAT(config["token_endpoint_auth_methods_supported"].dump(), HasSubstr("private_key_jwt"));
}

TEST_F(DataPlaneTest, TokenThenSetAndGetWithAbsoluteIds) {
  std::string token = Token();
  http::Response set =
      Send("PUT", "/secrets/db?api-version=7.4", R"({"value":"s3cret","attributes":{}})", token);
  ASSERT_EQ(set.status, 200) << set.body;
  auto bundle = json::parse(set.body);
  EXPECT_THAT(bundle["id"].get<std::string>(),
              StartsWith("https://prod.vault.coffer.test:8443/secrets/db/"));
  EXPECT_EQ(bundle["value"], "s3cret");
  http::Response get = Send("GET", "/secrets/db/?api-version=2026-04-01", "", token);
  ASSERT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(json::parse(get.body)["value"], "s3cret");
  EXPECT_TRUE(get.headers.Get("x-ms-request-id").has_value());
}

TEST_F(DataPlaneTest, BadCredentialsAndScopesGetOAuthErrors) {
  http::Response wrong = Send("POST", std::string("/") + kTenant + "/oauth2/v2.0/token",
                              "grant_type=client_credentials&client_id=" + app_.client_id +
                                  "&client_secret=nope&scope=https://vault.coffer.test/.default",
                              "", "login.coffer.test");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(json::parse(wrong.body)["error"], "invalid_client");
  http::Response scope = Send("POST", std::string("/") + kTenant + "/oauth2/v2.0/token",
                              "grant_type=client_credentials&client_id=" + app_.client_id +
                                  "&client_secret=" + std::string(secret_.value.reveal()) +
                                  "&scope=https://elsewhere.test/.default",
                              "", "login.coffer.test");
  EXPECT_EQ(scope.status, 400);
  EXPECT_EQ(json::parse(scope.body)["error"], "invalid_scope");
}

// Ten wrong secrets for one client id, then one attempt each 6 s: what a guesser gets. The
// client itself, holding a secret it proved lately, is not shut out by a stranger's failures.
TEST_F(DataPlaneTest, FailedLoginsAreThrottledPerClientIdButAProvedSecretStillServes) {
  ASSERT_FALSE(Token().empty());  // the app proves its secret once
  COFFER_ASSERT_OK_AND_ASSIGN(auto unproved, principals_->AddSecret(app_.object_id, std::nullopt));
  for (int i = 0; i < 10; ++i) {
    remote_ = "192.0.2." + std::to_string(10 + i) + ":40000";  // guesses from ten addresses
    ASSERT_EQ(SecretLogin(app_.client_id, "guess").status, 401) << i;
  }
  http::Response throttled = SecretLogin(app_.client_id, "guess");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.headers.Get("Retry-After").value_or(""), "6");
  EXPECT_EQ(json::parse(throttled.body)["error"], "temporarily_unavailable");
  // A secret not proved lately would cost a slow hash: it waits too; the proved one does not.
  EXPECT_EQ(SecretLogin(app_.client_id, unproved.value.reveal()).status, 429);
  EXPECT_EQ(SecretLogin(app_.client_id, secret_.value.reveal()).status, 200);
  EXPECT_EQ(ThrottledAuditRecords(), 1);  // the moment it became throttled, once
  clock_.Advance(absl::Seconds(6));
  remote_ = "192.0.2.99:40000";  // a source the client never logged in from
  EXPECT_EQ(SecretLogin(app_.client_id, unproved.value.reveal()).status, 200);
  remote_ = "192.0.2.98:40000";
  EXPECT_EQ(SecretLogin(app_.client_id, "guess").status, 401);
  EXPECT_EQ(SecretLogin(app_.client_id, "guess").status, 429);
}

// Where the client logged in from within a day, a stranger's failures do not hold it up, even
// once its secret has to be hashed again; a source it never used waits as a guesser does.
TEST_F(DataPlaneTest, AStrangersFailuresDoNotShutAClientOutOfWhereItRuns) {
  const std::string usual = remote_;
  ASSERT_FALSE(Token().empty());
  clock_.Advance(absl::Minutes(11));  // the proved secret is no longer remembered
  for (int i = 0; i < 10; ++i) {
    remote_ = "203.0.113." + std::to_string(i) + ":40000";
    ASSERT_EQ(SecretLogin(app_.client_id, "guess").status, 401) << i;
  }
  remote_ = "203.0.113.50:40000";
  EXPECT_EQ(SecretLogin(app_.client_id, secret_.value.reveal()).status, 429);
  remote_ = usual;
  EXPECT_EQ(SecretLogin(app_.client_id, secret_.value.reveal()).status, 200);
  clock_.Advance(absl::Hours(25));  // a day without logging in from there
  for (int i = 0; i < 10; ++i) {
    remote_ = "203.0.113." + std::to_string(100 + i) + ":40000";
    ASSERT_EQ(SecretLogin(app_.client_id, "guess").status, 401) << i;
  }
  remote_ = usual;
  EXPECT_EQ(SecretLogin(app_.client_id, secret_.value.reveal()).status, 429);
}

// Behind a proxy or a NAT, a client's usual source is others' too: failures there throttle
// that (client id, source) pair, not the client id everywhere.
TEST_F(DataPlaneTest, FailuresFromAClientsUsualSourceThrottleThatSourceAlone) {
  ASSERT_FALSE(Token().empty());
  clock_.Advance(absl::Minutes(11));  // the proved secret is no longer remembered
  for (int i = 0; i < 10; ++i) ASSERT_EQ(SecretLogin(app_.client_id, "guess").status, 401) << i;
  EXPECT_EQ(SecretLogin(app_.client_id, secret_.value.reveal()).status, 429);
  remote_ = "198.51.100.9:40000";
  EXPECT_EQ(SecretLogin(app_.client_id, secret_.value.reveal()).status, 200);
}

// An assertion is signed, not guessed: failed ones count against their source only, so a
// stranger's refused assertions naming a managed identity do not hold up its pods.
TEST_F(DataPlaneTest, RefusedAssertionsAreThrottledPerSourceNotPerClientId) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      domain::Principal billing,
      principals_->CreateManagedIdentity({"prod-cluster", "team-a", "billing"}));
  const std::string kube = "https://kubernetes.default.svc";
  remote_ = "203.0.113.1:40000";
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(AssertionLogin(billing.client_id, PodToken(kube, "revoked")).status, 401) << i;
  }
  EXPECT_EQ(AssertionLogin(billing.client_id, PodToken(kube, "sa_team-a_billing")).status, 429);
  remote_ = "10.0.0.5:40000";  // the pod
  EXPECT_EQ(AssertionLogin(billing.client_id, PodToken(kube, "sa_team-a_billing")).status, 200);
}

// Whether a client id exists shows neither in the answers nor in when throttling starts.
TEST_F(DataPlaneTest, UnknownClientIdsAreAnsweredAndThrottledAsKnownOnes) {
  auto answers = [&](const std::string& client_id) {
    std::vector<std::string> seen;
    for (int i = 0; i < 11; ++i) {
      remote_ = "198.51.100." + std::to_string(i) + ":40000";
      http::Response r = SecretLogin(client_id, "guess");
      seen.push_back(std::to_string(r.status) + " " + r.body);
    }
    return seen;
  };
  std::vector<std::string> known = answers(app_.client_id);
  std::vector<std::string> unknown = answers("00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(known, unknown);
  EXPECT_EQ(known.back().substr(0, 3), "429");
}

// One address's failures, whatever client ids they name, throttle that address (and its IPv6
// /64) before its requests wait for a worker; other addresses go on.
TEST_F(DataPlaneTest, FailedLoginsAreThrottledPerSourceAddress) {
  remote_ = "[2001:db8:1:2::10]:40000";
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(SecretLogin("client-" + std::to_string(i), "guess").status, 401) << i;
  }
  remote_ = "[2001:db8:1:2::99]:40001";  // the same /64
  http::Response throttled = SecretLogin(app_.client_id, secret_.value.reveal());
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.headers.Get("Retry-After").value_or(""), "1");
  remote_ = "[2001:db8:1:3::10]:40000";  // another /64
  EXPECT_EQ(SecretLogin(app_.client_id, secret_.value.reveal()).status, 200);
  remote_ = "192.0.2.200:40000";
  EXPECT_EQ(SecretLogin(app_.client_id, secret_.value.reveal()).status, 200);
  EXPECT_EQ(ThrottledAuditRecords(), 1);
  clock_.Advance(absl::Seconds(1));
  remote_ = "[2001:db8:1:2::10]:40002";
  EXPECT_EQ(SecretLogin(app_.client_id, secret_.value.reveal()).status, 200);
}

// While the workers are busy (here: two reviews a cluster does not answer), token requests
// queue up to a bound; past it they are answered 503 at once, and nothing queued is lost.
TEST_F(DataPlaneTest, TokenRequestsBeyondTheQueueBoundAreTurnedAwayAtOnce) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      domain::Principal billing,
      principals_->CreateManagedIdentity({"prod-cluster", "team-a", "billing"}));
  absl::Notification release;
  reviewer_.hold = &release;
  const std::string body =
      "grant_type=client_credentials&client_id=" + billing.client_id +
      "&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
      "&client_assertion=" + PodToken("https://kubernetes.default.svc", "sa_team-a_billing") +
      "&scope=https://vault.coffer.test/.default";
  std::deque<http::Request> requests;  // each must outlive its answer
  absl::Mutex mu;
  std::vector<int> statuses;
  int answered = 0;
  auto send = [&](int i) {
    http::Request& r = requests.emplace_back();
    r.method = "POST";
    r.path = r.target = std::string("/") + kTenant + "/oauth2/v2.0/token";
    r.headers.Add("Host", "login.coffer.test");
    r.remote_address = "192.0.2." + std::to_string(i % 250) + ":40000";
    r.body = body;
    plane_.HandleAsync(r, [&](http::Response response) {
      absl::MutexLock lock(&mu);
      statuses.push_back(response.status);
      ++answered;
    });
  };
  // Two requests hold the two workers (wait until both reviews started), then fill the queue.
  send(0);
  send(1);
  ASSERT_TRUE(testing::PollUntil([&] { return reviewer_.calls >= 2; }));
  for (int i = 2; i < 2 + 128; ++i) send(i);
  send(200);
  {
    absl::MutexLock lock(&mu);
    ASSERT_EQ(statuses, std::vector<int>{503});  // at once, before anything queued ran
  }
  release.Notify();
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(+[](int* n) { return *n == 131; }, &answered));
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 130);
}

// What no audit line covers (here: hosts no vault answers to) reaches the operator's log, one
// line a second at most, with what came from outside escaped onto that one line.
TEST_F(DataPlaneTest, UnauditedRequestsAreLoggedAtMostOnceASecond) {
  InitLogging(LogFormat::kText, "info");
  const std::size_t audited = audit_.records().size();
  const absl::Time start = absl::Now();
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(Send("GET", "/secrets/x%0Aforged?api-version=7.4", "", "", "nobody.example.test")
                  .status,
              404);
  }
  Logger(Component::kHttp).flush();
  const std::string out = ::testing::internal::GetCapturedStderr();
  const absl::Duration took = absl::Now() - start;
  int lines = 0;
  for (std::size_t at = out.find("not audited"); at != std::string::npos;
       at = out.find("not audited", at + 1)) {
    ++lines;
  }
  EXPECT_GE(lines, 1);
  EXPECT_LE(lines, 1 + absl::ToInt64Seconds(took));
  EXPECT_THAT(out, HasSubstr("not audited: 404 GET /secrets/x\\x0aforged host nobody.example.test"));
  EXPECT_EQ(out.find("\nforged"), std::string::npos);
  EXPECT_EQ(audit_.records().size(), audited);
}

TEST_F(DataPlaneTest, ManagedIdentityLogsInWithItsPodsToken) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      domain::Principal billing,
      principals_->CreateManagedIdentity({"prod-cluster", "team-a", "billing"}));
  ASSERT_TRUE(policies_->Set(vault_.id, {billing.object_id, {"get"}, {}, {}}).ok());
  ASSERT_EQ(Send("PUT", "/secrets/db?api-version=7.4", R"({"value":"s3cret"})", Token()).status,
            200);
  http::Response login = AssertionLogin(
      billing.client_id, PodToken("https://kubernetes.default.svc", "sa_team-a_billing"));
  ASSERT_EQ(login.status, 200) << login.body;
  std::string token = json::parse(login.body)["access_token"];
  http::Response got = Send("GET", "/secrets/db/?api-version=7.4", "", token);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(json::parse(got.body)["value"], "s3cret");
}

TEST_F(DataPlaneTest, PodTokensThatDoNotProveTheIdentityAreRefused) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      domain::Principal billing,
      principals_->CreateManagedIdentity({"prod-cluster", "team-a", "billing"}));
  auto description = [](const http::Response& r) {
    return r.status == 200 ? std::string("200")
                           : json::parse(r.body).value("error_description", "");
  };
  // Each refusal says what is wrong with the assertion, never what a cluster said of it.
  const int reviews_before = reviewer_.calls;
  const std::string kube = "https://kubernetes.default.svc";
  EXPECT_EQ(description(AssertionLogin(billing.client_id,
                                       PodToken("https://evil.example", "sa_team-a_billing"))),
            "AADSTS700211: No matching federated identity record found for presented assertion "
            "issuer 'https://evil.example'.");
  EXPECT_EQ(description(AssertionLogin(billing.client_id,
                                       PodToken(kube, "sa_team-a_billing", "https://kube"))),
            "AADSTS700212: No matching federated identity record found for presented assertion "
            "audience 'https://kube'.");
  EXPECT_THAT(description(AssertionLogin(
                  billing.client_id, PodToken(kube, "sa_team-a_billing", "api://coffer",
                                              -absl::Hours(2)))),
              StartsWith("AADSTS700024: Client assertion is not within its valid time range."));
  EXPECT_THAT(description(AssertionLogin(
                  billing.client_id, PodToken(kube, "sa_team-a_billing", "api://coffer",
                                              absl::Hours(1)))),
              StartsWith("AADSTS700024: Client assertion is not within its valid time range."));
  http::Response no_exp = AssertionLogin(
      billing.client_id,
      Base64UrlEncode(R"({"alg":"RS256"})") + "." +
          Base64UrlEncode(json{{"iss", kube}, {"aud", "api://coffer"}}.dump()) + ".sa_team-a_billing");
  EXPECT_THAT(description(no_exp), StartsWith("AADSTS700024"));
  // A token its cluster refuses, another service account's token and an unknown client id get
  // one answer: it repeats what the assertion claims, and nobody learns whether a client id is a
  // managed identity (only a real one costs a TokenReview, and so a refusal by the cluster).
  const std::string no_match =
      "AADSTS70021: No matching federated identity record found for presented assertion. "
      "Assertion Issuer: 'https://kubernetes.default.svc'. Assertion Subject: 'revoked'.";
  EXPECT_EQ(description(AssertionLogin(billing.client_id, PodToken(kube, "revoked"))), no_match);
  EXPECT_EQ(description(AssertionLogin("5f0c2a9e-3b7d-4c1e-9a42-7d3e8b6f1a20",
                                       PodToken(kube, "revoked"))),
            no_match);
  EXPECT_EQ(description(AssertionLogin(app_.client_id, PodToken(kube, "revoked"))), no_match);
  EXPECT_EQ(description(AssertionLogin(billing.client_id, PodToken(kube, "sa_team-a_intruder"))),
            "AADSTS70021: No matching federated identity record found for presented assertion. "
            "Assertion Issuer: 'https://kubernetes.default.svc'. Assertion Subject: "
            "'sa_team-a_intruder'.");
  // Only a real managed identity's token that may be valid costs a TokenReview.
  EXPECT_EQ(reviewer_.calls - reviews_before, 2);
  // Clocks differ: a token a little early or a little past its end is the cluster's to judge.
  EXPECT_EQ(AssertionLogin(billing.client_id,
                           PodToken(kube, "sa_team-a_billing", "api://coffer", absl::Minutes(2)))
                .status,
            200);
  EXPECT_EQ(AssertionLogin(billing.client_id, PodToken(kube, "sa_team-a_billing", "api://coffer",
                                                       -absl::Minutes(61)))
                .status,
            200);
  // The same namespace and name in another cluster is another identity.
  COFFER_ASSERT_OK_AND_ASSIGN(
      domain::Principal dev_billing,
      principals_->CreateManagedIdentity({"dev-cluster", "team-a", "billing"}));
  EXPECT_EQ(AssertionLogin(dev_billing.client_id,
                           PodToken("https://kubernetes.default.svc", "sa_team-a_billing"))
                .status,
            401);
  EXPECT_EQ(
      AssertionLogin(dev_billing.client_id, PodToken("https://dev.example", "sa_team-a_billing"))
          .status,
      200);
  // Bytes that are not base64url never reach a cluster (nor the JSON sent to it).
  EXPECT_EQ(AssertionLogin(billing.client_id,
                           PodToken("https://kubernetes.default.svc", "sa_team-a_billing") + "%FF")
                .status,
            401);
  http::Response service_principal = AssertionLogin(
      app_.client_id, PodToken("https://kubernetes.default.svc", "sa_team-a_billing"));
  EXPECT_EQ(service_principal.status, 401);  // a client secret's principal is no pod's
  EXPECT_EQ(AssertionLogin(billing.client_id, "not-a-jwt").status, 401);
  EXPECT_EQ(AssertionLogin(billing.client_id, PodToken("https://kubernetes.default.svc", "x"),
                           "urn:other")
                .status,
            400);
  http::Response down =
      AssertionLogin(billing.client_id, PodToken("https://kubernetes.default.svc", "down"));
  EXPECT_EQ(down.status, 503);
}

TEST_F(DataPlaneTest, ServicePrincipalLogsInWithItsCertificate) {
  clock_.Set(absl::Now());  // test certificates are valid from a minute ago
  ASSERT_EQ(Send("PUT", "/secrets/db?api-version=7.4", R"({"value":"s3cret"})", Token()).status,
            200);
  const crypto::TestRsaCertificate cert = crypto::MakeTestRsaCertificate();
  COFFER_ASSERT_OK(principals_->AddCertificate(app_.object_id, cert.certificate_pem).status());
  const std::string assertion = CertAssertion(cert, app_.client_id);
  http::Response login = AssertionLogin(app_.client_id, assertion);
  ASSERT_EQ(login.status, 200) << login.body;
  http::Response got = Send("GET", "/secrets/db/?api-version=7.4", "",
                            json::parse(login.body)["access_token"].get<std::string>());
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(json::parse(got.body)["value"], "s3cret");
  // MSAL sends the same assertion again for a second token: accepted.
  EXPECT_EQ(AssertionLogin(app_.client_id, assertion).status, 200);
  EXPECT_EQ(AssertionLogin(app_.client_id, CertAssertion(cert, app_.client_id, "RS256")).status,
            200);
  // Without a jti there is no replay to tell: two such assertions both log in.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(AssertionLogin(app_.client_id,
                             CertAssertion(cert, app_.client_id, "PS256", {{"jti", nullptr}}))
                  .status,
              200);
  }
}

TEST_F(DataPlaneTest, CertificateAssertionsThatDoNotProveTheClientAreRefused) {
  clock_.Set(absl::Now());
  const crypto::TestRsaCertificate cert = crypto::MakeTestRsaCertificate();
  const crypto::TestRsaCertificate stranger = crypto::MakeTestRsaCertificate();
  COFFER_ASSERT_OK(principals_->AddCertificate(app_.object_id, cert.certificate_pem).status());
  auto description = [](const http::Response& r) {
    EXPECT_EQ(r.status, 401) << r.body;
    return json::parse(r.body).value("error_description", "");
  };
  const std::string id = app_.client_id;
  EXPECT_THAT(description(AssertionLogin(id, CertAssertion(stranger, id))),
              HasSubstr("AADSTS700027: The certificate with identifier used to sign the client "
                        "assertion is not registered"));
  std::string tampered = CertAssertion(cert, id);
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_THAT(description(AssertionLogin(id, tampered)),
              HasSubstr("AADSTS700027: Client assertion failed signature validation"));
  EXPECT_THAT(description(AssertionLogin(id, CertAssertion(cert, id, "PS256",
                                                           {{"aud", "https://elsewhere"}}))),
              HasSubstr("AADSTS700023"));
  int64_t past = absl::ToUnixSeconds(clock_.Now() - absl::Hours(1));
  EXPECT_THAT(description(AssertionLogin(
                  id, CertAssertion(cert, id, "PS256", {{"nbf", past - 600}, {"exp", past}}))),
              HasSubstr("AADSTS700024"));
  EXPECT_THAT(description(AssertionLogin(id, CertAssertion(cert, id, "PS256", {{"sub", "x"}}))),
              HasSubstr("AADSTS50027"));
  const int64_t far = absl::ToUnixSeconds(clock_.Now() + absl::Hours(24 * 365));
  EXPECT_THAT(description(AssertionLogin(id, CertAssertion(cert, id, "PS256", {{"exp", far}}))),
              HasSubstr("too far in the future"));
  EXPECT_THAT(description(AssertionLogin(id, CertAssertion(cert, id, "HS256"))),
              HasSubstr("AADSTS50027"));
  // A second, different assertion with an accepted jti: someone learnt the id, not the key.
  ASSERT_EQ(AssertionLogin(id, CertAssertion(cert, id, "PS256", {{"jti", "j-1"}})).status, 200);
  EXPECT_THAT(description(AssertionLogin(id, CertAssertion(cert, id, "RS256", {{"jti", "j-1"}}))),
              HasSubstr("jti"));
  // A managed identity's client id with a certificate gets what an unknown client id gets.
  COFFER_ASSERT_OK_AND_ASSIGN(
      domain::Principal billing,
      principals_->CreateManagedIdentity({"prod-cluster", "team-a", "billing"}));
  EXPECT_EQ(description(AssertionLogin(billing.client_id, CertAssertion(cert, billing.client_id))),
            description(AssertionLogin("unknown-client", CertAssertion(cert, "unknown-client"))));
  EXPECT_EQ(reviewer_.calls.load(), 0);  // none of this asked a cluster
}

TEST_F(DataPlaneTest, BadTokensAreChallenged) {
  EXPECT_EQ(Send("GET", "/secrets/db/?api-version=7.4", "", "not.a.token").status, 401);
  std::string token = Token();
  clock_.Advance(absl::Hours(2));
  http::Response expired = Send("GET", "/secrets/db/?api-version=7.4", "", token);
  EXPECT_EQ(expired.status, 401);
  EXPECT_THAT(json::parse(expired.body)["error"]["message"].get<std::string>(),
              HasSubstr("expired"));
}

TEST_F(DataPlaneTest, TokenOfADeletedPrincipalIsRefused) {
  std::string token = Token();
  ASSERT_EQ(Send("GET", "/secrets?api-version=7.4", "", token).status, 200);  // now cached
  ASSERT_TRUE(principals_->Delete(app_.object_id).ok());
  // At once, not once a watch gets to it.
  EXPECT_EQ(Send("GET", "/secrets?api-version=7.4", "", token).status, 401);
}

TEST_F(DataPlaneTest, DeniedCallsRevealNothingAboutTheObject) {
  std::string token = Token();
  ASSERT_EQ(Send("PUT", "/secrets/exists?api-version=7.4", R"({"value":"v"})", token).status, 200);
  ASSERT_TRUE(policies_->Set(vault_.id, {app_.object_id, {"list"}, {}, {}}).ok());
  http::Response existing = Send("GET", "/secrets/exists/?api-version=7.4", "", token);
  http::Response missing = Send("GET", "/secrets/missing/?api-version=7.4", "", token);
  EXPECT_EQ(existing.status, 403);  // the narrowed policy holds at once
  EXPECT_EQ(missing.status, 403);
  auto a = json::parse(existing.body);
  auto b = json::parse(missing.body);
  EXPECT_EQ(a["error"]["innererror"]["code"], "AccessDenied");
  EXPECT_EQ(a["error"]["message"], b["error"]["message"]);
}

// Every keys route is checked against the keys permission Azure names for it, before anything
// about the key is looked at; a principal with only secrets permissions gets nothing.
TEST_F(DataPlaneTest, KeysRoutesNeedTheirOwnPermissionAndRevealNothing) {
  std::string token = Token();
  ASSERT_TRUE(policies_->Set(vault_.id, {app_.object_id, {"all"}, {"create"}, {}}).ok());
  http::Response made = Send("POST", "/keys/exists/create?api-version=2025-07-01",
                             R"({"kty":"EC","crv":"P-256"})", token);
  ASSERT_EQ(made.status, 200) << made.body;
  EXPECT_EQ(json::parse(made.body)["key"].count("d"), 0u);
  struct Case {
    const char* method;
    const char* path;
    const char* body;
    const char* permission;
  };
  const Case cases[] = {
      {"GET", "/keys", "", "list"},
      {"GET", "/keys/NAME/", "", "get"},
      {"GET", "/keys/NAME/versions", "", "list"},
      {"GET", "/deletedkeys", "", "list"},
      {"GET", "/deletedkeys/NAME", "", "get"},
      {"PATCH", "/keys/NAME/", R"({"attributes":{}})", "update"},
      {"PUT", "/keys/NAME", R"({"key":{"kty":"oct","k":"AAAAAAAAAAAAAAAAAAAAAA"}})", "import"},
      {"DELETE", "/keys/NAME", "", "delete"},
      {"POST", "/deletedkeys/NAME/recover", "", "recover"},
      {"DELETE", "/deletedkeys/NAME", "", "purge"},
      {"POST", "/keys/NAME/backup", "", "backup"},
      {"POST", "/keys/restore", R"({"value":"AA"})", "restore"},
      {"POST", "/keys/NAME/rotate", "", "rotate"},
      {"GET", "/keys/NAME/rotationpolicy", "", "getrotationpolicy"},
      {"PUT", "/keys/NAME/rotationpolicy", R"({"lifetimeActions":[]})", "setrotationpolicy"},
      {"POST", "/keys/NAME//sign", R"({"alg":"ES256","value":"AA"})", "sign"},
      {"POST", "/keys/NAME//verify", R"({"alg":"ES256","digest":"AA","value":"AA"})", "verify"},
      {"POST", "/keys/NAME//encrypt", R"({"alg":"RSA-OAEP","value":"AA"})", "encrypt"},
      {"POST", "/keys/NAME//decrypt", R"({"alg":"RSA-OAEP","value":"AA"})", "decrypt"},
      {"POST", "/keys/NAME//wrapkey", R"({"alg":"RSA-OAEP","value":"AA"})", "wrapkey"},
      {"POST", "/keys/NAME//unwrapkey", R"({"alg":"RSA-OAEP","value":"AA"})", "unwrapkey"},
  };
  for (const Case& c : cases) {
    std::string messages[2];
    int i = 0;
    for (const char* name : {"exists", "missing"}) {
      std::string path = c.path;
      if (auto at = path.find("NAME"); at != std::string::npos) path.replace(at, 4, name);
      http::Response r = Send(c.method, path + "?api-version=2025-07-01", c.body, token);
      EXPECT_EQ(r.status, 403) << c.method << " " << path << ": " << r.body;
      auto body = json::parse(r.body);
      EXPECT_EQ(body["error"]["innererror"]["code"], "AccessDenied") << path;
      messages[i++] = body["error"]["message"].get<std::string>();
    }
    EXPECT_THAT(messages[0], HasSubstr(std::string("keys ") + c.permission + " permission"));
    EXPECT_EQ(messages[0], messages[1]) << c.path;
  }
  // A standard vault holds no HSM keys.
  http::Response hsm = Send("POST", "/keys/hsm/create?api-version=2025-07-01",
                            R"({"kty":"RSA-HSM"})", token);
  EXPECT_EQ(hsm.status, 400);
  EXPECT_THAT(hsm.body, HasSubstr("premium"));
}

TEST_F(DataPlaneTest, CertificateRoutesNeedTheirOwnPermissions) {
  std::string token = Token();
  // Secrets and keys permissions open nothing of /certificates.
  ASSERT_TRUE(policies_->Set(vault_.id, {app_.object_id, {"all"}, {"all"}, {"get"}}).ok());
  struct Case {
    const char* method;
    const char* path;
    const char* body;
    const char* permission;
  };
  const Case cases[] = {
      {"GET", "/certificates", "", "list"},
      {"POST", "/certificates/c/create", R"({"policy":{"issuer":{"name":"Self"}}})", "create"},
      {"POST", "/certificates/c/import", R"({"value":"AA"})", "import"},
      {"PATCH", "/certificates/c/", R"({"attributes":{}})", "update"},
      {"PATCH", "/certificates/c/policy", "{}", "update"},
      {"PATCH", "/certificates/c/pending", R"({"cancellation_requested":true})", "update"},
      {"DELETE", "/certificates/c/pending", "", "update"},
      {"POST", "/certificates/c/pending/merge", R"({"x5c":["AA"]})", "create"},
      {"DELETE", "/certificates/c", "", "delete"},
      {"POST", "/deletedcertificates/c/recover", "", "recover"},
      {"DELETE", "/deletedcertificates/c", "", "purge"},
      {"POST", "/certificates/c/backup", "", "backup"},
      {"POST", "/certificates/restore", R"({"value":"AA"})", "restore"},
      {"GET", "/certificates/contacts", "", "managecontacts"},
      {"PUT", "/certificates/issuers/i", R"({"provider":"Test"})", "setissuers"},
      {"GET", "/certificates/issuers", "", "listissuers"},
  };
  for (const Case& c : cases) {
    http::Response r = Send(c.method, std::string(c.path) + "?api-version=2025-07-01", c.body,
                            token);
    EXPECT_EQ(r.status, 403) << c.method << " " << c.path << ": " << r.body;
    EXPECT_THAT(r.body, HasSubstr(std::string("certificates ") + c.permission + " permission"))
        << c.path;
  }
  // Azure's manageissuers covers every issuer call.
  ASSERT_TRUE(policies_->Set(vault_.id, {app_.object_id, {}, {}, {"manageissuers"}}).ok());
  http::Response set = Send("PUT", "/certificates/issuers/ca1?api-version=2025-07-01",
                            R"({"provider":"Test","credentials":{"pwd":"hunter2"}})", token);
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_THAT(set.body, ::testing::Not(HasSubstr("hunter2")));
  EXPECT_EQ(Send("GET", "/certificates/issuers?api-version=2025-07-01", "", token).status, 200);
}

TEST_F(DataPlaneTest, ImportLaysASentPolicyOverTheCertificatesOwn) {
  std::string token = Token();
  ASSERT_TRUE(policies_->Set(vault_.id, {app_.object_id, {"all"}, {}, {"all"}}).ok());
  http::Response made = Send("POST", "/certificates/src/create?api-version=2025-07-01",
                             R"({"policy":{"key_props":{"kty":"EC"},"x509_props":{"subject":"CN=a",
                                 "sans":{"dns_names":["a.example"]}},"issuer":{"name":"Self"},
                                 "secret_props":{"contentType":"application/x-pem-file"}}})",
                             token);
  ASSERT_EQ(made.status, 202) << made.body;
  http::Response secret = Send("GET", "/secrets/src/?api-version=7.6", "", token);
  ASSERT_EQ(secret.status, 200) << secret.body;
  const std::string pem = json::parse(secret.body)["value"];
  // What Go and Python send for a PEM import: a policy with the content type alone.
  json import = {{"value", pem},
                 {"policy", {{"secret_props", {{"contentType", "application/x-pem-file"}}}}}};
  http::Response imported =
      Send("POST", "/certificates/copy/import?api-version=2025-07-01", import.dump(), token);
  ASSERT_EQ(imported.status, 200) << imported.body;
  json policy = json::parse(imported.body)["policy"];
  EXPECT_EQ(policy["key_props"]["kty"], "EC");
  EXPECT_EQ(policy["key_props"]["crv"], "P-256");
  EXPECT_EQ(policy["x509_props"]["subject"], "CN=a");
  EXPECT_EQ(policy["issuer"]["name"], "Unknown");
  // A policy that contradicts the key is refused, and nothing is made.
  import["policy"] = {{"key_props", {{"kty", "RSA"}}}};
  http::Response refused =
      Send("POST", "/certificates/bad/import?api-version=2025-07-01", import.dump(), token);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(Send("GET", "/certificates/bad/?api-version=2025-07-01", "", token).status, 404);
  // Words the paths use cannot name certificates, in any case.
  EXPECT_EQ(Send("POST", "/certificates/Contacts/import?api-version=2025-07-01", import.dump(),
                 token)
                .status,
            400);
}

// Walking a parsed body (wiping it, say) recurses per level: deep nesting is refused unread.
TEST_F(DataPlaneTest, BodiesNestingTooDeeplyAreRefused) {
  std::string token = Token();
  std::string deep = R"({"value":"v","tags":)" + std::string(40, '[') + std::string(40, ']') + "}";
  http::Response r = Send("PUT", "/secrets/deep?api-version=7.4", deep, token);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_THAT(r.body, HasSubstr("nests more than 32 levels"));
  // Brackets inside strings are text, not nesting.
  std::string text = R"({"value":")" + std::string(100, '[') + R"("})";
  EXPECT_EQ(Send("PUT", "/secrets/text?api-version=7.4", text, token).status, 200);
}

TEST_F(DataPlaneTest, ApiVersionIsRequiredAndNewerOnesAreServed) {
  std::string token = Token();
  EXPECT_EQ(Send("GET", "/secrets", "", token).status, 400);
  EXPECT_EQ(Send("GET", "/secrets?api-version=banana", "", token).status, 400);
  EXPECT_EQ(Send("GET", "/secrets?api-version=2020-01-01", "", token).status, 400);
  EXPECT_EQ(Send("GET", "/secrets?api%2Dversion=2099-01-01", "", token).status, 200);
  EXPECT_EQ(Send("GET", "/secrets?api-version=7.6", "", token).status, 200);
  // The Python keys SDK's default; a preview is served as its release.
  EXPECT_EQ(Send("GET", "/secrets?api-version=7.4-preview.1", "", token).status, 200);
  EXPECT_EQ(Send("GET", "/secrets?api-version=7.4-preview.", "", token).status, 400);
  EXPECT_EQ(Send("GET", "/secrets?api-version=7.x-preview.1", "", token).status, 400);
}

TEST_F(DataPlaneTest, BytesThatAreNotUtf8AreEchoedSafely) {
  std::string token = Token();
  http::Response version = Send("GET", "/secrets?api-version=%FF", "", token);
  EXPECT_EQ(version.status, 400);
  EXPECT_EQ(json::parse(version.body)["error"]["code"], "BadParameter");
  http::Response name = Send("GET", "/secrets/a%FFb/?api-version=7.4", "", token);
  EXPECT_EQ(name.status, 400);
  EXPECT_FALSE(json::parse(name.body)["error"]["message"].get<std::string>().empty());
  http::Response bad_exp =
      Send("PUT", "/secrets/t?api-version=7.4", R"({"value":"v","attributes":{"exp":0}})", token);
  EXPECT_EQ(bad_exp.status, 400);
}

TEST_F(DataPlaneTest, ListsPageWithAbsoluteNextLinks) {
  std::string token = Token();
  for (const char* name : {"a", "b", "c"}) {
    ASSERT_EQ(
        Send("PUT", std::string("/secrets/") + name + "?api-version=7.4", R"({"value":"v"})", token)
            .status,
        200);
  }
  auto first = json::parse(Send("GET", "/secrets?api-version=7.4&maxresults=2", "", token).body);
  ASSERT_EQ(first["value"].size(), 2u);
  EXPECT_EQ(first["value"][0]["id"], "https://prod.vault.coffer.test:8443/secrets/a");
  std::string next = first["nextLink"];
  const std::string origin = "https://prod.vault.coffer.test:8443";
  ASSERT_THAT(next, StartsWith(origin + "/secrets?api-version=7.4&$skiptoken="));
  auto second = json::parse(Send("GET", next.substr(origin.size()), "", token).body);
  ASSERT_EQ(second["value"].size(), 1u);
  EXPECT_EQ(second["value"][0]["id"], origin + "/secrets/c");
  EXPECT_TRUE(second["nextLink"].is_null());
  EXPECT_EQ(Send("GET", "/secrets?api-version=7.4&maxresults=26", "", token).status, 400);
}

TEST_F(DataPlaneTest, DisabledAndMissingSecretsUseAzureErrorCodes) {
  std::string token = Token();
  ASSERT_EQ(Send("PUT", "/secrets/off?api-version=7.4",
                 R"({"value":"v","attributes":{"enabled":false}})", token)
                .status,
            200);
  auto disabled = Send("GET", "/secrets/off/?api-version=7.4", "", token);
  EXPECT_EQ(disabled.status, 403);
  EXPECT_EQ(json::parse(disabled.body)["error"]["innererror"]["code"], "SecretDisabled");
  auto missing = Send("GET", "/secrets/nope/?api-version=7.4", "", token);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["code"], "SecretNotFound");
  auto bad = Send("PUT", "/secrets/off?api-version=7.4", "{oops", token);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["error"]["code"], "BadParameter");
}

TEST_F(DataPlaneTest, EveryCallIsAuditedAndAFailedAuditFailsTheCall) {
  std::string token = Token();
  Send("PUT", "/secrets/db?api-version=7.4", R"({"value":"v"})", token);
  auto records = audit_.records();
  ASSERT_GE(records.size(), 2u);
  EXPECT_EQ(records[0].operation, "TokenIssue");
  EXPECT_EQ(records.back().operation, "SecretSet");
  EXPECT_EQ(records.back().principal, app_.object_id);
  EXPECT_EQ(records.back().vault, "prod");
  EXPECT_EQ(records.back().object, "secrets/db");
  EXPECT_EQ(records.back().result, "200");
  audit_.FailWith(absl::UnavailableError("disk full"));
  EXPECT_EQ(Send("GET", "/secrets/db/?api-version=7.4", "", token).status, 503);
}

}  // namespace
}  // namespace coffer::api::rest
