#include "vault-core/service/certificate_issuers.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status.h"
#include "vault-core/domain/names.h"
#include "vault-core/service/certificate_records.h"
#include "vault-core/service/retry.h"

namespace coffer::service {

using storage::v1::CertificateContactsRecord;
using storage::v1::CertificateIssuerRecord;
using records::Parse;
using records::Scrubbed;
namespace rec = records;

namespace {

absl::Status Bad(const std::string& message) { return absl::InvalidArgumentError(message); }

crypto::RecordAddress IssuerAddress(const domain::Vault& vault, std::string_view name) {
  return {vault.id, "certificateissuers/" + rec::Canonical(name), ""};
}

domain::CertificateIssuer FromIssuerRecord(const CertificateIssuerRecord& r) {
  domain::CertificateIssuer issuer;
  issuer.name = r.name();
  issuer.provider = r.provider();
  issuer.account_id = r.account_id();
  issuer.password = SecretBytes(r.password());
  issuer.organization_id = r.organization_id();
  for (const auto& a : r.admins()) {
    issuer.admins.push_back({a.first_name(), a.last_name(), a.email(), a.phone()});
  }
  issuer.enabled = r.enabled();
  issuer.created = absl::FromUnixSeconds(r.created());
  issuer.updated = absl::FromUnixSeconds(r.updated());
  return issuer;
}

Scrubbed<CertificateIssuerRecord> ToIssuerRecord(const domain::CertificateIssuer& issuer) {
  Scrubbed<CertificateIssuerRecord> out;
  CertificateIssuerRecord& r = out.r;
  r.set_name(issuer.name);
  r.set_provider(issuer.provider);
  r.set_account_id(issuer.account_id);
  r.set_password(std::string(issuer.password.reveal()));
  r.set_organization_id(issuer.organization_id);
  for (const auto& a : issuer.admins) {
    auto* admin = r.add_admins();
    admin->set_first_name(a.first_name);
    admin->set_last_name(a.last_name);
    admin->set_email(a.email);
    admin->set_phone(a.phone);
  }
  r.set_enabled(issuer.enabled);
  r.set_created(absl::ToUnixSeconds(issuer.created));
  r.set_updated(absl::ToUnixSeconds(issuer.updated));
  return out;
}

absl::Status CheckIssuer(const domain::CertificateIssuer& issuer) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(issuer.name));
  if (absl::EqualsIgnoreCase(issuer.name, domain::kSelfIssuer) ||
      absl::EqualsIgnoreCase(issuer.name, domain::kUnknownIssuer)) {
    return Bad("Self and Unknown are reserved issuer names.");
  }
  if (issuer.provider.empty() || issuer.provider.size() > 127) {
    return Bad("An issuer needs a provider of at most 127 characters.");
  }
  if (issuer.admins.size() > 20) return Bad("An issuer has at most 20 administrators.");
  return absl::OkStatus();
}

}  // namespace

std::string CertificateIssuers::IssuerKey(const domain::Vault& vault,
                                          std::string_view name) const {
  return absl::StrCat("v/", vault.id, "/certificateissuers/", rec::Canonical(name));
}

std::string CertificateIssuers::ContactsKey(const domain::Vault& vault) const {
  return absl::StrCat("v/", vault.id, "/certificatecontacts");
}

absl::StatusOr<CertificateIssuers::Stored> CertificateIssuers::Load(const domain::Vault& vault,
                                                                   std::string_view name) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  auto entry = store_.Get(IssuerKey(vault, name));
  if (absl::IsNotFound(entry.status())) return absl::NotFoundError("Issuer not found");
  if (!entry.ok()) return entry.status();
  COFFER_ASSIGN_OR_RETURN(auto sealer, sealers_.ForVault(vault.id));
  COFFER_ASSIGN_OR_RETURN(SecretBytes plain, sealer->Open(IssuerAddress(vault, name), entry->value));
  COFFER_ASSIGN_OR_RETURN(auto record,
                          Parse<CertificateIssuerRecord>(plain.reveal(), "certificate issuer"));
  return Stored{FromIssuerRecord(record.r), entry->revision};
}

absl::StatusOr<domain::CertificateIssuer> CertificateIssuers::Write(
    const domain::Vault& vault, domain::CertificateIssuer issuer,
    std::optional<storage::Revision> existing) {
  COFFER_RETURN_IF_ERROR(CheckIssuer(issuer));
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(clock_.Now()));
  issuer.updated = now;
  if (!existing.has_value()) {
    issuer.created = now;
    COFFER_ASSIGN_OR_RETURN(auto all, store_.Range({IssuerKey(vault, ""), "", kMaxIssuers}));
    if (!all.continuation.empty() || all.entries.size() >= kMaxIssuers) {
      return Bad("A vault holds at most " + std::to_string(kMaxIssuers) + " issuers.");
    }
  }
  COFFER_ASSIGN_OR_RETURN(auto sealer, sealers_.ForVault(vault.id));
  auto record = ToIssuerRecord(issuer);
  COFFER_ASSIGN_OR_RETURN(
      std::string sealed,
      sealer->Seal(IssuerAddress(vault, issuer.name), rec::SerializeSecret(record.r).reveal()));
  // Conditional on what was read: of two concurrent writes, one is retried on the other's.
  COFFER_RETURN_IF_ERROR(store_
                             .Put(IssuerKey(vault, issuer.name), sealed,
                                  existing.value_or(storage::kMustNotExist))
                             .status());
  return issuer;
}

absl::StatusOr<domain::CertificateIssuer> CertificateIssuers::SetIssuer(
    const domain::Vault& vault, const domain::CertificateIssuer& wanted) {
  return RetryOnConflict([&]() -> absl::StatusOr<domain::CertificateIssuer> {
    auto stored = Load(vault, wanted.name);
    if (!stored.ok() && !absl::IsNotFound(stored.status())) return stored.status();
    domain::CertificateIssuer issuer = wanted;
    if (stored.ok()) issuer.created = stored->issuer.created;
    return Write(vault, std::move(issuer),
                 stored.ok() ? std::optional<storage::Revision>(stored->revision) : std::nullopt);
  });
}

absl::StatusOr<domain::CertificateIssuer> CertificateIssuers::UpdateIssuer(
    const domain::Vault& vault, std::string_view name,
    const std::function<absl::Status(domain::CertificateIssuer&)>& change) {
  return RetryOnConflict([&]() -> absl::StatusOr<domain::CertificateIssuer> {
    COFFER_ASSIGN_OR_RETURN(Stored stored, Load(vault, name));
    COFFER_RETURN_IF_ERROR(change(stored.issuer));
    stored.issuer.name = std::string(name);
    return Write(vault, std::move(stored.issuer), stored.revision);
  });
}

absl::StatusOr<domain::CertificateIssuer> CertificateIssuers::GetIssuer(
    const domain::Vault& vault, std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(Stored stored, Load(vault, name));
  return std::move(stored.issuer);
}

absl::StatusOr<domain::CertificateIssuer> CertificateIssuers::DeleteIssuer(
    const domain::Vault& vault, std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(domain::CertificateIssuer issuer, GetIssuer(vault, name));
  COFFER_RETURN_IF_ERROR(store_.Delete(IssuerKey(vault, name), std::nullopt).status());
  return issuer;
}

absl::StatusOr<std::vector<domain::CertificateIssuer>> CertificateIssuers::ListIssuers(
    const domain::Vault& vault) {
  const std::string prefix = IssuerKey(vault, "");
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({prefix, "", 0}));
  std::vector<domain::CertificateIssuer> out;
  for (const auto& entry : range.entries) {
    auto issuer = GetIssuer(vault, rec::Suffix(entry.key, prefix));
    if (issuer.ok()) out.push_back(std::move(*issuer));
  }
  return out;
}

absl::StatusOr<std::vector<domain::CertificateContact>> CertificateIssuers::SetContacts(
    const domain::Vault& vault, const std::vector<domain::CertificateContact>& contacts) {
  if (contacts.empty() || contacts.size() > 50) {
    return Bad("contacts must hold 1 to 50 contacts.");
  }
  CertificateContactsRecord record;
  for (const auto& c : contacts) {
    if (c.email.empty() && c.name.empty() && c.phone.empty()) {
      return Bad("A contact needs an email, a name or a phone.");
    }
    if (c.email.size() > 254 || c.name.size() > 254 || c.phone.size() > 64) {
      return Bad("A contact's email, name or phone is too long.");
    }
    auto* out = record.add_contacts();
    out->set_email(c.email);
    out->set_name(c.name);
    out->set_phone(c.phone);
  }
  COFFER_RETURN_IF_ERROR(
      store_.Put(ContactsKey(vault), record.SerializeAsString(), std::nullopt).status());
  return contacts;
}

absl::StatusOr<std::vector<domain::CertificateContact>> CertificateIssuers::GetContacts(
    const domain::Vault& vault) {
  auto entry = store_.Get(ContactsKey(vault));
  if (absl::IsNotFound(entry.status())) return absl::NotFoundError("Contacts not found");
  if (!entry.ok()) return entry.status();
  CertificateContactsRecord record;
  if (!record.ParseFromString(entry->value)) {
    return absl::DataLossError("stored certificate contacts are not parseable");
  }
  std::vector<domain::CertificateContact> out;
  for (const auto& c : record.contacts()) out.push_back({c.email(), c.name(), c.phone()});
  return out;
}

absl::StatusOr<std::vector<domain::CertificateContact>> CertificateIssuers::DeleteContacts(
    const domain::Vault& vault) {
  COFFER_ASSIGN_OR_RETURN(auto contacts, GetContacts(vault));
  COFFER_RETURN_IF_ERROR(store_.Delete(ContactsKey(vault), std::nullopt).status());
  return contacts;
}

}  // namespace coffer::service
