#ifndef COFFER_VAULT_CORE_CRYPTO_VAULT_CERTIFICATES_H_
#define COFFER_VAULT_CORE_CRYPTO_VAULT_CERTIFICATES_H_

// X.509 for the certificates a vault holds (Azure Key Vault's /certificates): self-signed
// issuance and certificate signing requests from a policy, reading what clients import (PKCS#12
// and PEM), and writing the linked secret's two forms. Over OpenSSL; docs/azure-certificates-
// wire.md says what Azure does and §5 item 9 what a self-signed certificate carries.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/crypto/software_key.h"
#include "vault-core/domain/key.h"

namespace coffer::crypto {

// What a certificate policy's x509_props ask for.
struct CertificateProfile {
  std::string subject;  // as Azure takes it: "CN=example.com, O=Example, C=US"
  std::vector<std::string> dns_names;
  std::vector<std::string> emails;
  std::vector<std::string> upns;
  std::vector<std::string> ekus;       // dotted OIDs, e.g. 1.3.6.1.5.5.7.3.1
  std::vector<std::string> key_usage;  // Azure's names: digitalSignature, keyEncipherment, ...
  int validity_months = 12;
};

// Checks a profile as a create or policy update must (the subject parses, names and OIDs are
// well formed, 1 to 1200 months): INVALID_ARGUMENT naming what is wrong.
absl::Status CheckProfile(const CertificateProfile& profile);

// Signs a digest as Key Vault's sign operation does (RS*: PKCS#1 v1.5; ES*: raw r||s), with a
// key that may live in an HSM, which is why issuance takes a signer and not a key.
using DigestSigner =
    std::function<absl::StatusOr<std::string>(domain::Algorithm alg, std::string_view digest)>;
// The algorithm a certificate for `key` is signed with: RS256 for RSA, and ES256, ES384, ES512
// or ES256K by curve, as CAs do.
domain::Algorithm SignatureAlgorithm(const domain::PublicKey& key);

// A self-signed certificate (DER) for `key`: a random 16-byte serial, SignatureAlgorithm's
// signature, notBefore 10 minutes before `now` (Azure's allowance for clock skew), notAfter
// `validity_months` after `now`, keyUsage (critical), basicConstraints CA:FALSE, the EKUs, the
// SANs, and subject and authority key identifiers.
absl::StatusOr<std::string> SelfSignedCertificate(const domain::PublicKey& key,
                                                  const DigestSigner& sign,
                                                  const CertificateProfile& profile,
                                                  absl::Time now);
// A PKCS#10 request (DER) for `key`, asking for the profile's subject and extensions.
absl::StatusOr<std::string> CertificateSigningRequest(const domain::PublicKey& key,
                                                      const DigestSigner& sign,
                                                      const CertificateProfile& profile);
// The same with a software key, which signs for itself.
absl::StatusOr<std::string> SelfSignedCertificate(const SoftwareKey& key,
                                                  const CertificateProfile& profile,
                                                  absl::Time now);
absl::StatusOr<std::string> CertificateSigningRequest(const SoftwareKey& key,
                                                      const CertificateProfile& profile);

// What a vault shows of a certificate.
struct CertificateInfo {
  std::string der;
  std::string subject;  // in the certificate's order, RFC 2253 escaping: "CN=example.com, O=Ex"
  absl::Time not_before;
  absl::Time not_after;
  std::string sha1;  // the thumbprint (x5t), raw bytes
  domain::KeyType key_type = domain::KeyType::kRsa;
  domain::PublicKey public_key;
  int key_bits = 0;  // RSA modulus; 0 for EC
  std::vector<std::string> dns_names;
  std::vector<std::string> emails;
  std::vector<std::string> key_usage;  // Azure's names; empty without a keyUsage extension
  std::vector<std::string> ekus;       // dotted OIDs
};
// INVALID_ARGUMENT when `der` is not one certificate with an RSA or EC (P-256, P-384, P-521,
// P-256K) key.
absl::StatusOr<CertificateInfo> ParseCertificate(std::string_view der);

// A certificate chain (DER, leaf first) with the leaf's private key.
struct CertificateWithKey {
  SoftwareKey key;
  std::vector<std::string> chain;
};
// Whether `bytes` are PEM text rather than DER: a "-----BEGIN " line anywhere (also after the
// "Bag Attributes" lines `openssl pkcs12 -nodes` writes first), and not a DER SEQUENCE.
bool IsPemText(std::string_view bytes);

// From a PKCS#12 file: INVALID_ARGUMENT for a wrong password ("the password is wrong"), a file
// that is not PKCS#12, one without a key (when `key_required`) or certificate, whose key is not
// the leaf's, or that asks for more key-derivation work than common tools use (200000
// iterations).
absl::StatusOr<CertificateWithKey> ReadPkcs12(std::string_view pfx, const SecretBytes& password,
                                              bool key_required = true);
// From PEM text holding one private key (PKCS#8, PKCS#1 or SEC1) and the chain, in any order
// with the leaf first among the certificates; the same errors.
absl::StatusOr<CertificateWithKey> ReadPemBundle(std::string_view pem);

// The linked secret's forms, as Azure writes them: PKCS#12 with an empty password (key and
// chain), and PEM with the PKCS#8 key first, then the chain leaf first. A key without material
// (a certificate whose key is not exportable) leaves the key out.
absl::StatusOr<SecretBytes> WritePkcs12(const CertificateWithKey& certificate);
absl::StatusOr<SecretBytes> WritePemBundle(const CertificateWithKey& certificate);

// Whether the certificate `der` is for `public_key` (a merge must bring the pending key's).
bool CertificateHasKey(std::string_view der, const domain::PublicKey& public_key);

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_VAULT_CERTIFICATES_H_
