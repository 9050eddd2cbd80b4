#ifndef COFFER_LIB_METRICS_OPS_HANDLER_H_
#define COFFER_LIB_METRICS_OPS_HANDLER_H_

#include <functional>

#include "lib/http/http.h"
#include "lib/metrics/metrics.h"

namespace coffer::metrics {

// /healthz (the process answers), /readyz (`ready()`), /metrics (Prometheus text); 404 for the
// rest. Thread-safe.
class OpsHandler : public http::Handler {
 public:
  OpsHandler(Registry& metrics, std::function<bool()> ready)
      : metrics_(metrics), ready_(std::move(ready)) {}

  http::Response Handle(const http::Request& request) override {
    if (request.method != "GET") return http::Response::Text(405, "method not allowed\n");
    if (request.path == "/healthz") return http::Response::Text(200, "ok\n");
    if (request.path == "/readyz") {
      return ready_() ? http::Response::Text(200, "ok\n")
                      : http::Response::Text(503, "caches not synced\n");
    }
    if (request.path == "/metrics") {
      return http::Response::Text(200, metrics_.Render(), "text/plain; version=0.0.4");
    }
    return http::Response::Text(404, "not found\n");
  }

 private:
  Registry& metrics_;
  const std::function<bool()> ready_;
};

}  // namespace coffer::metrics

#endif  // COFFER_LIB_METRICS_OPS_HANDLER_H_
