#include "operator/webhook/client_id_lookup.h"

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "operator/api/v1alpha1/types.h"
#include "operator/webhook/json_fields.h"

namespace coffer::op {
namespace {

using nlohmann::json;

const kube::ResourceRef kServiceAccounts{"", "v1", "serviceaccounts", true};
constexpr std::int64_t kPageSize = 200;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// A DNS-1123 label (namespaces), or with dots a DNS-1123 subdomain (ServiceAccounts). The
// KubeClient puts names into URL paths as they are, so nothing else may reach it.
bool IsKubeName(std::string_view name, std::size_t max_size, bool dots) {
  if (name.empty() || name.size() > max_size) return false;
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) return false;
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '-' && !(dots && c == '.')) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> KubeClientIdLookup::ClientIdOf(std::string_view ns,
                                                           std::string_view name) {
  if (!IsKubeName(ns, 63, /*dots=*/false) || !IsKubeName(name, 253, /*dots=*/true)) {
    return absl::InvalidArgumentError("not a valid namespace and ServiceAccount name");
  }
  absl::StatusOr<json> account = kube_.Get(kServiceAccounts, ns, name);
  if (account.ok() && account->is_object()) {
    std::string annotated =
        json_fields::StringAt(*account, {"metadata", "annotations", kClientIdAnnotation});
    if (!annotated.empty()) return annotated;
  } else if (!account.ok() && !absl::IsNotFound(account.status())) {
    return account.status();
  }
  // A ServiceAccount that does not exist is the API server's to refuse (the pod cannot be
  // created without it); what the policies say costs one more call and changes nothing then.
  return FromAccessPolicies(ns, name);
}

absl::StatusOr<std::string> KubeClientIdLookup::FromAccessPolicies(std::string_view ns,
                                                                   std::string_view name) {
  const v1alpha1::ObjectKey subject{std::string(ns), std::string(name)};
  kube::ListOptions options;
  options.limit = kPageSize;
  while (true) {
    absl::StatusOr<kube::ObjectList> page = kube_.List(v1alpha1::kAccessPolicies, ns, options);
    // NOT_FOUND: the CRD is not installed, so no policy names anyone.
    if (absl::IsNotFound(page.status())) return std::string();
    if (!page.ok()) return page.status();
    for (const json& item : page->items) {
      absl::StatusOr<v1alpha1::AccessPolicy> policy = v1alpha1::ParseAccessPolicy(item);
      if (!policy.ok() || !policy->spec.service_account.has_value()) continue;
      if (*policy->spec.service_account == subject && !policy->status.client_id.empty()) {
        return policy->status.client_id;
      }
    }
    if (page->continue_token.empty()) return std::string();
    options.continue_token = page->continue_token;
  }
}

}  // namespace coffer::op
