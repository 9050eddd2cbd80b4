#include "operator/webhook/admission_handler.h"

#include <cstddef>
#include <cstdint>
#include <utility>

#include "absl/time/time.h"
#include "lib/base/absl_compat.h"
#include "lib/base/base64.h"
#include "lib/base/json_depth.h"
#include "lib/base/logging.h"
#include "operator/webhook/json_fields.h"

namespace coffer::op {
namespace {

using json_fields::At;
using json_fields::StringAt;
using nlohmann::json;

constexpr char kAdmissionApiVersion[] = "admission.k8s.io/v1";
constexpr std::size_t kMaxShown = 200;

// `text` cut to kMaxShown bytes (at a UTF-8 character boundary), control characters replaced:
// fit for a log line or a message.
std::string Shown(std::string_view text) {
  std::size_t cut = text.size();
  if (cut > kMaxShown) {
    cut = kMaxShown;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  }
  std::string out;
  out.reserve(cut + 3);
  for (char c : text.substr(0, cut)) {
    const auto byte = static_cast<unsigned char>(c);
    out += byte < 0x20 || byte == 0x7f ? '?' : c;
  }
  if (cut < text.size()) out += "...";
  return out;
}

// Never throws: a string that is not UTF-8 (a setting, say) is sent with replacement characters.
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

http::Response Plain(int status, std::string_view message) {
  return http::Response::Text(status, std::string(message) + "\n");
}

http::Response BadRequest(std::string_view why) {
  COFFER_LOG(kOperator, debug, "admission review refused: {}", why);
  return Plain(400, why);
}

json Answer(const std::string& uid, bool allowed) {
  return json{{"apiVersion", kAdmissionApiVersion},
              {"kind", "AdmissionReview"},
              {"response", {{"uid", uid}, {"allowed", allowed}}}};
}

http::Response Send(const json& review) { return http::Response::Json(200, Dump(review)); }

bool IsPodCreate(const json& request) {
  return At(request, {"kind"}) != nullptr && StringAt(request, {"kind", "group"}).empty() &&
         StringAt(request, {"kind", "kind"}) == "Pod" &&
         StringAt(request, {"operation"}) == "CREATE" && StringAt(request, {"subResource"}).empty();
}

std::string ServiceAccountOf(const json& pod) {
  std::string name = StringAt(pod, {"spec", "serviceAccountName"});
  if (name.empty()) name = StringAt(pod, {"spec", "serviceAccount"});  // the deprecated alias
  return name.empty() ? "default" : name;
}

// For logs: the pod's name, or its generateName and a '*' before the API server picks one.
std::string PodName(const json& pod) {
  std::string name = StringAt(pod, {"metadata", "name"});
  return name.empty() ? StringAt(pod, {"metadata", "generateName"}) + "*" : name;
}

// Whether asking again soon may give an answer.
bool Transient(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded ||
         code == absl::StatusCode::kAborted || code == absl::StatusCode::kResourceExhausted ||
         code == absl::StatusCode::kCancelled;
}

}  // namespace

AdmissionHandler::AdmissionHandler(ClientIdLookup& client_ids, WorkloadIdentitySettings settings,
                                   Clock& clock)
    : client_ids_(client_ids),
      settings_(std::move(settings)),
      lookup_failures_(clock, absl::Seconds(10)) {}

std::optional<http::Response> AdmissionHandler::OnHeaders(const http::Request& head) {
  if (head.path != kMutatePodsPath) return Plain(404, "not found");
  if (head.method != "POST") {
    http::Response response = Plain(405, "method not allowed");
    response.headers.Set("Allow", "POST");
    return response;
  }
  return std::nullopt;
}

http::Response AdmissionHandler::Handle(const http::Request& request) {
  if (std::optional<http::Response> refused = OnHeaders(request)) return *std::move(refused);
  // A pod nests about ten levels deep; a deeper body costs far more to parse than its size.
  if (JsonNestsDeeperThan(request.body, 64)) return BadRequest("the body nests too deeply");
  const json review = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (review.is_discarded()) return BadRequest("the body is not JSON");
  if (StringAt(review, {"apiVersion"}) != kAdmissionApiVersion ||
      StringAt(review, {"kind"}) != "AdmissionReview") {
    return BadRequest("the body is not an AdmissionReview of admission.k8s.io/v1");
  }
  const json* body = At(review, {"request"});
  const std::string uid = body == nullptr ? "" : StringAt(*body, {"uid"});
  if (uid.empty()) return BadRequest("the AdmissionReview has no request.uid");
  if (!IsPodCreate(*body)) return Send(Answer(uid, true));
  return ReviewPod(uid, *body);
}

http::Response AdmissionHandler::ReviewPod(const std::string& uid, const json& request) {
  const json* pod = At(request, {"object"});
  if (pod == nullptr || !pod->is_object()) return BadRequest("request.object is not a Pod");
  if (StringAt(*pod, {"metadata", "labels", kWorkloadIdentityLabel}) != "true") {
    return Send(Answer(uid, true));
  }
  // On create the pod's own metadata.namespace may still be empty; the request's is not.
  std::string ns = StringAt(request, {"namespace"});
  if (ns.empty()) ns = StringAt(*pod, {"metadata", "namespace"});
  const std::string account = ServiceAccountOf(*pod);
  const std::string account_key = ns + "/" + account;

  absl::StatusOr<std::string> client_id = client_ids_.ClientIdOf(ns, account);
  if (absl::IsInvalidArgument(client_id.status())) {
    return BadRequest("request.namespace or the pod's serviceAccountName is not a valid name");
  }
  if (!client_id.ok()) return LookupFailed(uid, account_key, client_id.status());

  json answer = Answer(uid, true);
  json& response = answer["response"];
  const json patch = WorkloadIdentityPatch(*pod, *client_id, settings_);
  if (!patch.empty()) {
    response["patchType"] = "JSONPatch";
    response["patch"] = Base64Encode(Dump(patch));
  }
  if (client_id->empty()) {
    response["warnings"] = json::array({std::string(kWorkloadIdentityLabel) + ": ServiceAccount " +
                                        account_key + " has no client id: annotate it " +
                                        kClientIdAnnotation + " or grant it with an AccessPolicy"});
  }
  COFFER_LOG(kOperator, debug, "admission review {}: pod {}/{} of ServiceAccount {}: {} ops{}",
             Shown(uid), Shown(ns), Shown(PodName(*pod)), Shown(account), patch.size(),
             client_id->empty() ? ", no client id" : "");
  return Send(answer);
}

http::Response AdmissionHandler::LookupFailed(const std::string& uid, std::string_view account,
                                              const absl::Status& status) {
  const std::string why = Shown(AsStd(status.message()));
  std::int64_t held_back = 0;
  if (lookup_failures_.Admit("client id lookup", &held_back)) {
    COFFER_LOG(kOperator, warn,
               "refused a workload-identity pod of ServiceAccount {}: client id lookup failed: "
               "{}: {} ({} more refusals like it since the last line)",
               Shown(account), absl::StatusCodeToString(status.code()), why, held_back);
  }
  json answer = Answer(uid, false);
  answer["response"]["status"] = {
      {"code", Transient(status.code()) ? 503 : 500},
      {"message", std::string(kWorkloadIdentityLabel) + ": the client id of ServiceAccount " +
                      Shown(account) + " cannot be looked up (" + why +
                      "); the pod is not admitted without it"}};
  return Send(answer);
}

}  // namespace coffer::op
