#ifndef COFFER_TESTS_KUBE_APISERVER_SERVER_WEBHOOK_CALL_H_
#define COFFER_TESTS_KUBE_APISERVER_SERVER_WEBHOOK_CALL_H_

// One call of an admission webhook as kube-apiserver makes it: a POST of an AdmissionReview v1
// to `clientConfig.url` over HTTPS (with `?timeout=Ns`, as client-go adds it), trusting
// `clientConfig.caBundle` or else the system store, and the checks the real server makes of
// the answer (webhook/request/admissionreview.go, VerifyAdmissionResponse).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/http/client.h"
#include "nlohmann/json.hpp"

namespace coffer::kube::standin {

// What a webhook answered, checked.
struct WebhookAnswer {
  bool allowed = false;
  nlohmann::json status;   // response.status, a meta/v1 Status; null when absent
  std::string patch_type;  // "" when there is no patch
  std::string patch;       // response.patch, base64-decoded: a JSON Patch document
  std::vector<std::string> warnings;
};

// Calls the webhook `client_config` names with `review` (whose request.uid the answer must
// echo), for at most `timeout`. `clients` makes the HTTPS client; an empty factory makes every
// call fail. Thread-safe if `clients` is.
//
// Any failure is what the real server calls an error calling the webhook (failurePolicy
// decides): UNAVAILABLE with the reason in the real server's words where it has them, the part
// after `failed calling webhook "NAME": `, e.g. `failed to call webhook: Post "https://...":
// ...` or `received invalid webhook response: expected response.uid="...", got "..."`. A
// clientConfig.service is such a failure too: only URLs are reachable from the stand-in.
absl::StatusOr<WebhookAnswer> CallWebhook(const http::ClientFactory& clients,
                                          const nlohmann::json& client_config,
                                          absl::Duration timeout, const nlohmann::json& review);

// The member `key` of `object`; null when `object` is no object, lacks it or holds null.
const nlohmann::json* Find(const nlohmann::json& object, const char* key);
// The string member `key` of `object`; "" when it is absent or no string.
std::string StringAt(const nlohmann::json& object, const char* key);

}  // namespace coffer::kube::standin

#endif  // COFFER_TESTS_KUBE_APISERVER_SERVER_WEBHOOK_CALL_H_
