#include "vault-core/api/rest/azure_errors.h"

#include "lib/base/logging.h"
#include "nlohmann/json.hpp"
#include "vault-core/api/rest/json_dump.h"
#include "vault-core/domain/errors.h"

namespace coffer::api::rest {
namespace {

struct Mapping {
  int http_status;
  const char* code;
  bool show_message;  // false: a generic message, so internals never reach a client
};

Mapping Map(absl::StatusCode code, std::string_view not_found_code,
            const std::optional<std::string>& reason) {
  using C = absl::StatusCode;
  switch (code) {
    case C::kInvalidArgument:
      return {400, "BadParameter", true};
    case C::kNotFound:
      return {404, nullptr, true};  // the kind's own code
    case C::kAlreadyExists:
      return {409, "Conflict", true};
    case C::kPermissionDenied:
      return {403, "Forbidden", true};
    case C::kUnauthenticated:
      return {401, "Unauthorized", true};
    case C::kFailedPrecondition:
      // Azure answers a purge under purge protection with 403; other state conflicts with 409.
      return reason == domain::reason::kPurgeProtected ? Mapping{403, "Forbidden", true}
                                                       : Mapping{409, "Conflict", true};
    case C::kAborted:
    case C::kUnavailable:
    case C::kResourceExhausted:
    case C::kDeadlineExceeded:
      return {503, "ServiceUnavailable", false};
    default:
      (void)not_found_code;
      return {500, "InternalServerError", false};
  }
}

}  // namespace

http::Response AzureError(int http_status, std::string_view code, std::string_view message,
                          std::string_view inner_code) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  if (!inner_code.empty()) error["innererror"] = {{"code", inner_code}};
  return http::Response::Json(http_status, Dump(nlohmann::json{{"error", error}}));
}

http::Response AzureError(const absl::Status& status, std::string_view not_found_code,
                          std::string_view request_id) {
  std::optional<std::string> reason = domain::ReasonOf(status);
  Mapping m = Map(status.code(), not_found_code, reason);
  std::string code = m.code != nullptr ? m.code : std::string(not_found_code);
  std::string message;
  if (m.show_message) {
    message = std::string(status.message());
  } else {
    COFFER_LOG(kVault, err, "request {} failed: {}", request_id, status.ToString());
    message = reason == domain::reason::kStorageFull
                  ? "The vault's storage is full: writes are refused until an operator frees "
                    "space; reads go on."
              : m.http_status == 503 ? "The service is temporarily unavailable; retry."
                                     : "An internal error occurred.";
  }
  std::string inner =
      reason.has_value() && *reason != domain::reason::kPurgeProtected ? *reason : std::string();
  http::Response response = AzureError(m.http_status, code, message, inner);
  if (m.http_status == 503) response.headers.Add("Retry-After", "1");
  return response;
}

}  // namespace coffer::api::rest
