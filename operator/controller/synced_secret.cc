#include "operator/controller/synced_secret.h"

#include <utility>

#include "lib/base/base64.h"
#include "operator/controller/object_writes.h"

namespace coffer::op {
namespace {

using nlohmann::json;

json Owners(const json& object) {
  json owners = object.value("/metadata/ownerReferences"_json_pointer, json::array());
  return owners.is_array() ? owners : json::array();
}

json OwnerReference(const v1alpha1::SecretSync& sync) {
  return {{"apiVersion", "coffer.dev/v1alpha1"},
          {"kind", "SecretSync"},
          {"name", sync.meta.key.name},
          {"uid", sync.meta.uid},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

json OwnersFor(const v1alpha1::SecretSync& sync, const json* existing) {
  json owners = json::array();
  if (existing != nullptr) {
    for (const json& o : Owners(*existing)) {
      if (!(o.is_object() && o.value("uid", "") == sync.meta.uid)) owners.push_back(o);
    }
  }
  if (sync.spec.deletion_policy == v1alpha1::DeletionPolicy::kDelete) {
    owners.push_back(OwnerReference(sync));
  }
  return owners;
}

// A field of metadata as the API server returns it: absent and empty are the same.
json MetaField(const json& object, const char* field, json empty) {
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return empty;
  auto it = metadata->find(field);
  return it == metadata->end() || it->is_null() ? empty : *it;
}

}  // namespace

std::string EncodeVersions(const std::vector<v1alpha1::SyncedVersion>& versions) {
  std::string out;
  for (const v1alpha1::SyncedVersion& v : versions) {
    out += (out.empty() ? "" : ",") + v.key + "=" + v.object_name + "/" + v.version;
  }
  return out;
}

bool HasOwnerReference(const json& secret, const std::string& uid) {
  for (const json& o : Owners(secret)) {
    if (o.is_object() && o.value("uid", "") == uid) return true;
  }
  return false;
}

bool OwnedBy(const json& secret, const v1alpha1::SecretSync& sync) {
  if (!sync.meta.uid.empty() && HasOwnerReference(secret, sync.meta.uid)) return true;
  for (const json& o : Owners(secret)) {
    if (o.is_object() && o.value("controller", false)) return false;  // someone else's
  }
  const json annotations = MetaField(secret, "annotations", json::object());
  return annotations.is_object() &&
         annotations.value(kSecretSyncAnnotation, "") == sync.meta.key.name;
}

json DesiredSecret(const v1alpha1::SecretSync& sync, const std::map<std::string, SecretBytes>& data,
                   const std::vector<v1alpha1::SyncedVersion>& versions, const json* existing) {
  json labels = json::object();
  for (const auto& [k, v] : sync.spec.target.labels) labels[k] = v;
  const json managed = ManagedLabels();
  for (const auto& [k, v] : managed.items()) labels[k] = v;
  json annotations = json::object();
  for (const auto& [k, v] : sync.spec.target.annotations) annotations[k] = v;
  annotations[kSecretSyncAnnotation] = sync.meta.key.name;
  annotations[kSyncedVersionsAnnotation] = EncodeVersions(versions);
  json encoded = json::object();
  for (const auto& [key, bytes] : data) encoded[key] = Base64Encode(bytes.reveal());

  json secret =
      existing != nullptr
          ? *existing
          : json{{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", sync.spec.target.name}, {"namespace", sync.meta.key.ns}}}};
  secret["metadata"]["labels"] = std::move(labels);
  secret["metadata"]["annotations"] = std::move(annotations);
  json owners = OwnersFor(sync, existing);
  if (owners.empty()) {
    secret["metadata"].erase("ownerReferences");
  } else {
    secret["metadata"]["ownerReferences"] = std::move(owners);
  }
  secret["type"] = sync.spec.target.type;
  secret["data"] = std::move(encoded);
  secret.erase("stringData");
  return secret;
}

bool SameContent(const json& existing, const json& desired) {
  for (const char* field : {"labels", "annotations"}) {
    if (MetaField(existing, field, json::object()) != MetaField(desired, field, json::object())) {
      return false;
    }
  }
  if (MetaField(existing, "ownerReferences", json::array()) !=
      MetaField(desired, "ownerReferences", json::array())) {
    return false;
  }
  return existing.value("type", "Opaque") == desired.value("type", "Opaque") &&
         existing.value("data", json::object()) == desired.value("data", json::object());
}

json WithoutOwnerReference(json secret, const v1alpha1::SecretSync& sync) {
  json kept = json::array();
  for (const json& o : Owners(secret)) {
    if (!(o.is_object() && o.value("uid", "") == sync.meta.uid)) kept.push_back(o);
  }
  if (kept.empty()) {
    secret["metadata"].erase("ownerReferences");
  } else {
    secret["metadata"]["ownerReferences"] = std::move(kept);
  }
  return secret;
}

}  // namespace coffer::op
