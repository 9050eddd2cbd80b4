#ifndef COFFER_TESTS_KUBE_APISERVER_SERVER_MUTATING_WEBHOOKS_H_
#define COFFER_TESTS_KUBE_APISERVER_SERVER_MUTATING_WEBHOOKS_H_

// Mutating admission webhooks on create, as kube-apiserver 1.32's MutatingAdmissionWebhook
// plugin runs them (apiserver/pkg/admission/plugin/webhook/mutating/dispatcher.go): the
// admissionregistration.k8s.io/v1 MutatingWebhookConfigurations in the store, sorted by name,
// their webhooks in listed order, each seeing the object as the previous ones patched it.
// Not modelled: matchConditions (a webhook that has them fails its call), matchPolicy
// Equivalent, reinvocationPolicy IfNeeded (no webhook runs twice), AdmissionReview v1beta1, and
// updates, deletes and connects (only creates call webhooks).

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lib/http/client.h"
#include "nlohmann/json.hpp"
#include "tests/kube-apiserver/server/registry.h"
#include "tests/kube-apiserver/store/object_store.h"

namespace coffer::kube::standin {

// What the webhooks are told about a create besides the object.
struct AdmissionAttributes {
  ResourceInfo resource;
  std::string ns;             // the URL's namespace; "" for cluster-scoped resources
  nlohmann::json user;        // authentication.k8s.io/v1 UserInfo: username, uid, groups, extra
  bool dry_run = false;       // dryRun=All
  std::string field_manager;  // the fieldManager query parameter, if any
};

// Runs the mutating webhooks that apply to creates. Thread-safe: const after construction.
class MutatingWebhooks {
 public:
  // `store` holds the configurations and the namespaces, and must outlive this. `clients`
  // makes the HTTPS client of each call; an empty factory makes every call fail.
  MutatingWebhooks(const ObjectStore& store, http::ClientFactory clients);

  // Calls every webhook that applies to the create of `object` and applies its patch to
  // `object`; the webhooks' warnings are appended to `warnings`. The errors carry the real
  // server's Status: the webhook's own refusal (its code, at least 400; `admission webhook
  // "NAME" denied the request: ...`); 500 InternalError `failed calling webhook "NAME": ...`
  // when a call fails under failurePolicy Fail (under Ignore that webhook is skipped); 500
  // InternalError when a patch cannot be decoded or applied, whatever the policy; 400
  // BadRequest when a dryRun create meets a webhook whose sideEffects are not None or
  // NoneOnDryRun; 404 NotFound when a webhook selects namespaces by label and the object's
  // namespace does not exist.
  absl::Status AdmitCreate(const AdmissionAttributes& attributes, nlohmann::json& object,
                           std::vector<std::string>& warnings) const;

 private:
  const ObjectStore& store_;
  const http::ClientFactory clients_;
};

}  // namespace coffer::kube::standin

#endif  // COFFER_TESTS_KUBE_APISERVER_SERVER_MUTATING_WEBHOOKS_H_
