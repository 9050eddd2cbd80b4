#ifndef COFFER_VAULT_CORE_SERVER_PURGER_H_
#define COFFER_VAULT_CORE_SERVER_PURGER_H_

#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "vault-core/service/secret_service.h"
#include "vault-core/service/serving_certificates.h"
#include "vault-core/service/vault_service.h"

namespace coffer::server {

// Purges, at start and then every `interval`, the soft-deleted secrets and vaults whose
// retention has run out, and (with `certificates`) reissues live vaults' serving certificates
// near their end or issued by another CA.
// Owns one thread; the destructor stops it and waits.
class Purger {
 public:
  Purger(service::VaultService& vaults, service::SecretService& secrets, Clock& clock,
         absl::Duration interval, service::ServingCertificates* certificates = nullptr);
  ~Purger();

  // One pass; what the thread runs. Returns how many objects and vaults went.
  int PurgeOnce();

 private:
  void Run();

  service::VaultService& vaults_;
  service::SecretService& secrets_;
  service::ServingCertificates* const certificates_;
  Clock& clock_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_PURGER_H_
