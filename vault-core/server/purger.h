#ifndef COFFER_VAULT_CORE_SERVER_PURGER_H_
#define COFFER_VAULT_CORE_SERVER_PURGER_H_

#include <functional>
#include <string_view>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "vault-core/audit/audit_log.h"
#include "vault-core/service/certificate_service.h"
#include "vault-core/service/key_service.h"
#include "vault-core/service/secret_service.h"
#include "vault-core/service/serving_certificates.h"
#include "vault-core/service/vault_service.h"
#include "vault-core/storage/leadership.h"

namespace coffer::server {

// The background job. At start and then every `interval`: purges the soft-deleted secrets,
// keys and vaults whose retention has run out, each in the audit log (principal
// coffer:retention, operation SecretPurge, KeyPurge, CertificatePurge or VaultPurge); rotates keys whose rotation policy says so and
// records Notify triggers, both in the audit log (with `keys` and `audit`); purges certificates
// and renews those whose policy says so (with `vault_certificates`, audited the same way); and (with
// `certificates`) reissues live vaults' serving certificates near their end or issued by
// another CA.
// With several replicas only the one `leadership` elects runs passes; the others look again
// every second, so a new leader starts soon after the old one is gone.
// Owns one thread; the destructor stops it and waits.
class Purger {
 public:
  Purger(service::VaultService& vaults, service::SecretService& secrets, Clock& clock,
         absl::Duration interval, service::ServingCertificates* certificates = nullptr,
         service::KeyService* keys = nullptr, audit::AuditLog* audit = nullptr,
         service::CertificateService* vault_certificates = nullptr,
         storage::Leadership* leadership = nullptr);
  ~Purger();

  // One pass; what the thread runs. Returns how many objects and vaults went.
  int PurgeOnce();

 private:
  void Run();
  int KeysPass(const domain::Vault& vault);
  int CertificatesPass(const domain::Vault& vault);
  // Writes one of the job's events to the audit log; whether it was written. `event` ending in
  // "Starting" is the intent (STARTED), in "Failed" a failure (FAILED).
  bool Audit(const domain::Vault& vault, const char* principal, const std::string& object,
             const char* event);
  // Audits, as `operation`, each object of `collection` a retention purge takes from `vault`.
  std::function<void(std::string_view)> Purged(const domain::Vault& vault,
                                               const char* collection, const char* operation);

  service::VaultService& vaults_;
  service::SecretService& secrets_;
  service::ServingCertificates* const certificates_;
  service::KeyService* const keys_;
  service::CertificateService* const vault_certificates_;
  audit::AuditLog* const audit_;
  storage::Leadership* const leadership_;
  Clock& clock_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_PURGER_H_
