#ifndef COFFER_VAULT_CORE_SERVICE_SECRET_RECORDS_H_
#define COFFER_VAULT_CORE_SERVICE_SECRET_RECORDS_H_

// Conversions between stored records and domain types that every object kind shares, and those
// of secret versions (VersionedObjects decides where records live).

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "coffer/storage/v1/records.pb.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/domain/secret.h"

namespace coffer::service::records {

// Object names are case-insensitive: every key and record address uses this form.
std::string Canonical(std::string_view name);

// The part of `key` after `prefix`.
std::string_view Suffix(std::string_view key, std::string_view prefix);

std::int64_t ToUnix(std::optional<absl::Time> t);
std::optional<absl::Time> FromUnix(std::int64_t seconds);

// Serialises into zeroing memory, so a secret value does not linger in a std::string.
SecretBytes SerializeSecret(const google::protobuf::MessageLite& message);
// Zeroes the value held by a record before it is dropped.
void ScrubValue(storage::v1::SecretVersionRecord& record);

// A parsed record that may hold secret material (a value, a private key, a password), zeroed
// when it goes.
template <typename R>
struct Scrubbed {
  Scrubbed() = default;
  Scrubbed(Scrubbed&&) = default;
  ~Scrubbed() { Zero(r); }
  static void Zero(storage::v1::CertificateVersionRecord& c) {
    ZeroString(c.mutable_pending_key());
  }
  static void Zero(storage::v1::KeyVersionRecord& k) { ZeroString(k.mutable_material()); }
  static void Zero(storage::v1::SecretVersionRecord& s) { ScrubValue(s); }
  static void Zero(storage::v1::CertificateIssuerRecord& i) { ZeroString(i.mutable_password()); }
  static void ZeroString(std::string* s) { internal::ZeroMemory(s->data(), s->size()); }
  R r;
};

template <typename R>
absl::StatusOr<Scrubbed<R>> Parse(std::string_view bytes, const char* what) {
  Scrubbed<R> out;
  if (!out.r.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("stored ", what, " is not parseable"));
  }
  return out;
}

domain::SecretProperties ToProperties(std::string_view name, std::string_view version,
                                      const storage::v1::SecretVersionRecord& record);

}  // namespace coffer::service::records

#endif  // COFFER_VAULT_CORE_SERVICE_SECRET_RECORDS_H_
