#include "vault-core/service/key_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "coffer/storage/v1/records.pb.h"
#include "lib/base/absl_compat.h"
#include "lib/base/status.h"
#include "vault-core/crypto/random.h"
#include "vault-core/crypto/software_key.h"
#include "vault-core/domain/errors.h"
#include "vault-core/domain/names.h"
#include "vault-core/service/retry.h"
#include "vault-core/service/secret_records.h"

namespace coffer::service {
namespace {

using domain::KeyOperation;
using domain::KeyType;
using storage::v1::KeyBackup;
using storage::v1::KeyRotationPolicyRecord;
using storage::v1::KeyVersionRecord;

constexpr const char kBackupKeyId[] = "_backup";
const crypto::RecordAddress kBackupAddress{kBackupKeyId, "keybackup", ""};

// A key version's record, its private material zeroed when it goes.
using Record = records::Scrubbed<KeyVersionRecord>;

absl::StatusOr<Record> Parse(const SecretBytes& bytes) {
  return records::Parse<KeyVersionRecord>(bytes.reveal(), "key version");
}

struct KeyTypeOf {
  KeyType type;
  bool hsm;
};

absl::StatusOr<KeyTypeOf> TypeOf(const KeyVersionRecord& r) {
  KeyTypeOf out{};
  auto type = domain::ParseKeyType(r.kty(), &out.hsm);
  if (!type.ok()) return absl::DataLossError("stored key version has an unknown kty");
  out.type = *type;
  return out;
}

domain::Curve CurveOf(const KeyVersionRecord& r) {
  auto curve = domain::ParseCurve(r.crv());
  return curve.ok() ? *curve : domain::Curve::kNone;
}

absl::StatusOr<domain::Key> ToKey(const StoredVersion& stored, const KeyVersionRecord& r) {
  COFFER_ASSIGN_OR_RETURN(KeyTypeOf t, TypeOf(r));
  domain::Key key;
  domain::KeyProperties& p = key.properties;
  p.name = stored.name;
  p.version = stored.version;
  p.type = t.type;
  p.hsm = t.hsm;
  p.bits = r.bits();
  p.key_ops.assign(r.key_ops().begin(), r.key_ops().end());
  p.tags = domain::Tags(r.tags().begin(), r.tags().end());
  p.attributes.enabled = r.enabled();
  p.attributes.not_before = records::FromUnix(r.not_before());
  p.attributes.expires = records::FromUnix(r.expires());
  p.attributes.created = absl::FromUnixSeconds(r.created());
  p.attributes.updated = absl::FromUnixSeconds(r.updated());
  p.managed = r.managed();
  key.public_key.n = r.n();
  key.public_key.e = r.e();
  key.public_key.curve = CurveOf(r);
  key.public_key.x = r.x();
  key.public_key.y = r.y();
  return key;
}

absl::StatusOr<domain::Key> Open(const StoredVersion& stored) {
  COFFER_ASSIGN_OR_RETURN(Record record, Parse(stored.record));
  return ToKey(stored, record.r);
}

absl::StatusOr<domain::DeletedKey> OpenDeleted(const StoredVersion& stored) {
  COFFER_ASSIGN_OR_RETURN(domain::Key key, Open(stored));
  return domain::DeletedKey{std::move(key), stored.deleted.value_or(absl::UnixEpoch()),
                            stored.scheduled_purge};
}

absl::StatusOr<Page<domain::KeyProperties>> Properties(absl::StatusOr<Page<StoredVersion>> page) {
  return ConvertPage<domain::KeyProperties>(
      std::move(page), [](const StoredVersion& v) -> absl::StatusOr<domain::KeyProperties> {
        COFFER_ASSIGN_OR_RETURN(domain::Key key, Open(v));
        return std::move(key.properties);
      });
}

SecretBytes Serialize(const google::protobuf::MessageLite& message) {
  return records::SerializeSecret(message);
}

absl::Status Forbidden(const std::string& message) {
  return absl::PermissionDeniedError(message);
}

// Azure's default policy: a Notify action 30 days before expiry.
domain::RotationPolicy DefaultPolicy() {
  domain::RotationPolicy policy;
  policy.lifetime_actions.push_back({"", "P30D", "Notify"});
  return policy;
}

domain::RotationPolicy FromRecord(const KeyRotationPolicyRecord& r) {
  domain::RotationPolicy policy;
  for (const auto& a : r.lifetime_actions()) {
    policy.lifetime_actions.push_back({a.time_after_create(), a.time_before_expiry(), a.action()});
  }
  policy.expiry_time = r.expiry_time();
  policy.created = records::FromUnix(r.created());
  policy.updated = records::FromUnix(r.updated());
  return policy;
}

absl::Status ValidateOptions(KeyType type, const domain::KeyCreateOptions& options) {
  COFFER_RETURN_IF_ERROR(
      domain::ValidateKeyOps(options.key_ops.value_or(domain::DefaultKeyOps(type))));
  if (options.tags.size() > 15) return absl::InvalidArgumentError("A key may have at most 15 tags.");
  return absl::OkStatus();
}

absl::Status NeedsPremium(const domain::Vault& vault, bool hsm) {
  if (!hsm || vault.sku == domain::Sku::kPremium) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "HSM-protected keys (RSA-HSM, EC-HSM, oct-HSM) need a premium vault; this vault is "
      "standard.");
}

// Zeroes the private material of every version in a backup when it goes out of scope.
struct ScrubBackup {
  KeyBackup& backup;
  ~ScrubBackup() {
    for (auto& v : *backup.mutable_versions()) {
      std::string* material = v.mutable_record()->mutable_material();
      internal::ZeroMemory(material->data(), material->size());
    }
  }
};

}  // namespace

absl::StatusOr<SecretBytes> KeyService::MakeRecord(KeyType type, bool hsm, std::string material,
                                                   const domain::PublicKey& public_key, int bits,
                                                   const domain::KeyCreateOptions& options,
                                                   bool managed) {
  COFFER_RETURN_IF_ERROR(ValidateOptions(type, options));
  std::vector<std::string> key_ops = options.key_ops.value_or(domain::DefaultKeyOps(type));
  const std::int64_t now = absl::ToUnixSeconds(clock_.Now());
  Record record;
  KeyVersionRecord& r = record.r;
  r.set_kty(domain::KeyTypeName(type, hsm));
  r.set_material(std::move(material));
  r.set_n(public_key.n);
  r.set_e(public_key.e);
  r.set_crv(domain::CurveName(public_key.curve));
  r.set_x(public_key.x);
  r.set_y(public_key.y);
  r.set_bits(bits);
  for (const auto& op : key_ops) r.add_key_ops(op);
  r.mutable_tags()->insert(options.tags.begin(), options.tags.end());
  r.set_enabled(options.enabled);
  r.set_not_before(records::ToUnix(options.not_before));
  r.set_expires(records::ToUnix(options.expires));
  r.set_created(now);
  r.set_updated(now);
  r.set_managed(managed);
  return Serialize(r);
}

absl::StatusOr<domain::Key> KeyService::Save(const domain::Vault& vault, std::string_view name,
                                              const SecretBytes& record,
                                              const VersionedObjects::AddCondition* condition) {
  COFFER_ASSIGN_OR_RETURN(StoredVersion stored, objects_.Add(vault, name, record, condition));
  COFFER_ASSIGN_OR_RETURN(Record parsed, Parse(record));
  return ToKey(stored, parsed.r);
}

absl::StatusOr<SecretBytes> KeyService::Generate(const domain::KeySpec& spec, bool hsm,
                                                 const domain::KeyCreateOptions& options,
                                                 bool background, bool managed) {
  const bool gated = spec.type == KeyType::kRsa;
  if (gated) {
    absl::MutexLock lock(&generation_mu_);
    auto turn = [this]() ABSL_SHARED_LOCKS_REQUIRED(generation_mu_) {
      return rsa_generating_ < kMaxRsaGenerations;
    };
    if (background) {
      generation_mu_.Await(absl::Condition(&turn));
    } else if (!turn()) {
      return absl::UnavailableError("The vault is busy generating an RSA key; retry.");
    }
    ++rsa_generating_;
  }
  struct Done {
    KeyService* self;
    bool gated;
    ~Done() {
      if (!gated) return;
      absl::MutexLock lock(&self->generation_mu_);
      --self->rsa_generating_;
    }
  } done{this, gated};
  if (hsm) {
    COFFER_ASSIGN_OR_RETURN(keystore::ProtectedKey key, keystore_.GenerateKey(spec));
    return MakeRecord(spec.type, true, std::move(key.wrapped), key.public_key, key.bits, options,
                      managed);
  }
  COFFER_ASSIGN_OR_RETURN(crypto::SoftwareKey key, crypto::GenerateSoftwareKey(spec));
  COFFER_ASSIGN_OR_RETURN(domain::PublicKey public_key, crypto::PublicKeyOf(key));
  COFFER_ASSIGN_OR_RETURN(int bits, crypto::KeyBitsOf(key));
  return MakeRecord(spec.type, false, std::string(key.material.reveal()), public_key, bits,
                    options, managed);
}

absl::StatusOr<domain::Key> KeyService::AddVersion(
    const domain::Vault& vault, std::string_view name, const domain::KeySpec& spec, bool hsm,
    const domain::KeyCreateOptions& options, const VersionedObjects::AddCondition* condition,
    bool background) {
  // Everything that can refuse the call is checked before the costly part.
  COFFER_RETURN_IF_ERROR(NeedsPremium(vault, hsm));
  COFFER_RETURN_IF_ERROR(ValidateOptions(spec.type, options));
  COFFER_RETURN_IF_ERROR(objects_.CheckWritable(vault, name, "create"));
  COFFER_ASSIGN_OR_RETURN(SecretBytes record, Generate(spec, hsm, options, background, false));
  return Save(vault, name, record, condition);
}

absl::StatusOr<SecretBytes> KeyService::NewManagedKey(const domain::Vault& vault,
                                                      domain::KeySpec spec, bool hsm,
                                                      bool background) {
  COFFER_RETURN_IF_ERROR(domain::NormalizeKeySpec(spec));
  COFFER_RETURN_IF_ERROR(NeedsPremium(vault, hsm));
  return Generate(spec, hsm, {}, background, true);
}

absl::StatusOr<SecretBytes> KeyService::ImportManagedKey(const domain::Vault& vault,
                                                         const crypto::SoftwareKey& key,
                                                         bool hsm) {
  COFFER_RETURN_IF_ERROR(NeedsPremium(vault, hsm));
  COFFER_ASSIGN_OR_RETURN(int bits, crypto::KeyBitsOf(key));
  if (key.type == KeyType::kRsa && bits != 2048 && bits != 3072 && bits != 4096) {
    return absl::InvalidArgumentError("A certificate's RSA key must be 2048, 3072 or 4096 bits.");
  }
  COFFER_ASSIGN_OR_RETURN(domain::PublicKey public_key, crypto::PublicKeyOf(key));
  if (!hsm) {
    return MakeRecord(key.type, false, std::string(key.material.reveal()), public_key, bits, {},
                      true);
  }
  COFFER_ASSIGN_OR_RETURN(domain::PrivateKeyParts parts, crypto::PartsOf(key));
  COFFER_ASSIGN_OR_RETURN(keystore::ProtectedKey wrapped, keystore_.ImportKey(parts));
  return MakeRecord(key.type, true, std::move(wrapped.wrapped), public_key, bits, {}, true);
}

absl::StatusOr<std::string> KeyService::SignWithRecord(const SecretBytes& record,
                                                       domain::Algorithm alg,
                                                       std::string_view digest) {
  COFFER_ASSIGN_OR_RETURN(Record parsed, Parse(record));
  COFFER_ASSIGN_OR_RETURN(KeyTypeOf t, TypeOf(parsed.r));
  domain::KeyOperationRequest request;
  request.op = KeyOperation::kSign;
  request.alg = alg;
  request.data = SecretBytes(digest);
  absl::StatusOr<domain::KeyOperationResult> result =
      t.hsm ? keystore_.RunKeyOperation(t.type, parsed.r.material(), request)
            : crypto::RunPrivate(
                  crypto::SoftwareKey{t.type, CurveOf(parsed.r), SecretBytes(parsed.r.material())},
                  request);
  if (!result.ok()) return result.status();
  return std::string(result->value.reveal());
}

void KeyService::ForgetPurged(const domain::Vault& vault, std::string_view name) {
  ForgetLoadedKeys(absl::StrCat(vault.id, "/", records::Canonical(name), "/"));
}

absl::StatusOr<domain::Key> KeyService::Create(const domain::Vault& vault, std::string_view name,
                                               domain::KeySpec spec, bool hsm,
                                               const domain::KeyCreateOptions& options) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  COFFER_RETURN_IF_ERROR(domain::NormalizeKeySpec(spec));
  return AddVersion(vault, name, spec, hsm, options);
}

absl::StatusOr<domain::Key> KeyService::Import(const domain::Vault& vault, std::string_view name,
                                               const domain::PrivateKeyParts& parts, bool hsm,
                                               const domain::KeyCreateOptions& options) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  COFFER_RETURN_IF_ERROR(NeedsPremium(vault, hsm));
  COFFER_RETURN_IF_ERROR(ValidateOptions(parts.type, options));
  COFFER_RETURN_IF_ERROR(objects_.CheckWritable(vault, name, "import"));
  // OpenSSL checks every JWK first (complete, consistent, a supported size), HSM-bound or not,
  // and its public parts, in canonical form, are what is stored and given to the HSM.
  COFFER_ASSIGN_OR_RETURN(crypto::SoftwareKey key, crypto::SoftwareKeyFromParts(parts));
  COFFER_ASSIGN_OR_RETURN(int bits, crypto::KeyBitsOf(key));
  if (parts.type == KeyType::kRsa && bits != 2048 && bits != 3072 && bits != 4096) {
    return absl::InvalidArgumentError("An RSA key must be 2048, 3072 or 4096 bits.");
  }
  COFFER_ASSIGN_OR_RETURN(domain::PublicKey public_key, crypto::PublicKeyOf(key));
  if (hsm) {
    domain::PrivateKeyParts canonical = parts;
    canonical.public_key = public_key;
    COFFER_ASSIGN_OR_RETURN(keystore::ProtectedKey wrapped, keystore_.ImportKey(canonical));
    COFFER_ASSIGN_OR_RETURN(SecretBytes record,
                            MakeRecord(parts.type, true, std::move(wrapped.wrapped), public_key,
                                       bits, options, false));
    return Save(vault, name, record, nullptr);
  }
  COFFER_ASSIGN_OR_RETURN(SecretBytes record,
                          MakeRecord(parts.type, false, std::string(key.material.reveal()),
                                     public_key, bits, options, false));
  return Save(vault, name, record, nullptr);
}

absl::StatusOr<domain::Key> KeyService::Get(const domain::Vault& vault, std::string_view name,
                                            std::string_view version) {
  COFFER_ASSIGN_OR_RETURN(StoredVersion stored, objects_.Get(vault, name, version));
  return Open(stored);
}

absl::StatusOr<domain::Key> KeyService::Update(const domain::Vault& vault, std::string_view name,
                                               std::string_view version,
                                               const domain::KeyUpdate& update) {
  if (update.key_ops) COFFER_RETURN_IF_ERROR(domain::ValidateKeyOps(*update.key_ops));
  if (update.tags && update.tags->size() > 15) {
    return absl::InvalidArgumentError("A key may have at most 15 tags.");
  }
  return RetryOnConflict([&]() -> absl::StatusOr<domain::Key> {
    COFFER_ASSIGN_OR_RETURN(StoredVersion stored, objects_.Get(vault, name, version));
    COFFER_ASSIGN_OR_RETURN(Record record, Parse(stored.record));
    KeyVersionRecord& r = record.r;
    if (update.key_ops) {
      r.clear_key_ops();
      for (const auto& op : *update.key_ops) r.add_key_ops(op);
    }
    if (update.tags) {
      r.clear_tags();
      r.mutable_tags()->insert(update.tags->begin(), update.tags->end());
    }
    if (update.enabled) r.set_enabled(*update.enabled);
    if (update.not_before) r.set_not_before(records::ToUnix(*update.not_before));
    if (update.expires) r.set_expires(records::ToUnix(*update.expires));
    r.set_updated(absl::ToUnixSeconds(clock_.Now()));
    COFFER_RETURN_IF_ERROR(objects_.Replace(vault, stored, Serialize(r)));
    return ToKey(stored, r);
  });
}

absl::StatusOr<Page<domain::KeyProperties>> KeyService::List(const domain::Vault& vault,
                                                             const std::string& continuation,
                                                             std::size_t max_results) {
  return Properties(objects_.ListLatest(vault, continuation, max_results));
}

absl::StatusOr<Page<domain::KeyProperties>> KeyService::ListVersions(
    const domain::Vault& vault, std::string_view name, const std::string& continuation,
    std::size_t max_results) {
  return Properties(objects_.ListVersions(vault, name, continuation, max_results));
}

absl::StatusOr<domain::DeletedKey> KeyService::Delete(const domain::Vault& vault,
                                                      std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(StoredVersion stored, objects_.Delete(vault, name));
  return OpenDeleted(stored);
}

absl::StatusOr<domain::DeletedKey> KeyService::GetDeleted(const domain::Vault& vault,
                                                          std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(StoredVersion stored, objects_.GetDeleted(vault, name));
  return OpenDeleted(stored);
}

absl::StatusOr<Page<domain::DeletedKey>> KeyService::ListDeleted(const domain::Vault& vault,
                                                                 const std::string& continuation,
                                                                 std::size_t max_results) {
  return ConvertPage<domain::DeletedKey>(objects_.ListDeleted(vault, continuation, max_results),
                                         OpenDeleted);
}

absl::StatusOr<domain::Key> KeyService::Recover(const domain::Vault& vault,
                                                std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(StoredVersion stored, objects_.Recover(vault, name));
  return Open(stored);
}

absl::Status KeyService::Purge(const domain::Vault& vault, std::string_view name) {
  COFFER_RETURN_IF_ERROR(objects_.Purge(vault, name));  // the rotation policy goes with it
  ForgetLoadedKeys(absl::StrCat(vault.id, "/", records::Canonical(name), "/"));
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const crypto::LoadedKey>> KeyService::LoadSoftwareKey(
    const std::string& id, const crypto::SoftwareKey& key) {
  {
    absl::MutexLock lock(&loaded_mu_);
    auto it = loaded_by_id_.find(id);
    if (it != loaded_by_id_.end()) {
      loaded_.splice(loaded_.begin(), loaded_, it->second);
      return it->second->second;
    }
  }
  // Parsed outside the lock: two callers may both parse one key; the second's copy wins.
  COFFER_ASSIGN_OR_RETURN(std::shared_ptr<const crypto::LoadedKey> loaded,
                          crypto::LoadedKey::Load(key));
  absl::MutexLock lock(&loaded_mu_);
  auto it = loaded_by_id_.find(id);
  if (it != loaded_by_id_.end()) loaded_.erase(it->second);
  loaded_.emplace_front(id, loaded);
  loaded_by_id_[id] = loaded_.begin();
  if (loaded_.size() > kMaxLoadedKeys) {
    loaded_by_id_.erase(loaded_.back().first);
    loaded_.pop_back();
  }
  return loaded;
}

void KeyService::ForgetLoadedKeys(const std::string& prefix) {
  absl::MutexLock lock(&loaded_mu_);
  for (auto it = loaded_by_id_.lower_bound(prefix);
       it != loaded_by_id_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    loaded_.erase(it->second);
    it = loaded_by_id_.erase(it);
  }
}

absl::StatusOr<int> KeyService::PurgeDue(
    const domain::Vault& vault, const std::function<void(std::string_view name)>& purged) {
  return objects_.PurgeDue(vault, [&](std::string_view name) {
    ForgetLoadedKeys(absl::StrCat(vault.id, "/", AsAbsl(name), "/"));
    if (purged) purged(name);
  });
}

absl::StatusOr<std::string> KeyService::Backup(const domain::Vault& vault,
                                               std::string_view name) {
  std::string display_name;
  std::string latest;
  COFFER_ASSIGN_OR_RETURN(std::vector<StoredVersion> versions,
                          objects_.AllVersions(vault, name, &display_name, &latest));
  KeyBackup backup;
  ScrubBackup scrub{backup};
  backup.set_name(display_name);
  backup.set_latest_version(latest);
  for (const StoredVersion& v : versions) {
    auto* out = backup.add_versions();
    out->set_version(v.version);
    if (!out->mutable_record()->ParseFromArray(v.record.data(),
                                               static_cast<int>(v.record.size()))) {
      return absl::DataLossError("stored key version is not parseable");
    }
  }
  auto policy = store_.Get(objects_.CompanionKey(vault.id, name));
  if (policy.ok() && !backup.mutable_rotation_policy()->ParseFromString(policy->value)) {
    return absl::DataLossError("stored rotation policy is not parseable");
  }
  if (!policy.ok() && !absl::IsNotFound(policy.status())) return policy.status();
  SecretBytes plain = Serialize(backup);
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(kBackupKeyId));
  return sealer->Seal(kBackupAddress, plain.reveal());
}

absl::StatusOr<domain::Key> KeyService::Restore(const domain::Vault& vault,
                                                std::string_view blob) {
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(kBackupKeyId));
  auto plain = sealer->Open(kBackupAddress, blob);
  KeyBackup backup;
  ScrubBackup scrub{backup};
  if (!plain.ok() || !backup.ParseFromArray(plain->data(), static_cast<int>(plain->size()))) {
    return absl::InvalidArgumentError(
        "The backup blob is malformed or was not made by this installation.");
  }
  std::vector<StoredVersion> versions;
  const KeyVersionRecord* latest = nullptr;
  for (auto& v : *backup.mutable_versions()) {
    COFFER_ASSIGN_OR_RETURN(KeyTypeOf t, TypeOf(v.record()));
    COFFER_RETURN_IF_ERROR(NeedsPremium(vault, t.hsm));
    StoredVersion stored;
    stored.version = v.version();
    stored.record = Serialize(v.record());
    versions.push_back(std::move(stored));
    if (v.version() == backup.latest_version()) latest = &v.record();
  }
  std::vector<storage::Write> extra;
  if (backup.has_rotation_policy()) {
    extra.push_back(storage::Write::Put(objects_.CompanionKey(vault.id, backup.name()),
                                        backup.rotation_policy().SerializeAsString()));
  }
  COFFER_RETURN_IF_ERROR(
      objects_.Restore(vault, backup.name(), backup.latest_version(), versions, extra));
  StoredVersion named;
  named.name = backup.name();
  named.version = backup.latest_version();
  if (latest == nullptr) return absl::InternalError("restored key has no latest version");
  return ToKey(named, *latest);
}

absl::StatusOr<domain::Key> KeyService::Rotate(const domain::Vault& vault,
                                               std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(StoredVersion latest, objects_.Get(vault, name, ""));
  return RotateFrom(vault, latest, nullptr, /*background=*/false);
}

absl::StatusOr<domain::Key> KeyService::RotateFrom(
    const domain::Vault& vault, const StoredVersion& latest,
    const VersionedObjects::AddCondition* condition, bool background) {
  if (latest.managed) return objects_.Managed("rotate");
  COFFER_ASSIGN_OR_RETURN(Record record, Parse(latest.record));
  const KeyVersionRecord& r = record.r;
  COFFER_ASSIGN_OR_RETURN(KeyTypeOf t, TypeOf(r));
  domain::KeySpec spec;
  spec.type = t.type;
  spec.bits = t.type == KeyType::kEc ? 0 : r.bits();
  spec.curve = CurveOf(r);
  spec.public_exponent = t.type == KeyType::kRsa ? r.e() : "";
  domain::KeyCreateOptions options;
  options.key_ops = std::vector<std::string>(r.key_ops().begin(), r.key_ops().end());
  options.tags = domain::Tags(r.tags().begin(), r.tags().end());
  COFFER_ASSIGN_OR_RETURN(domain::RotationPolicy policy, GetRotationPolicy(vault, latest.name));
  if (!policy.expiry_time.empty()) {
    COFFER_ASSIGN_OR_RETURN(absl::Duration expiry, domain::ParseIsoDuration(policy.expiry_time));
    options.expires = clock_.Now() + expiry;
  }
  return AddVersion(vault, latest.name, spec, t.hsm, options, condition, background);
}

absl::StatusOr<domain::RotationPolicy> KeyService::GetRotationPolicy(const domain::Vault& vault,
                                                                     std::string_view name) {
  // The key must exist: a policy is the key's, not the name's.
  COFFER_RETURN_IF_ERROR(objects_.Get(vault, name, "").status());
  auto entry = store_.Get(objects_.CompanionKey(vault.id, name));
  if (absl::IsNotFound(entry.status())) return DefaultPolicy();
  if (!entry.ok()) return entry.status();
  KeyRotationPolicyRecord record;
  if (!record.ParseFromString(entry->value)) {
    return absl::DataLossError("stored rotation policy is not parseable");
  }
  return FromRecord(record);
}

absl::StatusOr<domain::RotationPolicy> KeyService::SetRotationPolicy(
    const domain::Vault& vault, std::string_view name, const domain::RotationPolicy& policy) {
  COFFER_RETURN_IF_ERROR(domain::ValidateRotationPolicy(policy));
  const std::string key = objects_.CompanionKey(vault.id, name);
  const std::int64_t now = absl::ToUnixSeconds(clock_.Now());
  return RetryOnConflict([&]() -> absl::StatusOr<domain::RotationPolicy> {
    // Written only while the key's head is unchanged, so that a policy never outlives a key
    // purged meanwhile (a new key of the name would inherit it).
    COFFER_ASSIGN_OR_RETURN(StoredVersion latest, objects_.Get(vault, name, ""));
    if (latest.managed) return objects_.Managed("setrotationpolicy");
    auto entry = store_.Get(key);
    if (!entry.ok() && !absl::IsNotFound(entry.status())) return entry.status();
    const storage::Precondition head{objects_.HeadKey(vault.id, name), latest.head_revision};
    const storage::Precondition self{key, entry.ok() ? entry->revision : storage::kMustNotExist};
    if (policy.lifetime_actions.empty() && policy.expiry_time.empty()) {
      // An empty policy puts the key back on Azure's default.
      COFFER_RETURN_IF_ERROR(
          store_.Commit({head, self}, {storage::Write::Delete(key)}).status());
      return DefaultPolicy();
    }
    KeyRotationPolicyRecord record;
    if (entry.ok() && !record.ParseFromString(entry->value)) {
      return absl::DataLossError("stored rotation policy is not parseable");
    }
    if (record.created() == 0) record.set_created(now);
    record.set_updated(now);
    record.clear_lifetime_actions();
    for (const auto& a : policy.lifetime_actions) {
      auto* out = record.add_lifetime_actions();
      out->set_time_after_create(a.time_after_create);
      out->set_time_before_expiry(a.time_before_expiry);
      out->set_action(a.action);
    }
    record.set_expiry_time(policy.expiry_time);
    COFFER_RETURN_IF_ERROR(
        store_.Commit({head, self}, {storage::Write::Put(key, record.SerializeAsString())})
            .status());
    return FromRecord(record);
  });
}

absl::StatusOr<int> KeyService::RotateDue(const domain::Vault& vault, const EventFn& event) {
  const std::string prefix = objects_.CompanionPrefix(vault.id);
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({prefix, "", 0}));
  const absl::Time now = clock_.Now();
  int rotated = 0;
  for (const auto& entry : range.entries) {
    std::string name(records::Suffix(entry.key, prefix));
    KeyRotationPolicyRecord policy;
    if (!policy.ParseFromString(entry.value)) continue;
    auto latest = objects_.Get(vault, name, "");
    if (!latest.ok()) continue;  // soft-deleted: its policy waits with it
    auto key = Open(*latest);
    if (!key.ok()) continue;
    const std::string& version = latest->version;
    const domain::ObjectAttributes& a = key->properties.attributes;
    for (const auto& action : policy.lifetime_actions()) {
      const bool after = !action.time_after_create().empty();
      auto d = domain::ParseIsoDuration(after ? action.time_after_create()
                                              : action.time_before_expiry());
      if (!d.ok()) continue;
      std::optional<absl::Time> due;
      if (after) due = a.created + *d;
      if (!after && a.expires.has_value()) due = *a.expires - *d;
      if (!due.has_value() || *due > now) continue;
      if (action.action() == "Rotate") {
        if (policy.retry_rotation_after() > absl::ToUnixSeconds(now)) break;
        // No change without its audit line: the intent is written first.
        if (!event("KeyRotateStarting", latest->name, version)) break;
        // Committed only while the key (its head) and its policy are as read above.
        VersionedObjects::AddCondition unchanged{
            latest->head_revision, {storage::Precondition{entry.key, entry.revision}}, {}};
        auto made = RotateFrom(vault, *latest, &unchanged, /*background=*/true);
        if (made.ok()) {
          event("KeyRotate", made->properties.name, made->properties.version);
          ++rotated;
        } else if (absl::IsAborted(made.status())) {
          // Someone rotated or changed the policy meanwhile; the next pass sees what they did.
          event("KeyRotateFailed", latest->name, version);
        } else {
          event("KeyRotateFailed", latest->name, version);
          policy.set_retry_rotation_after(absl::ToUnixSeconds(now + kRotationRetry));
          store_.Put(entry.key, policy.SerializeAsString(), entry.revision).IgnoreError();
        }
        break;  // the new version starts its own clock
      }
      if (policy.notified_version() == version) continue;
      if (!event("KeyNearExpiry", latest->name, version)) continue;
      policy.set_notified_version(version);
      store_.Put(entry.key, policy.SerializeAsString(), entry.revision).IgnoreError();
    }
  }
  return rotated;
}

absl::StatusOr<domain::KeyOperationResult> KeyService::Run(
    const domain::Vault& vault, std::string_view name, std::string_view version,
    const domain::KeyOperationRequest& asked) {
  domain::KeyOperationRequest request = asked;
  COFFER_ASSIGN_OR_RETURN(StoredVersion stored, objects_.Get(vault, name, version));
  COFFER_ASSIGN_OR_RETURN(Record record, Parse(stored.record));
  const KeyVersionRecord& r = record.r;
  COFFER_ASSIGN_OR_RETURN(KeyTypeOf t, TypeOf(r));
  const std::string op = domain::KeyOperationName(request.op);
  if (!r.enabled()) {
    return domain::WithReason(Forbidden("Operation " + op + " is not allowed on a disabled key."),
                              domain::reason::kKeyDisabled);
  }
  if (std::find(r.key_ops().begin(), r.key_ops().end(), op) == r.key_ops().end()) {
    return Forbidden("Operation " + op + " is not permitted by this key's key_ops.");
  }
  // Dates stop new protection (encrypt, wrap, sign), never the undoing of old (decrypt,
  // unwrap, verify).
  if (request.op == KeyOperation::kEncrypt || request.op == KeyOperation::kWrapKey ||
      request.op == KeyOperation::kSign) {
    const std::int64_t now = absl::ToUnixSeconds(clock_.Now());
    if (r.not_before() != 0 && now < r.not_before()) {
      return Forbidden("Operation " + op + " is not allowed before the key's nbf.");
    }
    if (r.expires() != 0 && now >= r.expires()) {
      return Forbidden("Operation " + op + " is not allowed on an expired key.");
    }
  }
  const domain::Curve curve = CurveOf(r);
  COFFER_RETURN_IF_ERROR(domain::CheckAlgorithm(t.type, curve, static_cast<std::size_t>(r.bits()),
                                                request.op, request.alg));
  COFFER_RETURN_IF_ERROR(domain::CheckOperationInput(r.bits(), request));
  if (request.op == KeyOperation::kEncrypt && request.iv.empty()) {
    // GCM takes a fresh 96-bit nonce per message, always the vault's; CBC a fresh block unless
    // the caller brings its own. Either is returned with the ciphertext.
    const domain::AlgorithmFamily family = domain::FamilyOf(request.alg);
    if (family == domain::AlgorithmFamily::kGcm) request.iv = crypto::RandomBytes(12);
    if (family == domain::AlgorithmFamily::kCbc || family == domain::AlgorithmFamily::kCbcPad) {
      request.iv = crypto::RandomBytes(16);
    }
  }
  const bool public_half = request.op == KeyOperation::kVerify ||
                           (t.type == KeyType::kRsa && (request.op == KeyOperation::kEncrypt ||
                                                        request.op == KeyOperation::kWrapKey));
  absl::StatusOr<domain::KeyOperationResult> result;
  if (public_half) {
    COFFER_ASSIGN_OR_RETURN(domain::Key key, ToKey(stored, r));
    result = crypto::RunPublic(key.public_key, request);
  } else if (t.hsm) {
    result = keystore_.RunKeyOperation(t.type, r.material(), request);
  } else {
    const std::string id = absl::StrCat(vault.id, "/", records::Canonical(stored.name), "/",
                                        stored.version);
    auto loaded =
        LoadSoftwareKey(id, crypto::SoftwareKey{t.type, curve, SecretBytes(r.material())});
    result = loaded.ok() ? (*loaded)->Run(request)
                         : absl::StatusOr<domain::KeyOperationResult>(loaded.status());
  }
  if (result.ok()) {
    result->name = stored.name;
    result->version = stored.version;
  }
  return result;
}

absl::StatusOr<std::string> KeyService::RandomBytes(int count) {
  if (count < 1 || count > 128) {
    return absl::InvalidArgumentError("count must be between 1 and 128.");
  }
  return crypto::RandomBytes(static_cast<std::size_t>(count));
}

}  // namespace coffer::service
