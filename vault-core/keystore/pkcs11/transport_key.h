#ifndef COFFER_VAULT_CORE_KEYSTORE_PKCS11_TRANSPORT_KEY_H_
#define COFFER_VAULT_CORE_KEYSTORE_PKCS11_TRANSPORT_KEY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

// The public half of a joining replica's RSA transport key, in the two forms the key ceremony
// needs: PEM, which operators carry from one replica to the other, and the modulus and exponent
// that PKCS#11 templates take. No secret passes through here.
namespace coffer::keystore {

// Big-endian unsigned integers, as CKA_MODULUS and CKA_PUBLIC_EXPONENT hold them.
struct RsaPublicParts {
  std::string modulus;
  std::string public_exponent;
};

inline constexpr int kTransportKeyBits = 3072;
inline constexpr int kMaxTransportKeyBits = 8192;

// INVALID_ARGUMENT unless `pem` holds an RSA public key as SubjectPublicKeyInfo ("BEGIN PUBLIC
// KEY") of kTransportKeyBits to kMaxTransportKeyBits bits.
absl::StatusOr<RsaPublicParts> ParseTransportKeyPem(std::string_view pem);

// The SubjectPublicKeyInfo PEM of `key`. INVALID_ARGUMENT when the parts are not an RSA key.
absl::StatusOr<std::string> TransportKeyPem(const RsaPublicParts& key);

// "sha256:" and the hex SHA-256 of the key's SubjectPublicKeyInfo DER: how a bundle names the
// transport key it was made for, so that the joiner can tell a bundle meant for another key
// before it tries to unwrap anything.
absl::StatusOr<std::string> TransportKeyId(const RsaPublicParts& key);

}  // namespace coffer::keystore

#endif  // COFFER_VAULT_CORE_KEYSTORE_PKCS11_TRANSPORT_KEY_H_
