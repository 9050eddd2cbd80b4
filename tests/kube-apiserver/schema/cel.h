// The subset of CEL that CustomResourceDefinition validation rules (x-kubernetes-validations)
// use, evaluated over JSON values as kube-apiserver evaluates them over an object's fields.
// Test-only (the API server stand-in).
//
// Supported: literals (int, double, string, bool, null, lists), `self` and `oldSelf`, field
// selection (`self.spec.sku`), indexing (`self.items[0]`, `self.labels['a']`), the operators
// ! - * / % + - == != < <= > >= in && || ?:, has() on a field, size(), startsWith(),
// endsWith(), contains(), matches(), and the all() / exists() / exists_one() macros. && and ||
// absorb errors as CEL does (`false && error` is false). Anything else is a compile error.
#ifndef COFFER_TESTS_KUBE_APISERVER_SCHEMA_CEL_H_
#define COFFER_TESTS_KUBE_APISERVER_SCHEMA_CEL_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "absl/status/statusor.h"

namespace coffer::kube::schema {

// Evaluates `rule` with `self` (and `oldSelf`, when `old_self` is given). Errors:
// INVALID_ARGUMENT when the rule does not compile (or names oldSelf without one),
// FAILED_PRECONDITION for an evaluation error ("no such key: sku").
absl::StatusOr<nlohmann::json> EvaluateCel(std::string_view rule, const nlohmann::json& self,
                                           const nlohmann::json* old_self);

// Whether the rule mentions oldSelf: a transition rule, checked on updates only.
bool IsTransitionRule(std::string_view rule);

}  // namespace coffer::kube::schema

#endif  // COFFER_TESTS_KUBE_APISERVER_SCHEMA_CEL_H_
