#ifndef COFFER_VAULT_CORE_API_REST_DATA_PLANE_H_
#define COFFER_VAULT_CORE_API_REST_DATA_PLANE_H_

#include <memory>
#include <optional>
#include <string>

#include "lib/base/clock.h"
#include "lib/base/log_throttle.h"
#include "lib/http/http.h"
#include "vault-core/api/rest/certificates_api.h"
#include "vault-core/api/rest/keys_api.h"
#include "vault-core/api/rest/secrets_api.h"
#include "vault-core/api/rest/token_api.h"
#include "vault-core/audit/audit_log.h"
#include "vault-core/identity/token_verifier.h"
#include "vault-core/service/policy_service.h"
#include "vault-core/service/principal_service.h"
#include "vault-core/service/vault_service.h"

namespace coffer::api::rest {

struct DataPlaneDeps {
  service::VaultService& vaults;
  service::SecretService& secrets;
  service::KeyService& keys;
  service::CertificateService& certificates;
  service::PolicyService& policies;
  service::PrincipalService& principals;
  identity::TokenVerifier& verifier;
  TokenApi& tokens;
  audit::AuditLog& audit;
};

// The front of coffer-vault's HTTPS port. A request is, in order:
//  - for the token service when its path starts with /<tenant>/;
//  - for a vault's data plane when its Host names a vault: authenticated (a 401 challenge, sent
//    before any body is read, as Key Vault does), given an api-version, routed, authorised by
//    the vault's access policies (403 that says nothing about the object), served, audited;
//  - else answered 404: no vault is addressed by that name.
// Thread-safe.
class DataPlane : public http::Handler {
 public:
  DataPlane(DataPlaneDeps deps, Authority authority, std::string scheme)
      : deps_(deps),
        authority_(std::move(authority)),
        scheme_(std::move(scheme)),
        secrets_api_(deps.secrets),
        keys_api_(deps.keys),
        certificates_api_(deps.certificates) {}

  std::optional<http::Response> OnHeaders(const http::Request& head) override;
  // Answers once the call's audit record is durable, without holding the calling thread.
  void HandleAsync(const http::Request& request,
                   std::function<void(http::Response)> respond) override;
  // Azure's error body for what the HTTP server refuses by itself (413, 431, 400).
  http::Response RenderError(int status, std::string_view message) override;
  // HandleAsync, waited for.
  http::Response Handle(const http::Request& request) override;

 private:
  // The vault the Host header names, or nullptr.
  std::shared_ptr<const domain::Vault> VaultFor(const http::Request& request);
  // The principal's object id, or the 401 to send.
  absl::StatusOr<std::string> Authenticate(const http::Request& request,
                                           const std::string& resource);
  http::Response Challenge(const std::string& resource, std::string_view message);
  // 503 with Retry-After: the audit log is Overloaded.
  static http::Response Behind();
  // Requests answered without an audit line (no vault addressed, refused before any work) go
  // to the operator's log instead, at most one line a second with a count of the rest: whoever
  // sends them does not decide how much is written. Returns `response`.
  http::Response Unaudited(const http::Request& request, http::Response response);
  http::Response ServeVault(const http::Request& request, const domain::Vault& vault,
                            const std::string& request_id, audit::AuditRecord& record);
  // The 403 to send when the principal lacks `permission` on `kind` in the vault, else nullopt.
  std::optional<http::Response> Authorize(const domain::Vault& vault, const std::string& principal,
                                          domain::ObjectKind kind, const char* permission,
                                          const std::string& request_id);
  static void Stamp(const http::Request& request, const std::string& request_id,
                    http::Response& response);

  DataPlaneDeps deps_;
  const Authority authority_;
  const std::string scheme_;  // "https" (or "http" behind a TLS-terminating proxy / in tests)
  SecretsApi secrets_api_;
  KeysApi keys_api_;
  CertificatesApi certificates_api_;
  LogThrottle access_log_{Clock::Real(), absl::Seconds(1)};  // see Unaudited
  // Requests failed for want of their audit line: one log line per 10 s, however many.
  LogThrottle audit_failure_log_{Clock::Real(), absl::Seconds(10)};
};

// "https://vault.example" for the vault host "prod.vault.example": what its tokens are for.
std::string ResourceOf(std::string_view host);
// The resource a 401 challenge names for a request's Host header: ResourceOf its host name,
// with the port when it is not 443 ("https://vault.example:8443"). Tokens for either form are
// accepted.
std::string ChallengeResource(std::string_view host_header);

// Whether `api_version` is one this server answers (7.0-7.6 and their previews such as
// 7.4-preview.1, 2016-10-01, 2025-07-01, or any newer date, which is served as the latest).
// Sets `newer` for the latter.
bool AcceptApiVersion(std::string_view api_version, bool* newer);

}  // namespace coffer::api::rest

#endif  // COFFER_VAULT_CORE_API_REST_DATA_PLANE_H_
