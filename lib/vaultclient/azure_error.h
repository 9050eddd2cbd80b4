#ifndef COFFER_LIB_VAULTCLIENT_AZURE_ERROR_H_
#define COFFER_LIB_VAULTCLIENT_AZURE_ERROR_H_

// Turns error answers of the data plane and the token endpoint into absl::Status, keeping
// Azure's code and message so that people see what the vault said. Pure functions.

#include <string_view>

#include "absl/status/status.h"

namespace coffer::vaultclient {

// The absl code for an HTTP error status from the vault: http::CodeForHttpStatus, plus 413
// INVALID_ARGUMENT, 409 ALREADY_EXISTS and 408 UNAVAILABLE.
absl::StatusCode CodeForHttpStatus(int http_status);

// A data-plane error: `{"error":{"code":C,"message":M,"innererror":{"code":I}}}` becomes
// "C: M" ("C (I): M" with an inner code); a body that is not such JSON becomes
// "HTTP <status>: <start of body>".
absl::Status StatusFromAzureError(int http_status, std::string_view body);

// A token-endpoint error: `{"error":"invalid_client","error_description":D}` becomes
// UNAUTHENTICATED "invalid_client: D" (also for unauthorized_client); invalid_request and
// invalid_scope are INVALID_ARGUMENT; without an OAuth error the HTTP status decides.
absl::Status StatusFromTokenError(int http_status, std::string_view body);

}  // namespace coffer::vaultclient

#endif  // COFFER_LIB_VAULTCLIENT_AZURE_ERROR_H_
