#include "lib/kube/token_calls.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace coffer::kube {
namespace {

using ::nlohmann::json;

std::vector<std::string> Strings(const json& value) {
  std::vector<std::string> out;
  if (!value.is_array()) return out;
  for (const json& item : value) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::string String(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// The first value of user.extra[key] (extra values are lists of strings).
std::string Extra(const json& user, const char* key) {
  if (!user.is_object() || !user.contains("extra")) return "";
  std::vector<std::string> values = Strings(user["extra"].value(key, json::array()));
  return values.empty() ? "" : values.front();
}

}  // namespace

absl::StatusOr<TokenReviewResult> ReviewToken(KubeClient& client, std::string_view token,
                                              const std::vector<std::string>& audiences) {
  json spec = {{"token", std::string(token)}};
  if (!audiences.empty()) spec["audiences"] = audiences;
  json review = {{"apiVersion", "authentication.k8s.io/v1"},
                 {"kind", "TokenReview"},
                 {"spec", std::move(spec)}};
  absl::StatusOr<json> answer =
      client.Raw("POST", "/apis/authentication.k8s.io/v1/tokenreviews", review);
  if (!answer.ok()) return answer.status();
  if (!answer->is_object() || !answer->contains("status") || !(*answer)["status"].is_object()) {
    return absl::InternalError("TokenReview response has no status");
  }
  const json& status = (*answer)["status"];
  TokenReviewResult result;
  auto authenticated = status.find("authenticated");
  result.authenticated =
      authenticated != status.end() && authenticated->is_boolean() && authenticated->get<bool>();
  const json user = status.value("user", json::object());
  result.username = String(user, "username");
  result.uid = String(user, "uid");
  if (user.is_object()) result.groups = Strings(user.value("groups", json::array()));
  result.audiences = Strings(status.value("audiences", json::array()));
  result.pod_name = Extra(user, "authentication.kubernetes.io/pod-name");
  result.pod_uid = Extra(user, "authentication.kubernetes.io/pod-uid");
  result.error = String(status, "error");
  return result;
}

absl::StatusOr<IssuedToken> RequestToken(KubeClient& client, std::string_view ns,
                                         std::string_view service_account,
                                         const std::vector<std::string>& audiences,
                                         std::int64_t expiration_seconds,
                                         const std::optional<BoundPod>& pod) {
  if (ns.empty() || service_account.empty()) {
    return absl::InvalidArgumentError("RequestToken needs a namespace and a service account");
  }
  json spec = {{"audiences", audiences}};
  if (expiration_seconds > 0) spec["expirationSeconds"] = expiration_seconds;
  if (pod.has_value()) {
    json ref = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"name", pod->name}};
    if (!pod->uid.empty()) ref["uid"] = pod->uid;
    spec["boundObjectRef"] = std::move(ref);
  }
  json request = {{"apiVersion", "authentication.k8s.io/v1"},
                  {"kind", "TokenRequest"},
                  {"spec", std::move(spec)}};
  absl::StatusOr<json> answer =
      client.Raw("POST",
                 "/api/v1/namespaces/" + std::string(ns) + "/serviceaccounts/" +
                     std::string(service_account) + "/token",
                 request);
  if (!answer.ok()) return answer.status();
  const json status =
      answer->is_object() ? answer->value("status", json::object()) : json::object();
  IssuedToken issued;
  issued.token = String(status, "token");
  if (issued.token.empty()) return absl::InternalError("TokenRequest response has no token");
  std::string expiration = String(status, "expirationTimestamp");
  std::string error;
  if (!expiration.empty() &&
      !absl::ParseTime(absl::RFC3339_full, expiration, &issued.expiration, &error)) {
    return absl::InternalError("TokenRequest expirationTimestamp \"" + expiration + "\": " + error);
  }
  return issued;
}

}  // namespace coffer::kube
