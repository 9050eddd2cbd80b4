#ifndef COFFER_OPERATOR_CONTROLLER_SYNCED_SECRET_H_
#define COFFER_OPERATOR_CONTROLLER_SYNCED_SECRET_H_

// The Kubernetes Secret a SecretSync keeps: what it must hold, and whether an existing Secret
// is the SecretSync's to write. Pure functions; thread-safe.

#include <map>
#include <string>
#include <vector>

#include "lib/base/secret_bytes.h"
#include "lib/kube/kube_client.h"
#include "nlohmann/json.hpp"
#include "operator/api/v1alpha1/types.h"

namespace coffer::op {

inline const kube::ResourceRef kSecrets{"", "v1", "secrets", true};

// The SecretSync (by name, in the Secret's namespace) that made a Secret: with deletionPolicy
// Retain there is no ownerReference, and this is how a SecretSync knows the Secret is its own.
inline constexpr char kSecretSyncAnnotation[] = "coffer.dev/secretsync";
// The objects' versions the Secret holds ("KEY=OBJECT/VERSION,..."), so that a reader (or the
// next reconcile) sees what is in it without comparing values.
inline constexpr char kSyncedVersionsAnnotation[] = "coffer.dev/synced-versions";

std::string EncodeVersions(const std::vector<v1alpha1::SyncedVersion>& versions);

// Whether `secret` is `sync`'s to write: it carries an ownerReference to it (by uid), or its
// annotation names it and no other object controls it. Anything else is someone else's Secret,
// which a SecretSync never takes over.
bool OwnedBy(const nlohmann::json& secret, const v1alpha1::SecretSync& sync);

// The Secret `sync` must have, holding `data` (bytes by key) of `versions`: its type, data,
// labels and annotations (the target's, then the operator's, which win), and ownerReferences
// (those of `existing` that are not `sync`'s, plus one to `sync` with deletionPolicy Delete).
// `existing` may be null (a Secret to create); otherwise the result is `existing` with those
// fields replaced, resourceVersion kept, for an update.
nlohmann::json DesiredSecret(const v1alpha1::SecretSync& sync,
                             const std::map<std::string, SecretBytes>& data,
                             const std::vector<v1alpha1::SyncedVersion>& versions,
                             const nlohmann::json* existing);

// Whether `existing` already holds what `desired` says (type, data, labels, annotations,
// ownerReferences): no write is needed then.
bool SameContent(const nlohmann::json& existing, const nlohmann::json& desired);

// `secret` without its ownerReference to `sync` (what Retain leaves behind).
nlohmann::json WithoutOwnerReference(nlohmann::json secret, const v1alpha1::SecretSync& sync);
bool HasOwnerReference(const nlohmann::json& secret, const std::string& uid);

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_CONTROLLER_SYNCED_SECRET_H_
