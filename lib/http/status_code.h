#ifndef COFFER_LIB_HTTP_STATUS_CODE_H_
#define COFFER_LIB_HTTP_STATUS_CODE_H_

#include "absl/status/status.h"

namespace coffer::http {

// The absl code a client reports for an HTTP error status, where the meaning is the same for
// every API: 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND,
// 429 and 5xx UNAVAILABLE (worth retrying), anything else UNKNOWN. Clients of one API map its
// own statuses (409, 408, 410, ...) first and fall back to this.
absl::StatusCode CodeForHttpStatus(int http_status);

}  // namespace coffer::http

#endif  // COFFER_LIB_HTTP_STATUS_CODE_H_
