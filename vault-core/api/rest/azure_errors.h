#ifndef COFFER_VAULT_CORE_API_REST_AZURE_ERRORS_H_
#define COFFER_VAULT_CORE_API_REST_AZURE_ERRORS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "lib/http/http.h"

namespace coffer::api::rest {

// The one table from a Status (code + domain reason) to Azure Key Vault's HTTP status and error
// body {"error":{"code":..,"message":..,"innererror":{"code":..}}}. `not_found_code` names the
// object kind's NOT_FOUND code ("SecretNotFound"). Internal failures (DATA_LOSS, INTERNAL, ...)
// answer with a generic message; the detail goes to the log with `request_id`.
http::Response AzureError(const absl::Status& status, std::string_view not_found_code,
                          std::string_view request_id);

// An error body with an explicit status and codes, for errors found in the API layer itself.
http::Response AzureError(int http_status, std::string_view code, std::string_view message,
                          std::string_view inner_code = {});

}  // namespace coffer::api::rest

#endif  // COFFER_VAULT_CORE_API_REST_AZURE_ERRORS_H_
