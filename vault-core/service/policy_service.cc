#include "vault-core/service/policy_service.h"

#include "absl/strings/str_cat.h"
#include "coffer/storage/v1/records.pb.h"
#include "lib/base/absl_compat.h"
#include "lib/base/status.h"

namespace coffer::service {
namespace {

using storage::v1::AccessPolicyRecord;

domain::AccessPolicy FromRecord(const AccessPolicyRecord& r) {
  domain::AccessPolicy p;
  p.object_id = r.object_id();
  p.secrets.insert(r.secrets().begin(), r.secrets().end());
  p.keys.insert(r.keys().begin(), r.keys().end());
  p.certificates.insert(r.certificates().begin(), r.certificates().end());
  return p;
}

}  // namespace

std::string PolicyService::Prefix(std::string_view vault_id) {
  return absl::StrCat("policies/", AsAbsl(vault_id), "/");
}

absl::StatusOr<std::unique_ptr<PolicyService>> PolicyService::Create(storage::Store& store) {
  // ~300 bytes a policy: at most ~6 MiB, whatever the installation holds.
  COFFER_ASSIGN_OR_RETURN(auto cache, Cache::Create(store, {"policies/"}, 20000));
  return std::unique_ptr<PolicyService>(new PolicyService(store, std::move(cache)));
}

absl::Status PolicyService::Set(std::string_view vault_id, const domain::AccessPolicy& policy) {
  if (policy.object_id.empty()) return absl::InvalidArgumentError("policy needs an object id");
  AccessPolicyRecord record;
  record.set_object_id(policy.object_id);
  std::vector<std::string> names;
  for (auto kind : {domain::ObjectKind::kSecrets, domain::ObjectKind::kKeys,
                    domain::ObjectKind::kCertificates}) {
    const auto& given = kind == domain::ObjectKind::kSecrets ? policy.secrets
                        : kind == domain::ObjectKind::kKeys  ? policy.keys
                                                             : policy.certificates;
    COFFER_ASSIGN_OR_RETURN(auto normalized,
                            domain::NormalizePermissions(kind, {given.begin(), given.end()}));
    auto* out = kind == domain::ObjectKind::kSecrets ? record.mutable_secrets()
                : kind == domain::ObjectKind::kKeys  ? record.mutable_keys()
                                                     : record.mutable_certificates();
    out->Add(normalized.begin(), normalized.end());
  }
  const std::string key = absl::StrCat(Prefix(vault_id), policy.object_id);
  absl::Status held_now = store_.Get(key).status();
  if (!held_now.ok() && !absl::IsNotFound(held_now)) return held_now;
  if (absl::IsNotFound(held_now)) {
    COFFER_ASSIGN_OR_RETURN(auto held, store_.Range({Prefix(vault_id), "", kMaxPoliciesPerVault}));
    if (held.entries.size() >= kMaxPoliciesPerVault) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the vault holds the access policies of ", kMaxPoliciesPerVault,
          " principals, the most a vault may hold (as Azure Key Vault): remove one first"));
    }
  }
  COFFER_RETURN_IF_ERROR(store_.Put(key, record.SerializeAsString(), std::nullopt).status());
  cache_->Clear();
  return absl::OkStatus();
}

absl::Status PolicyService::Remove(std::string_view vault_id, std::string_view object_id) {
  auto deleted = store_.Delete(absl::StrCat(Prefix(vault_id), AsAbsl(object_id)), std::nullopt);
  if (absl::IsNotFound(deleted.status())) {
    return absl::NotFoundError(absl::StrCat("no access policy for ", AsAbsl(object_id)));
  }
  if (deleted.ok()) cache_->Clear();
  return deleted.status();
}

absl::StatusOr<std::vector<domain::AccessPolicy>> PolicyService::List(std::string_view vault_id) {
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({Prefix(vault_id), "", 0}));
  std::vector<domain::AccessPolicy> out;
  for (const auto& entry : range.entries) {
    AccessPolicyRecord record;
    if (!record.ParseFromString(entry.value)) return absl::DataLossError("policy record corrupt");
    out.push_back(FromRecord(record));
  }
  return out;
}

absl::StatusOr<bool> PolicyService::Allowed(std::string_view vault_id, std::string_view object_id,
                                            domain::ObjectKind kind, std::string_view permission) {
  const std::string key = absl::StrCat(Prefix(vault_id), AsAbsl(object_id));
  auto policy = cache_->Get(key, [&]() -> absl::StatusOr<std::shared_ptr<const domain::AccessPolicy>> {
    COFFER_ASSIGN_OR_RETURN(storage::Entry entry, store_.Get(key));
    AccessPolicyRecord record;
    if (!record.ParseFromString(entry.value)) return absl::DataLossError("policy record corrupt");
    return std::make_shared<const domain::AccessPolicy>(FromRecord(record));
  });
  if (absl::IsNotFound(policy.status())) return false;  // no policy (the store caches absence)
  if (!policy.ok()) return policy.status();
  return (*policy)->Allows(kind, permission);
}

}  // namespace coffer::service
