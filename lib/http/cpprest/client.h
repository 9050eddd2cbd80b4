#ifndef COFFER_LIB_HTTP_CPPREST_CLIENT_H_
#define COFFER_LIB_HTTP_CPPREST_CLIENT_H_

// The HTTP(S) client backend over cpprestsdk. This header names no cpprestsdk type: including
// it costs what lib/http/client.h costs.

#include <memory>

#include "absl/status/statusor.h"
#include "lib/http/client.h"

namespace coffer::http::cpprest {

// A ClientFactory. Errors: INVALID_ARGUMENT (bad URL, unreadable CA or client certificate).
absl::StatusOr<std::unique_ptr<Client>> NewClient(const ClientOptions& options);

}  // namespace coffer::http::cpprest

#endif  // COFFER_LIB_HTTP_CPPREST_CLIENT_H_
