#include "tests/kube-apiserver/server/registry.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "tests/kube-apiserver/store/status_body.h"

namespace coffer::kube::standin {
namespace {

using json = nlohmann::json;

const std::vector<std::string> kVerbs = {"create", "delete", "get",  "list",
                                         "patch",  "update", "watch"};

ResourceInfo Builtin(std::string group, std::string version, std::string plural,
                     std::string singular, std::string kind, bool namespaced,
                     std::vector<std::string> short_names, bool status = false) {
  return ResourceInfo{std::move(group),
                      std::move(version),
                      std::move(plural),
                      std::move(singular),
                      std::move(kind),
                      namespaced,
                      std::move(short_names),
                      status,
                      nullptr,
                      false,
                      {},
                      {},
                      nullptr};
}

std::vector<std::string> StringList(const json& value) {
  std::vector<std::string> out;
  if (!value.is_array()) return out;
  for (const json& item : value) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

absl::Status CrdInvalid(const json& crd, std::string_view field) {
  std::string name = crd.value("/metadata/name"_json_pointer, std::string());
  return InvalidError(ResourceName::Parse("apiextensions.k8s.io/v1/customresourcedefinitions"),
                      "CustomResourceDefinition", name, field, "FieldValueRequired",
                      "Required value");
}

json ResourceEntry(const ResourceInfo& info) {
  json entry = {{"name", info.plural},
                {"singularName", info.singular},
                {"namespaced", info.namespaced},
                {"kind", info.kind},
                {"verbs", info.verbs.empty() ? kVerbs : info.verbs}};
  if (!info.short_names.empty()) entry["shortNames"] = info.short_names;
  if (!info.categories.empty()) entry["categories"] = info.categories;
  return entry;
}

}  // namespace

std::string ResourceInfo::StoreKey() const { return GroupVersion() + "/" + plural; }

std::string ResourceInfo::GroupVersion() const {
  return group.empty() ? version : group + "/" + version;
}

ResourceRegistry::ResourceRegistry() {
  resources_ = {
      Builtin("", "v1", "namespaces", "namespace", "Namespace", false, {"ns"}, true),
      Builtin("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"}),
      Builtin("", "v1", "secrets", "secret", "Secret", true, {}),
      Builtin("", "v1", "configmaps", "configmap", "ConfigMap", true, {"cm"}),
      Builtin("", "v1", "pods", "pod", "Pod", true, {"po"}, true),
      Builtin("", "v1", "services", "service", "Service", true, {"svc"}, true),
      Builtin("", "v1", "events", "event", "Event", true, {"ev"}),
      Builtin("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim",
              true, {"pvc"}, true),
      // Workloads, policy and RBAC are stored, listed and watched like any object (nothing runs
      // them): enough for the Helm chart's manifests to be applied by kubectl.
      Builtin("apps", "v1", "deployments", "deployment", "Deployment", true, {"deploy"}, true),
      Builtin("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, {"sts"}, true),
      Builtin("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, {"ds"}, true),
      Builtin("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget",
              true, {"pdb"}, true),
      Builtin("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", true,
              {"netpol"}),
      Builtin("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, {}),
      Builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true,
              {}),
      Builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false,
              {}),
      Builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding",
              "ClusterRoleBinding", false, {}),
      Builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
              "CustomResourceDefinition", false, {"crd", "crds"}, true),
      // Called on every create (mutating_webhooks.h).
      Builtin("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations",
              "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", false, {}),
      Builtin("authentication.k8s.io", "v1", "tokenreviews", "", "TokenReview", false, {}),
      Builtin("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, {}),
      Builtin("events.k8s.io", "v1", "events", "event", "Event", true, {"ev"}),
      Builtin("storage.k8s.io", "v1", "csidrivers", "csidriver", "CSIDriver", false, {}),
  };
  for (ResourceInfo& info : resources_) {
    if (info.plural == "tokenreviews") info.verbs = {"create"};
  }
}

std::optional<ResourceInfo> ResourceRegistry::Find(std::string_view group, std::string_view version,
                                                   std::string_view plural) const {
  absl::ReaderMutexLock lock(&mu_);
  for (const ResourceInfo& info : resources_) {
    if (info.group == group && info.version == version && info.plural == plural) return info;
  }
  return std::nullopt;
}

bool ResourceRegistry::HasGroupVersion(std::string_view group, std::string_view version) const {
  absl::ReaderMutexLock lock(&mu_);
  return !ResourcesOfLocked(group, version).empty();
}

absl::Status ResourceRegistry::AddCrd(const json& crd) {
  const json spec = crd.value("spec", json::object());
  const json names = spec.value("names", json::object());
  std::string group = spec.value("group", "");
  if (group.empty()) return CrdInvalid(crd, "spec.group");
  if (names.value("plural", "").empty()) return CrdInvalid(crd, "spec.names.plural");
  if (names.value("kind", "").empty()) return CrdInvalid(crd, "spec.names.kind");
  if (!spec.contains("versions") || !spec["versions"].is_array() || spec["versions"].empty()) {
    return CrdInvalid(crd, "spec.versions");
  }
  std::vector<ResourceInfo> added;
  for (const json& version : spec["versions"]) {
    if (!version.is_object() || !version.value("served", true)) continue;
    ResourceInfo info;
    info.custom = true;
    info.group = group;
    info.version = version.value("name", "");
    info.plural = names.value("plural", "");
    info.kind = names.value("kind", "");
    info.singular = names.value("singular", "");
    if (info.singular.empty()) {
      info.singular = info.kind;
      for (char& c : info.singular) c = static_cast<char>(std::tolower(c));
    }
    info.namespaced = spec.value("scope", "Namespaced") != "Cluster";
    info.short_names = StringList(names.value("shortNames", json::array()));
    info.categories = StringList(names.value("categories", json::array()));
    info.printer_columns = version.value("additionalPrinterColumns", json::array());
    info.status_subresource = version.contains("/subresources/status"_json_pointer);
    info.schema = version.value("/schema/openAPIV3Schema"_json_pointer, json());
    added.push_back(std::move(info));
  }
  RemoveCrd(crd);
  absl::MutexLock lock(&mu_);
  for (ResourceInfo& info : added) resources_.push_back(std::move(info));
  return absl::OkStatus();
}

void ResourceRegistry::RemoveCrd(const json& crd) {
  std::string group = crd.value("/spec/group"_json_pointer, std::string());
  std::string plural = crd.value("/spec/names/plural"_json_pointer, std::string());
  absl::MutexLock lock(&mu_);
  std::vector<ResourceInfo> kept;
  for (ResourceInfo& info : resources_) {
    if (info.custom && info.group == group && info.plural == plural) continue;
    kept.push_back(std::move(info));
  }
  resources_ = std::move(kept);
}

json ResourceRegistry::ApiVersions(std::string_view server_address) const {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

json ResourceRegistry::ApiGroupList() const {
  absl::ReaderMutexLock lock(&mu_);
  json groups = json::array();
  std::map<std::string, size_t> index;
  for (const ResourceInfo& info : resources_) {
    if (info.group.empty()) continue;
    json version = {{"groupVersion", info.GroupVersion()}, {"version", info.version}};
    auto it = index.find(info.group);
    if (it == index.end()) {
      index[info.group] = groups.size();
      groups.push_back(
          {{"name", info.group}, {"versions", {version}}, {"preferredVersion", version}});
    } else {
      // One entry per group-version, however many resources it serves (json::contains looks
      // for object keys, not array elements).
      json& versions = groups[it->second]["versions"];
      if (std::find(versions.begin(), versions.end(), version) == versions.end()) {
        versions.push_back(version);
      }
    }
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<json> ResourceRegistry::ApiResourceList(std::string_view group,
                                                      std::string_view version) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<ResourceInfo> resources = ResourcesOfLocked(group, version);
  if (resources.empty()) return std::nullopt;
  json list = json::array();
  for (const ResourceInfo& info : resources) {
    list.push_back(ResourceEntry(info));
    if (info.status_subresource) {
      list.push_back({{"name", info.plural + "/status"},
                      {"singularName", ""},
                      {"namespaced", info.namespaced},
                      {"kind", info.kind},
                      {"verbs", {"get", "patch", "update"}}});
    }
    if (info.StoreKey() == "v1/serviceaccounts") {
      list.push_back({{"name", "serviceaccounts/token"},
                      {"singularName", ""},
                      {"namespaced", true},
                      {"group", "authentication.k8s.io"},
                      {"version", "v1"},
                      {"kind", "TokenRequest"},
                      {"verbs", {"create"}}});
    }
  }
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", resources.front().GroupVersion()},
              {"resources", list}};
}

json ResourceRegistry::OpenApiRoot() const {
  std::vector<std::pair<std::string, std::string>> gvs;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const ResourceInfo& info : resources_) {
      std::pair<std::string, std::string> gv(info.group, info.version);
      bool seen = false;
      for (const auto& known : gvs) seen = seen || known == gv;
      if (!seen) gvs.push_back(gv);
    }
  }
  json paths = json::object();
  for (const auto& [group, version] : gvs) {
    std::string path = group.empty() ? "api/" + version : "apis/" + group + "/" + version;
    std::string doc = OpenApiDocument(group, version).value_or(json()).dump();
    paths[path] = {{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" +
                                             std::to_string(std::hash<std::string>{}(doc))}};
  }
  return {{"paths", paths}};
}

std::optional<json> ResourceRegistry::OpenApiDocument(std::string_view group,
                                                      std::string_view version) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<ResourceInfo> resources = ResourcesOfLocked(group, version);
  if (resources.empty()) return std::nullopt;
  json paths = json::object();
  for (const ResourceInfo& info : resources) {
    std::string prefix =
        info.group.empty() ? "/api/" + info.version : "/apis/" + info.GroupVersion();
    if (info.namespaced) prefix += "/namespaces/{namespace}";
    json patch = {
        {"x-kubernetes-group-version-kind",
         {{"group", info.group}, {"version", info.version}, {"kind", info.kind}}},
        {"x-kubernetes-action", "patch"},
        {"parameters",
         {{{"name", "fieldValidation"}, {"in", "query"}, {"schema", {{"type", "string"}}}}}},
        {"responses", {{"200", {{"description", "OK"}}}}}};
    paths[prefix + "/" + info.plural + "/{name}"] = {{"patch", patch}};
  }
  return json{{"openapi", "3.0.0"},
              {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
              {"paths", paths},
              {"components", {{"schemas", json::object()}}}};
}

std::vector<ResourceInfo> ResourceRegistry::ResourcesOfLocked(std::string_view group,
                                                              std::string_view version) const {
  std::vector<ResourceInfo> out;
  for (const ResourceInfo& info : resources_) {
    if (info.group == group && info.version == version) out.push_back(info);
  }
  return out;
}

}  // namespace coffer::kube::standin
