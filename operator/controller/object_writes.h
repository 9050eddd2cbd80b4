#ifndef COFFER_OPERATOR_CONTROLLER_OBJECT_WRITES_H_
#define COFFER_OPERATOR_CONTROLLER_OBJECT_WRITES_H_

// The writes every reconciler makes to its own objects. Each carries the resourceVersion it was
// computed from, so a write based on a stale read fails with ABORTED (retried with backoff)
// instead of undoing someone else's change.

#include <string_view>

#include "absl/status/statusor.h"
#include "lib/kube/kube_client.h"
#include "nlohmann/json.hpp"

namespace coffer::op {

// The object with `finalizer` added (unchanged, and no call made, when it is there already).
absl::StatusOr<nlohmann::json> AddFinalizer(kube::KubeClient& kube, const kube::ResourceRef& ref,
                                            const nlohmann::json& object,
                                            std::string_view finalizer);
// The object with `finalizer` removed; the API server deletes it once none is left.
absl::Status RemoveFinalizer(kube::KubeClient& kube, const kube::ResourceRef& ref,
                             const nlohmann::json& object, std::string_view finalizer);
bool HasFinalizer(const nlohmann::json& object, std::string_view finalizer);

// Writes `status` through the /status subresource unless the object already has it (no call
// then: a reconcile that changes nothing writes nothing).
absl::Status WriteStatus(kube::KubeClient& kube, const kube::ResourceRef& ref,
                         nlohmann::json object, const nlohmann::json& status);

// The labels of every object the operator makes for others (Services, ConfigMaps, Secrets).
nlohmann::json ManagedLabels();

// ConfigMap coffer-ca (key ca.crt = `ca_pem`) in `ns`, made or brought up to date: the CA a
// namespace's clients trust, which pods mount (the workload-identity webhook injects it). No
// call when `ca_pem` is empty or the ConfigMap already holds it.
absl::Status EnsureCaConfigMap(kube::KubeClient& kube, const std::string& ns,
                               const std::string& ca_pem);

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_CONTROLLER_OBJECT_WRITES_H_
