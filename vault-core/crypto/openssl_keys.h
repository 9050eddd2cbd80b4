#ifndef COFFER_VAULT_CORE_CRYPTO_OPENSSL_KEYS_H_
#define COFFER_VAULT_CORE_CRYPTO_OPENSSL_KEYS_H_

// Between Coffer's key types and OpenSSL's EVP_PKEY, for crypto/'s .cc files only: it pulls in
// OpenSSL.

#include "absl/status/statusor.h"
#include "vault-core/crypto/openssl_ptr.h"
#include "vault-core/crypto/software_key.h"
#include "vault-core/domain/key.h"

namespace coffer::crypto {

// The private key; DATA_LOSS when the material does not parse.
absl::StatusOr<OpensslPtr<EVP_PKEY>> ToPkey(const SoftwareKey& key);
absl::StatusOr<OpensslPtr<EVP_PKEY>> ToPublicPkey(const domain::PublicKey& key);
// An RSA or EC key (of a supported curve) as a SoftwareKey; INVALID_ARGUMENT otherwise.
absl::StatusOr<SoftwareKey> FromPkey(EVP_PKEY* pkey);
absl::StatusOr<domain::Curve> CurveOfPkey(EVP_PKEY* pkey);
absl::StatusOr<domain::PublicKey> PublicKeyOfPkey(EVP_PKEY* pkey, domain::Curve curve);

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_OPENSSL_KEYS_H_
