#include "vault-core/service/certificate_service.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "coffer/storage/v1/records.pb.h"
#include "lib/base/absl_compat.h"
#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/crypto/random.h"
#include "vault-core/crypto/vault_certificates.h"
#include "vault-core/domain/errors.h"
#include "vault-core/domain/names.h"
#include "vault-core/service/certificate_records.h"
#include "vault-core/service/retry.h"
#include "vault-core/service/secret_records.h"

namespace coffer::service {
namespace {

using domain::CertificatePolicy;
using storage::kMustNotExist;
using storage::Precondition;
using storage::Write;
using storage::v1::CertificateBackup;
using storage::v1::CertificateOperationRecord;
using storage::v1::CertificatePolicyRecord;
using storage::v1::CertificateVersionRecord;
using storage::v1::KeyVersionRecord;
using storage::v1::SecretVersionRecord;
namespace rec = records;
using records::FromRecord;
using records::Parse;
using records::ProfileOf;
using records::PublicKeyOf;
using records::Scrubbed;
using records::ToOperation;
using records::ToRecord;

constexpr const char kBackupKeyId[] = "_backup";
const crypto::RecordAddress kBackupAddress{kBackupKeyId, "certificatebackup", ""};
constexpr char kInProgress[] = "inProgress";
constexpr char kMergeDetails[] =
    "Pending certificate created. Please Perform Merge to complete the request.";

absl::StatusOr<Scrubbed<CertificateVersionRecord>> ParseVersion(const SecretBytes& bytes) {
  return Parse<CertificateVersionRecord>(bytes.reveal(), "certificate version");
}

// Zeroes a backup's private material (versions' pending keys, keys, secrets) when it goes.
struct ScrubBackup {
  CertificateBackup& b;
  ~ScrubBackup() {
    for (auto& v : *b.mutable_versions()) {
      Scrubbed<CertificateVersionRecord>::Zero(*v.mutable_record());
    }
    for (auto& k : *b.mutable_keys()) Scrubbed<KeyVersionRecord>::Zero(*k.mutable_record());
    for (auto& s : *b.mutable_secrets()) rec::ScrubValue(*s.mutable_record());
  }
};

absl::Status Bad(const std::string& message) { return absl::InvalidArgumentError(message); }

// The API's paths give these words other meanings (/certificates/issuers, ...).
absl::Status CheckCertificateName(std::string_view name) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  for (const char* reserved : {"issuers", "contacts", "restore"}) {
    if (absl::EqualsIgnoreCase(AsAbsl(name), reserved)) {
      return Bad(std::string("'") + reserved + "' cannot name a certificate.");
    }
  }
  return absl::OkStatus();
}

absl::Status PendingNotFound(std::string_view name) {
  return absl::NotFoundError(absl::StrCat("Pending certificate not found: ", AsAbsl(name)));
}

absl::Status InProgress() {
  return domain::WithReason(
      absl::FailedPreconditionError(
          "A new key vault certificate can not be created or imported while a pending key "
          "vault certificate's status is inProgress."),
      domain::reason::kCertificateOperationInProgress);
}

// `months` calendar months after `t`, as validity_months counts them.
absl::Time AddMonths(absl::Time t, int months) {
  const absl::CivilSecond c = absl::ToCivilSecond(t, absl::UTCTimeZone());
  return absl::FromCivil(
      absl::CivilSecond(c.year(), c.month() + months, c.day(), c.hour(), c.minute(), c.second()),
      absl::UTCTimeZone());
}

// Whole calendar months from `from` to `to`, rounded up, as Azure derives an import's validity.
int MonthsBetween(absl::Time from, absl::Time to) {
  int months = 0;
  while (months < 1200 && AddMonths(from, months) < to) ++months;
  return std::max(months, 1);
}

}  // namespace

// What an issued version is made of, whichever way it came (self-signed, merged, imported).
struct CertificateService::Issued {
  std::vector<std::string> chain;  // DER, leaf first
  SecretBytes key_record;          // a managed KeyVersionRecord
  CertificatePolicy policy;
  bool enabled = true;
  domain::Tags tags;
  bool from_operation = false;
  bool preserve_order = false;
};

// The certificate's companion record as read, and the revision a write of it is held to.
struct CertificateService::Policy {
  CertificatePolicyRecord record;
  storage::Revision revision = kMustNotExist;
  bool exists() const { return revision != kMustNotExist; }
  bool in_progress() const {
    return record.has_operation() && record.operation().status() == kInProgress;
  }
};

absl::Status CertificateService::CheckIssuerName(const domain::Vault& vault,
                                                const std::string& issuer_name) {
  if (issuer_name == domain::kSelfIssuer || issuer_name == domain::kUnknownIssuer) {
    return absl::OkStatus();
  }
  // Coffer orders from no CA: a named issuer's certificate waits for a merge, as Unknown's.
  auto issuer = issuers_.GetIssuer(vault, issuer_name);
  if (absl::IsNotFound(issuer.status()) || absl::IsInvalidArgument(issuer.status())) {
    return Bad("The issuer " + issuer_name.substr(0, 127) +
               " is neither Self, Unknown nor one of this vault's issuers.");
  }
  return issuer.status();
}

absl::StatusOr<CertificateService::Policy> CertificateService::LoadPolicy(
    const domain::Vault& vault, std::string_view name) {
  Policy policy;
  auto entry = store_.Get(certificates_.CompanionKey(vault.id, name));
  if (absl::IsNotFound(entry.status())) return policy;
  if (!entry.ok()) return entry.status();
  if (!policy.record.ParseFromString(entry->value)) {
    return absl::DataLossError("stored certificate policy is not parseable");
  }
  policy.revision = entry->revision;
  return policy;
}

absl::Status CertificateService::PlanIssued(const domain::Vault& vault, std::string_view name,
                                            const std::string& version, const Issued& issued,
                                            CommitPlan& plan, const StoredVersion* placeholder) {
  COFFER_ASSIGN_OR_RETURN(crypto::CertificateInfo info, crypto::ParseCertificate(issued.chain[0]));
  const std::int64_t now = absl::ToUnixSeconds(clock_.Now());
  const std::int64_t nbf = absl::ToUnixSeconds(info.not_before);
  const std::int64_t exp = absl::ToUnixSeconds(info.not_after);

  Scrubbed<CertificateVersionRecord> cert;
  cert.r.set_der(issued.chain[0]);
  for (std::size_t i = 1; i < issued.chain.size(); ++i) cert.r.add_chain(issued.chain[i]);
  cert.r.mutable_tags()->insert(issued.tags.begin(), issued.tags.end());
  cert.r.set_enabled(issued.enabled);
  cert.r.set_not_before(nbf);
  cert.r.set_expires(exp);
  cert.r.set_created(now);
  cert.r.set_updated(now);
  cert.r.set_from_operation(issued.from_operation);
  cert.r.set_preserve_order(issued.preserve_order);
  const SecretBytes cert_bytes = rec::SerializeSecret(cert.r);
  if (placeholder != nullptr) {
    COFFER_RETURN_IF_ERROR(certificates_.PlanReplace(vault, *placeholder, cert_bytes, plan));
  } else {
    COFFER_RETURN_IF_ERROR(certificates_.PlanAdd(vault, name, version, cert_bytes, false, plan));
  }

  COFFER_ASSIGN_OR_RETURN(auto key,
                          Parse<KeyVersionRecord>(issued.key_record.reveal(), "key version"));
  key.r.set_managed(true);
  key.r.set_enabled(issued.enabled);
  key.r.set_not_before(nbf);
  key.r.set_expires(exp);
  key.r.set_created(now);
  key.r.set_updated(now);
  key.r.clear_key_ops();
  bool hsm = false;
  auto type = domain::ParseKeyType(key.r.kty(), &hsm);
  if (!type.ok()) return absl::DataLossError("a certificate's key has an unknown kty");
  // No key usage (a certificate without the extension) restricts nothing: the type's defaults.
  const std::vector<std::string> key_ops = issued.policy.key_usage.empty()
                                               ? domain::DefaultKeyOps(*type)
                                               : domain::KeyOpsFor(issued.policy.key_usage);
  for (const auto& op : key_ops) {
    // An EC key signs and verifies only, whatever the usage says.
    if (*type == domain::KeyType::kEc && op != "sign" && op != "verify") continue;
    key.r.add_key_ops(op);
  }
  COFFER_RETURN_IF_ERROR(
      keys_.PlanAdd(vault, name, version, rec::SerializeSecret(key.r), true, plan));

  // The secret: the chain, with the private key when it may leave (a software key).
  crypto::CertificateWithKey bundle;
  bundle.chain = issued.chain;
  if (issued.policy.exportable && !hsm) {
    bundle.key = crypto::SoftwareKey{*type, PublicKeyOf(key.r).curve,
                                     SecretBytes(key.r.material())};
  }
  Scrubbed<SecretVersionRecord> secret;
  const bool pem = issued.policy.content_type == domain::kPemContentType;
  if (pem) {
    COFFER_ASSIGN_OR_RETURN(SecretBytes value, crypto::WritePemBundle(bundle));
    secret.r.set_value(std::string(value.reveal()));
  } else {
    COFFER_ASSIGN_OR_RETURN(SecretBytes pfx, crypto::WritePkcs12(bundle));
    std::string value = Base64Encode(pfx.reveal());
    secret.r.set_value(value);
    internal::ZeroMemory(value.data(), value.size());
  }
  secret.r.set_content_type(issued.policy.content_type);
  secret.r.set_enabled(issued.enabled);
  secret.r.set_not_before(nbf);
  secret.r.set_expires(exp);
  secret.r.set_created(now);
  secret.r.set_updated(now);
  secret.r.set_managed(true);
  return secrets_.PlanAdd(vault, name, version, rec::SerializeSecret(secret.r), true, plan);
}

absl::StatusOr<domain::CertificateOperation> CertificateService::Create(
    const domain::Vault& vault, std::string_view name, const CertificatePolicy& policy,
    const domain::CertificateCreateOptions& options) {
  return NewVersion(vault, name, policy, options, false, nullptr);
}

absl::StatusOr<domain::CertificateOperation> CertificateService::NewVersion(
    const domain::Vault& vault, std::string_view name, const CertificatePolicy& policy,
    const domain::CertificateCreateOptions& options, bool background,
    const std::vector<Precondition>* condition) {
  COFFER_RETURN_IF_ERROR(CheckCertificateName(name));
  COFFER_RETURN_IF_ERROR(domain::ValidateCertificatePolicy(policy));
  const crypto::CertificateProfile profile = ProfileOf(policy);
  COFFER_RETURN_IF_ERROR(crypto::CheckProfile(profile));
  COFFER_RETURN_IF_ERROR(certificates_.CheckNotDeleted(vault, name));
  if (options.tags.size() > 15) return Bad("A certificate may have at most 15 tags.");
  const bool self = policy.issuer_name == domain::kSelfIssuer;
  COFFER_RETURN_IF_ERROR(CheckIssuerName(vault, policy.issuer_name));
  {
    COFFER_ASSIGN_OR_RETURN(Policy current, LoadPolicy(vault, name));
    if (current.in_progress()) return InProgress();
    // Refused before a key is made: a client's key or secret holds the name.
    CommitPlan scratch;
    COFFER_RETURN_IF_ERROR(keys_.PlanReserve(vault, name, scratch));
    COFFER_RETURN_IF_ERROR(secrets_.PlanReserve(vault, name, scratch));
  }

  // The key: the last issued version's again when the policy reuses keys and it is of the
  // kind the policy asks for, else a new one.
  SecretBytes key_record;
  if (policy.reuse_key) {
    auto key = keys_.Get(vault, name, "");
    if (!key.ok() && !absl::IsNotFound(key.status())) return key.status();
    if (key.ok() && key->managed) {
      COFFER_ASSIGN_OR_RETURN(auto last, Parse<KeyVersionRecord>(key->record.reveal(), "key"));
      const domain::PublicKey last_key = PublicKeyOf(last.r);
      const bool same = last.r.kty() == policy.kty &&
                        (last_key.curve == domain::Curve::kNone
                             ? last.r.bits() == policy.key_size
                             : domain::CurveName(last_key.curve) == policy.crv);
      if (same) key_record = std::move(key->record);
    }
  }
  if (key_record.size() == 0) {
    bool hsm = false;
    const domain::KeySpec spec = domain::KeySpecOf(policy, &hsm);
    COFFER_ASSIGN_OR_RETURN(key_record, vault_keys_.NewManagedKey(vault, spec, hsm, background));
  }
  COFFER_ASSIGN_OR_RETURN(auto key,
                          Parse<KeyVersionRecord>(key_record.reveal(), "key version"));
  const domain::PublicKey public_key = PublicKeyOf(key.r);
  const crypto::DigestSigner sign = [&](domain::Algorithm alg, std::string_view digest) {
    return vault_keys_.SignWithRecord(key_record, alg, digest);
  };
  COFFER_ASSIGN_OR_RETURN(std::string csr,
                          crypto::CertificateSigningRequest(public_key, sign, profile));

  const std::string version = crypto::RandomHex(16);
  const absl::Time now = clock_.Now();
  CertificateOperationRecord operation;
  operation.set_request_id(crypto::RandomHex(16));
  operation.set_csr(csr);
  operation.set_issuer_name(policy.issuer_name);
  operation.set_certificate_type(policy.certificate_type);
  operation.set_version(version);

  std::optional<Issued> issued;
  if (self) {
    Issued out;
    COFFER_ASSIGN_OR_RETURN(std::string der,
                            crypto::SelfSignedCertificate(public_key, sign, profile, now));
    out.chain = {std::move(der)};
    out.key_record = key_record;
    out.policy = policy;
    out.enabled = options.enabled;
    out.tags = options.tags;
    out.from_operation = true;
    out.preserve_order = options.preserve_order;
    issued = std::move(out);
    operation.set_status("completed");
  } else {
    operation.set_status(kInProgress);
    operation.set_status_details(kMergeDetails);
  }

  auto attempt = [&]() -> absl::StatusOr<bool> {
    COFFER_ASSIGN_OR_RETURN(Policy current, LoadPolicy(vault, name));
    if (current.in_progress()) return InProgress();
    CommitPlan plan;
    if (issued.has_value()) {
      COFFER_RETURN_IF_ERROR(PlanIssued(vault, name, version, *issued, plan, nullptr));
    } else {
      // A placeholder: what GET shows while the request is out, and where its key waits.
      Scrubbed<CertificateVersionRecord> placeholder;
      placeholder.r.set_pending_key(std::string(key_record.reveal()));
      placeholder.r.mutable_tags()->insert(options.tags.begin(), options.tags.end());
      placeholder.r.set_enabled(options.enabled);  // once issued
      placeholder.r.set_created(absl::ToUnixSeconds(now));
      placeholder.r.set_updated(absl::ToUnixSeconds(now));
      // Azure shows a pending version's dates as if it were issued now.
      placeholder.r.set_not_before(absl::ToUnixSeconds(now - absl::Minutes(10)));
      placeholder.r.set_expires(absl::ToUnixSeconds(AddMonths(now, policy.validity_months)));
      placeholder.r.set_from_operation(true);
      placeholder.r.set_preserve_order(options.preserve_order);
      COFFER_RETURN_IF_ERROR(certificates_.PlanAdd(
          vault, name, version, rec::SerializeSecret(placeholder.r), false, plan));
      COFFER_RETURN_IF_ERROR(keys_.PlanReserve(vault, name, plan));
      COFFER_RETURN_IF_ERROR(secrets_.PlanReserve(vault, name, plan));
    }
    CertificatePolicyRecord record = current.record;
    ToRecord(policy, record);
    if (record.created() == 0) record.set_created(absl::ToUnixSeconds(now));
    record.set_updated(absl::ToUnixSeconds(now));
    *record.mutable_operation() = operation;
    const std::string companion = certificates_.CompanionKey(vault.id, name);
    plan.preconditions.push_back({companion, current.revision});
    plan.writes.push_back(Write::Put(companion, record.SerializeAsString()));
    if (condition != nullptr) {
      plan.preconditions.insert(plan.preconditions.end(), condition->begin(), condition->end());
    }
    COFFER_RETURN_IF_ERROR(store_.Commit(plan.preconditions, plan.writes).status());
    return true;
  };
  COFFER_RETURN_IF_ERROR(condition != nullptr ? attempt().status()
                                              : RetryOnConflict(attempt).status());
  return ToOperation(name, operation);
}

absl::StatusOr<domain::Certificate> CertificateService::Import(
    const domain::Vault& vault, std::string_view name, const domain::CertificateImport& import,
    const PolicyChange& change) {
  COFFER_RETURN_IF_ERROR(CheckCertificateName(name));
  if (import.tags.size() > 15) return Bad("A certificate may have at most 15 tags.");
  const bool pem = crypto::IsPemText(import.value.reveal());
  COFFER_ASSIGN_OR_RETURN(crypto::CertificateWithKey bundle,
                          pem ? crypto::ReadPemBundle(import.value.reveal())
                              : crypto::ReadPkcs12(import.value.reveal(), import.password));
  if (bundle.chain.size() > 10) return Bad("An imported chain has at most ten certificates.");
  COFFER_ASSIGN_OR_RETURN(crypto::CertificateInfo info, crypto::ParseCertificate(bundle.chain[0]));
  // The policy the certificate gives, as Azure derives it when none is sent (the JS SDK never
  // sends one); a sent policy is laid over it.
  CertificatePolicy policy;
  policy.kty = bundle.key.type == domain::KeyType::kEc ? "EC" : "RSA";
  policy.key_size = info.key_bits;
  policy.crv = domain::CurveName(info.public_key.curve);
  policy.content_type = pem ? domain::kPemContentType : domain::kPkcs12ContentType;
  policy.subject = info.subject;
  policy.dns_names = info.dns_names;
  policy.emails = info.emails;
  policy.ekus = info.ekus;
  policy.key_usage = info.key_usage;
  policy.validity_months = MonthsBetween(info.not_before, info.not_after);
  policy.issuer_name = domain::kUnknownIssuer;
  policy.lifetime_actions = domain::DefaultLifetimeActions(policy.issuer_name);
  if (change) {
    COFFER_ASSIGN_OR_RETURN(policy, change(policy));
    const bool ec = bundle.key.type == domain::KeyType::kEc;
    const bool fits = ec ? policy.kty.rfind("EC", 0) == 0 &&
                               policy.crv == domain::CurveName(info.public_key.curve)
                         : policy.kty.rfind("RSA", 0) == 0 && policy.key_size == info.key_bits;
    if (!fits) return Bad("The policy's key type, size or curve is not the imported key's.");
  }
  if (policy.kty.rfind("EC", 0) != 0) policy.crv.clear();
  COFFER_RETURN_IF_ERROR(domain::ValidateCertificatePolicy(policy));
  COFFER_RETURN_IF_ERROR(crypto::CheckProfile(ProfileOf(policy)));
  COFFER_RETURN_IF_ERROR(certificates_.CheckNotDeleted(vault, name));
  {
    COFFER_ASSIGN_OR_RETURN(Policy current, LoadPolicy(vault, name));
    if (current.in_progress()) return InProgress();
    // Refused before a key is made: a client's key or secret holds the name.
    CommitPlan scratch;
    COFFER_RETURN_IF_ERROR(keys_.PlanReserve(vault, name, scratch));
    COFFER_RETURN_IF_ERROR(secrets_.PlanReserve(vault, name, scratch));
  }
  bool hsm = false;
  domain::KeySpecOf(policy, &hsm);
  Issued issued;
  COFFER_ASSIGN_OR_RETURN(issued.key_record,
                          vault_keys_.ImportManagedKey(vault, bundle.key, hsm));
  issued.chain = std::move(bundle.chain);
  issued.policy = policy;
  issued.enabled = import.enabled;
  issued.tags = import.tags;
  issued.preserve_order = import.preserve_order;
  const std::string version = crypto::RandomHex(16);
  COFFER_RETURN_IF_ERROR(RetryOnConflict([&]() -> absl::StatusOr<bool> {
                           COFFER_ASSIGN_OR_RETURN(Policy current, LoadPolicy(vault, name));
                           if (current.in_progress()) return InProgress();
                           CommitPlan plan;
                           COFFER_RETURN_IF_ERROR(
                               PlanIssued(vault, name, version, issued, plan, nullptr));
                           CertificatePolicyRecord record = current.record;
                           ToRecord(policy, record);
                           const std::int64_t now = absl::ToUnixSeconds(clock_.Now());
                           if (record.created() == 0) record.set_created(now);
                           record.set_updated(now);
                           record.clear_operation();
                           const std::string companion =
                               certificates_.CompanionKey(vault.id, name);
                           plan.preconditions.push_back({companion, current.revision});
                           plan.writes.push_back(
                               Write::Put(companion, record.SerializeAsString()));
                           COFFER_RETURN_IF_ERROR(
                               store_.Commit(plan.preconditions, plan.writes).status());
                           return true;
                         }).status());
  return Get(vault, name, version);
}

absl::StatusOr<domain::Certificate> CertificateService::ToCertificate(const domain::Vault& vault,
                                                                      const StoredVersion& stored,
                                                                      bool with_policy) {
  COFFER_ASSIGN_OR_RETURN(auto record, ParseVersion(stored.record));
  const CertificateVersionRecord& r = record.r;
  domain::Certificate out;
  domain::CertificateProperties& p = out.properties;
  p.name = stored.name;
  p.version = stored.version;
  p.pending = r.der().empty();
  if (!p.pending) p.x5t = crypto::Sha1(r.der());
  p.tags = domain::Tags(r.tags().begin(), r.tags().end());
  p.attributes.enabled = r.enabled() && !p.pending;
  p.attributes.not_before = rec::FromUnix(r.not_before());
  p.attributes.expires = rec::FromUnix(r.expires());
  p.attributes.created = absl::FromUnixSeconds(r.created());
  p.attributes.updated = absl::FromUnixSeconds(r.updated());
  p.from_operation = r.from_operation();
  p.preserve_order = r.preserve_order();
  out.der = r.der();
  if (with_policy) {
    COFFER_ASSIGN_OR_RETURN(Policy policy, LoadPolicy(vault, stored.name));
    if (policy.exists()) out.policy = FromRecord(policy.record);
  }
  return out;
}

absl::StatusOr<domain::Certificate> CertificateService::Get(const domain::Vault& vault,
                                                            std::string_view name,
                                                            std::string_view version) {
  COFFER_ASSIGN_OR_RETURN(StoredVersion stored, certificates_.Get(vault, name, version));
  return ToCertificate(vault, stored, true);
}

absl::StatusOr<domain::Certificate> CertificateService::Update(
    const domain::Vault& vault, std::string_view name, std::string_view version,
    const domain::CertificateUpdate& update) {
  if (update.tags && update.tags->size() > 15) {
    return Bad("A certificate may have at most 15 tags.");
  }
  COFFER_RETURN_IF_ERROR(RetryOnConflict([&]() -> absl::StatusOr<bool> {
                           COFFER_ASSIGN_OR_RETURN(StoredVersion stored,
                                                   certificates_.Get(vault, name, version));
                           COFFER_ASSIGN_OR_RETURN(auto cert, ParseVersion(stored.record));
                           const std::int64_t now = absl::ToUnixSeconds(clock_.Now());
                           if (update.tags) {
                             cert.r.clear_tags();
                             cert.r.mutable_tags()->insert(update.tags->begin(),
                                                           update.tags->end());
                           }
                           if (update.enabled) cert.r.set_enabled(*update.enabled);
                           cert.r.set_updated(now);
                           CommitPlan plan;
                           COFFER_RETURN_IF_ERROR(certificates_.PlanReplace(
                               vault, stored, rec::SerializeSecret(cert.r), plan));
                           // Azure mirrors a certificate's attributes to its key and secret.
                           if (!cert.r.der().empty() && update.enabled) {
                             COFFER_ASSIGN_OR_RETURN(StoredVersion k,
                                                     keys_.Get(vault, name, stored.version));
                             COFFER_ASSIGN_OR_RETURN(
                                 auto key, Parse<KeyVersionRecord>(k.record.reveal(), "key"));
                             key.r.set_enabled(*update.enabled);
                             key.r.set_updated(now);
                             COFFER_RETURN_IF_ERROR(keys_.PlanReplace(
                                 vault, k, rec::SerializeSecret(key.r), plan));
                             COFFER_ASSIGN_OR_RETURN(StoredVersion s,
                                                     secrets_.Get(vault, name, stored.version));
                             COFFER_ASSIGN_OR_RETURN(
                                 auto secret,
                                 Parse<SecretVersionRecord>(s.record.reveal(), "secret"));
                             secret.r.set_enabled(*update.enabled);
                             secret.r.set_updated(now);
                             COFFER_RETURN_IF_ERROR(secrets_.PlanReplace(
                                 vault, s, rec::SerializeSecret(secret.r), plan));
                           }
                           COFFER_RETURN_IF_ERROR(
                               store_.Commit(plan.preconditions, plan.writes).status());
                           return true;
                         }).status());
  COFFER_ASSIGN_OR_RETURN(StoredVersion stored, certificates_.Get(vault, name, version));
  return ToCertificate(vault, stored, true);
}

absl::StatusOr<Page<domain::CertificateProperties>> CertificateService::List(
    const domain::Vault& vault, const std::string& continuation, std::size_t max_results,
    bool include_pending) {
  COFFER_ASSIGN_OR_RETURN(auto page, certificates_.ListLatest(vault, continuation, max_results));
  Page<domain::CertificateProperties> out;
  for (const StoredVersion& v : page.items) {
    COFFER_ASSIGN_OR_RETURN(domain::Certificate c, ToCertificate(vault, v, false));
    // Pending: one that was never issued (has no key yet), shown only when asked for.
    if (c.properties.pending && !include_pending && !keys_.Latest(vault, v.name).ok()) continue;
    out.items.push_back(std::move(c.properties));
  }
  out.continuation = std::move(page.continuation);
  return out;
}

absl::StatusOr<Page<domain::CertificateProperties>> CertificateService::ListVersions(
    const domain::Vault& vault, std::string_view name, const std::string& continuation,
    std::size_t max_results) {
  return ConvertPage<domain::CertificateProperties>(
      certificates_.ListVersions(vault, name, continuation, max_results),
      [&](const StoredVersion& v) -> absl::StatusOr<domain::CertificateProperties> {
        COFFER_ASSIGN_OR_RETURN(domain::Certificate c, ToCertificate(vault, v, false));
        return std::move(c.properties);
      });
}

absl::StatusOr<CertificatePolicy> CertificateService::GetPolicy(const domain::Vault& vault,
                                                                std::string_view name) {
  COFFER_RETURN_IF_ERROR(certificates_.Latest(vault, name).status());
  COFFER_ASSIGN_OR_RETURN(Policy policy, LoadPolicy(vault, name));
  if (!policy.exists()) return absl::DataLossError("a certificate has no stored policy");
  return FromRecord(policy.record);
}

absl::StatusOr<CertificatePolicy> CertificateService::UpdatePolicy(const domain::Vault& vault,
                                                                   std::string_view name,
                                                                   const PolicyChange& change) {
  return RetryOnConflict([&]() -> absl::StatusOr<CertificatePolicy> {
    COFFER_ASSIGN_OR_RETURN(StoredVersion latest, certificates_.Latest(vault, name));
    COFFER_ASSIGN_OR_RETURN(Policy current, LoadPolicy(vault, name));
    if (!current.exists()) return absl::DataLossError("a certificate has no stored policy");
    COFFER_ASSIGN_OR_RETURN(CertificatePolicy wanted, change(FromRecord(current.record)));
    COFFER_RETURN_IF_ERROR(domain::ValidateCertificatePolicy(wanted));
    COFFER_RETURN_IF_ERROR(CheckIssuerName(vault, wanted.issuer_name));
    COFFER_RETURN_IF_ERROR(crypto::CheckProfile(ProfileOf(wanted)));
    CertificatePolicyRecord record = current.record;
    ToRecord(wanted, record);
    record.set_updated(absl::ToUnixSeconds(clock_.Now()));
    const std::string companion = certificates_.CompanionKey(vault.id, name);
    COFFER_RETURN_IF_ERROR(
        store_
            .Commit({{companion, current.revision},
                     {certificates_.HeadKey(vault.id, name), latest.head_revision}},
                    {Write::Put(companion, record.SerializeAsString())})
            .status());
    return FromRecord(record);
  });
}

absl::StatusOr<CertificateService::Policy> CertificateService::LoadOperation(
    const domain::Vault& vault, std::string_view name) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  COFFER_ASSIGN_OR_RETURN(Policy policy, LoadPolicy(vault, name));
  if (!policy.record.has_operation() || !certificates_.Latest(vault, name).ok()) {
    return PendingNotFound(name);
  }
  return policy;
}

absl::StatusOr<domain::CertificateOperation> CertificateService::GetOperation(
    const domain::Vault& vault, std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(Policy policy, LoadOperation(vault, name));
  return ToOperation(name, policy.record.operation());
}

absl::StatusOr<domain::CertificateOperation> CertificateService::CancelOperation(
    const domain::Vault& vault, std::string_view name) {
  return RetryOnConflict([&]() -> absl::StatusOr<domain::CertificateOperation> {
    COFFER_ASSIGN_OR_RETURN(Policy policy, LoadOperation(vault, name));
    if (!policy.in_progress()) {
      return Bad("The certificate operation is " + policy.record.operation().status() +
                 "; only one in progress can be cancelled.");
    }
    CertificateOperationRecord* record = policy.record.mutable_operation();
    record->set_cancellation_requested(true);
    record->set_status("cancelled");
    record->set_status_details("The certificate request was cancelled.");
    const std::string companion = certificates_.CompanionKey(vault.id, name);
    COFFER_RETURN_IF_ERROR(
        store_
            .Commit({{companion, policy.revision}},
                    {Write::Put(companion, policy.record.SerializeAsString())})
            .status());
    return ToOperation(name, *record);
  });
}

absl::StatusOr<domain::CertificateOperation> CertificateService::DeleteOperation(
    const domain::Vault& vault, std::string_view name) {
  return RetryOnConflict([&]() -> absl::StatusOr<domain::CertificateOperation> {
    COFFER_ASSIGN_OR_RETURN(Policy policy, LoadOperation(vault, name));
    domain::CertificateOperation op = ToOperation(name, policy.record.operation());
    policy.record.clear_operation();
    const std::string companion = certificates_.CompanionKey(vault.id, name);
    COFFER_RETURN_IF_ERROR(
        store_
            .Commit({{companion, policy.revision}},
                    {Write::Put(companion, policy.record.SerializeAsString())})
            .status());
    return op;
  });
}

absl::StatusOr<domain::Certificate> CertificateService::Merge(
    const domain::Vault& vault, std::string_view name, const std::vector<std::string>& chain,
    const domain::CertificateUpdate& overrides) {
  if (overrides.tags && overrides.tags->size() > 15) {
    return Bad("A certificate may have at most 15 tags.");
  }
  if (chain.empty() || chain.size() > 10) {
    return Bad("x5c must hold the certificate and at most nine issuers' certificates.");
  }
  for (const std::string& der : chain) COFFER_RETURN_IF_ERROR(crypto::ParseCertificate(der).status());
  std::string version;
  COFFER_RETURN_IF_ERROR(RetryOnConflict([&]() -> absl::StatusOr<bool> {
                           COFFER_ASSIGN_OR_RETURN(Policy policy, LoadPolicy(vault, name));
                           if (!policy.record.has_operation()) return PendingNotFound(name);
                           const CertificateOperationRecord& op = policy.record.operation();
                           if (op.status() != kInProgress) {
                             return Bad("The certificate operation is " + op.status() +
                                        "; there is no request awaiting a merge.");
                           }
                           COFFER_ASSIGN_OR_RETURN(
                               StoredVersion placeholder,
                               certificates_.Get(vault, name, op.version()));
                           COFFER_ASSIGN_OR_RETURN(auto pending,
                                                   ParseVersion(placeholder.record));
                           COFFER_ASSIGN_OR_RETURN(
                               auto key, Parse<KeyVersionRecord>(pending.r.pending_key(),
                                                                 "pending key"));
                           if (!crypto::CertificateHasKey(chain[0], PublicKeyOf(key.r))) {
                             return Bad("The certificate's public key is not the pending "
                                        "request's.");
                           }
                           Issued issued;
                           issued.chain = chain;
                           issued.key_record = SecretBytes(pending.r.pending_key());
                           issued.policy = FromRecord(policy.record);
                           issued.enabled = overrides.enabled.value_or(pending.r.enabled());
                           issued.tags = overrides.tags.value_or(
                               domain::Tags(pending.r.tags().begin(), pending.r.tags().end()));
                           issued.from_operation = true;
                           issued.preserve_order = pending.r.preserve_order();
                           CommitPlan plan;
                           COFFER_RETURN_IF_ERROR(PlanIssued(vault, name, placeholder.version,
                                                             issued, plan, &placeholder));
                           CertificateOperationRecord* done =
                               policy.record.mutable_operation();
                           done->set_status("completed");
                           done->clear_status_details();
                           const std::string companion =
                               certificates_.CompanionKey(vault.id, name);
                           plan.preconditions.push_back({companion, policy.revision});
                           plan.writes.push_back(
                               Write::Put(companion, policy.record.SerializeAsString()));
                           COFFER_RETURN_IF_ERROR(
                               store_.Commit(plan.preconditions, plan.writes).status());
                           version = placeholder.version;
                           return true;
                         }).status());
  return Get(vault, name, version);
}

absl::Status CertificateService::MoveAll(
    const domain::Vault& vault, std::string_view name,
    absl::Status (VersionedObjects::*plan_move)(const domain::Vault&, std::string_view,
                                                CommitPlan&)) {
  return RetryOnConflict([&]() -> absl::StatusOr<bool> {
           CommitPlan plan;
           COFFER_RETURN_IF_ERROR((certificates_.*plan_move)(vault, name, plan));
           // A certificate that was never issued has no key or secret to move.
           for (VersionedObjects* owned : {&keys_, &secrets_}) {
             absl::Status moved = (owned->*plan_move)(vault, name, plan);
             if (!moved.ok() && !absl::IsNotFound(moved)) return moved;
           }
           COFFER_RETURN_IF_ERROR(store_.Commit(plan.preconditions, plan.writes).status());
           return true;
         })
      .status();
}

absl::StatusOr<domain::DeletedCertificate> CertificateService::Delete(const domain::Vault& vault,
                                                                      std::string_view name) {
  COFFER_RETURN_IF_ERROR(MoveAll(vault, name, &VersionedObjects::PlanDelete));
  return GetDeleted(vault, name);
}

absl::StatusOr<domain::DeletedCertificate> CertificateService::GetDeleted(
    const domain::Vault& vault, std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(StoredVersion stored, certificates_.GetDeleted(vault, name));
  COFFER_ASSIGN_OR_RETURN(domain::Certificate certificate, ToCertificate(vault, stored, true));
  return domain::DeletedCertificate{std::move(certificate),
                                    stored.deleted.value_or(absl::UnixEpoch()),
                                    stored.scheduled_purge};
}

absl::StatusOr<Page<domain::DeletedCertificate>> CertificateService::ListDeleted(
    const domain::Vault& vault, const std::string& continuation, std::size_t max_results) {
  return ConvertPage<domain::DeletedCertificate>(
      certificates_.ListDeleted(vault, continuation, max_results),
      [&](const StoredVersion& v) -> absl::StatusOr<domain::DeletedCertificate> {
        COFFER_ASSIGN_OR_RETURN(domain::Certificate c, ToCertificate(vault, v, false));
        return domain::DeletedCertificate{std::move(c), v.deleted.value_or(absl::UnixEpoch()),
                                          v.scheduled_purge};
      });
}

absl::StatusOr<domain::Certificate> CertificateService::Recover(const domain::Vault& vault,
                                                                std::string_view name) {
  COFFER_RETURN_IF_ERROR(MoveAll(vault, name, &VersionedObjects::PlanRecover));
  return Get(vault, name, "");
}

absl::Status CertificateService::PurgeOne(const domain::Vault& vault, std::string_view name,
                                          bool retention_over) {
  COFFER_RETURN_IF_ERROR(RetryOnConflict([&]() -> absl::StatusOr<bool> {
                           CommitPlan plan;
                           COFFER_RETURN_IF_ERROR(
                               certificates_.PlanPurge(vault, name, plan, retention_over));
                           // Everything of its key and secret, wherever their heads are.
                           for (VersionedObjects* owned : {&keys_, &secrets_}) {
                             absl::Status erased = owned->PlanErase(vault, name, plan);
                             if (!erased.ok() && !absl::IsNotFound(erased)) return erased;
                           }
                           COFFER_RETURN_IF_ERROR(
                               store_.Commit(plan.preconditions, plan.writes).status());
                           return true;
                         }).status());
  vault_keys_.ForgetPurged(vault, name);
  return absl::OkStatus();
}

absl::Status CertificateService::Purge(const domain::Vault& vault, std::string_view name) {
  return PurgeOne(vault, name, false);
}

absl::StatusOr<int> CertificateService::PurgeDue(
    const domain::Vault& vault, const std::function<void(std::string_view name)>& purged) {
  COFFER_ASSIGN_OR_RETURN(std::vector<std::string> due, certificates_.DeletedDue(vault));
  int count = 0;
  absl::Status first_error;
  for (const std::string& name : due) {
    // Each on its own: one that cannot go does not keep the others.
    absl::Status status = PurgeOne(vault, name, /*retention_over=*/true);
    if (status.ok()) {
      ++count;
      if (purged) purged(name);
    }
    if (!status.ok() && !absl::IsNotFound(status) && first_error.ok()) first_error = status;
  }
  if (!first_error.ok() && count == 0) return first_error;
  return count;
}

absl::StatusOr<std::string> CertificateService::Backup(const domain::Vault& vault,
                                                       std::string_view name) {
  // The versions, keys and secrets are read one by one: a backup counts only if the
  // certificate's head did not move meanwhile (a new version, a delete), else it is read again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    COFFER_ASSIGN_OR_RETURN(StoredVersion before, certificates_.Latest(vault, name));
    absl::StatusOr<std::string> blob = BackupOnce(vault, name);
    COFFER_ASSIGN_OR_RETURN(StoredVersion after, certificates_.Latest(vault, name));
    if (after.head_revision == before.head_revision) return blob;
  }
  return absl::AbortedError("the certificate kept changing during its backup");
}

absl::StatusOr<std::string> CertificateService::BackupOnce(const domain::Vault& vault,
                                                           std::string_view name) {
  std::string display_name;
  std::string latest;
  COFFER_ASSIGN_OR_RETURN(std::vector<StoredVersion> versions,
                          certificates_.AllVersions(vault, name, &display_name, &latest));
  CertificateBackup backup;
  ScrubBackup scrub{backup};
  backup.set_name(display_name);
  backup.set_latest_version(latest);
  for (const StoredVersion& v : versions) {
    auto* out = backup.add_versions();
    out->set_version(v.version);
    if (!out->mutable_record()->ParseFromArray(v.record.data(),
                                               static_cast<int>(v.record.size()))) {
      return absl::DataLossError("stored certificate version is not parseable");
    }
    if (out->record().der().empty()) continue;  // a placeholder owns no key or secret yet
    auto key = keys_.Get(vault, name, v.version);
    auto secret = secrets_.Get(vault, name, v.version);
    if (!key.ok() || !secret.ok()) {
      return absl::AbortedError("a certificate's key or secret is not there (yet)");
    }
    auto* k = backup.add_keys();
    k->set_version(v.version);
    auto* s = backup.add_secrets();
    s->set_version(v.version);
    if (!k->mutable_record()->ParseFromArray(key->record.data(),
                                             static_cast<int>(key->record.size())) ||
        !s->mutable_record()->ParseFromArray(secret->record.data(),
                                             static_cast<int>(secret->record.size()))) {
      return absl::DataLossError("a certificate's key or secret is not parseable");
    }
  }
  if (auto key = keys_.Latest(vault, name); key.ok()) {
    const bool included = std::any_of(backup.keys().begin(), backup.keys().end(),
                                      [&](const auto& k) { return k.version() == key->version; });
    if (!included) return absl::AbortedError("the certificate changed during its backup");
    backup.set_latest_issued_version(key->version);
  }
  COFFER_ASSIGN_OR_RETURN(Policy policy, LoadPolicy(vault, name));
  *backup.mutable_policy() = policy.record;
  SecretBytes plain = rec::SerializeSecret(backup);
  COFFER_ASSIGN_OR_RETURN(auto sealer, sealers_.ForVault(kBackupKeyId));
  return sealer->Seal(kBackupAddress, plain.reveal());
}

absl::StatusOr<domain::Certificate> CertificateService::Restore(const domain::Vault& vault,
                                                                std::string_view blob) {
  COFFER_ASSIGN_OR_RETURN(auto sealer, sealers_.ForVault(kBackupKeyId));
  auto plain = sealer->Open(kBackupAddress, blob);
  CertificateBackup backup;
  ScrubBackup scrub{backup};
  if (!plain.ok() || !backup.ParseFromArray(plain->data(), static_cast<int>(plain->size()))) {
    return Bad("the backup blob is malformed or was not made by this installation");
  }
  // HSM keys (issued, pending, or what the policy makes next) restore only into a vault allowed
  // to hold them.
  bool hsm = backup.policy().kty().find("-HSM") != std::string::npos;
  for (const auto& k : backup.keys()) hsm = hsm || k.record().kty().find("-HSM") != std::string::npos;
  for (const auto& v : backup.versions()) {
    if (v.record().pending_key().empty()) continue;
    auto pending = Parse<KeyVersionRecord>(v.record().pending_key(), "pending key");
    hsm = hsm || !pending.ok() || pending->r.kty().find("-HSM") != std::string::npos;
  }
  if (hsm && vault.sku != domain::Sku::kPremium) {
    return Bad("The backup holds an HSM-protected key; only a premium vault may restore it.");
  }
  auto versions_of = [](const auto& list) {
    std::vector<StoredVersion> out;
    for (const auto& v : list) {
      StoredVersion stored;
      stored.version = v.version();
      stored.record = rec::SerializeSecret(v.record());
      out.push_back(std::move(stored));
    }
    return out;
  };
  COFFER_RETURN_IF_ERROR(CheckCertificateName(backup.name()));
  CommitPlan plan;
  COFFER_RETURN_IF_ERROR(certificates_.PlanRestore(vault, backup.name(), backup.latest_version(),
                                                   versions_of(backup.versions()), false, plan));
  if (backup.latest_issued_version().empty()) {
    COFFER_RETURN_IF_ERROR(keys_.PlanReserve(vault, backup.name(), plan));
    COFFER_RETURN_IF_ERROR(secrets_.PlanReserve(vault, backup.name(), plan));
  } else {
    COFFER_RETURN_IF_ERROR(keys_.PlanRestore(vault, backup.name(), backup.latest_issued_version(),
                                             versions_of(backup.keys()), true, plan));
    COFFER_RETURN_IF_ERROR(secrets_.PlanRestore(vault, backup.name(),
                                                backup.latest_issued_version(),
                                                versions_of(backup.secrets()), true, plan));
  }
  const std::string companion = certificates_.CompanionKey(vault.id, backup.name());
  plan.preconditions.push_back({companion, kMustNotExist});
  plan.writes.push_back(Write::Put(companion, backup.policy().SerializeAsString()));
  auto committed = store_.Commit(plan.preconditions, plan.writes);
  if (absl::IsAborted(committed.status())) {
    return absl::AlreadyExistsError("A certificate, key or secret named " + backup.name() +
                                    " already exists in this vault.");
  }
  COFFER_RETURN_IF_ERROR(committed.status());
  return Get(vault, backup.name(), "");
}

absl::StatusOr<int> CertificateService::RenewDue(const domain::Vault& vault,
                                                 const EventFn& event) {
  const std::string prefix = certificates_.CompanionPrefix(vault.id);
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({prefix, "", 0}));
  const absl::Time now = clock_.Now();
  int renewed = 0;
  for (const auto& entry : range.entries) {
    CertificatePolicyRecord record;
    if (!record.ParseFromString(entry.value)) continue;
    if (record.has_operation() && record.operation().status() == kInProgress) continue;
    const std::string name(rec::Suffix(entry.key, prefix));
    auto head = certificates_.Latest(vault, name);
    if (!head.ok()) continue;  // soft-deleted: its policy waits with it
    // The last issued version (its key's latest) is the one that runs out, also when a
    // cancelled request's placeholder came after it.
    auto issued = keys_.Latest(vault, name);
    if (!issued.ok() || !issued->managed) continue;
    auto latest = certificates_.Get(vault, name, issued->version);
    if (!latest.ok()) continue;
    latest->head_revision = head->head_revision;
    auto cert = ParseVersion(latest->record);
    if (!cert.ok() || cert->r.der().empty()) continue;
    const absl::Time nbf = absl::FromUnixSeconds(cert->r.not_before());
    const absl::Time exp = absl::FromUnixSeconds(cert->r.expires());
    const std::string& version = latest->version;
    for (const auto& action : record.lifetime_actions()) {
      const absl::Time due =
          action.lifetime_percentage() != 0
              ? nbf + (exp - nbf) * action.lifetime_percentage() / 100
              : exp - absl::Hours(24) * action.days_before_expiry();
      if (now < due) continue;
      const std::string companion = certificates_.CompanionKey(vault.id, name);
      if (action.action() == "EmailContacts") {
        if (record.notified_version() == version) continue;
        if (!event("CertificateNearExpiry", name, version)) continue;
        record.set_notified_version(version);
        // Conditional: a policy changed meanwhile is notified again on the next pass.
        (void)store_.Commit({{companion, entry.revision}},
                            {Write::Put(companion, record.SerializeAsString())});
        break;
      }
      // AutoRenew: issuer Self only; other issuers need the CA Coffer does not call.
      if (record.issuer_name() != domain::kSelfIssuer) continue;
      if (record.retry_renewal_after() > absl::ToUnixSeconds(now)) continue;
      if (!event("CertificateRenewStarting", name, version)) continue;
      domain::CertificateCreateOptions options;
      options.tags.insert(cert->r.tags().begin(), cert->r.tags().end());
      // Only if neither the certificate nor its policy changed since this pass read them.
      const std::vector<Precondition> unchanged = {
          {certificates_.HeadKey(vault.id, name), latest->head_revision},
          {entry.key, entry.revision}};
      auto op = NewVersion(vault, name, FromRecord(record), options, true, &unchanged);
      if (op.ok()) {
        ++renewed;
        auto renewed_version = certificates_.Latest(vault, name);
        event("CertificateRenew", name, renewed_version.ok() ? renewed_version->version : version);
      } else {
        // Also a lost race (the certificate or its policy changed meanwhile): the intent's line
        // gets its outcome; only a real failure waits an hour.
        event("CertificateRenewFailed", name, version);
        if (absl::IsAborted(op.status())) break;
        auto current = LoadPolicy(vault, name);
        if (current.ok() && current->exists()) {
          current->record.set_retry_renewal_after(absl::ToUnixSeconds(now + kRenewalRetry));
          (void)store_.Commit({{companion, current->revision}},
                              {Write::Put(companion, current->record.SerializeAsString())});
        }
      }
      break;
    }
  }
  return renewed;
}

}  // namespace coffer::service
