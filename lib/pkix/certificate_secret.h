#ifndef COFFER_LIB_PKIX_CERTIFICATE_SECRET_H_
#define COFFER_LIB_PKIX_CERTIFICATE_SECRET_H_

// A Key Vault certificate's linked secret (docs/azure-certificates-wire.md §2.6), read and
// turned into the forms workloads take: PEM (PKCS#8 key, then the chain leaf first) and
// PKCS#12. In lib/ because more than one component hands certificates to workloads (the CSI
// driver now, a kubernetes.io/tls Secret sync next), and they may not share each other's code.
// Pure functions over OpenSSL; thread-safe. Key bytes never appear in a message.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"

namespace coffer::pkix {

inline constexpr char kPkcs12ContentType[] = "application/x-pkcs12";
inline constexpr char kPemContentType[] = "application/x-pem-file";

struct CertificateSecret {
  // PKCS#8 PEM ("BEGIN PRIVATE KEY"). Empty for a certificate that is not exportable: its
  // secret holds the chain only.
  SecretBytes private_key_pem;
  // Every certificate as PEM: the leaf (the key's, or else the one that issued no other), then
  // its issuers up the chain, then any others in the order they were stored.
  std::string chain_pem;
  // The PKCS#12 file as the vault stored it, when it stored one.
  SecretBytes pkcs12;
};

// Reads a certificate's secret by its content type: application/x-pkcs12 (standard base64 of
// a PKCS#12 file with an empty password) or application/x-pem-file (certificates and at most
// one unencrypted private key: PKCS#8, PKCS#1 or SEC1). With no content type, the value says
// which. INVALID_ARGUMENT saying what is wrong: another content type, a value that is not
// that format, a PFX with a password, no certificate, two keys, an encrypted key, or a key
// that belongs to none of the certificates.
absl::StatusOr<CertificateSecret> ReadCertificateSecret(const SecretBytes& value,
                                                        std::string_view content_type);

// The certificate and its key as PKCS#12 with an empty password, as Key Vault hands it out:
// the stored file unchanged when there is one, else one made as vault-core makes them
// (OpenSSL 3's defaults: AES-256-CBC with PBKDF2, an HMAC-SHA-256 MAC). FAILED_PRECONDITION
// when `secret` has no private key.
absl::StatusOr<SecretBytes> Pkcs12Of(const CertificateSecret& secret);

}  // namespace coffer::pkix

#endif  // COFFER_LIB_PKIX_CERTIFICATE_SECRET_H_
