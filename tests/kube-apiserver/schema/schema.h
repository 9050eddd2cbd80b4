// Structural schema validation and pruning of custom resources, as kube-apiserver does for the
// openAPIV3Schema of a CustomResourceDefinition version. Test-only (the API server stand-in).
//
// All functions are pure and thread-compatible: they keep no state between calls.
#ifndef COFFER_TESTS_KUBE_APISERVER_SCHEMA_SCHEMA_H_
#define COFFER_TESTS_KUBE_APISERVER_SCHEMA_SCHEMA_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace coffer::kube::schema {

// One violation, shaped like a Kubernetes field.Error turned into a StatusCause.
struct Cause {
  std::string field;    // "spec.replicas", "spec.items[2].name"; empty for the root.
  std::string reason;   // "FieldValueRequired", "FieldValueInvalid", "FieldValueNotSupported", ...
  std::string message;  // The error body without the field, e.g. "Required value".
};

// Validates `object` against a CRD version's openAPIV3Schema; returns every violation (empty =
// valid). Supported keywords: type, nullable, required, properties, items, additionalProperties,
// enum, pattern, minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength, maxLength,
// minItems, maxItems, format (int32, int64), x-kubernetes-list-type: set (no duplicates),
// x-kubernetes-preserve-unknown-fields,
// x-kubernetes-int-or-string and x-kubernetes-validations (CEL rules, cel.h; transition rules
// only when `old`, the object being replaced, is given). An invalid `pattern` is reported as a
// violation, never thrown.
std::vector<Cause> Validate(const nlohmann::json& schema, const nlohmann::json& object,
                            const nlohmann::json* old = nullptr);

// Fills in the `default` of every absent property the schema declares one for, at every level
// (and inside defaulted values), as kube-apiserver does before validating.
void ApplyDefaults(const nlohmann::json& schema, nlohmann::json& object);

// Removes the fields the schema does not declare, except under
// x-kubernetes-preserve-unknown-fields: true. metadata, apiVersion and kind are kept at the root.
void Prune(const nlohmann::json& schema, nlohmann::json& object);

// The 422 Status body kube-apiserver returns for an invalid object of `kind` (in API group
// `group`, empty for the core group) named `name`, with these causes.
nlohmann::json InvalidStatus(std::string_view group, std::string_view kind, std::string_view name,
                             const std::vector<Cause>& causes);

}  // namespace coffer::kube::schema

#endif  // COFFER_TESTS_KUBE_APISERVER_SCHEMA_SCHEMA_H_
