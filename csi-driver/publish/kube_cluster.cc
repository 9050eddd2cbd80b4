#include "csi-driver/publish/kube_cluster.h"

#include "lib/base/logging.h"
#include "lib/base/status.h"
#include "nlohmann/json.hpp"

namespace coffer::csi {
namespace {

using nlohmann::json;

const kube::ResourceRef kVaultMounts{"coffer.dev", "v1alpha1", "vaultmounts", true};
const kube::ResourceRef kKeyVaults{"coffer.dev", "v1alpha1", "keyvaults", true};
const kube::ResourceRef kAccessPolicies{"coffer.dev", "v1alpha1", "accesspolicies", true};

// NOT_FOUND of a cluster object is a precondition of the publish, not a missing volume.
absl::Status Missing(const absl::Status& status, const std::string& what) {
  if (status.code() == absl::StatusCode::kNotFound) {
    return absl::FailedPreconditionError(what + " does not exist");
  }
  return absl::Status(status.code(), "reading " + what + ": " + std::string(status.message()));
}

std::string StringAt(const json& object, const char* section, const char* key) {
  auto s = object.find(section);
  if (s == object.end() || !s->is_object()) return "";
  auto v = s->find(key);
  return v != s->end() && v->is_string() ? v->get<std::string>() : "";
}

}  // namespace

KubeCluster::KubeCluster(kube::KubeClient& client, Clock& clock, std::string node_id)
    : client_(client), events_(client, clock, "secrets.coffer.dev/coffer-csi", std::move(node_id)) {}

absl::StatusOr<crd::MountSpec> KubeCluster::GetVaultMount(const std::string& ns,
                                                     const std::string& name) {
  auto object = client_.Get(kVaultMounts, ns, name);
  if (!object.ok()) return Missing(object.status(), "VaultMount " + ns + "/" + name);
  return crd::ParseVaultMount(*object, ns);
}

absl::StatusOr<std::string> KubeCluster::VaultUrl(const std::string& ns, const std::string& name) {
  auto object = client_.Get(kKeyVaults, ns, name);
  if (!object.ok()) return Missing(object.status(), "KeyVault " + ns + "/" + name);
  std::string uri = StringAt(*object, "status", "vaultUri");
  if (uri.empty()) {
    return absl::FailedPreconditionError("KeyVault " + ns + "/" + name +
                                         " has no status.vaultUri yet (is coffer-operator running?)");
  }
  while (!uri.empty() && uri.back() == '/') uri.pop_back();
  return uri;
}

absl::StatusOr<std::string> KubeCluster::ClientId(const std::string& ns,
                                                  const std::string& service_account) {
  auto list = client_.List(kAccessPolicies, ns, {});
  if (!list.ok()) return Missing(list.status(), "the AccessPolicies of namespace " + ns);
  for (const json& policy : list->items) {
    const json* subject = policy.contains("spec") && policy["spec"].contains("subject")
                              ? &policy["spec"]["subject"]
                              : nullptr;
    if (subject == nullptr || !subject->is_object()) continue;
    std::string sa = StringAt(*subject, "serviceAccount", "name");
    std::string sa_ns = StringAt(*subject, "serviceAccount", "namespace");
    if (sa != service_account || (!sa_ns.empty() && sa_ns != ns)) continue;
    std::string client_id = StringAt(policy, "status", "clientId");
    if (!client_id.empty()) return client_id;
  }
  return absl::PermissionDeniedError("ServiceAccount " + ns + "/" + service_account +
                                     " has no managed identity: no AccessPolicy in " + ns +
                                     " grants it (or coffer-operator has not reconciled it yet)");
}

void KubeCluster::Warn(const PodInfo& pod, const std::string& reason, const std::string& note) {
  json regarding = {{"apiVersion", "v1"},
                    {"kind", "Pod"},
                    {"metadata", {{"namespace", pod.ns}, {"name", pod.name}, {"uid", pod.uid}}}};
  absl::Status recorded = events_.Record(regarding, kube::EventType::kWarning, reason,
                                         "NodePublishVolume", note);
  if (!recorded.ok()) {
    COFFER_LOG(kCsi, warn, "cannot record event {} on pod {}/{}: {}", reason, pod.ns, pod.name,
               recorded.ToString());
  }
}

}  // namespace coffer::csi
