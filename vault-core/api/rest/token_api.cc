#include "vault-core/api/rest/token_api.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "lib/base/logging.h"
#include "nlohmann/json.hpp"
#include "vault-core/api/rest/json_dump.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/identity/client_assertion.h"

namespace coffer::api::rest {
namespace {

using nlohmann::json;

// What a client sent, shortened before it reaches a message or an audit line.
std::string Cap(std::string_view text) {
  constexpr std::size_t kMax = 256;
  return std::string(text.substr(0, kMax)) + (text.size() > kMax ? "..." : "");
}

http::Response OAuthError(int status, const std::string& error, const std::string& description) {
  return http::Response::Json(status,
                              Dump(json{{"error", error}, {"error_description", description}}));
}

// The 503 for a token request that cannot be served now; why is logged once per throttle
// period per `cause`: a fixed word or a configured cluster, never a value from the request.
http::Response Unavailable(LogThrottle& throttle, Component component, std::string_view cause,
                           const std::string& message) {
  int64_t held_back = 0;
  if (throttle.Admit(cause, &held_back)) {
    spdlog::logger& logger = Logger(component);
    if (held_back == 0) {
      logger.error("token request failed: {}", message);
    } else {
      logger.error("token request failed: {} ({} more like it since the last line)", message,
                   held_back);
    }
  }
  return OAuthError(503, "temporarily_unavailable", "Retry later.");
}

// The 429 that Entra ID answers client_credentials requests it throttles with.
http::Response Throttled(absl::Duration wait) {
  const int64_t seconds = std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))));
  http::Response response = OAuthError(
      429, "temporarily_unavailable",
      "AADSTS90055: Too many failed sign-ins for this client or from this address; retry after " +
          std::to_string(seconds) + " seconds.");
  response.headers.Add("Retry-After", std::to_string(seconds));
  return response;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool TokenApi::Owns(std::string_view path) const {
  std::string prefix = "/" + authority_.tenant_id + "/";
  return path.substr(0, prefix.size()) == prefix;
}

http::Response TokenApi::OpenIdConfiguration() const {
  std::string t = authority_.tenant_url();
  json config = {
      {"issuer", authority_.issuer()},
      {"authorization_endpoint", t + "/oauth2/v2.0/authorize"},
      {"token_endpoint", authority_.token_endpoint()},
      {"jwks_uri", t + "/discovery/v2.0/keys"},
      {"end_session_endpoint", t + "/oauth2/v2.0/logout"},
      {"response_types_supported", {"token"}},
      {"subject_types_supported", {"pairwise"}},
      {"id_token_signing_alg_values_supported", {"ES256"}},
      {"token_endpoint_auth_methods_supported", {"client_secret_post", "private_key_jwt"}},
      {"token_endpoint_auth_signing_alg_values_supported", {"RS256", "PS256"}},
      {"grant_types_supported", {"client_credentials"}},
      {"tenant_region_scope", nullptr},
  };
  return http::Response::Json(200, Dump(config));
}

void TokenApi::ServeAsync(const http::Request& request, std::string request_id,
                          std::function<void(http::Response)> respond) {
  std::string rest = request.path.substr(authority_.tenant_id.size() + 1);
  if (rest == "/v2.0/.well-known/openid-configuration" && request.method == "GET") {
    return respond(OpenIdConfiguration());
  }
  if (rest == "/discovery/v2.0/keys" && request.method == "GET") {
    return respond(http::Response::Json(200, signer_.JwksJson()));
  }
  if (rest != "/oauth2/v2.0/token") {
    return respond(OAuthError(404, "invalid_request", "No such endpoint on this authority."));
  }
  if (request.method != "POST") {
    return respond(OAuthError(405, "invalid_request", "The token endpoint takes POST."));
  }
  // A source that failed too often is answered here, before its request waits for a worker.
  if (absl::Duration wait = address_failures_.Wait(http::PeerSource(request.remote_address));
      wait > absl::ZeroDuration()) {
    NoteRefused("throttled");
    return respond(Throttled(wait));
  }
  // Checking a client secret is slow by design (scrypt): never on an I/O thread, and never
  // more waiting for it than kMaxQueued.
  auto reply = std::make_shared<std::function<void(http::Response)>>(std::move(respond));
  const bool queued = workers_.TryPost([this, &request, request_id = std::move(request_id),
                                        reply]() mutable {
    auto respond = std::move(*reply);
    auto start = std::chrono::steady_clock::now();
    std::string principal = "anonymous";
    auto response = std::make_shared<http::Response>(Token(request, &principal));
    audit::AuditRecord record;
    record.request_id = request_id;
    record.principal = principal;
    record.operation = "TokenIssue";
    record.result = std::to_string(response->status);
    record.latency = absl::FromChrono(std::chrono::steady_clock::now() - start);
    record.client_address = request.remote_address;
    audit_.AppendAsync(std::move(record), [response,
                                           respond = std::move(respond)](absl::Status status) {
      if (status.ok()) return respond(std::move(*response));
      http::Response failed =
          OAuthError(503, "temporarily_unavailable", "The audit log is unavailable; retry.");
      failed.headers.Add("Retry-After", "1");
      respond(std::move(failed));
    });
  }, kMaxQueued);
  if (!queued) {
    NoteRefused("queue full");
    http::Response busy = OAuthError(503, "temporarily_unavailable", "Too many token requests wait; retry.");
    busy.headers.Add("Retry-After", "1");
    (*reply)(std::move(busy));
  }
}

void TokenApi::NoteRefused(std::string_view why) {
  int64_t held_back = 0;
  if (refusal_log_.Admit(why, &held_back)) {
    COFFER_LOG(kVault, warn, "token requests refused ({}): {} in the last period", why,
               held_back + 1);
  }
}

void TokenApi::LoginFailed(std::string_view client_id, std::string_view client_bucket,
                           std::string_view source, const http::Request& request) {
  // Each throttle audits the moment a key becomes throttled, once: the refusals that follow
  // cost no audit line (what a stranger sends must not decide how much is written).
  auto audit = [&](std::string principal, std::string object) {
    audit::AuditRecord record;
    record.principal = std::move(principal);
    record.operation = "LoginThrottled";
    record.object = std::move(object);
    record.result = "429";
    record.client_address = request.remote_address;
    audit_.AppendAsync(std::move(record), [](absl::Status) {});
  };
  if (!client_bucket.empty() && client_failures_.Failed(client_bucket)) {
    audit("client:" + Cap(client_id), "client");
  }
  if (address_failures_.Failed(source)) audit("anonymous", "address:" + std::string(source));
}

http::Response TokenApi::Token(const http::Request& request, std::string* principal) {
  auto form = http::ParseQuery(request.body);
  // The client secret and the assertion (a pod's service-account token, say) are scrubbed
  // from the parsed form on every way out.
  struct Scrub {
    std::map<std::string, std::string>& form;
    ~Scrub() {
      for (const char* field : {"client_secret", "client_assertion"}) {
        auto it = form.find(field);
        if (it != form.end()) internal::ZeroMemory(it->second.data(), it->second.size());
      }
    }
  } scrub{form};
  // Reads a field without inserting it (a missing field reads as empty).
  auto field = [&form](const char* name) -> std::string_view {
    auto it = form.find(name);
    return it == form.end() ? std::string_view() : std::string_view(it->second);
  };
  if (field("grant_type") != "client_credentials") {
    return OAuthError(400, "unsupported_grant_type",
                      "AADSTS70003: Only the client_credentials grant is supported.");
  }
  const std::string_view client_id = field("client_id");
  const std::string_view scope = field("scope");
  if (client_id.empty() || scope.empty()) {
    return OAuthError(400, "invalid_request", "AADSTS900144: client_id and scope are required.");
  }
  if (!EndsWith(scope, "/.default")) {
    return OAuthError(400, "invalid_scope",
                      "AADSTS70011: The scope must be a vault resource followed by /.default.");
  }
  std::string resource(scope.substr(0, scope.size() - std::string_view("/.default").size()));
  if (!IsVaultResource(resource)) {
    return OAuthError(400, "invalid_scope",
                      "AADSTS500011: No vault of this installation is under " + resource + ".");
  }
  *principal = "client:" + Cap(client_id);  // until we know who it is
  // Failed logins are throttled per source and per client id before any costly check (a slow
  // hash, a cluster's TokenReview). The client id's throttle guards secrets only (an assertion
  // is signed, not guessed). From a source the client proved its secret from within a day, the
  // client id's bucket is that pair's own: a stranger's failures elsewhere cannot shut the
  // client out of where it runs, and failures there (a proxy's or a NAT's other users) throttle
  // that pair alone. A secret proved lately skips both (it costs no hash).
  const std::string source = http::PeerSource(request.remote_address);
  const std::string client_key(client_id.substr(0, kMaxClientIdKey));
  const std::string pair = client_key + '\n' + source;
  const bool assertion = form.count("client_assertion") > 0;
  const std::string& client_bucket = proved_from_.Contains(pair) ? pair : client_key;
  absl::Duration wait;
  auto may_try = [&]() -> absl::Status {
    wait = address_failures_.Wait(source);
    if (!assertion) wait = std::max(wait, client_failures_.Wait(client_bucket));
    return wait > absl::ZeroDuration() ? absl::ResourceExhaustedError("throttled")
                                       : absl::OkStatus();
  };
  Login login;
  if (assertion) {
    if (!may_try().ok()) return Throttled(wait);
    login = AssertionLogin(client_id, field("client_assertion_type"), field("client_assertion"));
  } else {
    login = SecretLogin(client_id, SecretBytes(field("client_secret")), may_try);
    if (!login.principal && login.refusal.status == 429) return Throttled(wait);
    if (login.principal) proved_from_.Touch(pair);
  }
  if (!login.principal) {
    if (login.refusal.status == 401) {
      LoginFailed(client_id, assertion ? std::string_view() : client_bucket, source, request);
    }
    return login.refusal;
  }
  const domain::Principal* who = &*login.principal;
  *principal = who->object_id;

  identity::AccessTokenClaims claims;
  claims.issuer = authority_.issuer();
  claims.audience = resource;
  claims.subject = who->object_id;
  claims.app_id = who->client_id;
  claims.tenant_id = authority_.tenant_id;
  claims.issued_at = clock_.Now();
  claims.not_before = claims.issued_at;
  claims.expires = claims.issued_at + authority_.token_lifetime;
  auto token = signer_.Issue(claims);
  if (!token.ok()) {
    return Unavailable(failure_log_, Component::kHsm, "hsm",
                       absl::StrCat("cannot sign: ", token.status().ToString()));
  }
  std::int64_t lifetime = absl::ToInt64Seconds(authority_.token_lifetime);
  return http::Response::Json(200, Dump(json{{"token_type", "Bearer"},
                                             {"expires_in", lifetime},
                                             {"ext_expires_in", lifetime},
                                             {"access_token", *token}}));
}

TokenApi::Login TokenApi::SecretLogin(std::string_view client_id, const SecretBytes& secret,
                                      const std::function<absl::Status()>& may_hash) {
  auto who = principals_.Authenticate(client_id, secret, may_hash);
  if (absl::IsResourceExhausted(who.status())) return {std::nullopt, Throttled(absl::ZeroDuration())};
  if (absl::IsUnauthenticated(who.status())) {
    return {std::nullopt,
            OAuthError(401, "invalid_client",
                       "AADSTS7000215: Invalid client secret provided, or unknown client.")};
  }
  if (!who.ok()) {
    return {std::nullopt,
            Unavailable(failure_log_, Component::kVault, "storage",
                        absl::StrCat("principals unreadable: ", who.status().ToString()))};
  }
  return {*std::move(who), {}};
}

// A login with a client assertion: a service principal's own certificate-signed JWT
// (CertificateLogin), or a managed identity's pod service-account token, checked by the cluster
// that issued it (TokenReview: signature, expiry, audience, the service account and bound pod
// still there), then matched against the managed identity that client_id names.
TokenApi::Login TokenApi::AssertionLogin(std::string_view client_id, std::string_view type,
                                         std::string_view assertion) {
  auto refuse = [](std::string description) {
    return Login{std::nullopt, OAuthError(401, "invalid_client", description)};
  };
  if (type != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
    return {std::nullopt, OAuthError(400, "invalid_request",
                                     "AADSTS700023: client_assertion_type must be "
                                     "urn:ietf:params:oauth:client-assertion-type:jwt-bearer.")};
  }
  if (assertion.size() > kMaxAssertionSize) {
    return {std::nullopt, OAuthError(400, "invalid_request", "AADSTS50027: Assertion too large.")};
  }
  std::optional<identity::UnverifiedClaims> claims = identity::ReadUnverifiedClaims(assertion);
  if (!claims) return refuse("AADSTS50027: The client assertion is not a valid JWT.");
  // The caller holds the assertion, so telling it what the assertion says of itself (and which
  // part of it cannot work) gives nothing away; what a cluster said goes to the log only.
  const absl::Time now = clock_.Now();
  if (!claims->expiry || absl::FromUnixSeconds(*claims->expiry) <= now - kClockSkew ||
      (claims->not_before && absl::FromUnixSeconds(*claims->not_before) > now + kClockSkew)) {
    auto at = [](std::optional<int64_t> t) {
      return t ? absl::FormatTime(absl::RFC3339_sec, absl::FromUnixSeconds(*t), absl::UTCTimeZone())
               : std::string("(none)");
    };
    return refuse("AADSTS700024: Client assertion is not within its valid time range. Current "
                  "time: " + absl::FormatTime(absl::RFC3339_sec, now, absl::UTCTimeZone()) +
                  ", valid from: " + at(claims->not_before) + ", expires: " + at(claims->expiry) +
                  ".");
  }
  // A service principal signs its own assertion (iss = sub = its client id); a cluster's token
  // names the cluster. Routing on that keeps a client id's kind unsaid: a managed identity's
  // client id with a self-signed assertion finds no certificate, as an unknown one does.
  if (claims->issuer == client_id) return CertificateLogin(client_id, assertion);
  const identity::TrustedCluster* cluster = nullptr;
  for (const identity::TrustedCluster& c : clusters_) {
    if (c.issuer == claims->issuer) cluster = &c;
  }
  std::shared_ptr<const identity::TrustedCluster> added;  // holds `cluster` while in use
  if (cluster == nullptr && more_clusters_ != nullptr) {
    added = more_clusters_->Find(claims->issuer);
    cluster = added.get();
  }
  if (cluster == nullptr) {
    return refuse("AADSTS700211: No matching federated identity record found for presented "
                  "assertion issuer '" + Cap(claims->issuer) + "'.");
  }
  if (std::find(claims->audiences.begin(), claims->audiences.end(), cluster->audience) ==
      claims->audiences.end()) {
    return refuse("AADSTS700212: No matching federated identity record found for presented "
                  "assertion audience '" + Cap(absl::StrJoin(claims->audiences, ",")) + "'.");
  }
  // An unknown client id, a token of another service account and a token its cluster refuses
  // (the cluster is asked only for a real identity) get the same answer: it repeats what the
  // assertion claims, and nobody learns whether client_id is a managed identity.
  const std::string no_match =
      "AADSTS70021: No matching federated identity record found for presented assertion. "
      "Assertion Issuer: '" + Cap(claims->issuer) + "'. Assertion Subject: '" +
      Cap(claims->subject) + "'.";
  // The identity first: only a real managed identity of this cluster costs a TokenReview.
  auto named = principals_.ManagedIdentityOf(client_id);
  if (!named.ok() && !absl::IsUnauthenticated(named.status())) {
    return {std::nullopt,
            Unavailable(failure_log_, Component::kVault, "storage",
                        absl::StrCat("principals unreadable: ", named.status().ToString()))};
  }
  if (!named.ok() || named->service_account->cluster != cluster->name) return refuse(no_match);
  absl::StatusOr<identity::ReviewedServiceAccount> reviewed =
      cluster->reviewer->Review(assertion, cluster->audience);
  if (absl::IsUnauthenticated(reviewed.status())) {
    COFFER_LOG(kVault, debug, "cluster {} refused a token for client {}: {}", cluster->name,
               Cap(client_id), Cap(std::string(reviewed.status().message())));
    return refuse(no_match);
  }
  if (!reviewed.ok()) {
    return {std::nullopt, Unavailable(failure_log_, Component::kVault, "cluster " + cluster->name,
                                      absl::StrCat("cluster ", cluster->name,
                                                   " cannot review tokens: ",
                                                   reviewed.status().ToString()))};
  }
  // A token of another service account than the one client_id names proves nothing.
  const domain::ServiceAccountSubject subject{cluster->name, reviewed->ns, reviewed->name};
  if (!(*named->service_account == subject)) return refuse(no_match);
  return {*std::move(named), {}};
}

// Checks cost nothing until the assertion names a registered certificate of this client: only
// then is an RSA signature verified, and only then is its jti remembered.
TokenApi::Login TokenApi::CertificateLogin(std::string_view client_id,
                                           std::string_view assertion) {
  auto refuse = [](std::string description) {
    return Login{std::nullopt, OAuthError(401, "invalid_client", description)};
  };
  absl::StatusOr<identity::CertificateAssertion> parsed =
      identity::ReadCertificateAssertion(assertion);
  if (!parsed.ok()) return refuse(std::string(parsed.status().message()));
  const std::vector<std::string>& audiences = parsed->audiences;
  if (std::find(audiences.begin(), audiences.end(), authority_.token_endpoint()) ==
          audiences.end() &&
      std::find(audiences.begin(), audiences.end(), authority_.issuer()) == audiences.end()) {
    return refuse("AADSTS700023: Client assertion audience claim does not match Realm issuer.");
  }
  const std::string thumbprint = identity::ThumbprintHex(*parsed);
  absl::StatusOr<service::CertificateMatch> match =
      principals_.FindCertificate(client_id, parsed->sha1, parsed->sha256);
  if (absl::IsUnauthenticated(match.status())) {
    return refuse("AADSTS700027: The certificate with identifier used to sign the client "
                  "assertion is not registered on application. [Reason - The key was not found., "
                  "Thumbprint of key used by client: '" + thumbprint + "']");
  }
  if (!match.ok()) {
    return {std::nullopt,
            Unavailable(failure_log_, Component::kVault, "storage",
                        absl::StrCat("principals unreadable: ", match.status().ToString()))};
  }
  const absl::Time now = clock_.Now();
  if (now < match->certificate.not_before || now >= match->certificate.not_after) {
    return refuse("AADSTS700027: Client assertion contains an invalid signature. [Reason - The "
                  "key used is expired., Thumbprint of key used by client: '" + thumbprint + "']");
  }
  // MSAL signs for 10 minutes: an assertion meant to last longer is a password in disguise,
  // and would hold a replay entry as long.
  if (!parsed->expiry ||
      absl::FromUnixSeconds(*parsed->expiry) > now + kMaxAssertionLifetime + kClockSkew) {
    return refuse("AADSTS700024: Client assertion expires too far in the future: at most " +
                  absl::FormatDuration(kMaxAssertionLifetime) + " ahead.");
  }
  const std::string digest = crypto::Sha256(assertion);
  if (!parsed->jti.empty() && replays_.Conflicts(client_id, parsed->jti, digest)) {
    return refuse("AADSTS50027: Invalid JWT token. The jti was already used by another "
                  "assertion.");
  }
  if (!identity::VerifyAssertionSignature(*parsed, match->der)) {
    return refuse("AADSTS700027: Client assertion failed signature validation. [Reason - The "
                  "provided signature value did not match the expected signature value., "
                  "Thumbprint of key used by client: '" + thumbprint + "']");
  }
  if (!parsed->jti.empty()) {  // without a jti there is nothing to tell a replay by
    replays_.Remember(client_id, parsed->jti, digest,
                      absl::FromUnixSeconds(*parsed->expiry) + kClockSkew, now);
  }
  return {std::move(match->principal), {}};
}

bool TokenApi::IsVaultResource(std::string_view resource) {
  constexpr std::string_view kScheme = "https://";
  if (resource.substr(0, kScheme.size()) != kScheme) return false;
  std::string_view domain = resource.substr(kScheme.size());
  // A port (what a challenge on a non-default port names) is no part of vault host names.
  if (std::size_t colon = domain.rfind(':'); colon != std::string_view::npos) {
    std::string_view port = domain.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    domain = domain.substr(0, colon);
  }
  auto parent = vaults_.IsParentDomain(domain);
  return parent.ok() && *parent;
}

}  // namespace coffer::api::rest
