#include "lib/kube/kube_client.h"

#include <string>

#include "lib/http/status_code.h"

namespace coffer::kube {

std::string FormatMicroTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

std::string ApiVersion(const ResourceRef& ref) {
  return ref.group.empty() ? ref.version : ref.group + "/" + ref.version;
}

namespace {

absl::StatusCode CodeFor(int http_status, const std::string& reason) {
  switch (http_status) {
    case 415:
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 405:
      return absl::StatusCode::kUnimplemented;
    case 408:
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    case 409:
      return reason == "AlreadyExists" ? absl::StatusCode::kAlreadyExists
                                       : absl::StatusCode::kAborted;
    case 410:
      return kWatchExpired;
    default:
      break;
  }
  if (http_status >= 200 && http_status < 300) return absl::StatusCode::kOk;
  return http::CodeForHttpStatus(http_status);
}

}  // namespace

absl::Status StatusFromKubeStatus(int http_status, const nlohmann::json& status) {
  std::string reason;
  std::string message;
  if (status.is_object()) {
    if (status.contains("code") && status["code"].is_number_integer()) {
      http_status = status["code"].get<int>();
    }
    if (status.contains("reason") && status["reason"].is_string()) {
      reason = status["reason"].get<std::string>();
    }
    if (status.contains("message") && status["message"].is_string()) {
      message = status["message"].get<std::string>();
    }
  }
  absl::StatusCode code = CodeFor(http_status, reason);
  if (code == absl::StatusCode::kOk) return absl::OkStatus();
  if (message.empty()) {
    message = "kubernetes API: HTTP " + std::to_string(http_status);
    if (!reason.empty()) message += " " + reason;
  }
  return absl::Status(code, message);
}

absl::Status StatusFromResponse(int http_status, std::string_view body) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.value("kind", "") == "Status") {
    // The HTTP status wins over the body's code: a proxy may answer for the server.
    parsed["code"] = http_status;
    return StatusFromKubeStatus(http_status, parsed);
  }
  absl::Status status = StatusFromKubeStatus(http_status, nlohmann::json());
  if (status.ok() || body.empty()) return status;
  std::string snippet(body.substr(0, 200));
  return absl::Status(status.code(), std::string(status.message()) + ": " + snippet);
}

}  // namespace coffer::kube
