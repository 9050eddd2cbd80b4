#ifndef COFFER_VAULT_CORE_SERVICE_CERTIFICATE_ISSUERS_H_
#define COFFER_VAULT_CORE_SERVICE_CERTIFICATE_ISSUERS_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/clock.h"
#include "vault-core/domain/certificate.h"
#include "vault-core/domain/vault.h"
#include "vault-core/envelope/vault_keys.h"
#include "vault-core/storage/storage.h"

namespace coffer::service {

// A vault's certificate issuers (CA accounts; Coffer orders from none, so a policy naming one
// waits for a merge as issuer Unknown does) and its certificate contacts, with Azure Key
// Vault's semantics. An issuer is sealed under the vault's data key (it holds the account's
// password, which nothing returns); contacts are stored in clear.
// Thread-safe. Errors: NOT_FOUND ("Issuer not found", "Contacts not found"), INVALID_ARGUMENT.
class CertificateIssuers {
 public:
  CertificateIssuers(storage::Store& store, envelope::VaultKeys& keys, Clock& clock)
      : store_(store), sealers_(keys), clock_(clock) {}

  absl::StatusOr<domain::CertificateIssuer> SetIssuer(const domain::Vault& vault,
                                                      const domain::CertificateIssuer& issuer);
  // `change` edits the stored issuer (the API's merge).
  absl::StatusOr<domain::CertificateIssuer> UpdateIssuer(
      const domain::Vault& vault, std::string_view name,
      const std::function<absl::Status(domain::CertificateIssuer&)>& change);
  absl::StatusOr<domain::CertificateIssuer> GetIssuer(const domain::Vault& vault,
                                                      std::string_view name);
  absl::StatusOr<domain::CertificateIssuer> DeleteIssuer(const domain::Vault& vault,
                                                         std::string_view name);
  absl::StatusOr<std::vector<domain::CertificateIssuer>> ListIssuers(const domain::Vault& vault);

  absl::StatusOr<std::vector<domain::CertificateContact>> SetContacts(
      const domain::Vault& vault, const std::vector<domain::CertificateContact>& contacts);
  absl::StatusOr<std::vector<domain::CertificateContact>> GetContacts(const domain::Vault& vault);
  absl::StatusOr<std::vector<domain::CertificateContact>> DeleteContacts(
      const domain::Vault& vault);

 private:
  static constexpr std::size_t kMaxIssuers = 100;
  struct Stored {
    domain::CertificateIssuer issuer;
    storage::Revision revision;
  };
  absl::StatusOr<Stored> Load(const domain::Vault& vault, std::string_view name);
  // Seals and writes `issuer`, new (no `existing` revision) or over the one read.
  absl::StatusOr<domain::CertificateIssuer> Write(const domain::Vault& vault,
                                                  domain::CertificateIssuer issuer,
                                                  std::optional<storage::Revision> existing);
  std::string IssuerKey(const domain::Vault& vault, std::string_view name) const;
  std::string ContactsKey(const domain::Vault& vault) const;

  storage::Store& store_;
  envelope::VaultKeys& sealers_;
  Clock& clock_;
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_CERTIFICATE_ISSUERS_H_
