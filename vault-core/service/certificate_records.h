#ifndef COFFER_VAULT_CORE_SERVICE_CERTIFICATE_RECORDS_H_
#define COFFER_VAULT_CORE_SERVICE_CERTIFICATE_RECORDS_H_

// Conversions between the certificates' stored records and domain types. For the certificate
// services' .cc files.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "coffer/storage/v1/records.pb.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/crypto/vault_certificates.h"
#include "vault-core/domain/certificate.h"
#include "vault-core/service/secret_records.h"

namespace coffer::service::records {

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
