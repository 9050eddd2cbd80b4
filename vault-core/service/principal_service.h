#ifndef COFFER_VAULT_CORE_SERVICE_PRINCIPAL_SERVICE_H_
#define COFFER_VAULT_CORE_SERVICE_PRINCIPAL_SERVICE_H_

#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/clock.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/domain/principal.h"
#include "vault-core/identity/verified_secret_cache.h"
#include "vault-core/storage/storage.h"
#include "vault-core/storage/watched_cache.h"

namespace coffer::service {

// A client secret as created: its value is shown once and never stored.
struct CreatedClientSecret {
  domain::ClientSecretInfo info;
  SecretBytes value;
};

// A registered certificate that an assertion's thumbprints name, with what checking its
// signature needs.
struct CertificateMatch {
  domain::Principal principal;
  domain::ClientCertificateInfo certificate;
  std::string der;
};

// Service principals with their client secrets (stored as salted scrypt hashes) and
// certificates (public parts only), and managed identities (Kubernetes ServiceAccounts, which
// have neither).
//   principals/<object id>                         PrincipalRecord
//   clientids/<client id>                          the object id
//   serviceaccounts/<cluster>/<namespace>/<name>   the object id of its managed identity
// Thread-safe. Errors: NOT_FOUND, INVALID_ARGUMENT, UNAUTHENTICATED (Authenticate: any failure,
// never saying which part was wrong), the store's UNAVAILABLE.
class PrincipalService {
 public:
  static absl::StatusOr<std::unique_ptr<PrincipalService>> Create(storage::Store& store,
                                                                  Clock& clock);

  absl::StatusOr<domain::Principal> CreatePrincipal(std::string_view display_name);
  // The managed identity of a Kubernetes ServiceAccount; the existing one when there is one
  // (idempotent). INVALID_ARGUMENT for names Kubernetes would not allow.
  absl::StatusOr<domain::Principal> CreateManagedIdentity(
      const domain::ServiceAccountSubject& service_account);
  // NOT_FOUND when that ServiceAccount has no managed identity.
  absl::StatusOr<domain::Principal> FindManagedIdentity(
      const domain::ServiceAccountSubject& service_account);
  absl::StatusOr<domain::Principal> Get(std::string_view object_id);
  absl::StatusOr<std::vector<domain::Principal>> List();
  absl::Status Delete(std::string_view object_id);
  absl::StatusOr<CreatedClientSecret> AddSecret(std::string_view object_id,
                                                std::optional<absl::Time> expires);
  absl::Status RemoveSecret(std::string_view object_id, std::string_view secret_id);
  // Registers the certificate in `certificate_pem`: RSA, 2048 bits or more, not expired.
  // INVALID_ARGUMENT for anything else, or for a PEM that carries a private key (which must
  // never leave the client); ALREADY_EXISTS for one registered already; FAILED_PRECONDITION
  // for a managed identity or a principal with kMaxCertificates.
  absl::StatusOr<domain::ClientCertificateInfo> AddCertificate(std::string_view object_id,
                                                               std::string_view certificate_pem);
  absl::Status RemoveCertificate(std::string_view object_id, std::string_view certificate_id);
  static constexpr int kMaxCertificates = 16;

  // The principal whose client id and (unexpired) secret these are; UNAUTHENTICATED for any
  // other pair, after the same slow hash whether or not the client id exists. A secret proved
  // lately is matched without the slow hash; before any slow hash `may_hash` (when given) is
  // asked, and its error is returned instead (a throttle).
  absl::StatusOr<domain::Principal> Authenticate(
      std::string_view client_id, const SecretBytes& secret,
      const std::function<absl::Status()>& may_hash = nullptr);
  // The service principal `client_id` names and its registered certificate whose thumbprints
  // (raw digests) are the given ones; UNAUTHENTICATED when there is no such pair, whatever the
  // reason (unknown client id, a managed identity, another certificate).
  absl::StatusOr<CertificateMatch> FindCertificate(std::string_view client_id,
                                                   const std::optional<std::string>& sha1,
                                                   const std::optional<std::string>& sha256);
  // The managed identity `client_id` names; UNAUTHENTICATED when it names none (or a service
  // principal), so that the caller can refuse before any costly check. The caller then matches
  // its service account against the one the cluster vouched for.
  absl::StatusOr<domain::Principal> ManagedIdentityOf(std::string_view client_id);
  // Whether the principal still exists; tokens of deleted principals stop working at once.
  // Errors: the store's (UNAVAILABLE), never a guess either way.
  absl::StatusOr<bool> Exists(std::string_view object_id);

 private:
  // Present for each principal known to exist (absent ones are never kept).
  using ExistsCache = storage::WatchedCache<bool>;

  PrincipalService(storage::Store& store, Clock& clock, std::unique_ptr<ExistsCache> existing)
      : store_(store), clock_(clock), secret_cache_(clock), existing_(std::move(existing)) {}

  storage::Store& store_;
  Clock& clock_;
  identity::VerifiedSecretCache secret_cache_;
  // Cleared by the store watch and, for changes made here, right after the commit so that a
  // revocation never waits for the watch.
  const std::unique_ptr<ExistsCache> existing_;
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_PRINCIPAL_SERVICE_H_
