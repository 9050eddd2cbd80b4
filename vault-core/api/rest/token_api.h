#ifndef COFFER_VAULT_CORE_API_REST_TOKEN_API_H_
#define COFFER_VAULT_CORE_API_REST_TOKEN_API_H_

#include <functional>
#include <string>
#include <optional>
#include <string_view>
#include <vector>

#include "lib/base/clock.h"
#include "lib/base/failure_throttle.h"
#include "lib/base/recent_keys.h"
#include "lib/base/log_throttle.h"
#include "lib/base/worker_pool.h"
#include "lib/http/http.h"
#include "vault-core/audit/audit_log.h"
#include "vault-core/identity/assertion_replay_cache.h"
#include "vault-core/identity/federated.h"
#include "vault-core/identity/token_signer.h"
#include "vault-core/service/principal_service.h"
#include "vault-core/service/vault_service.h"

namespace coffer::api::rest {

// The installation's identity as clients see it.
struct Authority {
  std::string url;        // "https://login.example:8443": what AZURE_AUTHORITY_HOST points at
  std::string tenant_id;  // a UUID
  absl::Duration token_lifetime = absl::Hours(1);

  std::string issuer() const { return url + "/" + tenant_id + "/v2.0"; }
  std::string tenant_url() const { return url + "/" + tenant_id; }
  std::string token_endpoint() const { return tenant_url() + "/oauth2/v2.0/token"; }
};

// OAuth2 as Microsoft Entra ID speaks it, enough for @azure/identity with authorityHost and
// disableInstanceDiscovery (docs/azure-secrets-wire.md section 4):
//   GET  /{tenant}/v2.0/.well-known/openid-configuration
//   GET  /{tenant}/discovery/v2.0/keys
//   POST /{tenant}/oauth2/v2.0/token   (client_credentials + client_secret, or + a
//                                        Kubernetes service-account token as client_assertion)
// Errors use OAuth's {"error":..,"error_description":..}. Every token request is audited, but
// for those refused before any work: a source or client throttled for failed logins (429 with
// Retry-After, as Entra ID answers) or a full queue (503); those are counted in the log, and the
// moment a client id or source becomes throttled is audited once. Thread-safe.
class TokenApi {
 public:
  // `clusters`: whose service-account tokens managed identities may log in with.
  TokenApi(Authority authority, identity::TokenSigner& signer,
           service::PrincipalService& principals, service::VaultService& vaults,
           audit::AuditLog& audit, Clock& clock,
           std::vector<identity::TrustedCluster> clusters = {},
           identity::TrustedClusterSource* more_clusters = nullptr)
      : authority_(std::move(authority)),
        clusters_(std::move(clusters)),
        more_clusters_(more_clusters),
        signer_(signer),
        principals_(principals),
        vaults_(vaults),
        audit_(audit),
        clock_(clock) {}

  // Whether `path` belongs to the token service (it starts with "/<tenant>/").
  bool Owns(std::string_view path) const;
  // A token request's whole form (an assertion of at most 16 KiB and a few short fields) is
  // far smaller: the data plane refuses a body declared larger before it is read.
  static constexpr std::size_t kMaxRequestBytes = 64 * 1024;
  // Answers through `respond`, once the call's audit record is durable; token requests are
  // worked on a small pool of its own, never on the caller's (I/O) thread.
  void ServeAsync(const http::Request& request, std::string request_id,
                  std::function<void(http::Response)> respond);
  // Finishes queued token requests; later ones run on the caller's thread.
  void Stop() { workers_.Stop(); }

 private:
  http::Response OpenIdConfiguration() const;
  http::Response Token(const http::Request& request, std::string* principal);
  // Who logged in, or the OAuth2 error to answer with.
  struct Login {
    std::optional<domain::Principal> principal;
    http::Response refusal;
  };
  static constexpr std::size_t kMaxAssertionSize = 16 * 1024;
  // How far an assertion's "nbf" and "exp" may be off (clocks of cluster and vault differ);
  // the cluster's TokenReview has the last word.
  static constexpr absl::Duration kClockSkew = absl::Minutes(5);
  // The furthest a certificate-signed assertion's "exp" may lie ahead.
  static constexpr absl::Duration kMaxAssertionLifetime = absl::Hours(1);
  Login SecretLogin(std::string_view client_id, const SecretBytes& secret,
                    const std::function<absl::Status()>& may_hash);
  // Counts a refused login against its source and `client_bucket` (its client id's, or the
  // client id and source's; none for an assertion).
  void LoginFailed(std::string_view client_id, std::string_view client_bucket,
                   std::string_view source, const http::Request& request);
  // Logs a request refused before any work, at most once per period per `why`.
  void NoteRefused(std::string_view why);
  Login AssertionLogin(std::string_view client_id, std::string_view type,
                       std::string_view assertion);
  // A service principal's assertion signed with a registered certificate's key.
  Login CertificateLogin(std::string_view client_id, std::string_view assertion);
  // Whether some vault is addressed by a hostname under `resource` ("https://vault.example").
  bool IsVaultResource(std::string_view resource);

  const Authority authority_;
  const std::vector<identity::TrustedCluster> clusters_;  // configured
  identity::TrustedClusterSource* const more_clusters_;   // added at run time; may be null
  identity::TokenSigner& signer_;
  service::PrincipalService& principals_;
  service::VaultService& vaults_;
  audit::AuditLog& audit_;
  Clock& clock_;
  // Why token requests got a 503, logged at most once in 10 s per cause: the requests that
  // meet a failure must not decide how much is logged.
  LogThrottle failure_log_{clock_, absl::Seconds(10)};
  // Accepted certificate assertions by (client, jti): another assertion with the same jti is a
  // replay of a stolen id, the same assertion again is MSAL reusing it (docs/decisions.md).
  identity::AssertionReplayCache replays_;
  // Failed logins (docs/security-model.md): per client id 10, then one each 6 s, as Entra ID's
  // lockout allows about 10 a minute; per source 20, then one a second, which bounds what one
  // address can spend of the workers' slow hashes to one a second. Client ids are counted by
  // their first kMaxClientIdKey bytes, which bounds the table's memory.
  static constexpr std::size_t kMaxClientIdKey = 128;
  FailureThrottle client_failures_{clock_, {10, absl::Seconds(6), 100000}};
  FailureThrottle address_failures_{clock_, {20, absl::Seconds(1), 100000}};
  // (client id, source) pairs that proved a secret within a day: their logins are throttled by
  // the pair's own bucket in client_failures_, not the client id's (Token()).
  RecentKeys proved_from_{clock_, absl::Hours(24), 100000};
  LogThrottle refusal_log_{clock_, absl::Seconds(10)};
  // Token requests waiting for a worker; more are answered 503 at once. Two workers hash
  // about 45 secrets a second, so the queue holds a few seconds' work.
  static constexpr std::size_t kMaxQueued = 128;
  WorkerPool workers_{2};
};

}  // namespace coffer::api::rest

#endif  // COFFER_VAULT_CORE_API_REST_TOKEN_API_H_
