#ifndef COFFER_OPERATOR_API_V1ALPHA1_TYPES_H_
#define COFFER_OPERATOR_API_V1ALPHA1_TYPES_H_

// The coffer.dev/v1alpha1 custom resources (crds/) as C++ types, with their JSON codec. The
// CRDs' schemas are the contract; the parsers check again what the operator relies on, so an
// object that slipped past an older schema gets a clear error instead of a crash.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/crd/vault_mount.h"
#include "lib/kube/kube_client.h"
#include "nlohmann/json.hpp"

namespace coffer::op::v1alpha1 {

inline const kube::ResourceRef kKeyVaults{"coffer.dev", "v1alpha1", "keyvaults", true};
inline const kube::ResourceRef kAccessPolicies{"coffer.dev", "v1alpha1", "accesspolicies", true};
inline const kube::ResourceRef kVaultMounts{"coffer.dev", "v1alpha1", "vaultmounts", true};
inline const kube::ResourceRef kSecretSyncs{"coffer.dev", "v1alpha1", "secretsyncs", true};

// namespace/name, the work queue's key.
struct ObjectKey {
  std::string ns;
  std::string name;

  std::string String() const { return ns + "/" + name; }
  static std::optional<ObjectKey> Parse(const std::string& key);
  static ObjectKey Of(const nlohmann::json& object);
  bool operator==(const ObjectKey& o) const { return ns == o.ns && name == o.name; }
};

// A metav1.Condition.
struct Condition {
  std::string type;
  std::string status;  // "True", "False", "Unknown"
  std::string reason;
  std::string message;
  std::string last_transition_time;  // RFC 3339
  std::int64_t observed_generation = 0;
};

// What every object carries that the reconcilers look at.
struct Meta {
  ObjectKey key;
  std::string uid;
  std::int64_t generation = 0;
  bool deleting = false;  // metadata.deletionTimestamp is set
};

struct KeyVaultSpec {
  std::string vault_name;  // empty: the operator picks NAMESPACE-NAME
  std::string sku = "standard";
  int soft_delete_retention_days = 90;
  bool enable_purge_protection = false;
  std::vector<std::string> hostnames;
  std::vector<std::string> allow_policy_from_namespaces;
  bool recover_if_soft_deleted = false;
};

struct KeyVaultStatus {
  std::string vault_name;
  std::string vault_uri;
  std::string vault_id;
  std::int64_t observed_generation = 0;
  std::vector<Condition> conditions;
};

struct KeyVault {
  Meta meta;
  KeyVaultSpec spec;
  KeyVaultStatus status;
};

struct Permissions {
  std::vector<std::string> secrets;
  std::vector<std::string> keys;
  std::vector<std::string> certificates;

  bool operator==(const Permissions& o) const {
    return secrets == o.secrets && keys == o.keys && certificates == o.certificates;
  }
};

struct AccessPolicySpec {
  ObjectKey vault;  // namespace filled in (the policy's own when the spec leaves it empty)
  // Exactly one of these.
  std::optional<ObjectKey> service_account;  // namespace filled in likewise
  std::string principal_object_id;
  Permissions permissions;
};

struct AccessPolicyStatus {
  std::string principal_object_id;
  std::string client_id;  // what AZURE_CLIENT_ID holds for the subject
  std::string vault_name;
  Permissions granted;  // as the vault stored them (lower case, each once)
  std::int64_t observed_generation = 0;
  std::vector<Condition> conditions;
};

struct AccessPolicy {
  Meta meta;
  AccessPolicySpec spec;
  AccessPolicyStatus status;
};

struct VaultMountStatus {
  std::int64_t observed_generation = 0;
  std::vector<Condition> conditions;
};

// The spec is lib/crd's, which the CSI driver mounts from.
struct VaultMount {
  Meta meta;
  crd::MountSpec spec;
  VaultMountStatus status;
};

enum class SyncObjectType { kSecret, kCertificate };
// What of an object goes in a Secret's key: the value as stored, or (certificates) the chain or
// the private key as PEM.
enum class SyncTemplate { kValue, kTlsCrt, kTlsKey };
enum class DeletionPolicy { kDelete, kRetain };

inline constexpr absl::Duration kMinRefreshInterval = absl::Seconds(10);
inline constexpr absl::Duration kMaxRefreshInterval = absl::Hours(24 * 366);

struct SyncData {
  std::string key;  // in the Secret's data
  std::string object_name;
  SyncObjectType object_type = SyncObjectType::kSecret;
  std::string object_version;  // empty: the newest usable version
  SyncTemplate value_template = SyncTemplate::kValue;
};

struct SecretSyncTarget {
  std::string name;  // filled in: the SecretSync's own name when the spec leaves it empty
  std::string type = "Opaque";
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

struct SecretSyncSpec {
  ObjectKey vault;              // namespace filled in (the SecretSync's own when empty)
  std::string service_account;  // in the SecretSync's namespace
  absl::Duration refresh_interval = absl::Hours(1);
  SecretSyncTarget target;
  std::vector<SyncData> data;
  DeletionPolicy deletion_policy = DeletionPolicy::kDelete;
};

struct SyncedVersion {
  std::string key;
  std::string object_name;
  std::string version;

  bool operator==(const SyncedVersion& o) const {
    return key == o.key && object_name == o.object_name && version == o.version;
  }
};

struct SecretSyncStatus {
  std::int64_t observed_generation = 0;
  std::vector<Condition> conditions;
  std::vector<SyncedVersion> synced_versions;  // in spec.data's order
  std::string last_sync_time;                  // RFC 3339
  std::string secret_name;
};

struct SecretSync {
  Meta meta;
  SecretSyncSpec spec;
  SecretSyncStatus status;
};

// Errors: INVALID_ARGUMENT naming the field that is missing or malformed.
absl::StatusOr<VaultMount> ParseVaultMount(const nlohmann::json& object);
VaultMount VaultMountWithoutSpec(const nlohmann::json& object);
nlohmann::json ToJson(const VaultMountStatus& status);

// Errors: INVALID_ARGUMENT naming the field that is missing or malformed, including what the
// CRD's rules refuse (a kubernetes.io/tls Secret without tls.crt, a key written twice, a
// refreshInterval under 10s, ...), since a CRD can be older than the operator.
absl::StatusOr<SecretSync> ParseSecretSync(const nlohmann::json& object);
SecretSync SecretSyncWithoutSpec(const nlohmann::json& object);
nlohmann::json ToJson(const SecretSyncStatus& status);

// Errors: INVALID_ARGUMENT naming the field that is missing or malformed.
absl::StatusOr<KeyVault> ParseKeyVault(const nlohmann::json& object);
absl::StatusOr<AccessPolicy> ParseAccessPolicy(const nlohmann::json& object);

// Metadata and status only, whatever the spec holds: what a reconciler still needs to report on,
// or finish deleting, an object whose spec does not parse. Never fails.
KeyVault KeyVaultWithoutSpec(const nlohmann::json& object);
AccessPolicy AccessPolicyWithoutSpec(const nlohmann::json& object);

// The annotation that lets a deletion finish without cleaning up in Coffer (the vault core is
// gone for good): the finalizer is removed and a Warning event says what was left behind.
inline constexpr char kAbandonAnnotation[] = "coffer.dev/abandon";
bool Abandoned(const nlohmann::json& object);

// The `status` objects, as written to the /status subresource.
nlohmann::json ToJson(const KeyVaultStatus& status);
nlohmann::json ToJson(const AccessPolicyStatus& status);
nlohmann::json ToJson(const Permissions& permissions);
Permissions PermissionsFromJson(const nlohmann::json& permissions);

}  // namespace coffer::op::v1alpha1

#endif  // COFFER_OPERATOR_API_V1ALPHA1_TYPES_H_
