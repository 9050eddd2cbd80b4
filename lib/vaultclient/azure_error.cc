#include "lib/vaultclient/azure_error.h"

#include <string>

#include "lib/http/status_code.h"
#include "nlohmann/json.hpp"

namespace coffer::vaultclient {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxQuotedBody = 200;

std::string StringField(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string RawBodyMessage(int http_status, std::string_view body) {
  std::string text(body.substr(0, kMaxQuotedBody));
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::string out = "HTTP " + std::to_string(http_status);
  return text.empty() ? out : out + ": " + text;
}

}  // namespace

absl::StatusCode CodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 413:
      return absl::StatusCode::kInvalidArgument;
    case 409:
      return absl::StatusCode::kAlreadyExists;
    case 408:
      return absl::StatusCode::kUnavailable;
    default:
      return http::CodeForHttpStatus(http_status);
  }
}

absl::Status StatusFromAzureError(int http_status, std::string_view body) {
  absl::StatusCode code = CodeForHttpStatus(http_status);
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const json* error = doc.is_object() && doc.contains("error") ? &doc["error"] : nullptr;
  if (error == nullptr || !error->is_object()) {
    return absl::Status(code, RawBodyMessage(http_status, body));
  }
  std::string azure_code = StringField(*error, "code");
  std::string message = StringField(*error, "message");
  std::string inner;
  for (const char* key : {"innererror", "innerError"}) {
    if (error->contains(key)) inner = StringField((*error)[key], "code");
  }
  if (azure_code.empty()) azure_code = "HTTP " + std::to_string(http_status);
  if (!inner.empty()) azure_code += " (" + inner + ")";
  return absl::Status(code, message.empty() ? azure_code : azure_code + ": " + message);
}

absl::Status StatusFromTokenError(int http_status, std::string_view body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string error = StringField(doc, "error");
  if (error.empty()) {
    return absl::Status(CodeForHttpStatus(http_status),
                        "token endpoint: " + RawBodyMessage(http_status, body));
  }
  absl::StatusCode code = CodeForHttpStatus(http_status);
  if (error == "invalid_client" || error == "unauthorized_client") {
    code = absl::StatusCode::kUnauthenticated;
  } else if (error == "invalid_request" || error == "invalid_scope" ||
             error == "unsupported_grant_type") {
    code = absl::StatusCode::kInvalidArgument;
  } else if (code == absl::StatusCode::kUnknown) {
    code = absl::StatusCode::kUnauthenticated;
  }
  std::string description = StringField(doc, "error_description");
  return absl::Status(code, description.empty() ? error : error + ": " + description);
}

}  // namespace coffer::vaultclient
