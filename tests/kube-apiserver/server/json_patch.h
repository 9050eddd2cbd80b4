#ifndef COFFER_TESTS_KUBE_APISERVER_SERVER_JSON_PATCH_H_
#define COFFER_TESTS_KUBE_APISERVER_SERVER_JSON_PATCH_H_

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace coffer::kube::standin {

// `document` with the JSON Patch (RFC 6902) `patch` applied: what PATCH with
// application/json-patch+json and a mutating webhook's JSONPatch do. INVALID_ARGUMENT with the
// reason when `patch` is not an array of operations or one of them does not apply (a missing
// path, a failed `test`); callers turn that into their own Status.
absl::StatusOr<nlohmann::json> ApplyJsonPatch(const nlohmann::json& document,
                                              const nlohmann::json& patch);

}  // namespace coffer::kube::standin

#endif  // COFFER_TESTS_KUBE_APISERVER_SERVER_JSON_PATCH_H_
