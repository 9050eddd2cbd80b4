#ifndef COFFER_VAULT_CORE_SERVICE_CERTIFICATE_SERVICE_H_
#define COFFER_VAULT_CORE_SERVICE_CERTIFICATE_SERVICE_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/clock.h"
#include "vault-core/domain/certificate.h"
#include "vault-core/domain/vault.h"
#include "vault-core/envelope/vault_keys.h"
#include "vault-core/service/certificate_issuers.h"
#include "vault-core/service/key_service.h"
#include "vault-core/service/page.h"
#include "vault-core/service/versioned_objects.h"
#include "vault-core/storage/storage.h"

namespace coffer::service {

// Vault certificates with Azure Key Vault's semantics. Every issued version owns a key and a
// secret of the same name and version (managed: the keys and secrets APIs read them but refuse
// to change them), committed together with it, so no reader sees one without the others; a
// delete, recover, purge, backup or restore moves all three. Issuer Self is issued at once;
// any other issuer leaves a placeholder version and a pending operation with a CSR until a
// merge brings the signed certificate. An exportable certificate's secret holds its private key
// (PKCS#12 with an empty password, or PEM); a non-exportable one's only the chain. Keys of type
// RSA-HSM and EC-HSM are made and used in the HSM (premium vaults only).
//
// Thread-safe. Errors as VersionedObjects, plus INVALID_ARGUMENT (bad policy, import or merge:
// Azure's 400), FAILED_PRECONDITION (an operation is in progress: 409) and NOT_FOUND for a
// missing pending operation, issuer or contacts (the message says which).
class CertificateService {
 public:
  CertificateService(storage::Store& store, envelope::VaultKeys& keys, KeyService& vault_keys,
                     Clock& clock)
      : certificates_(store, keys, clock, kCertificateObjects),
        keys_(store, keys, clock, kKeyObjects),
        secrets_(store, keys, clock, kSecretObjects),
        issuers_(store, keys, clock),
        store_(store),
        sealers_(keys),
        vault_keys_(vault_keys),
        clock_(clock) {}

  // Starts a new version: issued before this returns for issuer Self (the operation answered is
  // completed), else pending until Merge. The policy replaces the certificate's.
  absl::StatusOr<domain::CertificateOperation> Create(
      const domain::Vault& vault, std::string_view name, const domain::CertificatePolicy& policy,
      const domain::CertificateCreateOptions& options);
  // `change`, when set, edits the policy the certificate gives (key properties, subject, SANs,
  // usages and validity read from it; issuer Unknown), as Azure lays a sent policy over it.
  using PolicyChange = std::function<absl::StatusOr<domain::CertificatePolicy>(
      const domain::CertificatePolicy& current)>;
  absl::StatusOr<domain::Certificate> Import(const domain::Vault& vault, std::string_view name,
                                             const domain::CertificateImport& import,
                                             const PolicyChange& change = nullptr);
  // `version` empty: the latest, which may be a pending placeholder (disabled, no DER).
  absl::StatusOr<domain::Certificate> Get(const domain::Vault& vault, std::string_view name,
                                          std::string_view version);
  // Changes a version's enabled and tags; enabled is mirrored to its key and secret.
  absl::StatusOr<domain::Certificate> Update(const domain::Vault& vault, std::string_view name,
                                             std::string_view version,
                                             const domain::CertificateUpdate& update);
  // Latest versions; names still awaiting their first issuance only with `include_pending`.
  absl::StatusOr<Page<domain::CertificateProperties>> List(const domain::Vault& vault,
                                                           const std::string& continuation,
                                                           std::size_t max_results,
                                                           bool include_pending);
  absl::StatusOr<Page<domain::CertificateProperties>> ListVersions(
      const domain::Vault& vault, std::string_view name, const std::string& continuation,
      std::size_t max_results);

  absl::StatusOr<domain::CertificatePolicy> GetPolicy(const domain::Vault& vault,
                                                      std::string_view name);
  // `change` turns the stored policy into the new one (the API's member-wise merge).
  absl::StatusOr<domain::CertificatePolicy> UpdatePolicy(const domain::Vault& vault,
                                                         std::string_view name,
                                                         const PolicyChange& change);

  absl::StatusOr<domain::CertificateOperation> GetOperation(const domain::Vault& vault,
                                                            std::string_view name);
  // Coffer has no outside CA to call off: a cancelled operation is settled at once.
  absl::StatusOr<domain::CertificateOperation> CancelOperation(const domain::Vault& vault,
                                                               std::string_view name);
  absl::StatusOr<domain::CertificateOperation> DeleteOperation(const domain::Vault& vault,
                                                               std::string_view name);
  // Issues the pending version with `chain` (DER, leaf first), whose leaf must be for the
  // pending key; `overrides` change the enabled and tags the create gave.
  absl::StatusOr<domain::Certificate> Merge(const domain::Vault& vault, std::string_view name,
                                            const std::vector<std::string>& chain,
                                            const domain::CertificateUpdate& overrides = {});

  absl::StatusOr<domain::DeletedCertificate> Delete(const domain::Vault& vault,
                                                    std::string_view name);
  absl::StatusOr<domain::DeletedCertificate> GetDeleted(const domain::Vault& vault,
                                                        std::string_view name);
  absl::StatusOr<Page<domain::DeletedCertificate>> ListDeleted(const domain::Vault& vault,
                                                               const std::string& continuation,
                                                               std::size_t max_results);
  absl::StatusOr<domain::Certificate> Recover(const domain::Vault& vault, std::string_view name);
  absl::Status Purge(const domain::Vault& vault, std::string_view name);
  // Purges every deleted certificate whose retention has run out, telling `purged` each name.
  absl::StatusOr<int> PurgeDue(const domain::Vault& vault,
                               const std::function<void(std::string_view name)>& purged = {});

  // Every version with its key and secret, and the policy, sealed under the installation's
  // backup key (HSM keys stay wrapped by this installation's master key).
  absl::StatusOr<std::string> Backup(const domain::Vault& vault, std::string_view name);
  absl::StatusOr<domain::Certificate> Restore(const domain::Vault& vault, std::string_view blob);

  // The background job's pass over one vault: renews (issuer Self) each certificate whose
  // AutoRenew trigger has come, and records each EmailContacts trigger once per version. Events
  // go to `event` for the audit log first, as KeyService::RotateDue's do: "CertificateRenewStarting"
  // (nothing happens unless written), "CertificateRenew" or "CertificateRenewFailed" (tried
  // again after kRenewalRetry), "CertificateNearExpiry". Returns how many were renewed.
  using EventFn = KeyService::EventFn;
  absl::StatusOr<int> RenewDue(const domain::Vault& vault, const EventFn& event);

  // The vault's issuers and contacts.
  CertificateIssuers& issuers() { return issuers_; }

 private:
  static constexpr absl::Duration kRenewalRetry = absl::Hours(1);
  struct Issued;
  struct Policy;

  // A new version for `policy`; `condition` makes its commit conditional (the renewal job's).
  absl::StatusOr<domain::CertificateOperation> NewVersion(
      const domain::Vault& vault, std::string_view name, const domain::CertificatePolicy& policy,
      const domain::CertificateCreateOptions& options, bool background,
      const std::vector<storage::Precondition>* condition);
  // Plans the writes of an issued version: the certificate, its key and its secret.
  absl::Status PlanIssued(const domain::Vault& vault, std::string_view name,
                          const std::string& version, const Issued& issued, CommitPlan& plan,
                          const StoredVersion* placeholder);
  absl::StatusOr<std::string> BackupOnce(const domain::Vault& vault, std::string_view name);
  // Self, Unknown, or one of the vault's issuers (INVALID_ARGUMENT otherwise).
  absl::Status CheckIssuerName(const domain::Vault& vault, const std::string& issuer_name);
  // The companion record, which must hold an operation of a live certificate (else NOT_FOUND).
  absl::StatusOr<Policy> LoadOperation(const domain::Vault& vault, std::string_view name);
  absl::StatusOr<Policy> LoadPolicy(const domain::Vault& vault, std::string_view name);
  absl::StatusOr<domain::Certificate> ToCertificate(const domain::Vault& vault,
                                                    const StoredVersion& stored,
                                                    bool with_policy);
  // Moves the certificate and whichever of its key and secret exist (delete, recover).
  // Purges the certificate and erases its key and secret; `retention_over` for the job.
  absl::Status PurgeOne(const domain::Vault& vault, std::string_view name, bool retention_over);
  absl::Status MoveAll(const domain::Vault& vault, std::string_view name,
                       absl::Status (VersionedObjects::*plan)(const domain::Vault&,
                                                              std::string_view, CommitPlan&));

  VersionedObjects certificates_;
  VersionedObjects keys_;
  VersionedObjects secrets_;
  CertificateIssuers issuers_;
  storage::Store& store_;
  envelope::VaultKeys& sealers_;
  KeyService& vault_keys_;
  Clock& clock_;
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_CERTIFICATE_SERVICE_H_
