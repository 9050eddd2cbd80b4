#include "vault-core/service/principal_service.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "coffer/storage/v1/records.pb.h"
#include "lib/base/absl_compat.h"
#include "lib/base/status.h"
#include "vault-core/crypto/random.h"
#include "vault-core/crypto/x509.h"
#include "vault-core/domain/names.h"
#include "vault-core/identity/client_secret.h"
#include "vault-core/service/retry.h"

namespace coffer::service {
namespace {

using storage::kMustNotExist;
using storage::Precondition;
using storage::Write;
using storage::v1::PrincipalRecord;

std::string PrincipalKey(std::string_view id) { return absl::StrCat("principals/", AsAbsl(id)); }
std::string ClientKey(std::string_view id) { return absl::StrCat("clientids/", AsAbsl(id)); }
std::string ServiceAccountKey(const domain::ServiceAccountSubject& sa) {
  return absl::StrCat("serviceaccounts/", sa.cluster, "/", sa.ns, "/", sa.name);
}

absl::Status ValidateServiceAccount(const domain::ServiceAccountSubject& sa) {
  COFFER_RETURN_IF_ERROR(domain::ValidateDnsLabel("cluster name", sa.cluster));
  COFFER_RETURN_IF_ERROR(domain::ValidateDnsLabel("namespace", sa.ns));
  return domain::ValidateDnsSubdomain("service account name", sa.name);
}

std::string UpperHex(const std::string& bytes) {
  return absl::AsciiStrToUpper(absl::BytesToHexString(bytes));
}

domain::ClientCertificateInfo CertificateFromRecord(const storage::v1::ClientCertificateRecord& c) {
  return {c.id(),
          UpperHex(c.sha1()),
          UpperHex(c.sha256()),
          c.subject(),
          absl::FromUnixSeconds(c.not_before()),
          absl::FromUnixSeconds(c.not_after()),
          absl::FromUnixSeconds(c.created())};
}

domain::Principal FromRecord(const PrincipalRecord& r) {
  domain::Principal p;
  p.object_id = r.object_id();
  p.client_id = r.client_id();
  p.display_name = r.display_name();
  p.created = absl::FromUnixSeconds(r.created());
  if (r.has_service_account()) {
    const auto& sa = r.service_account();
    p.service_account = domain::ServiceAccountSubject{sa.cluster(), sa.namespace_(), sa.name()};
  }
  for (const auto& s : r.secrets()) {
    domain::ClientSecretInfo info{s.id(), s.hint(), absl::FromUnixSeconds(s.created()), {}};
    if (s.expires() != 0) info.expires = absl::FromUnixSeconds(s.expires());
    p.secrets.push_back(std::move(info));
  }
  for (const auto& c : r.certificates()) p.certificates.push_back(CertificateFromRecord(c));
  return p;
}

absl::Status PrincipalNotFound(std::string_view id) {
  return absl::NotFoundError(absl::StrCat("principal ", AsAbsl(id), " not found"));
}

struct Loaded {
  PrincipalRecord record;
  storage::Revision revision;
};

absl::StatusOr<Loaded> Load(storage::Store& store, std::string_view object_id) {
  auto entry = store.Get(PrincipalKey(object_id));
  if (absl::IsNotFound(entry.status())) return PrincipalNotFound(object_id);
  if (!entry.ok()) return entry.status();
  Loaded loaded{{}, entry->revision};
  if (!loaded.record.ParseFromString(entry->value)) {
    return absl::DataLossError("principal record corrupt");
  }
  return loaded;
}

// The principal a client id names; `denied` when it names none (a caller refusing a login
// must not say which part was wrong), the store's errors otherwise.
absl::StatusOr<Loaded> LoadByClientId(storage::Store& store, std::string_view client_id,
                                      const absl::Status& denied) {
  auto object_id = store.Get(ClientKey(client_id));
  if (absl::IsNotFound(object_id.status())) return denied;
  if (!object_id.ok()) return object_id.status();
  auto loaded = Load(store, object_id->value);
  if (absl::IsNotFound(loaded.status())) return denied;
  return loaded;
}

// Removes the credential `id` (a client secret or a certificate: what `list` returns) from a
// principal, retrying on a concurrent change.
template <typename GetList>
absl::Status RemoveCredential(storage::Store& store, std::string_view object_id,
                              std::string_view what, std::string_view id, GetList list) {
  return RetryOnConflict([&]() -> absl::StatusOr<bool> {
           COFFER_ASSIGN_OR_RETURN(Loaded loaded, Load(store, object_id));
           auto* items = list(loaded.record);
           auto it = std::find_if(items->begin(), items->end(),
                                  [&](const auto& item) { return item.id() == id; });
           if (it == items->end()) {
             return absl::NotFoundError(absl::StrCat("principal has no ", AsAbsl(what), " ",
                                                     AsAbsl(id)));
           }
           items->erase(it);
           COFFER_RETURN_IF_ERROR(
               store.Put(PrincipalKey(object_id), loaded.record.SerializeAsString(),
                         loaded.revision)
                   .status());
           return true;
         })
      .status();
}

}  // namespace

absl::StatusOr<std::unique_ptr<PrincipalService>> PrincipalService::Create(storage::Store& store,
                                                                           Clock& clock) {
  COFFER_ASSIGN_OR_RETURN(auto existing, ExistsCache::Create(store, {"principals/"}));
  return std::unique_ptr<PrincipalService>(new PrincipalService(store, clock, std::move(existing)));
}

absl::StatusOr<domain::Principal> PrincipalService::CreatePrincipal(std::string_view display_name) {
  if (display_name.empty() || display_name.size() > 256) {
    return absl::InvalidArgumentError("display name must be 1 to 256 characters");
  }
  PrincipalRecord record;
  record.set_object_id(crypto::RandomUuid());
  record.set_client_id(crypto::RandomUuid());
  record.set_display_name(std::string(display_name));
  record.set_created(absl::ToUnixSeconds(clock_.Now()));
  COFFER_RETURN_IF_ERROR(
      store_
          .Commit({Precondition{PrincipalKey(record.object_id()), kMustNotExist},
                   Precondition{ClientKey(record.client_id()), kMustNotExist}},
                  {Write::Put(PrincipalKey(record.object_id()), record.SerializeAsString()),
                   Write::Put(ClientKey(record.client_id()), record.object_id())})
          .status());
  return FromRecord(record);
}

absl::StatusOr<domain::Principal> PrincipalService::CreateManagedIdentity(
    const domain::ServiceAccountSubject& service_account) {
  COFFER_RETURN_IF_ERROR(ValidateServiceAccount(service_account));
  PrincipalRecord record;
  record.set_object_id(crypto::RandomUuid());
  record.set_client_id(crypto::RandomUuid());
  record.set_display_name(absl::StrCat(service_account.Subject(), "@", service_account.cluster));
  record.set_created(absl::ToUnixSeconds(clock_.Now()));
  auto* sa = record.mutable_service_account();
  sa->set_cluster(service_account.cluster);
  sa->set_namespace_(service_account.ns);
  sa->set_name(service_account.name);
  absl::Status created =
      store_
          .Commit({Precondition{ServiceAccountKey(service_account), kMustNotExist},
                   Precondition{PrincipalKey(record.object_id()), kMustNotExist},
                   Precondition{ClientKey(record.client_id()), kMustNotExist}},
                  {Write::Put(PrincipalKey(record.object_id()), record.SerializeAsString()),
                   Write::Put(ClientKey(record.client_id()), record.object_id()),
                   Write::Put(ServiceAccountKey(service_account), record.object_id())})
          .status();
  // Lost a race with another creator (or it existed): theirs is the identity.
  if (absl::IsAborted(created)) return FindManagedIdentity(service_account);
  COFFER_RETURN_IF_ERROR(created);
  return FromRecord(record);
}

absl::StatusOr<domain::Principal> PrincipalService::FindManagedIdentity(
    const domain::ServiceAccountSubject& service_account) {
  COFFER_RETURN_IF_ERROR(ValidateServiceAccount(service_account));
  auto object_id = store_.Get(ServiceAccountKey(service_account));
  if (absl::IsNotFound(object_id.status())) {
    return absl::NotFoundError(absl::StrCat("no managed identity for ", service_account.Subject(),
                                            " of cluster ", service_account.cluster));
  }
  if (!object_id.ok()) return object_id.status();
  return Get(object_id->value);
}

absl::StatusOr<domain::Principal> PrincipalService::Get(std::string_view object_id) {
  COFFER_ASSIGN_OR_RETURN(Loaded loaded, Load(store_, object_id));
  return FromRecord(loaded.record);
}

absl::StatusOr<std::vector<domain::Principal>> PrincipalService::List() {
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({"principals/", "", 0}));
  std::vector<domain::Principal> out;
  for (const auto& entry : range.entries) {
    PrincipalRecord record;
    if (!record.ParseFromString(entry.value)) return absl::DataLossError("principal corrupt");
    out.push_back(FromRecord(record));
  }
  return out;
}

absl::Status PrincipalService::Delete(std::string_view object_id) {
  return RetryOnConflict([&]() -> absl::StatusOr<bool> {
           COFFER_ASSIGN_OR_RETURN(Loaded loaded, Load(store_, object_id));
           std::vector<Write> writes = {Write::Delete(PrincipalKey(object_id)),
                                        Write::Delete(ClientKey(loaded.record.client_id()))};
           if (loaded.record.has_service_account()) {
             const auto& sa = loaded.record.service_account();
             writes.push_back(
                 Write::Delete(ServiceAccountKey({sa.cluster(), sa.namespace_(), sa.name()})));
           }
           COFFER_RETURN_IF_ERROR(
               store_.Commit({Precondition{PrincipalKey(object_id), loaded.revision}}, writes)
                   .status());
           existing_->Clear();
           return true;
         })
      .status();
}

absl::StatusOr<CreatedClientSecret> PrincipalService::AddSecret(std::string_view object_id,
                                                                std::optional<absl::Time> expires) {
  CreatedClientSecret created;
  created.value = identity::NewClientSecret();
  std::string hash = identity::HashClientSecret(created.value);
  absl::Time now = clock_.Now();
  if (expires.has_value() && *expires <= now) {
    return absl::InvalidArgumentError("a client secret must expire in the future");
  }
  created.info = {crypto::RandomUuid(), std::string(created.value.reveal().substr(0, 3)),
                  absl::FromUnixSeconds(absl::ToUnixSeconds(now)), expires};
  auto saved = RetryOnConflict([&]() -> absl::StatusOr<bool> {
    COFFER_ASSIGN_OR_RETURN(Loaded loaded, Load(store_, object_id));
    if (loaded.record.has_service_account()) {
      return absl::FailedPreconditionError(
          "a managed identity has no client secrets: its pods log in with their own tokens");
    }
    auto* s = loaded.record.add_secrets();
    s->set_id(created.info.id);
    s->set_hint(created.info.hint);
    s->set_hash(hash);
    s->set_created(absl::ToUnixSeconds(now));
    s->set_expires(expires.has_value() ? absl::ToUnixSeconds(*expires) : 0);
    COFFER_RETURN_IF_ERROR(
        store_.Put(PrincipalKey(object_id), loaded.record.SerializeAsString(), loaded.revision)
            .status());
    return true;
  });
  if (!saved.ok()) return saved.status();
  return created;
}

absl::Status PrincipalService::RemoveSecret(std::string_view object_id,
                                            std::string_view secret_id) {
  return RemoveCredential(store_, object_id, "client secret", secret_id,
                          [](PrincipalRecord& r) { return r.mutable_secrets(); });
}

absl::StatusOr<domain::ClientCertificateInfo> PrincipalService::AddCertificate(
    std::string_view object_id, std::string_view certificate_pem) {
  if (certificate_pem.size() > 16 * 1024) {
    return absl::InvalidArgumentError("a certificate is at most 16 KiB of PEM");
  }
  if (certificate_pem.find("PRIVATE KEY") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "send the certificate only: its private key must never leave the client");
  }
  COFFER_ASSIGN_OR_RETURN(crypto::ClientCertificate cert,
                          crypto::ParseClientCertificate(certificate_pem));
  const absl::Time now = clock_.Now();
  if (cert.not_after <= now) return absl::InvalidArgumentError("the certificate has expired");
  storage::v1::ClientCertificateRecord record;
  record.set_id(crypto::RandomUuid());
  record.set_der(cert.der);
  record.set_sha1(cert.sha1);
  record.set_sha256(cert.sha256);
  record.set_subject(cert.subject);
  record.set_not_before(absl::ToUnixSeconds(cert.not_before));
  record.set_not_after(absl::ToUnixSeconds(cert.not_after));
  record.set_created(absl::ToUnixSeconds(now));
  auto saved = RetryOnConflict([&]() -> absl::StatusOr<bool> {
    COFFER_ASSIGN_OR_RETURN(Loaded loaded, Load(store_, object_id));
    if (loaded.record.has_service_account()) {
      return absl::FailedPreconditionError(
          "a managed identity has no certificates: its pods log in with their own tokens");
    }
    for (const auto& c : loaded.record.certificates()) {
      if (c.sha256() == cert.sha256) {
        return absl::AlreadyExistsError("this certificate is registered already as " + c.id());
      }
    }
    if (loaded.record.certificates_size() >= kMaxCertificates) {
      return absl::FailedPreconditionError(absl::StrCat(
          "a principal has at most ", kMaxCertificates, " certificates: remove one first"));
    }
    *loaded.record.add_certificates() = record;
    COFFER_RETURN_IF_ERROR(
        store_.Put(PrincipalKey(object_id), loaded.record.SerializeAsString(), loaded.revision)
            .status());
    return true;
  });
  if (!saved.ok()) return saved.status();
  return CertificateFromRecord(record);
}

absl::Status PrincipalService::RemoveCertificate(std::string_view object_id,
                                                 std::string_view certificate_id) {
  return RemoveCredential(store_, object_id, "certificate", certificate_id,
                          [](PrincipalRecord& r) { return r.mutable_certificates(); });
}

absl::StatusOr<CertificateMatch> PrincipalService::FindCertificate(
    std::string_view client_id, const std::optional<std::string>& sha1,
    const std::optional<std::string>& sha256) {
  const absl::Status denied = absl::UnauthenticatedError("no such certificate");
  if (!sha1 && !sha256) return denied;
  COFFER_ASSIGN_OR_RETURN(Loaded loaded, LoadByClientId(store_, client_id, denied));
  if (loaded.record.has_service_account()) return denied;
  for (const auto& c : loaded.record.certificates()) {
    if ((!sha1 || c.sha1() == *sha1) && (!sha256 || c.sha256() == *sha256)) {
      return CertificateMatch{FromRecord(loaded.record), CertificateFromRecord(c), c.der()};
    }
  }
  return denied;
}

absl::StatusOr<domain::Principal> PrincipalService::Authenticate(
    std::string_view client_id, const SecretBytes& secret,
    const std::function<absl::Status()>& may_hash) {
  const absl::Status denied = absl::UnauthenticatedError("invalid client id or secret");
  auto loaded = LoadByClientId(store_, client_id, denied);
  if (!loaded.ok() && !absl::IsUnauthenticated(loaded.status())) return loaded.status();
  std::vector<std::string> candidates;  // none for an unknown client id
  if (loaded.ok()) {
    std::int64_t now = absl::ToUnixSeconds(clock_.Now());
    for (const auto& s : loaded->record.secrets()) {
      if (s.expires() == 0 || s.expires() > now) candidates.push_back(s.hash());
    }
    if (secret_cache_.Remembered(client_id, secret, candidates)) return FromRecord(loaded->record);
  }
  if (may_hash) COFFER_RETURN_IF_ERROR(may_hash());
  if (!secret_cache_.Match(client_id, secret, candidates).has_value()) return denied;
  return FromRecord(loaded->record);
}

absl::StatusOr<domain::Principal> PrincipalService::ManagedIdentityOf(std::string_view client_id) {
  const absl::Status denied = absl::UnauthenticatedError("no such managed identity");
  COFFER_ASSIGN_OR_RETURN(Loaded loaded, LoadByClientId(store_, client_id, denied));
  domain::Principal principal = FromRecord(loaded.record);
  if (!principal.managed()) return denied;
  return principal;
}

absl::StatusOr<bool> PrincipalService::Exists(std::string_view object_id) {
  auto known = existing_->Get(object_id, [&]() -> absl::StatusOr<std::shared_ptr<const bool>> {
    COFFER_RETURN_IF_ERROR(store_.Get(PrincipalKey(object_id)).status());
    return std::make_shared<const bool>(true);
  });
  if (absl::IsNotFound(known.status())) return false;
  if (!known.ok()) return known.status();
  return true;
}

}  // namespace coffer::service
