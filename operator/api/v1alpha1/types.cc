#include "operator/api/v1alpha1/types.h"

#include <cctype>
#include <set>
#include <utility>

#include "lib/base/absl_compat.h"

namespace coffer::op::v1alpha1 {
namespace {

using nlohmann::json;

absl::Status Invalid(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(field + ": " + what);
}

// The string at `field` of `object`, or `fallback` when absent; an error when not a string.
absl::StatusOr<std::string> String(const json& object, const char* field, const std::string& path,
                                   std::string fallback = "") {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_string()) return Invalid(path + "." + field, "must be a string");
  return it->get<std::string>();
}

std::vector<std::string> Strings(const json& object, const char* field) {
  std::vector<std::string> out;
  auto it = object.find(field);
  if (it == object.end() || !it->is_array()) return out;
  for (const json& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::vector<Condition> ConditionsFromJson(const json& status) {
  std::vector<Condition> out;
  auto it = status.find("conditions");
  if (it == status.end() || !it->is_array()) return out;
  for (const json& c : *it) {
    if (!c.is_object()) continue;
    out.push_back({c.value("type", ""), c.value("status", ""), c.value("reason", ""),
                   c.value("message", ""), c.value("lastTransitionTime", ""),
                   c.value("observedGeneration", std::int64_t{0})});
  }
  return out;
}

json ConditionsToJson(const std::vector<Condition>& conditions) {
  json out = json::array();
  for (const Condition& c : conditions) {
    out.push_back({{"type", c.type},
                   {"status", c.status},
                   {"reason", c.reason},
                   {"message", c.message},
                   {"lastTransitionTime", c.last_transition_time},
                   {"observedGeneration", c.observed_generation}});
  }
  return out;
}

Meta MetaOf(const json& object) {
  Meta meta;
  meta.key = ObjectKey::Of(object);
  meta.uid = object.value("/metadata/uid"_json_pointer, std::string());
  meta.generation = object.value("/metadata/generation"_json_pointer, std::int64_t{0});
  json deletion = object.value("/metadata/deletionTimestamp"_json_pointer, json());
  meta.deleting = !deletion.is_null();
  return meta;
}

absl::StatusOr<Meta> ParseMeta(const json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return Invalid("metadata", "missing");
  }
  Meta meta = MetaOf(object);
  if (meta.key.name.empty() || meta.key.ns.empty()) {
    return Invalid("metadata", "name and namespace are required");
  }
  return meta;
}

const json& Section(const json& object, const char* name) {
  static const json kEmpty = json::object();
  auto it = object.find(name);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

}  // namespace

std::optional<ObjectKey> ObjectKey::Parse(const std::string& key) {
  std::size_t slash = key.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == key.size()) return std::nullopt;
  return ObjectKey{key.substr(0, slash), key.substr(slash + 1)};
}

ObjectKey ObjectKey::Of(const json& object) {
  return {object.value("/metadata/namespace"_json_pointer, std::string()),
          object.value("/metadata/name"_json_pointer, std::string())};
}

namespace {

KeyVaultStatus KeyVaultStatusOf(const json& object) {
  const json& status = Section(object, "status");
  KeyVaultStatus out;
  out.vault_name = status.value("vaultName", "");
  out.vault_uri = status.value("vaultUri", "");
  out.vault_id = status.value("vaultId", "");
  out.observed_generation = status.value("observedGeneration", std::int64_t{0});
  out.conditions = ConditionsFromJson(status);
  return out;
}

AccessPolicyStatus AccessPolicyStatusOf(const json& object) {
  const json& status = Section(object, "status");
  AccessPolicyStatus out;
  out.principal_object_id = status.value("principalObjectId", "");
  out.client_id = status.value("clientId", "");
  out.vault_name = status.value("vaultName", "");
  out.granted = PermissionsFromJson(Section(status, "grantedPermissions"));
  out.observed_generation = status.value("observedGeneration", std::int64_t{0});
  out.conditions = ConditionsFromJson(status);
  return out;
}

VaultMountStatus VaultMountStatusOf(const json& object) {
  const json& status = Section(object, "status");
  VaultMountStatus out;
  out.observed_generation = status.value("observedGeneration", std::int64_t{0});
  out.conditions = ConditionsFromJson(status);
  return out;
}

}  // namespace

VaultMount VaultMountWithoutSpec(const json& object) {
  VaultMount vm;
  vm.meta = MetaOf(object);
  vm.status = VaultMountStatusOf(object);
  return vm;
}

absl::StatusOr<VaultMount> ParseVaultMount(const json& object) {
  auto meta = ParseMeta(object);
  if (!meta.ok()) return meta.status();
  auto spec = crd::ParseVaultMount(object, meta->key.ns);
  if (!spec.ok()) return spec.status();
  VaultMount vm;
  vm.meta = *std::move(meta);
  vm.spec = *std::move(spec);
  vm.status = VaultMountStatusOf(object);
  return vm;
}

json ToJson(const VaultMountStatus& status) {
  return {{"observedGeneration", status.observed_generation},
          {"conditions", ConditionsToJson(status.conditions)}};
}

KeyVault KeyVaultWithoutSpec(const json& object) {
  KeyVault kv;
  kv.meta = MetaOf(object);
  kv.status = KeyVaultStatusOf(object);
  return kv;
}

AccessPolicy AccessPolicyWithoutSpec(const json& object) {
  AccessPolicy ap;
  ap.meta = MetaOf(object);
  ap.status = AccessPolicyStatusOf(object);
  return ap;
}

bool Abandoned(const json& object) {
  json annotations = object.value("/metadata/annotations"_json_pointer, json::object());
  return annotations.is_object() && annotations.value(kAbandonAnnotation, "") == "true";
}

absl::StatusOr<KeyVault> ParseKeyVault(const json& object) {
  KeyVault kv;
  auto meta = ParseMeta(object);
  if (!meta.ok()) return meta.status();
  kv.meta = *std::move(meta);
  const json& spec = Section(object, "spec");
  auto vault_name = String(spec, "vaultName", "spec");
  auto sku = String(spec, "sku", "spec", "standard");
  if (!vault_name.ok()) return vault_name.status();
  if (!sku.ok()) return sku.status();
  if (*sku != "standard" && *sku != "premium") {
    return Invalid("spec.sku", "must be standard or premium");
  }
  kv.spec.vault_name = *vault_name;
  kv.spec.sku = *sku;
  kv.spec.soft_delete_retention_days = spec.value("softDeleteRetentionInDays", 90);
  kv.spec.enable_purge_protection = spec.value("enablePurgeProtection", false);
  kv.spec.hostnames = Strings(spec, "hostnames");
  kv.spec.allow_policy_from_namespaces = Strings(spec, "allowPolicyFromNamespaces");
  kv.spec.recover_if_soft_deleted = spec.value("recoverIfSoftDeleted", false);
  for (const std::string& host : kv.spec.hostnames) {
    if (host.size() >= 4 && (host.compare(host.size() - 4, 4, ".svc") == 0 ||
                             host.find(".svc.cluster.local") != std::string::npos)) {
      return Invalid("spec.hostnames", "cluster Service names are not allowed: " + host);
    }
  }
  kv.status = KeyVaultStatusOf(object);
  return kv;
}

Permissions PermissionsFromJson(const json& permissions) {
  if (!permissions.is_object()) return {};
  return {Strings(permissions, "secrets"), Strings(permissions, "keys"),
          Strings(permissions, "certificates")};
}

absl::StatusOr<AccessPolicy> ParseAccessPolicy(const json& object) {
  AccessPolicy ap;
  auto meta = ParseMeta(object);
  if (!meta.ok()) return meta.status();
  ap.meta = *std::move(meta);
  const json& spec = Section(object, "spec");
  const json& vault_ref = Section(spec, "vaultRef");
  auto vault_name = String(vault_ref, "name", "spec.vaultRef");
  auto vault_ns = String(vault_ref, "namespace", "spec.vaultRef", ap.meta.key.ns);
  if (!vault_name.ok()) return vault_name.status();
  if (!vault_ns.ok()) return vault_ns.status();
  if (vault_name->empty()) return Invalid("spec.vaultRef.name", "required");
  ap.spec.vault = {vault_ns->empty() ? ap.meta.key.ns : *vault_ns, *vault_name};
  const json& subject = Section(spec, "subject");
  const bool has_sa = subject.contains("serviceAccount");
  const bool has_principal = subject.contains("principal");
  if (has_sa == has_principal) {
    return Invalid("spec.subject", "set exactly one of serviceAccount and principal");
  }
  if (has_sa) {
    const json& sa = Section(subject, "serviceAccount");
    auto name = String(sa, "name", "spec.subject.serviceAccount");
    auto ns = String(sa, "namespace", "spec.subject.serviceAccount", ap.meta.key.ns);
    if (!name.ok()) return name.status();
    if (!ns.ok()) return ns.status();
    if (name->empty()) return Invalid("spec.subject.serviceAccount.name", "required");
    ap.spec.service_account = ObjectKey{ns->empty() ? ap.meta.key.ns : *ns, *name};
  } else {
    auto id = String(Section(subject, "principal"), "objectId", "spec.subject.principal");
    if (!id.ok()) return id.status();
    if (id->empty()) return Invalid("spec.subject.principal.objectId", "required");
    ap.spec.principal_object_id = *id;
  }
  ap.spec.permissions = PermissionsFromJson(Section(spec, "permissions"));
  ap.status = AccessPolicyStatusOf(object);
  return ap;
}

json ToJson(const Permissions& p) {
  return {{"secrets", p.secrets}, {"keys", p.keys}, {"certificates", p.certificates}};
}

json ToJson(const KeyVaultStatus& status) {
  json out = {{"observedGeneration", status.observed_generation},
              {"conditions", ConditionsToJson(status.conditions)}};
  if (!status.vault_name.empty()) out["vaultName"] = status.vault_name;
  if (!status.vault_uri.empty()) out["vaultUri"] = status.vault_uri;
  if (!status.vault_id.empty()) out["vaultId"] = status.vault_id;
  return out;
}

json ToJson(const AccessPolicyStatus& status) {
  json out = {{"observedGeneration", status.observed_generation},
              {"conditions", ConditionsToJson(status.conditions)}};
  if (!status.principal_object_id.empty()) out["principalObjectId"] = status.principal_object_id;
  if (!status.client_id.empty()) out["clientId"] = status.client_id;
  if (!status.vault_name.empty()) out["vaultName"] = status.vault_name;
  if (!(status.granted == Permissions())) out["grantedPermissions"] = ToJson(status.granted);
  return out;
}

namespace {

// A Secret's data key, as the API server checks it (IsConfigMapKey): letters, digits, '-', '_'
// and '.', not "." and not starting with "..".
bool IsSecretKey(const std::string& key) {
  if (key.empty() || key.size() > 253 || key == "." || key.rfind("..", 0) == 0) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

// A DNS subdomain (RFC 1123), what Kubernetes names most objects with: lower-case letters,
// digits, '-' and '.', alphanumeric at both ends. These names go into API paths.
bool IsDnsSubdomain(const std::string& name) {
  if (name.empty() || name.size() > 253 ||
      !std::isalnum(static_cast<unsigned char>(name.front())) ||
      !std::isalnum(static_cast<unsigned char>(name.back()))) {
    return false;
  }
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.')) {
      return false;
    }
  }
  return true;
}

// A vault object's name, as Key Vault's: 1-127 letters, digits and hyphens.
bool IsObjectName(const std::string& name) {
  if (name.empty() || name.size() > 127) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

absl::StatusOr<std::map<std::string, std::string>> StringMap(const json& object, const char* field,
                                                             const std::string& path) {
  std::map<std::string, std::string> out;
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return out;
  if (!it->is_object()) return Invalid(path + "." + field, "must be a map of strings");
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) return Invalid(path + "." + field + "." + key, "must be a string");
    out[key] = value.get<std::string>();
  }
  return out;
}

absl::StatusOr<SyncData> ParseSyncData(const json& item, const std::string& path) {
  if (!item.is_object()) return Invalid(path, "must be an object");
  SyncData d;
  auto key = String(item, "key", path);
  auto name = String(item, "objectName", path);
  auto type = String(item, "objectType", path, "secret");
  auto version = String(item, "objectVersion", path);
  auto shape = String(item, "template", path, "value");
  for (const auto* field : {&key, &name, &type, &version, &shape}) {
    if (!field->ok()) return field->status();
  }
  if (!IsSecretKey(*key)) {
    return Invalid(path + ".key",
                   "want a Secret key: letters, digits, '-', '_' and '.', not "
                   "'.' nor starting with '..', at most 253 characters");
  }
  if (!IsObjectName(*name)) {
    return Invalid(path + ".objectName", "want 1-127 letters, digits and hyphens");
  }
  if (*type != "secret" && *type != "certificate") {
    return Invalid(path + ".objectType", "must be secret or certificate");
  }
  if (!version->empty() && (version->size() != 32 ||
                            version->find_first_not_of("0123456789abcdef") != std::string::npos)) {
    return Invalid(path + ".objectVersion", "want 32 lower-case hex characters, or none");
  }
  if (*shape != "value" && *shape != "tls.crt" && *shape != "tls.key") {
    return Invalid(path + ".template", "must be value, tls.crt or tls.key");
  }
  if (*shape != "value" && *type != "certificate") {
    return Invalid(path + ".template", "tls.crt and tls.key apply to certificates only");
  }
  d.key = *key;
  d.object_name = *name;
  d.object_type = *type == "certificate" ? SyncObjectType::kCertificate : SyncObjectType::kSecret;
  d.object_version = *version;
  d.value_template = *shape == "tls.crt"   ? SyncTemplate::kTlsCrt
                     : *shape == "tls.key" ? SyncTemplate::kTlsKey
                                           : SyncTemplate::kValue;
  return d;
}

absl::StatusOr<std::vector<SyncData>> ParseSyncDataList(const json& spec) {
  auto it = spec.find("data");
  if (it == spec.end() || !it->is_array() || it->empty()) {
    return Invalid("spec.data", "list at least one key");
  }
  if (it->size() > 100) return Invalid("spec.data", "at most 100 keys");
  std::vector<SyncData> out;
  std::set<std::string> keys;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const std::string path = "spec.data[" + std::to_string(i) + "]";
    absl::StatusOr<SyncData> d = ParseSyncData((*it)[i], path);
    if (!d.ok()) return d.status();
    if (!keys.insert(d->key).second) return Invalid(path + ".key", "written twice: " + d->key);
    out.push_back(*std::move(d));
  }
  return out;
}

// The keys the API server demands of a Secret of `type`.
absl::Status CheckKeysOfType(const std::string& type, const std::vector<SyncData>& data) {
  auto has = [&](const char* key) {
    for (const SyncData& d : data) {
      if (d.key == key) return true;
    }
    return false;
  };
  if (type == "kubernetes.io/tls" && (!has("tls.crt") || !has("tls.key"))) {
    return Invalid("spec.data", "a kubernetes.io/tls Secret needs the keys tls.crt and tls.key");
  }
  if (type == "kubernetes.io/dockerconfigjson" && !has(".dockerconfigjson")) {
    return Invalid("spec.data",
                   "a kubernetes.io/dockerconfigjson Secret needs the key .dockerconfigjson");
  }
  return absl::OkStatus();
}

absl::StatusOr<SecretSyncTarget> ParseTarget(const json& spec, const std::string& own_name) {
  const json& target = Section(spec, "target");
  SecretSyncTarget out;
  auto name = String(target, "name", "spec.target", own_name);
  auto type = String(target, "type", "spec.target", "Opaque");
  if (!name.ok()) return name.status();
  if (!type.ok()) return type.status();
  if (*type != "Opaque" && *type != "kubernetes.io/tls" &&
      *type != "kubernetes.io/dockerconfigjson") {
    return Invalid("spec.target.type",
                   "must be Opaque, kubernetes.io/tls or kubernetes.io/dockerconfigjson");
  }
  out.name = name->empty() ? own_name : *name;
  if (!IsDnsSubdomain(out.name)) {
    return Invalid("spec.target.name",
                   "want a Secret's name: lower-case letters, digits, '-' "
                   "and '.', at most 253 characters");
  }
  out.type = *type;
  auto labels = StringMap(target, "labels", "spec.target");
  auto annotations = StringMap(target, "annotations", "spec.target");
  if (!labels.ok()) return labels.status();
  if (!annotations.ok()) return annotations.status();
  out.labels = *std::move(labels);
  out.annotations = *std::move(annotations);
  return out;
}

SecretSyncStatus SecretSyncStatusOf(const json& object) {
  const json& status = Section(object, "status");
  SecretSyncStatus out;
  out.observed_generation = status.value("observedGeneration", std::int64_t{0});
  out.conditions = ConditionsFromJson(status);
  out.last_sync_time = status.value("lastSyncTime", "");
  out.secret_name = status.value("secretName", "");
  auto synced = status.find("syncedVersions");
  if (synced != status.end() && synced->is_array()) {
    for (const json& v : *synced) {
      if (!v.is_object()) continue;
      out.synced_versions.push_back(
          {v.value("key", ""), v.value("objectName", ""), v.value("version", "")});
    }
  }
  return out;
}

}  // namespace

SecretSync SecretSyncWithoutSpec(const json& object) {
  SecretSync ss;
  ss.meta = MetaOf(object);
  ss.status = SecretSyncStatusOf(object);
  return ss;
}

absl::StatusOr<SecretSync> ParseSecretSync(const json& object) {
  SecretSync ss;
  auto meta = ParseMeta(object);
  if (!meta.ok()) return meta.status();
  ss.meta = *std::move(meta);
  const json& spec = Section(object, "spec");
  const json& vault_ref = Section(spec, "vaultRef");
  auto vault_name = String(vault_ref, "name", "spec.vaultRef");
  auto vault_ns = String(vault_ref, "namespace", "spec.vaultRef", ss.meta.key.ns);
  auto service_account = String(spec, "serviceAccountName", "spec");
  auto refresh = String(spec, "refreshInterval", "spec", "1h");
  auto policy = String(spec, "deletionPolicy", "spec", "Delete");
  for (const auto* field : {&vault_name, &vault_ns, &service_account, &refresh, &policy}) {
    if (!field->ok()) return field->status();
  }
  if (vault_name->empty()) return Invalid("spec.vaultRef.name", "required");
  ss.spec.vault = {vault_ns->empty() ? ss.meta.key.ns : *vault_ns, *vault_name};
  if (service_account->empty()) return Invalid("spec.serviceAccountName", "required");
  if (!IsDnsSubdomain(*service_account)) {
    return Invalid("spec.serviceAccountName",
                   "want a ServiceAccount's name: lower-case letters, "
                   "digits, '-' and '.', at most 253 characters");
  }
  ss.spec.service_account = *service_account;
  if (!absl::ParseDuration(AsAbsl(*refresh), &ss.spec.refresh_interval) ||
      ss.spec.refresh_interval < kMinRefreshInterval ||
      ss.spec.refresh_interval > kMaxRefreshInterval) {
    return Invalid("spec.refreshInterval", "want a duration from 10s to 8784h, such as 1h");
  }
  if (*policy != "Delete" && *policy != "Retain") {
    return Invalid("spec.deletionPolicy", "must be Delete or Retain");
  }
  ss.spec.deletion_policy = *policy == "Retain" ? DeletionPolicy::kRetain : DeletionPolicy::kDelete;
  auto target = ParseTarget(spec, ss.meta.key.name);
  if (!target.ok()) return target.status();
  ss.spec.target = *std::move(target);
  auto data = ParseSyncDataList(spec);
  if (!data.ok()) return data.status();
  ss.spec.data = *std::move(data);
  if (absl::Status keys = CheckKeysOfType(ss.spec.target.type, ss.spec.data); !keys.ok()) {
    return keys;
  }
  ss.status = SecretSyncStatusOf(object);
  return ss;
}

json ToJson(const SecretSyncStatus& status) {
  json out = {{"observedGeneration", status.observed_generation},
              {"conditions", ConditionsToJson(status.conditions)}};
  if (!status.secret_name.empty()) out["secretName"] = status.secret_name;
  if (!status.last_sync_time.empty()) out["lastSyncTime"] = status.last_sync_time;
  if (!status.synced_versions.empty()) {
    json versions = json::array();
    for (const SyncedVersion& v : status.synced_versions) {
      versions.push_back({{"key", v.key}, {"objectName", v.object_name}, {"version", v.version}});
    }
    out["syncedVersions"] = std::move(versions);
  }
  return out;
}

}  // namespace coffer::op::v1alpha1
