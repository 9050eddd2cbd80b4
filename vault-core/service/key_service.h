#ifndef COFFER_VAULT_CORE_SERVICE_KEY_SERVICE_H_
#define COFFER_VAULT_CORE_SERVICE_KEY_SERVICE_H_

#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/clock.h"
#include "vault-core/crypto/software_key.h"
#include "vault-core/domain/key.h"
#include "vault-core/domain/vault.h"
#include "vault-core/envelope/vault_keys.h"
#include "vault-core/keystore/keystore.h"
#include "vault-core/service/page.h"
#include "vault-core/service/versioned_objects.h"
#include "vault-core/storage/storage.h"

namespace coffer::service {

// Vault keys with Azure Key Vault's semantics. Software keys (kty RSA, EC, oct) are made and
// used by OpenSSL and stored sealed under the vault's data key; HSM keys (RSA-HSM, EC-HSM,
// oct-HSM, premium vaults only) are made and used inside the key store, and what is stored
// (sealed as well) is only the blob the HSM wrapped. Private parts are never returned.
// Cryptographic calls enforce the version's `enabled`, its key_ops, and its validity window for
// encrypt, wrapKey and sign (decrypt, unwrapKey and verify are never blocked by dates, so nobody
// is locked out of their data). Callers have authorised the call.
//
// Thread-safe. Errors as VersionedObjects, plus INVALID_ARGUMENT (bad spec, JWK, algorithm or
// input: Azure's 400) and PERMISSION_DENIED (disabled, outside its window, or an operation not
// in key_ops: Azure's 403).
class KeyService {
 public:
  KeyService(storage::Store& store, envelope::VaultKeys& keys, keystore::KeyStore& keystore,
             Clock& clock)
      : objects_(store, keys, clock, kKeyObjects),
        store_(store),
        keys_(keys),
        keystore_(keystore),
        clock_(clock) {}

  absl::StatusOr<domain::Key> Create(const domain::Vault& vault, std::string_view name,
                                     domain::KeySpec spec, bool hsm,
                                     const domain::KeyCreateOptions& options);
  absl::StatusOr<domain::Key> Import(const domain::Vault& vault, std::string_view name,
                                     const domain::PrivateKeyParts& parts, bool hsm,
                                     const domain::KeyCreateOptions& options);
  // `version` empty: the latest. Works on a disabled key (only its operations are refused).
  absl::StatusOr<domain::Key> Get(const domain::Vault& vault, std::string_view name,
                                  std::string_view version);
  absl::StatusOr<domain::Key> Update(const domain::Vault& vault, std::string_view name,
                                     std::string_view version, const domain::KeyUpdate& update);
  absl::StatusOr<Page<domain::KeyProperties>> List(const domain::Vault& vault,
                                                   const std::string& continuation,
                                                   std::size_t max_results);
  absl::StatusOr<Page<domain::KeyProperties>> ListVersions(const domain::Vault& vault,
                                                           std::string_view name,
                                                           const std::string& continuation,
                                                           std::size_t max_results);

  absl::StatusOr<domain::DeletedKey> Delete(const domain::Vault& vault, std::string_view name);
  absl::StatusOr<domain::DeletedKey> GetDeleted(const domain::Vault& vault,
                                                std::string_view name);
  absl::StatusOr<Page<domain::DeletedKey>> ListDeleted(const domain::Vault& vault,
                                                       const std::string& continuation,
                                                       std::size_t max_results);
  absl::StatusOr<domain::Key> Recover(const domain::Vault& vault, std::string_view name);
  absl::Status Purge(const domain::Vault& vault, std::string_view name);
  // Purges every deleted key whose retention has run out, telling `purged` each name.
  absl::StatusOr<int> PurgeDue(const domain::Vault& vault,
                               const std::function<void(std::string_view name)>& purged = {});

  // Every version and the rotation policy, sealed under the installation's backup key. An HSM
  // key's versions stay wrapped by this installation's master key, so a backup restores into
  // this installation (any vault of a premium SKU) and nowhere else.
  absl::StatusOr<std::string> Backup(const domain::Vault& vault, std::string_view name);
  absl::StatusOr<domain::Key> Restore(const domain::Vault& vault, std::string_view blob);

  // A new version of the same type, size or curve, with the latest's key_ops and tags; with the
  // rotation policy's expiryTime, it expires that long after now.
  absl::StatusOr<domain::Key> Rotate(const domain::Vault& vault, std::string_view name);
  // Azure's default (Notify 30 days before expiry) when none was set.
  absl::StatusOr<domain::RotationPolicy> GetRotationPolicy(const domain::Vault& vault,
                                                           std::string_view name);
  absl::StatusOr<domain::RotationPolicy> SetRotationPolicy(const domain::Vault& vault,
                                                           std::string_view name,
                                                           const domain::RotationPolicy& policy);

  // The background job's pass over one vault: rotates each key whose policy's Rotate trigger
  // has come, and fires each Notify trigger once per version. A rotation commits only if the
  // key and its policy are still as the pass read them, so a concurrent rotation (another pass,
  // replica or client) is never doubled. Each step is reported through `event` for the audit
  // log, which returns whether the line was written: "KeyRotateStarting" (the version to be
  // rotated; nothing happens unless it was written), then "KeyRotate" (the new version) or
  // "KeyRotateFailed" (tried again after kRotationRetry); "KeyNearExpiry" is marked done only
  // once written.
  // One key's failure does not stop the others. Returns how many keys were rotated.
  using EventFn = std::function<bool(const char* event, const std::string& name,
                                     const std::string& version)>;
  absl::StatusOr<int> RotateDue(const domain::Vault& vault, const EventFn& event);

  absl::StatusOr<domain::KeyOperationResult> Run(const domain::Vault& vault,
                                                 std::string_view name, std::string_view version,
                                                 const domain::KeyOperationRequest& request);

  // `count` (1 to 128) bytes from OpenSSL's CSPRNG, which the kernel seeds.
  absl::StatusOr<std::string> RandomBytes(int count);

  // For certificates, which own keys (managed: true) and commit each with their own version:
  // a key version's serialized KeyVersionRecord, made but not stored, with the type's default
  // key_ops. RSA generation takes its turn as Create's does (`background` callers wait).
  absl::StatusOr<SecretBytes> NewManagedKey(const domain::Vault& vault, domain::KeySpec spec,
                                            bool hsm, bool background);
  // The record of a key an import brought; `hsm` moves it into the key store.
  absl::StatusOr<SecretBytes> ImportManagedKey(const domain::Vault& vault,
                                               const crypto::SoftwareKey& key, bool hsm);
  // Signs `digest` with such a record's key, in the HSM for an HSM key: how a certificate or a
  // request for one is signed.
  absl::StatusOr<std::string> SignWithRecord(const SecretBytes& record, domain::Algorithm alg,
                                             std::string_view digest);
  // Drops what is cached of a key its certificate purged.
  void ForgetPurged(const domain::Vault& vault, std::string_view name);

 private:
  // RSA key generation is CPU- or HSM-bound for up to seconds (RSA-4096) and runs on the
  // caller's thread, for a request an HTTP I/O thread: one runs at a time. A request that finds
  // one running gets UNAVAILABLE (503, retry) at once rather than hold its I/O thread; the
  // background job waits for its turn. EC and AES keys take microseconds and are not gated.
  static constexpr int kMaxRsaGenerations = 1;
  // How long the job waits before it tries a failed rotation again: long enough that a key that
  // cannot rotate (its vault made standard, say) does not fill the audit log.
  static constexpr absl::Duration kRotationRetry = absl::Hours(1);

  // Software keys parsed once per version (a version's key never changes), keyed by
  // "<vault id>/<name>/<version>"; the least recently used goes beyond kMaxLoadedKeys, and a
  // purged key's go with it.
  static constexpr std::size_t kMaxLoadedKeys = 256;
  absl::StatusOr<std::shared_ptr<const crypto::LoadedKey>> LoadSoftwareKey(
      const std::string& id, const crypto::SoftwareKey& key);
  void ForgetLoadedKeys(const std::string& prefix);

  // `condition` (the rotation job's) makes the commit conditional; `background` callers wait for
  // a turn to generate.
  absl::StatusOr<domain::Key> AddVersion(const domain::Vault& vault, std::string_view name,
                                         const domain::KeySpec& spec, bool hsm,
                                         const domain::KeyCreateOptions& options,
                                         const VersionedObjects::AddCondition* condition = nullptr,
                                         bool background = false);
  absl::StatusOr<SecretBytes> MakeRecord(domain::KeyType type, bool hsm, std::string material,
                                         const domain::PublicKey& public_key, int bits,
                                         const domain::KeyCreateOptions& options, bool managed);
  absl::StatusOr<SecretBytes> Generate(const domain::KeySpec& spec, bool hsm,
                                       const domain::KeyCreateOptions& options, bool background,
                                       bool managed);
  absl::StatusOr<domain::Key> Save(const domain::Vault& vault, std::string_view name,
                                    const SecretBytes& record,
                                    const VersionedObjects::AddCondition* condition);
  // A new version like `latest`'s (read at `latest.head_revision`).
  absl::StatusOr<domain::Key> RotateFrom(const domain::Vault& vault, const StoredVersion& latest,
                                         const VersionedObjects::AddCondition* condition,
                                         bool background);

  VersionedObjects objects_;
  storage::Store& store_;
  envelope::VaultKeys& keys_;
  keystore::KeyStore& keystore_;
  Clock& clock_;
  absl::Mutex generation_mu_;
  int rsa_generating_ ABSL_GUARDED_BY(generation_mu_) = 0;
  absl::Mutex loaded_mu_;
  using LoadedList = std::list<std::pair<std::string, std::shared_ptr<const crypto::LoadedKey>>>;
  LoadedList loaded_ ABSL_GUARDED_BY(loaded_mu_);  // most recently used first
  std::map<std::string, LoadedList::iterator, std::less<>> loaded_by_id_
      ABSL_GUARDED_BY(loaded_mu_);
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_KEY_SERVICE_H_
