#ifndef COFFER_LIB_HTTP_BEAST_SERVER_H_
#define COFFER_LIB_HTTP_BEAST_SERVER_H_

// The HTTP(S) server backend over Boost.Beast. This header names no Boost type: including it
// costs what lib/http/server.h costs.

#include <memory>

#include "absl/status/statusor.h"
#include "lib/http/server.h"

namespace coffer::http::beast {

// Binds, starts the I/O threads and returns once the server accepts connections. The handler
// must outlive the server. Errors: INVALID_ARGUMENT (bad options, unreadable certificate or key),
// UNAVAILABLE (address in use or not bindable).
absl::StatusOr<std::unique_ptr<Server>> StartServer(const ServerOptions& options, Handler& handler);

}  // namespace coffer::http::beast

#endif  // COFFER_LIB_HTTP_BEAST_SERVER_H_
