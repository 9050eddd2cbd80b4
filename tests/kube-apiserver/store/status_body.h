#ifndef COFFER_TESTS_KUBE_APISERVER_STORE_STATUS_BODY_H_
#define COFFER_TESTS_KUBE_APISERVER_STORE_STATUS_BODY_H_

// Kubernetes errors as absl::Status. The Kubernetes reason, HTTP code and details travel in a
// Status payload so that the HTTP layer can render the Status body the real API server sends.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace coffer::kube::standin {

// "apps/v1/deployments" -> {apps, v1, deployments}; "v1/pods" -> {"", v1, pods}.
struct ResourceName {
  std::string group;
  std::string version;
  std::string plural;

  static ResourceName Parse(std::string_view resource);
  // "deployments.apps", or just "pods" for the core group, as in the server's messages.
  std::string Qualified() const;
  std::string ApiVersion() const;
};

// What the HTTP layer needs beyond the absl code.
struct KubeErrorInfo {
  std::string reason;  // NotFound, AlreadyExists, Conflict, Expired, Invalid, BadRequest
  int code = 500;
  // details; empty name/group/kind and null causes are left out of the body.
  std::string name;
  std::string group;
  std::string kind;
  nlohmann::json causes;
};

absl::Status MakeKubeError(absl::StatusCode code, std::string_view message,
                           const KubeErrorInfo& info);
std::optional<KubeErrorInfo> GetKubeErrorInfo(const absl::Status& status);

// The errors the store returns, with the real server's messages.
absl::Status NotFoundError(const ResourceName& resource, std::string_view name);  // NOT_FOUND
absl::Status AlreadyExistsError(const ResourceName& resource,
                                std::string_view name);                           // ALREADY_EXISTS
absl::Status ConflictError(const ResourceName& resource, std::string_view name);  // ABORTED
// FAILED_PRECONDITION: the watcher must re-list.
absl::Status ExpiredError(std::string_view requested_rv, uint64_t oldest_available_minus_one);
// INVALID_ARGUMENT, 422 with one cause.
absl::Status InvalidError(const ResourceName& resource, std::string_view kind,
                          std::string_view name, std::string_view field,
                          std::string_view cause_reason, std::string_view detail);
absl::Status BadRequestError(std::string_view message);  // INVALID_ARGUMENT, 400

// {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",...}. A status without a
// payload is mapped from its code (NOT_FOUND -> 404 NotFound, ... else 500 InternalError).
nlohmann::json StatusBody(const absl::Status& status);

}  // namespace coffer::kube::standin

#endif  // COFFER_TESTS_KUBE_APISERVER_STORE_STATUS_BODY_H_
