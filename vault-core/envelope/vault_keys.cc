#include "vault-core/envelope/vault_keys.h"

#include "absl/strings/str_cat.h"
#include "coffer/envelope/v1/envelope.pb.h"
#include "lib/base/absl_compat.h"
#include "lib/base/status.h"
#include "vault-core/crypto/aes_gcm.h"
#include "vault-core/crypto/random.h"

namespace coffer::envelope {

std::string VaultKeys::StorageKey(std::string_view vault_id) {
  return absl::StrCat("datakeys/", AsAbsl(vault_id));
}

absl::StatusOr<std::shared_ptr<const crypto::RecordSealer>> VaultKeys::ForVault(
    std::string_view vault_id) {
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(vault_id);
    if (it != cache_.end()) return it->second;
  }
  COFFER_ASSIGN_OR_RETURN(auto sealer, LoadOrCreate(std::string(vault_id)));
  absl::MutexLock lock(&mu_);
  // Another thread may have loaded it meanwhile; both hold the same key, keep the first.
  return cache_.emplace(std::string(vault_id), std::move(sealer)).first->second;
}

void VaultKeys::Forget(std::string_view vault_id) {
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(vault_id);
    if (it != cache_.end()) cache_.erase(it);
  }
  crypto::ForgetCachedAesKeys();  // threads' AES contexts may still hold it
}

absl::StatusOr<std::shared_ptr<const crypto::RecordSealer>> VaultKeys::LoadOrCreate(
    const std::string& vault_id) {
  std::string key = StorageKey(vault_id);
  auto existing = store_.Get(key);
  if (existing.ok()) return Unwrap(existing->value);
  if (!absl::IsNotFound(existing.status())) return existing.status();

  COFFER_ASSIGN_OR_RETURN(keystore::DataKey data_key, keystore_.NewDataKey());
  v1::WrappedDataKey record;
  record.set_key_id(crypto::RandomHex(8));
  record.set_master_key_id(keystore_.master_key_id());
  record.set_wrapped_key(data_key.wrapped);
  record.set_created_unix_seconds(absl::ToUnixSeconds(clock_.Now()));
  auto put = store_.Put(key, record.SerializeAsString(), storage::kMustNotExist);
  if (absl::IsAborted(put.status())) {
    // Another writer created it first: use theirs, so every record uses one key.
    COFFER_ASSIGN_OR_RETURN(storage::Entry winner, store_.Get(key));
    return Unwrap(winner.value);
  }
  if (!put.ok()) return put.status();
  return std::make_shared<const crypto::RecordSealer>(record.key_id(), std::move(data_key.key));
}

absl::StatusOr<std::shared_ptr<const crypto::RecordSealer>> VaultKeys::Unwrap(
    std::string_view stored) {
  v1::WrappedDataKey record;
  if (!record.ParseFromArray(stored.data(), static_cast<int>(stored.size()))) {
    return absl::DataLossError("stored data key record is not parseable");
  }
  if (!keystore_.AcceptsMasterKeyId(record.master_key_id())) {
    return absl::DataLossError(absl::StrCat(
        "data key ", record.key_id(), " was wrapped by master key '", record.master_key_id(),
        "', but the key store has '", keystore_.master_key_id(), "'"));
  }
  COFFER_ASSIGN_OR_RETURN(SecretBytes key, keystore_.UnwrapDataKey(record.wrapped_key()));
  return std::make_shared<const crypto::RecordSealer>(record.key_id(), std::move(key));
}

}  // namespace coffer::envelope
