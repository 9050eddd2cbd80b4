#ifndef COFFER_VAULT_CORE_ENVELOPE_VAULT_KEYS_H_
#define COFFER_VAULT_CORE_ENVELOPE_VAULT_KEYS_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/clock.h"
#include "vault-core/crypto/record_sealer.h"
#include "vault-core/keystore/keystore.h"
#include "vault-core/storage/storage.h"

namespace coffer::envelope {

// Each vault's data key: created on first use, stored only wrapped by the key store's master
// key (under "datakeys/<vault id>"), unwrapped once and cached in memory as a RecordSealer.
// Thread-safe. Errors: those of the store and key store; DATA_LOSS when a stored wrapped key
// is corrupt or was wrapped by another master key.
class VaultKeys {
 public:
  VaultKeys(keystore::KeyStore& keystore, storage::Store& store, Clock& clock)
      : keystore_(keystore), store_(store), clock_(clock) {}

  absl::StatusOr<std::shared_ptr<const crypto::RecordSealer>> ForVault(std::string_view vault_id);

  // Drops the cached key, e.g. after the vault is purged.
  void Forget(std::string_view vault_id);

  static std::string StorageKey(std::string_view vault_id);

 private:
  absl::StatusOr<std::shared_ptr<const crypto::RecordSealer>> LoadOrCreate(
      const std::string& vault_id);
  absl::StatusOr<std::shared_ptr<const crypto::RecordSealer>> Unwrap(std::string_view stored);

  keystore::KeyStore& keystore_;
  storage::Store& store_;
  Clock& clock_;
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const crypto::RecordSealer>, std::less<>> cache_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace coffer::envelope

#endif  // COFFER_VAULT_CORE_ENVELOPE_VAULT_KEYS_H_
