// MutatingWebhooks: which webhooks apply to a create (webhook/generic/webhook.go ShouldCallHook,
// predicates/rules, predicates/namespace, predicates/object) and what their answers do to it.
#include "tests/kube-apiserver/server/mutating_webhooks.h"

#include <algorithm>
#include <map>
#include <utility>

#include "lib/base/status.h"
#include "lib/kube/label_selector.h"
#include "tests/kube-apiserver/server/json_patch.h"
#include "tests/kube-apiserver/server/random_uuid.h"
#include "tests/kube-apiserver/server/webhook_call.h"
#include "tests/kube-apiserver/store/status_body.h"

namespace coffer::kube::standin {
namespace {

using json = nlohmann::json;

const char kConfigurations[] = "admissionregistration.k8s.io/v1/mutatingwebhookconfigurations";
constexpr int64_t kDefaultTimeoutSeconds = 10;
constexpr int64_t kMaxTimeoutSeconds = 30;

// One create, as every webhook is told of it.
struct Call {
  const AdmissionAttributes& attributes;
  std::string ns;    // the request's namespace; a Namespace's own name for a Namespace
  std::string name;  // "" when the object has only a generateName
};

// What calling one webhook came to. Both empty: go on (with the object patched, if it was).
struct Outcome {
  absl::Status refusal;      // refuses the create, whatever the failure policy
  std::string call_failure;  // the call failed: failurePolicy decides
};

Outcome Refused(absl::Status status) { return Outcome{std::move(status), ""}; }
Outcome Failed(std::string reason) { return Outcome{absl::OkStatus(), std::move(reason)}; }

std::vector<std::string> StringsAt(const json& object, const char* key) {
  std::vector<std::string> out;
  const json* values = Find(object, key);
  if (values == nullptr || !values->is_array()) return out;
  for (const json& value : *values) {
    if (value.is_string()) out.push_back(value.get<std::string>());
  }
  return out;
}

bool HasOrWildcard(const std::vector<std::string>& items, const std::string& wanted) {
  return std::any_of(items.begin(), items.end(),
                     [&](const std::string& item) { return item == "*" || item == wanted; });
}

std::map<std::string, std::string> LabelsOf(const json& object) {
  std::map<std::string, std::string> labels;
  const json* metadata = Find(object, "metadata");
  const json* values = metadata != nullptr ? Find(*metadata, "labels") : nullptr;
  if (values == nullptr || !values->is_object()) return labels;
  for (const auto& [key, value] : values->items()) {
    if (value.is_string()) labels[key] = value.get<std::string>();
  }
  return labels;
}

std::string NameOf(const json& object) {
  const json* metadata = Find(object, "metadata");
  return metadata != nullptr ? StringAt(*metadata, "name") : "";
}

bool IsNamespaces(const ResourceInfo& resource) { return resource.StoreKey() == "v1/namespaces"; }

absl::Status InternalError(const std::string& message) {
  return MakeKubeError(
      absl::StatusCode::kInternal, "Internal error occurred: " + message,
      KubeErrorInfo{"InternalError", 500, "", "", "", json::array({json{{"message", message}}})});
}

// The webhook's refusal as errors.ToStatusErr turns it into the answer to the client.
absl::Status Denied(const std::string& webhook, const json& status) {
  const json* code_value = Find(status, "code");
  int64_t code =
      code_value != nullptr && code_value->is_number_integer() ? code_value->get<int64_t>() : 0;
  if (code < 400) code = 400;
  if (code > 599) code = 500;  // the real server passes any code on; HTTP has none above 599
  std::string message = "admission webhook \"" + webhook + "\" denied the request";
  std::string reason = StringAt(status, "reason");
  if (std::string text = StringAt(status, "message"); !text.empty()) {
    message += ": " + text;
  } else if (!reason.empty()) {
    message += ": " + reason;
  } else {
    message += " without explanation";
  }
  const json* details = Find(status, "details");
  json none;
  const json& d = details != nullptr ? *details : none;
  const json* causes = Find(d, "causes");
  return MakeKubeError(
      absl::StatusCode::kPermissionDenied, message,
      KubeErrorInfo{reason, static_cast<int>(code), StringAt(d, "name"), StringAt(d, "group"),
                    StringAt(d, "kind"), causes != nullptr ? *causes : json()});
}

// rules.Matcher: scope, operation, group, version and resource (`res/sub`, `*`, `res/*`).
bool RuleMatches(const json& rule, const Call& call) {
  const ResourceInfo& resource = call.attributes.resource;
  std::string scope = StringAt(rule, "scope");
  bool cluster = IsNamespaces(resource) || call.ns.empty();
  if (scope == "Namespaced" && cluster) return false;
  if (scope == "Cluster" && !cluster) return false;
  if (!scope.empty() && scope != "*" && scope != "Namespaced" && scope != "Cluster") return false;
  if (!HasOrWildcard(StringsAt(rule, "operations"), "CREATE") ||
      !HasOrWildcard(StringsAt(rule, "apiGroups"), resource.group) ||
      !HasOrWildcard(StringsAt(rule, "apiVersions"), resource.version)) {
    return false;
  }
  for (const std::string& entry : StringsAt(rule, "resources")) {
    size_t slash = entry.find('/');
    std::string plural = entry.substr(0, slash);
    std::string sub = slash == std::string::npos ? "" : entry.substr(slash + 1);
    if ((plural == "*" || plural == resource.plural) && (sub == "*" || sub.empty())) return true;
  }
  return false;
}

// A null or absent selector selects everything, as the API server defaults it to {}.
absl::StatusOr<LabelSelector> SelectorAt(const json& webhook, const char* key) {
  const json* selector = Find(webhook, key);
  if (selector == nullptr) return LabelSelector();
  absl::StatusOr<LabelSelector> parsed = LabelSelector::FromJson(*selector);
  if (!parsed.ok()) return InternalError(std::string(parsed.status().message()));
  return parsed;
}

// namespace.Matcher: cluster-scoped objects other than Namespaces are never exempted; a
// Namespace is judged by its own labels.
absl::StatusOr<bool> NamespaceMatches(const ObjectStore& store, const json& webhook,
                                      const Call& call, const json& object) {
  bool namespaces = IsNamespaces(call.attributes.resource);
  if (call.ns.empty() && !namespaces) return true;
  COFFER_ASSIGN_OR_RETURN(LabelSelector selector, SelectorAt(webhook, "namespaceSelector"));
  if (selector.Empty()) return true;
  if (namespaces) return selector.Matches(LabelsOf(object));
  COFFER_ASSIGN_OR_RETURN(json ns, store.Get("v1/namespaces", "", call.ns));
  return selector.Matches(LabelsOf(ns));
}

absl::StatusOr<bool> ObjectMatches(const json& webhook, const json& object) {
  COFFER_ASSIGN_OR_RETURN(LabelSelector selector, SelectorAt(webhook, "objectSelector"));
  return selector.Matches(LabelsOf(object));
}

// As ShouldCallHook: a selector that does not match skips the webhook; a selector that cannot
// be evaluated (a missing namespace) refuses the create only if a rule matches.
absl::StatusOr<bool> Applies(const ObjectStore& store, const json& webhook, const Call& call,
                             const json& object) {
  absl::StatusOr<bool> in_namespace = NamespaceMatches(store, webhook, call, object);
  if (in_namespace.ok() && !*in_namespace) return false;
  absl::StatusOr<bool> selected = ObjectMatches(webhook, object);
  if (selected.ok() && !*selected) return false;
  const json* rules = Find(webhook, "rules");
  if (rules == nullptr || !rules->is_array() ||
      std::none_of(rules->begin(), rules->end(),
                   [&](const json& rule) { return RuleMatches(rule, call); })) {
    return false;
  }
  COFFER_RETURN_IF_ERROR(in_namespace.status());
  COFFER_RETURN_IF_ERROR(selected.status());
  return true;
}

// timeoutSeconds, 1 to 30 (what the real server's validation allows), default 10.
absl::Duration TimeoutOf(const json& webhook) {
  const json* seconds = Find(webhook, "timeoutSeconds");
  if (seconds == nullptr || !seconds->is_number_integer()) {
    return absl::Seconds(kDefaultTimeoutSeconds);
  }
  return absl::Seconds(std::clamp<int64_t>(seconds->get<int64_t>(), 1, kMaxTimeoutSeconds));
}

// The AdmissionReview v1 of the create (request.CreateV1AdmissionReview).
json Review(const Call& call, const json& object) {
  const AdmissionAttributes& attributes = call.attributes;
  const ResourceInfo& resource = attributes.resource;
  json kind = {{"group", resource.group}, {"version", resource.version}, {"kind", resource.kind}};
  json gvr = {
      {"group", resource.group}, {"version", resource.version}, {"resource", resource.plural}};
  json options = {{"kind", "CreateOptions"}, {"apiVersion", "meta.k8s.io/v1"}};
  if (attributes.dry_run) options["dryRun"] = json::array({"All"});
  if (!attributes.field_manager.empty()) options["fieldManager"] = attributes.field_manager;
  json request = {{"uid", RandomUuid()},          {"kind", kind},           {"resource", gvr},
                  {"requestKind", kind},          {"requestResource", gvr}, {"operation", "CREATE"},
                  {"userInfo", attributes.user},  {"object", object},       {"oldObject", nullptr},
                  {"dryRun", attributes.dry_run}, {"options", options}};
  if (!call.name.empty()) request["name"] = call.name;
  if (!call.ns.empty()) request["namespace"] = call.ns;
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", request}};
}

// Applies an allowed answer's patch (callAttrMutatingHook after the call). Except for an
// unsupported patch type, the real server answers InternalError here, whatever the policy.
Outcome ApplyPatch(const std::string& name, const WebhookAnswer& answer, json& object) {
  if (answer.patch.empty()) return {};
  json patch = json::parse(answer.patch, nullptr, /*allow_exceptions=*/false);
  if (patch.is_discarded()) return Refused(InternalError("the webhook's patch is not JSON"));
  if (!patch.is_array()) {
    return Refused(InternalError("json: cannot unmarshal " + std::string(patch.type_name()) +
                                 " into Go value of type jsonpatch.Patch"));
  }
  if (patch.empty()) return {};
  if (answer.patch_type != "JSONPatch") {
    return Failed("unsupported patch type \"" + answer.patch_type + "\"");
  }
  absl::StatusOr<json> patched = ApplyJsonPatch(object, patch);
  if (!patched.ok()) return Refused(InternalError(std::string(patched.status().message())));
  if (!patched->is_object() || StringAt(*patched, "apiVersion") != StringAt(object, "apiVersion") ||
      StringAt(*patched, "kind") != StringAt(object, "kind")) {
    return Refused(InternalError("admission webhook \"" + name +
                                 "\" changed the apiVersion or kind of the object"));
  }
  object = *std::move(patched);
  return {};
}

Outcome Invoke(const http::ClientFactory& clients, const json& webhook, const Call& call,
               json& object, std::vector<std::string>& warnings) {
  const std::string name = StringAt(webhook, "name");
  const json* conditions = Find(webhook, "matchConditions");
  if (conditions != nullptr && !conditions->empty()) {
    return Failed("the stand-in does not evaluate matchConditions");
  }
  if (call.attributes.dry_run) {
    std::string effects = StringAt(webhook, "sideEffects");
    if (effects.empty()) return Failed("Webhook SideEffects is nil");
    if (effects != "None" && effects != "NoneOnDryRun") {
      return Refused(
          BadRequestError("admission webhook \"" + name + "\" does not support dry run"));
    }
  }
  std::vector<std::string> versions = StringsAt(webhook, "admissionReviewVersions");
  if (std::find(versions.begin(), versions.end(), "v1") == versions.end()) {
    return Failed(
        "could not create admission objects: the stand-in sends only AdmissionReview v1, which "
        "admissionReviewVersions does not list");
  }
  const json* client_config = Find(webhook, "clientConfig");
  absl::StatusOr<WebhookAnswer> answer =
      CallWebhook(clients, client_config != nullptr ? *client_config : json(), TimeoutOf(webhook),
                  Review(call, object));
  if (!answer.ok()) return Failed(std::string(answer.status().message()));
  warnings.insert(warnings.end(), answer->warnings.begin(), answer->warnings.end());
  if (!answer->allowed) return Refused(Denied(name, answer->status));
  return ApplyPatch(name, *answer, object);
}

}  // namespace

MutatingWebhooks::MutatingWebhooks(const ObjectStore& store, http::ClientFactory clients)
    : store_(store), clients_(std::move(clients)) {}

absl::Status MutatingWebhooks::AdmitCreate(const AdmissionAttributes& attributes, json& object,
                                           std::vector<std::string>& warnings) const {
  // As the real server, never for webhook configurations themselves: a broken webhook must not
  // be able to keep its own fix out.
  if (attributes.resource.group == "admissionregistration.k8s.io") return absl::OkStatus();
  COFFER_ASSIGN_OR_RETURN(ListResult configurations,
                          store_.List(kConfigurations, "", ListOptions()));
  std::vector<json>& items = configurations.items;
  std::sort(items.begin(), items.end(),
            [](const json& a, const json& b) { return NameOf(a) < NameOf(b); });
  std::string name = NameOf(object);
  Call call{attributes, IsNamespaces(attributes.resource) ? name : attributes.ns, name};
  for (const json& configuration : items) {
    const json* webhooks = Find(configuration, "webhooks");
    if (webhooks == nullptr || !webhooks->is_array()) continue;
    for (const json& webhook : *webhooks) {
      COFFER_ASSIGN_OR_RETURN(bool applies, Applies(store_, webhook, call, object));
      if (!applies) continue;
      Outcome outcome = Invoke(clients_, webhook, call, object, warnings);
      COFFER_RETURN_IF_ERROR(outcome.refusal);
      if (outcome.call_failure.empty() || StringAt(webhook, "failurePolicy") == "Ignore") continue;
      return InternalError("failed calling webhook \"" + StringAt(webhook, "name") +
                           "\": " + outcome.call_failure);
    }
  }
  return absl::OkStatus();
}

}  // namespace coffer::kube::standin
