#ifndef COFFER_TESTS_KUBE_APISERVER_SERVER_REGISTRY_H_
#define COFFER_TESTS_KUBE_APISERVER_SERVER_REGISTRY_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

namespace coffer::kube::standin {

// One served resource of one group-version.
struct ResourceInfo {
  std::string group;  // "" for the core group
  std::string version;
  std::string plural;
  std::string singular;
  std::string kind;
  bool namespaced = true;
  std::vector<std::string> short_names;
  bool status_subresource = false;
  nlohmann::json schema;           // the CRD version's openAPIV3Schema; null for built-in types
  bool custom = false;             // served because of a CRD
  std::vector<std::string> verbs;  // discovery verbs; empty: the standard object verbs
  std::vector<std::string> categories;  // `kubectl get CATEGORY` lists every resource in it
  nlohmann::json printer_columns;       // the CRD version's additionalPrinterColumns

  // The ObjectStore key: "v1/pods", "coffer.io/v1alpha1/vaults".
  std::string StoreKey() const;
  std::string GroupVersion() const;
};

// The resources the stand-in serves: built-in types plus those of every registered CRD, and the
// discovery and OpenAPI documents derived from them. Thread-safe.
class ResourceRegistry {
 public:
  ResourceRegistry();

  std::optional<ResourceInfo> Find(std::string_view group, std::string_view version,
                                   std::string_view plural) const;
  bool HasGroupVersion(std::string_view group, std::string_view version) const;

  // Serves the resource of a stored CustomResourceDefinition (one entry per served version),
  // replacing what an earlier version of the same CRD registered. INVALID_ARGUMENT (a 422
  // Status) when the CRD lacks group, names or versions.
  absl::Status AddCrd(const nlohmann::json& crd);
  void RemoveCrd(const nlohmann::json& crd);

  nlohmann::json ApiVersions(std::string_view server_address) const;  // GET /api
  nlohmann::json ApiGroupList() const;                                // GET /apis
  // GET /api/v1, /apis/{g}/{v}; nullopt when the group-version is not served.
  std::optional<nlohmann::json> ApiResourceList(std::string_view group,
                                                std::string_view version) const;
  nlohmann::json OpenApiRoot() const;  // GET /openapi/v3
  // GET /openapi/v3/api/v1, /openapi/v3/apis/{g}/{v}; nullopt when not served.
  std::optional<nlohmann::json> OpenApiDocument(std::string_view group,
                                                std::string_view version) const;

 private:
  std::vector<ResourceInfo> ResourcesOfLocked(std::string_view group,
                                              std::string_view version) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<ResourceInfo> resources_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coffer::kube::standin

#endif  // COFFER_TESTS_KUBE_APISERVER_SERVER_REGISTRY_H_
