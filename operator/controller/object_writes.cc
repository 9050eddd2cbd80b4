#include "operator/controller/object_writes.h"

#include <string>
#include <utility>

namespace coffer::op {
namespace {

using nlohmann::json;

json Finalizers(const json& object) {
  json list = object.value("/metadata/finalizers"_json_pointer, json::array());
  return list.is_array() ? list : json::array();
}

absl::StatusOr<json> PatchFinalizers(kube::KubeClient& kube, const kube::ResourceRef& ref,
                                     const json& object, json finalizers) {
  json patch = {{"metadata",
                 {{"finalizers", std::move(finalizers)},
                  {"resourceVersion",
                   object.value("/metadata/resourceVersion"_json_pointer, std::string())}}}};
  return kube.Patch(ref, object.value("/metadata/namespace"_json_pointer, std::string()),
                    object.value("/metadata/name"_json_pointer, std::string()),
                    kube::PatchType::kMerge, patch);
}

}  // namespace

bool HasFinalizer(const json& object, std::string_view finalizer) {
  for (const json& f : Finalizers(object)) {
    if (f.is_string() && f.get<std::string>() == finalizer) return true;
  }
  return false;
}

absl::StatusOr<json> AddFinalizer(kube::KubeClient& kube, const kube::ResourceRef& ref,
                                  const json& object, std::string_view finalizer) {
  if (HasFinalizer(object, finalizer)) return object;
  json finalizers = Finalizers(object);
  finalizers.push_back(std::string(finalizer));
  return PatchFinalizers(kube, ref, object, std::move(finalizers));
}

absl::Status RemoveFinalizer(kube::KubeClient& kube, const kube::ResourceRef& ref,
                             const json& object, std::string_view finalizer) {
  if (!HasFinalizer(object, finalizer)) return absl::OkStatus();
  json kept = json::array();
  for (const json& f : Finalizers(object)) {
    if (!(f.is_string() && f.get<std::string>() == finalizer)) kept.push_back(f);
  }
  absl::StatusOr<json> patched = PatchFinalizers(kube, ref, object, std::move(kept));
  // Gone already: someone else finished the deletion.
  return absl::IsNotFound(patched.status()) ? absl::OkStatus() : patched.status();
}

absl::Status WriteStatus(kube::KubeClient& kube, const kube::ResourceRef& ref, json object,
                         const json& status) {
  if (object.contains("status") && object["status"] == status) return absl::OkStatus();
  object["status"] = status;
  const std::string ns = object.value("/metadata/namespace"_json_pointer, std::string());
  return kube.UpdateStatus(ref, ns, object).status();
}

json ManagedLabels() { return {{"app.kubernetes.io/managed-by", "coffer-operator"}}; }

absl::Status EnsureCaConfigMap(kube::KubeClient& kube, const std::string& ns,
                               const std::string& ca_pem) {
  static const kube::ResourceRef kConfigMaps{"", "v1", "configmaps", true};
  if (ca_pem.empty()) return absl::OkStatus();
  const json data = {{"ca.crt", ca_pem}};
  absl::StatusOr<json> existing = kube.Get(kConfigMaps, ns, "coffer-ca");
  if (absl::IsNotFound(existing.status())) {
    json config_map = {
        {"apiVersion", "v1"},
        {"kind", "ConfigMap"},
        {"metadata", {{"name", "coffer-ca"}, {"namespace", ns}, {"labels", ManagedLabels()}}},
        {"data", data}};
    absl::Status created = kube.Create(kConfigMaps, ns, config_map).status();
    return absl::IsAlreadyExists(created) ? absl::OkStatus() : created;  // another writer won
  }
  if (!existing.ok()) return existing.status();
  if (existing->value("data", json()) == data) return absl::OkStatus();
  json updated = *existing;
  updated["data"] = data;
  return kube.Update(kConfigMaps, ns, updated).status();
}

}  // namespace coffer::op
