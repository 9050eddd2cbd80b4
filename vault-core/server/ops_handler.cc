#include "vault-core/server/ops_handler.h"

#include <chrono>

#include "lib/base/logging.h"
#include "nlohmann/json.hpp"

namespace coffer::server {
namespace {

http::Response JsonError(int status, const std::string& code, const std::string& message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  return http::Response::Json(status, body.dump());
}

}  // namespace

OpsHandler::OpsHandler(storage::Store& store, keystore::KeyStore& keystore,
                       metrics::Registry& metrics)
    : store_(store),
      keystore_(keystore),
      metrics_(metrics),
      latency_(metrics.GetHistogram("coffer_http_request_duration_seconds",
                                    "Time from request parsed to response ready.",
                                    metrics::LatencyBounds())) {}

http::Response OpsHandler::Handle(const http::Request& request) {
  auto start = std::chrono::steady_clock::now();
  http::Response response = Route(request);
  latency_.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  metrics_
      .GetCounter("coffer_http_requests_total", "HTTP requests answered, by status code.",
                  {{"code", std::to_string(response.status)}})
      .Increment();
  return response;
}

http::Response OpsHandler::Route(const http::Request& request) {
  bool is_ops =
      request.path == "/healthz" || request.path == "/readyz" || request.path == "/metrics";
  if (is_ops && request.method != "GET" && request.method != "HEAD") {
    http::Response response = JsonError(405, "MethodNotAllowed", "use GET");
    response.headers.Add("Allow", "GET, HEAD");
    return response;
  }
  if (request.path == "/healthz") return http::Response::Text(200, "ok\n");
  if (request.path == "/readyz") return Ready();
  if (request.path == "/metrics") {
    return http::Response::Text(200, metrics_.Render(), "text/plain; version=0.0.4");
  }
  return JsonError(404, "NotFound", "no such endpoint: the data plane is not served yet");
}

http::Response OpsHandler::Ready() {
  // Says which dependency is down, never why: details go to the log, not to any caller.
  absl::Status storage = store_.CheckHealth();
  absl::Status hsm = keystore_.CheckHealth();
  nlohmann::json body = {{"storage", storage.ok() ? "ok" : "unavailable"},
                         {"hsm", hsm.ok() ? "ok" : "unavailable"}};
  bool ready = storage.ok() && hsm.ok();
  if (!storage.ok()) COFFER_LOG(kVault, warn, "not ready: storage: {}", storage.ToString());
  if (!hsm.ok()) COFFER_LOG(kVault, warn, "not ready: hsm: {}", hsm.ToString());
  body["status"] = ready ? "ready" : "not ready";
  return http::Response::Json(ready ? 200 : 503, body.dump());
}

}  // namespace coffer::server
