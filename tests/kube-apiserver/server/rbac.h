#ifndef COFFER_TESTS_KUBE_APISERVER_SERVER_RBAC_H_
#define COFFER_TESTS_KUBE_APISERVER_SERVER_RBAC_H_

// RBAC as kube-apiserver's authorizer applies it to service-account tokens: Roles, ClusterRoles
// and their bindings in the store decide; nothing is allowed that no rule allows. So a chart's
// RBAC is judged by running its components with their own ServiceAccounts' tokens.
// Not modelled: aggregated ClusterRoles, escalation checks on writes of RBAC objects, the
// bootstrap roles beyond discovery (every authenticated user may read /api, /apis, /version,
// /openapi).

#include <string>
#include <string_view>
#include <vector>

#include "tests/kube-apiserver/store/object_store.h"

namespace coffer::kube::standin {

// What a request asks, as kube-apiserver's RequestInfo names it.
struct RequestAttributes {
  bool resource_request = false;
  std::string verb;  // get, list, watch, create, update, patch, delete
  std::string group;
  std::string resource;
  std::string subresource;
  std::string ns;    // "" for cluster scope
  std::string name;  // "" for collections and creates
  std::string path;  // for non-resource requests
};

struct UserInfo {
  std::string name;  // system:serviceaccount:NS:NAME
  std::vector<std::string> groups;
};

// The attributes of `method` on `path` (with the query's watch flag).
RequestAttributes AttributesOf(std::string_view method, std::string_view path, bool watch);

// Whether some binding in `store` grants `user` what `request` asks.
bool RbacAllows(const ObjectStore& store, const UserInfo& user, const RequestAttributes& request);

// The real server's 403 message, e.g. `services "x" is forbidden: User "..." cannot get
// resource "services" in API group "" in the namespace "team-a"`.
std::string ForbiddenMessage(const UserInfo& user, const RequestAttributes& request);

}  // namespace coffer::kube::standin

#endif  // COFFER_TESTS_KUBE_APISERVER_SERVER_RBAC_H_
