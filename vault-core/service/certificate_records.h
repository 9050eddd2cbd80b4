#ifndef COFFER_VAULT_CORE_SERVICE_CERTIFICATE_RECORDS_H_
#define COFFER_VAULT_CORE_SERVICE_CERTIFICATE_RECORDS_H_

// Conversions between the certificates' stored records and domain types, and records that hold
// private material (zeroed when they go). For the certificate services' .cc files.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "coffer/storage/v1/records.pb.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/crypto/vault_certificates.h"
#include "vault-core/domain/certificate.h"
#include "vault-core/service/secret_records.h"

namespace coffer::service::records {

// A record that may hold private key material, zeroed when it goes.
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

// What a policy's x509_props ask of issuance.
crypto::CertificateProfile ProfileOf(const domain::CertificatePolicy& p);
// Writes the policy's members into `r`, leaving the operation and the job's marks as they are.
void ToRecord(const domain::CertificatePolicy& p, storage::v1::CertificatePolicyRecord& r);
domain::CertificatePolicy FromRecord(const storage::v1::CertificatePolicyRecord& r);
domain::CertificateOperation ToOperation(std::string_view name,
                                         const storage::v1::CertificateOperationRecord& r);
domain::PublicKey PublicKeyOf(const storage::v1::KeyVersionRecord& k);

}  // namespace coffer::service::records

#endif  // COFFER_VAULT_CORE_SERVICE_CERTIFICATE_RECORDS_H_
