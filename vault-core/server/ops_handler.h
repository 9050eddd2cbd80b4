#ifndef COFFER_VAULT_CORE_SERVER_OPS_HANDLER_H_
#define COFFER_VAULT_CORE_SERVER_OPS_HANDLER_H_

#include <array>
#include <atomic>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"

#include "lib/base/worker_pool.h"
#include "lib/http/http.h"
#include "lib/metrics/metrics.h"
#include "vault-core/audit/audit_log.h"
#include "vault-core/keystore/keystore.h"
#include "vault-core/storage/storage.h"

namespace coffer::server {

// The outermost handler: /healthz (the process answers), /readyz (storage and HSM answer) and
// /metrics (Prometheus) are served here; everything else goes to `inner` (the data plane).
// /readyz asks storage and the HSM at most once a second (an unauthenticated probe must cost
// no I/O), and answers from the last check in between, and while a check runs for up to three
// seconds (then "not ready": a check that hangs is an answer too).
// Counts every request by status code and times it. With `writers`, requests other than GET
// and HEAD are handed to it, so that an I/O thread does not wait for a write's commit (an
// fsync, or a round trip through etcd) and concurrent writes reach the store together, to be
// committed in batches; reads are mostly served from memory and stay on the I/O thread.
// Thread-safe.
class OpsHandler : public http::Handler {
 public:
  static constexpr absl::Duration kReadinessLifetime = absl::Seconds(1);

  // `audit` (optional) is reported by /readyz: a log that cannot be written makes the replica
  // not ready, since it refuses every call.
  OpsHandler(storage::Store& store, keystore::KeyStore& keystore, metrics::Registry& metrics,
             http::Handler& inner, const Clock& clock, WorkerPool* writers = nullptr,
             const audit::AuditLog* audit = nullptr);

  std::optional<http::Response> OnHeaders(const http::Request& head) override;
  void HandleAsync(const http::Request& request,
                   std::function<void(http::Response)> respond) override;
  http::Response Handle(const http::Request& request) override;
  http::Response RenderError(int status, std::string_view message) override {
    return inner_.RenderError(status, message);
  }

 private:
  http::Response Route(const http::Request& request);
  struct Readiness {
    bool storage = false;
    bool hsm = false;
  };
  http::Response Ready();
  Readiness CheckReadiness();
  void Count(const http::Response& response);

  storage::Store& store_;
  keystore::KeyStore& keystore_;
  const audit::AuditLog* const audit_;
  metrics::Registry& metrics_;
  metrics::Histogram& latency_;
  // Counters by status code, looked up in the registry once each.
  std::array<std::atomic<metrics::Counter*>, 1000> by_status_{};
  http::Handler& inner_;
  const Clock& clock_;
  WorkerPool* const writers_;
  absl::Mutex ready_mu_;
  std::optional<Readiness> ready_ ABSL_GUARDED_BY(ready_mu_);  // the last check's
  absl::Time ready_at_ ABSL_GUARDED_BY(ready_mu_);
  bool checking_ ABSL_GUARDED_BY(ready_mu_) = false;
  static constexpr int kMaxQueuedWrites = 1024;
  std::atomic<int> queued_writes_{0};
};

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_OPS_HANDLER_H_
