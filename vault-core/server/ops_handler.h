#ifndef COFFER_VAULT_CORE_SERVER_OPS_HANDLER_H_
#define COFFER_VAULT_CORE_SERVER_OPS_HANDLER_H_

#include "lib/http/http.h"
#include "lib/metrics/metrics.h"
#include "vault-core/keystore/keystore.h"
#include "vault-core/storage/storage.h"

namespace coffer::server {

// The vault's HTTP front: /healthz (the process answers), /readyz (storage and HSM answer),
// /metrics (Prometheus), and for now a JSON 404 for everything else; the data plane will be
// routed from here. Counts every request by status code and times it. Thread-safe.
class OpsHandler : public http::Handler {
 public:
  OpsHandler(storage::Store& store, keystore::KeyStore& keystore, metrics::Registry& metrics);

  http::Response Handle(const http::Request& request) override;

 private:
  http::Response Route(const http::Request& request);
  http::Response Ready();

  storage::Store& store_;
  keystore::KeyStore& keystore_;
  metrics::Registry& metrics_;
  metrics::Histogram& latency_;
};

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_OPS_HANDLER_H_
