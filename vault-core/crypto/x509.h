#ifndef COFFER_VAULT_CORE_CRYPTO_X509_H_
#define COFFER_VAULT_CORE_CRYPTO_X509_H_

// X.509 for the installation's own CA: a self-signed CA certificate, and TLS server
// certificates it issues for vault hostnames. Keys are EC P-256, signatures ECDSA with SHA-256.
// Also the reading of certificates that service principals register to log in with.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/base/secret_bytes.h"

namespace coffer::crypto {

struct CertificateAndKey {
  std::string certificate_pem;
  SecretBytes private_key_pem;  // PKCS#8
};

// A CA certificate valid from `now` (less a minute of clock skew) for `validity`, with
// basicConstraints CA:TRUE (path length 0) and keyUsage keyCertSign, cRLSign.
absl::StatusOr<CertificateAndKey> NewCertificateAuthority(std::string_view common_name,
                                                          absl::Time now, absl::Duration validity);

// A server certificate for `dns_names` (the first is also its common name), signed by `ca`:
// subjectAltName DNS entries, extendedKeyUsage serverAuth, keyUsage digitalSignature.
// INVALID_ARGUMENT when there are no names or the CA does not parse.
absl::StatusOr<CertificateAndKey> IssueServerCertificate(const CertificateAndKey& ca,
                                                         const std::vector<std::string>& dns_names,
                                                         absl::Time now, absl::Duration validity);

// A CA brought from outside (the Helm chart's, or an organisation's) to issue the vault
// hostnames' certificates with: the PEM certificate must be a CA (basicConstraints CA:TRUE) and
// the PEM private key (PKCS#1, SEC1 or PKCS#8; RSA or EC) must be its key. INVALID_ARGUMENT
// naming what is wrong otherwise. The key comes back as PKCS#8; certificates after the first
// in `certificate_pem` (the CA's own chain) are kept after it.
absl::StatusOr<CertificateAndKey> ReadCertificateAuthority(std::string_view certificate_pem,
                                                           const SecretBytes& private_key_pem);

// Whether `certificate_pem` was signed by the CA `ca_certificate_pem` (false when either does
// not parse).
bool IsIssuedBy(std::string_view certificate_pem, std::string_view ca_certificate_pem);

// The notAfter of a PEM certificate; INVALID_ARGUMENT when it does not parse.
absl::StatusOr<absl::Time> CertificateNotAfter(std::string_view certificate_pem);

// What Coffer keeps of a certificate a service principal logs in with: clients name it by a
// thumbprint (the SHA-1 or SHA-256 of its DER) and sign with the RSA key it holds.
struct ClientCertificate {
  std::string der;
  std::string sha1;     // raw SHA-1 of `der`, 20 bytes ("x5t")
  std::string sha256;   // raw SHA-256 of `der`, 32 bytes ("x5t#S256")
  std::string subject;  // RFC 2253, e.g. "CN=app,O=Contoso"
  absl::Time not_before;
  absl::Time not_after;
  int rsa_bits = 0;
};

// The first "-----BEGIN CERTIFICATE-----" block of `certificate_pem`; anything else in the
// input (a chain, or the private key that @azure/identity's PEM file also holds) is ignored and
// never parsed. INVALID_ARGUMENT when there is no such block, it does not parse, or its key is
// not RSA of RsaPublicKey::kMinBits to kMaxBits (all that RS256/PS256 clients can sign with).
// Validity dates are reported, not checked.
absl::StatusOr<ClientCertificate> ParseClientCertificate(std::string_view certificate_pem);

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_X509_H_
