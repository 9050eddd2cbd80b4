#include "absl/strings/numbers.h"
#include "lib/base/absl_compat.h"
#include "lib/http/server.h"

namespace coffer::http {

absl::StatusOr<ServerOptions> ListenOn(std::string_view address) {
  ServerOptions options;
  std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(AsAbsl(address.substr(colon + 1)), &options.port) || options.port < 0 ||
      options.port > 65535) {
    return absl::InvalidArgumentError("want HOST:PORT, got '" + std::string(address) + "'");
  }
  options.host = std::string(address.substr(0, colon));
  if (options.host.size() >= 2 && options.host.front() == '[' && options.host.back() == ']') {
    options.host = options.host.substr(1, options.host.size() - 2);  // [::1]:8080
  }
  options.threads = 1;
  return options;
}

}  // namespace coffer::http
