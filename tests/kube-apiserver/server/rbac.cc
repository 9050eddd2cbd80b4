#include "tests/kube-apiserver/server/rbac.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace coffer::kube::standin {
namespace {

using json = nlohmann::json;

bool Contains(const json& list, std::string_view value) {
  if (!list.is_array()) return false;
  return std::any_of(list.begin(), list.end(), [&](const json& item) {
    return item.is_string() && (item == "*" || item.get<std::string>() == value);
  });
}

bool RuleAllows(const json& rule, const RequestAttributes& request) {
  if (!Contains(rule.value("verbs", json::array()), request.verb)) return false;
  if (!request.resource_request) {
    for (const json& url : rule.value("nonResourceURLs", json::array())) {
      if (!url.is_string()) continue;
      std::string pattern = url;
      if (pattern == request.path) return true;
      if (absl::EndsWith(pattern, "*") &&
          absl::StartsWith(request.path, pattern.substr(0, pattern.size() - 1))) {
        return true;
      }
    }
    return false;
  }
  if (!Contains(rule.value("apiGroups", json::array()), request.group)) return false;
  const std::string resource =
      request.subresource.empty() ? request.resource : request.resource + "/" + request.subresource;
  if (!Contains(rule.value("resources", json::array()), resource)) return false;
  const json names = rule.value("resourceNames", json::array());
  // A rule naming objects cannot grant a create or a collection: there is no name to match.
  return names.empty() || (!request.name.empty() && Contains(names, request.name));
}

bool SubjectMatches(const json& subject, const UserInfo& user) {
  const std::string kind = subject.value("kind", "");
  const std::string name = subject.value("name", "");
  if (kind == "ServiceAccount") {
    return user.name == "system:serviceaccount:" + subject.value("namespace", "") + ":" + name;
  }
  if (kind == "User") return user.name == name;
  if (kind == "Group") {
    return std::find(user.groups.begin(), user.groups.end(), name) != user.groups.end();
  }
  return false;
}

bool Bound(const json& binding, const UserInfo& user) {
  for (const json& subject : binding.value("subjects", json::array())) {
    if (SubjectMatches(subject, user)) return true;
  }
  return false;
}

json RulesOf(const ObjectStore& store, const json& role_ref, std::string_view binding_ns) {
  const std::string kind = role_ref.value("kind", "");
  const std::string name = role_ref.value("name", "");
  absl::StatusOr<json> role =
      kind == "ClusterRole" ? store.Get("rbac.authorization.k8s.io/v1/clusterroles", "", name)
                            : store.Get("rbac.authorization.k8s.io/v1/roles", binding_ns, name);
  return role.ok() ? role->value("rules", json::array()) : json::array();
}

bool AnyRuleAllows(const json& rules, const RequestAttributes& request) {
  return std::any_of(rules.begin(), rules.end(),
                     [&](const json& rule) { return RuleAllows(rule, request); });
}

}  // namespace

RequestAttributes AttributesOf(std::string_view method, std::string_view path, bool watch) {
  RequestAttributes out;
  out.path = std::string(path);
  std::vector<std::string> segs = absl::StrSplit(std::string(path), '/', absl::SkipEmpty());
  std::size_t rest = 0;
  if (segs.size() >= 3 && segs[0] == "api") {
    rest = 2;
  } else if (segs.size() >= 4 && segs[0] == "apis") {
    out.group = segs[1];
    rest = 3;
  } else {
    out.verb = method == "GET" ? "get" : absl::AsciiStrToLower(std::string(method));
    return out;  // discovery, OIDC, anything else: a non-resource request
  }
  out.resource_request = true;
  std::vector<std::string> parts(segs.begin() + rest, segs.end());
  // namespaces/NS/RESOURCE... is namespaced, except a namespace's own subresources.
  if (parts.size() >= 3 && parts[0] == "namespaces" && parts[2] != "status" &&
      parts[2] != "finalize") {
    out.ns = parts[1];
    parts.erase(parts.begin(), parts.begin() + 2);
  }
  out.resource = parts[0];
  if (parts.size() >= 2) out.name = parts[1];
  if (parts.size() >= 3) out.subresource = parts[2];
  if (method == "GET") {
    out.verb = watch ? "watch" : out.name.empty() ? "list" : "get";
  } else if (method == "POST") {
    out.verb = "create";
  } else if (method == "PUT") {
    out.verb = "update";
  } else if (method == "PATCH") {
    out.verb = "patch";
  } else if (method == "DELETE") {
    out.verb = out.name.empty() ? "deletecollection" : "delete";
  } else {
    out.verb = absl::AsciiStrToLower(std::string(method));
  }
  return out;
}

bool RbacAllows(const ObjectStore& store, const UserInfo& user, const RequestAttributes& request) {
  // Discovery, as the bootstrap role system:discovery grants every authenticated user.
  if (!request.resource_request && request.verb == "get") {
    for (const std::string prefix : {"/api", "/apis", "/version", "/openapi"}) {
      if (request.path == prefix || absl::StartsWith(request.path, prefix + "/")) {
        return true;
      }
    }
  }
  absl::StatusOr<ListResult> cluster_bindings =
      store.List("rbac.authorization.k8s.io/v1/clusterrolebindings", "", {});
  if (cluster_bindings.ok()) {
    for (const json& binding : cluster_bindings->items) {
      if (Bound(binding, user) &&
          AnyRuleAllows(RulesOf(store, binding.value("roleRef", json::object()), ""), request)) {
        return true;
      }
    }
  }
  if (request.ns.empty()) return false;  // RoleBindings grant only inside their namespace
  absl::StatusOr<ListResult> bindings =
      store.List("rbac.authorization.k8s.io/v1/rolebindings", request.ns, {});
  if (!bindings.ok()) return false;
  return std::any_of(bindings->items.begin(), bindings->items.end(), [&](const json& binding) {
    return Bound(binding, user) &&
           AnyRuleAllows(RulesOf(store, binding.value("roleRef", json::object()), request.ns),
                         request);
  });
}

std::string ForbiddenMessage(const UserInfo& user, const RequestAttributes& request) {
  if (!request.resource_request) {
    return "forbidden: User \"" + user.name + "\" cannot " + request.verb + " path \"" +
           request.path + "\"";
  }
  std::string subject = request.resource;
  if (!request.name.empty()) subject += " \"" + request.name + "\"";
  const std::string resource =
      request.subresource.empty() ? request.resource : request.resource + "/" + request.subresource;
  return subject + " is forbidden: User \"" + user.name + "\" cannot " + request.verb +
         " resource \"" + resource + "\" in API group \"" + request.group + "\" " +
         (request.ns.empty() ? "at the cluster scope" : "in the namespace \"" + request.ns + "\"");
}

}  // namespace coffer::kube::standin
