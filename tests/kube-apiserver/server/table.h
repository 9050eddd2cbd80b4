#ifndef COFFER_TESTS_KUBE_APISERVER_SERVER_TABLE_H_
#define COFFER_TESTS_KUBE_APISERVER_SERVER_TABLE_H_

// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for (Accept: ...;as=Table) when it
// prints `kubectl get`, built from a CRD's additionalPrinterColumns as kube-apiserver does.

#include <string>
#include <string_view>
#include <vector>

#include "lib/http/http.h"
#include "nlohmann/json.hpp"
#include "tests/kube-apiserver/server/registry.h"

namespace coffer::kube::standin {

// Whether the request's Accept header asks for a Table.
bool WantsTable(const http::Request& request);

// A Table of `objects` of a custom resource: Name, then the CRD's printer columns (Age when it
// declares none). `with_columns` false leaves columnDefinitions empty, as for watch events after
// the first.
nlohmann::json ToTable(const ResourceInfo& info, const std::vector<nlohmann::json>& objects,
                       bool with_columns, const std::string& resource_version);

// The value a printer column's JSONPath picks from `object` (null when nothing): the subset
// CRDs use, `.a.b`, `.a[0]` and `.a[?(@.k=="v")].b`.
nlohmann::json EvalJsonPath(const nlohmann::json& object, std::string_view path);

}  // namespace coffer::kube::standin

#endif  // COFFER_TESTS_KUBE_APISERVER_SERVER_TABLE_H_
