#ifndef COFFER_OPERATOR_WEBHOOK_ADMISSION_HANDLER_H_
#define COFFER_OPERATOR_WEBHOOK_ADMISSION_HANDLER_H_

// The mutating admission webhook for workload identity, as HTTP: `POST /mutate-pods` with an
// AdmissionReview of admission.k8s.io/v1, answered with the same kind of object.
//
// A Pod CREATE whose labels hold `coffer.dev/workload-identity: "true"` is admitted with the
// JSON Patch of WorkloadIdentityPatch (pod_identity.h), the client id being that of the pod's
// ServiceAccount (spec.serviceAccountName, else "default", in request.namespace) as the
// ClientIdLookup finds it. Every other review (other kinds, operations, subresources, unlabelled
// pods) is admitted unchanged.
//
// - No client id published for the ServiceAccount: the pod is admitted with everything else and
//   the answer carries a warning saying how to publish one. A warning reaches whoever created
//   the pod (kubectl prints it; for a Deployment's pods only the ReplicaSet controller sees
//   it); the pod runs, and WorkloadIdentityCredential reports the missing client id when the
//   application first asks for a token. Not knowing the client id is a setup still in progress
//   (the operator publishes it once it reconciles the AccessPolicy), not a failure.
// - The lookup itself failed (API server unavailable, the webhook's own RBAC): the pod is
//   refused (`allowed: false`, code 503 when retrying may help, else 500) with a message
//   saying why. Admitting it would start a workload that cannot log in and says so only in
//   its own logs, long after; failing the HTTP call instead would leave the outcome to the
//   configuration's failurePolicy, and `Ignore` would admit the pod with no identity at all.
//   A refusal is retried by whoever creates the pod (a ReplicaSet backs off and retries, and its
//   FailedCreate event shows the message), so the pods come right once the lookup works.
// - A request that is not such a review: 404 for another path, 405 for another method, 400 for
//   a body that is not JSON or not an AdmissionReview v1 (or names an invalid namespace or
//   ServiceAccount), each with a short plain-text message.
//
// Nothing from the pod spec is ever logged (its env values may be secrets); what is logged of a
// request (names, review uid) is cut to 200 bytes with control characters replaced, and lookup
// failures are logged at most once per 10 s. Thread-safe as the ClientIdLookup is; a review
// blocks the calling thread for the lookup's API calls, which the webhook configuration's
// timeoutSeconds (10 s by default) bounds from the API server's side.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "lib/base/clock.h"
#include "lib/base/log_throttle.h"
#include "lib/http/http.h"
#include "operator/webhook/client_id_lookup.h"
#include "operator/webhook/pod_identity.h"

namespace coffer::op {

inline constexpr char kWorkloadIdentityLabel[] = "coffer.dev/workload-identity";  // "true"
inline constexpr char kMutatePodsPath[] = "/mutate-pods";

class AdmissionHandler : public http::Handler {
 public:
  // `clock` only paces the logging of lookup failures.
  AdmissionHandler(ClientIdLookup& client_ids, WorkloadIdentitySettings settings, Clock& clock);

  // 404 or 405 before the body is read.
  std::optional<http::Response> OnHeaders(const http::Request& head) override;
  http::Response Handle(const http::Request& request) override;

 private:
  // The AdmissionReview answer for the pod CREATE `request` (its "request" member) of `uid`.
  http::Response ReviewPod(const std::string& uid, const nlohmann::json& request);
  // The refusal for a failed lookup, logged at most once per period.
  http::Response LookupFailed(const std::string& uid, std::string_view account,
                              const absl::Status& status);

  ClientIdLookup& client_ids_;
  const WorkloadIdentitySettings settings_;
  LogThrottle lookup_failures_;
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_WEBHOOK_ADMISSION_HANDLER_H_
