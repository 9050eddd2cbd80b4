#include "vault-core/server/ops_handler.h"

#include <chrono>

#include "lib/base/logging.h"
#include "nlohmann/json.hpp"

namespace coffer::server {
namespace {

bool IsOpsPath(const std::string& path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics";
}

}  // namespace

OpsHandler::OpsHandler(storage::Store& store, keystore::KeyStore& keystore,
                       metrics::Registry& metrics, http::Handler& inner, const Clock& clock,
                       WorkerPool* writers, const audit::AuditLog* audit)
    : store_(store),
      keystore_(keystore),
      audit_(audit),
      metrics_(metrics),
      latency_(metrics.GetHistogram("coffer_http_request_duration_seconds",
                                    "Time from request parsed to response ready.",
                                    metrics::LatencyBounds())),
      inner_(inner),
      clock_(clock),
      writers_(writers) {}

void OpsHandler::Count(const http::Response& response) {
  // The server answers an out-of-range status as 500.
  int status = response.status >= 100 && response.status <= 999 ? response.status : 500;
  std::atomic<metrics::Counter*>& slot = by_status_[static_cast<std::size_t>(status)];
  metrics::Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    counter = &metrics_.GetCounter("coffer_http_requests_total",
                                   "HTTP requests answered, by status code.",
                                   {{"code", std::to_string(status)}});
    slot.store(counter, std::memory_order_release);  // the registry returns the same one to all
  }
  counter->Increment();
}

std::optional<http::Response> OpsHandler::OnHeaders(const http::Request& head) {
  if (IsOpsPath(head.path)) return std::nullopt;
  auto early = inner_.OnHeaders(head);
  if (early.has_value()) Count(*early);
  return early;
}

void OpsHandler::HandleAsync(const http::Request& request,
                             std::function<void(http::Response)> respond) {
  auto start = std::chrono::steady_clock::now();
  auto finish = [this, start, respond = std::move(respond)](http::Response response) {
    latency_.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    Count(response);
    respond(std::move(response));
  };
  if (IsOpsPath(request.path)) return finish(Route(request));
  if (writers_ != nullptr && request.method != "GET" && request.method != "HEAD") {
    // Bounded: past kMaxQueuedWrites waiting or running, a write is turned away at once rather
    // than queued behind a slow store.
    if (queued_writes_.fetch_add(1) >= kMaxQueuedWrites) {
      queued_writes_.fetch_sub(1);
      http::Response busy = inner_.RenderError(503, "too many writes in progress; retry");
      busy.headers.Add("Retry-After", "1");
      return finish(std::move(busy));
    }
    // `request` stays valid until the answer.
    writers_->Post([this, &request, finish = std::move(finish)]() mutable {
      queued_writes_.fetch_sub(1);
      auto answered = std::make_shared<std::atomic<bool>>(false);
      auto once = [answered, finish](http::Response response) {
        if (!answered->exchange(true)) finish(std::move(response));
      };
      try {
        inner_.HandleAsync(request, once);
      } catch (const std::exception& e) {  // the I/O thread's dispatcher would have caught it
        COFFER_LOG(kVault, err, "request handler failed: {}", e.what());
        once(inner_.RenderError(500, "internal error"));
      }
    });
    return;
  }
  inner_.HandleAsync(request, std::move(finish));
}

http::Response OpsHandler::Handle(const http::Request& request) {
  return http::HandleAndWait(*this, request);
}

http::Response OpsHandler::Route(const http::Request& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    nlohmann::json body = {{"error", {{"code", "MethodNotAllowed"}, {"message", "use GET"}}}};
    http::Response response = http::Response::Json(405, body.dump());
    response.headers.Add("Allow", "GET, HEAD");
    return response;
  }
  if (request.path == "/healthz") return http::Response::Text(200, "ok\n");
  if (request.path == "/readyz") return Ready();
  return http::Response::Text(200, metrics_.Render(), "text/plain; version=0.0.4");
}

OpsHandler::Readiness OpsHandler::CheckReadiness() {
  {
    absl::MutexLock lock(&ready_mu_);
    const absl::Duration age = clock_.Now() - ready_at_;  // a clock stepped back: check again
    const bool valid = ready_.has_value() && age >= absl::ZeroDuration();
    // While a check runs the others get the last answer, but not for long: a check that hangs
    // (a stuck HSM or store call) must not keep the replica ready.
    if (checking_) return valid && age < 3 * kReadinessLifetime ? *ready_ : Readiness{};
    if (valid && age < kReadinessLifetime) return *ready_;
    checking_ = true;
  }
  absl::Status storage = store_.CheckHealth();
  absl::Status hsm = keystore_.CheckHealth();
  // Details go to the log (once a check, so at most once a second), never to the caller.
  if (!storage.ok()) COFFER_LOG(kVault, warn, "not ready: storage: {}", storage.ToString());
  if (!hsm.ok()) COFFER_LOG(kVault, warn, "not ready: hsm: {}", hsm.ToString());
  absl::MutexLock lock(&ready_mu_);
  ready_ = Readiness{storage.ok(), hsm.ok()};
  ready_at_ = clock_.Now();
  checking_ = false;
  return *ready_;
}

http::Response OpsHandler::Ready() {
  // Says which dependency is down, never why.
  const Readiness ready = CheckReadiness();
  // The audit log's state is an atomic read, not cached: a full disk shows at once.
  const bool audit = audit_ == nullptr || audit_->Writable();
  nlohmann::json body = {{"storage", ready.storage ? "ok" : "unavailable"},
                         {"hsm", ready.hsm ? "ok" : "unavailable"},
                         {"audit", audit ? "ok" : "unavailable"}};
  const bool all = ready.storage && ready.hsm && audit;
  body["status"] = all ? "ready" : "not ready";
  return http::Response::Json(all ? 200 : 503, body.dump());
}

}  // namespace coffer::server
