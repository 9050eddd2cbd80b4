#ifndef COFFER_VAULT_CORE_SERVER_OPS_HANDLER_H_
#define COFFER_VAULT_CORE_SERVER_OPS_HANDLER_H_

#include <array>
#include <atomic>

#include "lib/base/worker_pool.h"
#include "lib/http/http.h"
#include "lib/metrics/metrics.h"
#include "vault-core/keystore/keystore.h"
#include "vault-core/storage/storage.h"

namespace coffer::server {

// The outermost handler: /healthz (the process answers), /readyz (storage and HSM answer) and
// /metrics (Prometheus) are served here; everything else goes to `inner` (the data plane).
// Counts every request by status code and times it. With `writers`, requests other than GET
// and HEAD are handed to it, so that an I/O thread does not wait for a write's commit (an
// fsync, or a round trip through etcd) and concurrent writes reach the store together, to be
// committed in batches; reads are mostly served from memory and stay on the I/O thread.
// Thread-safe.
class OpsHandler : public http::Handler {
 public:
  OpsHandler(storage::Store& store, keystore::KeyStore& keystore, metrics::Registry& metrics,
             http::Handler& inner, WorkerPool* writers = nullptr);

  std::optional<http::Response> OnHeaders(const http::Request& head) override;
  void HandleAsync(const http::Request& request,
                   std::function<void(http::Response)> respond) override;
  http::Response Handle(const http::Request& request) override;
  http::Response RenderError(int status, std::string_view message) override {
    return inner_.RenderError(status, message);
  }

 private:
  http::Response Route(const http::Request& request);
  http::Response Ready();
  void Count(const http::Response& response);

  storage::Store& store_;
  keystore::KeyStore& keystore_;
  metrics::Registry& metrics_;
  metrics::Histogram& latency_;
  // Counters by status code, looked up in the registry once each.
  std::array<std::atomic<metrics::Counter*>, 1000> by_status_{};
  http::Handler& inner_;
  WorkerPool* const writers_;
  static constexpr int kMaxQueuedWrites = 1024;
  std::atomic<int> queued_writes_{0};
};

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_OPS_HANDLER_H_
