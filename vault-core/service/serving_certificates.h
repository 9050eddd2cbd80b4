#ifndef COFFER_VAULT_CORE_SERVICE_SERVING_CERTIFICATES_H_
#define COFFER_VAULT_CORE_SERVICE_SERVING_CERTIFICATES_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/clock.h"
#include "vault-core/crypto/x509.h"
#include "vault-core/envelope/vault_keys.h"
#include "vault-core/storage/storage.h"
#include "vault-core/storage/watched_cache.h"

namespace coffer::service {

// The installation's own CA, and a TLS server certificate it issues for every vault hostname,
// so that a client reaching prod.team-a.svc sees a certificate for that name (chosen by SNI)
// and needs to trust only the CA.
//   tls/ca                CertificateRecord, sealed
//   tls/hosts/<hostname>  CertificateRecord, sealed
// Records are sealed under the installation's "_tls" data key like any vault record, so the
// database holds no private key in the clear. Server certificates live 397 days; EnsureHosts
// reissues those within 30 days of their end, or issued by another CA (the vault server calls it
// when hostnames are set and on its periodic pass). Thread-safe.
// An installation may bring its own CA instead (`issuer`, e.g. the Helm chart's): then nothing
// is generated, and certificates the previous CA issued are replaced at the next pass.
// Errors: the store's and key store's; INTERNAL when OpenSSL cannot make a certificate.
class ServingCertificates {
 public:
  static constexpr absl::Duration kCaValidity = absl::Hours(24 * 3650);
  static constexpr absl::Duration kServerValidity = absl::Hours(24 * 397);
  static constexpr absl::Duration kRenewBefore = absl::Hours(24 * 30);
  static constexpr absl::Duration kOtherValidity = absl::Hours(24 * 30);

  static absl::StatusOr<std::unique_ptr<ServingCertificates>> Create(
      storage::Store& store, envelope::VaultKeys& keys, Clock& clock,
      std::optional<crypto::CertificateAndKey> issuer = std::nullopt);

  // The CA certificate (PEM) clients should trust: the one brought, or the installation's own,
  // made on first use (one per installation, shared by every replica).
  absl::StatusOr<std::string> CaCertificate();

  // Issues a certificate for each hostname that has none, or whose certificate ends within
  // kRenewBefore.
  absl::Status EnsureHosts(const std::vector<std::string>& hostnames);

  // A server certificate from the installation's CA for names that are not vault hostnames
  // (the operator's admission webhook), valid for kOtherValidity and not stored: the caller
  // asks again to renew. INVALID_ARGUMENT unless there are 1 to 10 names, each a Kubernetes
  // Service's (NAME.NAMESPACE.svc, optionally followed by the cluster's domain: RFC 1123
  // labels, lower case) or localhost, and none a vault's hostname: the CA is what labelled pods
  // trust, so it signs no public name for anyone.
  absl::StatusOr<crypto::CertificateAndKey> IssueFor(const std::vector<std::string>& dns_names);

  // The certificate for `hostname`; NOT_FOUND when it has none. Served from memory after the
  // first read, kept fresh by a store watch.
  absl::StatusOr<std::shared_ptr<const crypto::CertificateAndKey>> ForHost(
      std::string_view hostname);

 private:
  using Cache = storage::WatchedCache<crypto::CertificateAndKey>;
  ServingCertificates(storage::Store& store, envelope::VaultKeys& keys, Clock& clock,
                      std::unique_ptr<Cache> cache, std::optional<crypto::CertificateAndKey> issuer)
      : store_(store),
        keys_(keys),
        clock_(clock),
        cache_(std::move(cache)),
        issuer_(std::move(issuer)) {}

  absl::StatusOr<crypto::CertificateAndKey> LoadCa();
  absl::StatusOr<crypto::CertificateAndKey> Read(const std::string& key,
                                                 const crypto::RecordAddress& address);
  absl::StatusOr<std::string> Seal(const crypto::RecordAddress& address,
                                   const crypto::CertificateAndKey& certificate);

  storage::Store& store_;
  envelope::VaultKeys& keys_;
  Clock& clock_;
  const std::unique_ptr<Cache> cache_;  // by hostname
  const std::optional<crypto::CertificateAndKey> issuer_;
  absl::Mutex mu_;
  std::string ca_certificate_pem_ ABSL_GUARDED_BY(mu_);  // once read
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_SERVING_CERTIFICATES_H_
