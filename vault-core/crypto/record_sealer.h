#ifndef COFFER_VAULT_CORE_CRYPTO_RECORD_SEALER_H_
#define COFFER_VAULT_CORE_CRYPTO_RECORD_SEALER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"

namespace coffer::crypto {

// Where a record belongs. Sealing binds it into the associated data, so a sealed value copied
// to another vault, object or version fails to open. Independent of the storage layout, so a
// record can move between storage keys (soft delete, restore) without being re-sealed.
struct RecordAddress {
  std::string vault;    // the vault's id
  std::string object;   // e.g. "secrets/db-password"
  std::string version;  // e.g. 32 hex chars; empty for unversioned records
};

// Seals and opens one vault's records with AES-256-GCM under its data key. The output is a
// coffer.envelope.v1.SealedRecord. Thread-safe (immutable).
class RecordSealer {
 public:
  RecordSealer(std::string data_key_id, SecretBytes data_key)
      : data_key_id_(std::move(data_key_id)), data_key_(std::move(data_key)) {}

  const std::string& data_key_id() const { return data_key_id_; }

  absl::StatusOr<std::string> Seal(const RecordAddress& address, std::string_view plaintext) const;

  // Errors: DATA_LOSS when the record is malformed, was sealed under another data key, for
  // another address, or was altered.
  absl::StatusOr<SecretBytes> Open(const RecordAddress& address, std::string_view sealed) const;

 private:
  const std::string data_key_id_;
  const SecretBytes data_key_;
};

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_RECORD_SEALER_H_
