#ifndef COFFER_VAULT_CORE_CRYPTO_SOFTWARE_KEY_H_
#define COFFER_VAULT_CORE_CRYPTO_SOFTWARE_KEY_H_

// Vault keys held in software (kty RSA, EC, oct), and the public-key half of every key's
// operations, over OpenSSL. Outputs are what Azure Key Vault and OpenSSL produce byte for byte:
// PKCS#1 v1.5 and PSS (salt = digest length) signatures over a caller's digest, raw r || s ECDSA
// signatures, RSA1_5 / OAEP (SHA-1) / OAEP-256 ciphertexts, and AES GCM, CBC and key wrap.

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/domain/key.h"

// OpenSSL's EVP_PKEY, declared here so that this header does not pull in OpenSSL.
struct evp_pkey_st;

namespace coffer::crypto {

// A software key's private material as it is stored (inside a sealed record): PKCS#8 DER for RSA
// and EC, the raw key for oct.
struct SoftwareKey {
  domain::KeyType type = domain::KeyType::kRsa;
  domain::Curve curve = domain::Curve::kNone;
  SecretBytes material;
};

absl::StatusOr<SoftwareKey> GenerateSoftwareKey(const domain::KeySpec& spec);
// From a JWK's private parts. INVALID_ARGUMENT when they are incomplete or do not form a key
// (the RSA primes do not multiply to n, the EC point is not d's).
absl::StatusOr<SoftwareKey> SoftwareKeyFromParts(const domain::PrivateKeyParts& parts);
// The reverse, for handing a key to an HSM (an imported certificate's non-exportable key).
absl::StatusOr<domain::PrivateKeyParts> PartsOf(const SoftwareKey& key);
// INVALID_ARGUMENT when the material does not parse.
absl::StatusOr<domain::PublicKey> PublicKeyOf(const SoftwareKey& key);
// The RSA modulus or oct key size in bits; 0 for EC.
absl::StatusOr<int> KeyBitsOf(const SoftwareKey& key);

// A software key parsed once for repeated use: OpenSSL 3 takes longer to decode a PKCS#8 key
// than to sign with it (an EC key: several times longer). Immutable, so thread-safe.
class LoadedKey {
 public:
  // DATA_LOSS when the material does not parse.
  static absl::StatusOr<std::shared_ptr<const LoadedKey>> Load(const SoftwareKey& key);
  ~LoadedKey();
  LoadedKey(const LoadedKey&) = delete;
  LoadedKey& operator=(const LoadedKey&) = delete;

  // Sign, decrypt and unwrapKey with the private key, and every operation of an oct key. The
  // request has passed domain::CheckAlgorithm and domain::CheckOperationInput; an encryption
  // that needs an IV finds it in `request.iv` (the caller draws it). Errors: INVALID_ARGUMENT
  // when a ciphertext or wrapped key does not decrypt (Azure's 400), INTERNAL when OpenSSL
  // fails.
  absl::StatusOr<domain::KeyOperationResult> Run(const domain::KeyOperationRequest& request) const;

 private:
  LoadedKey(domain::KeyType type, domain::Curve curve, evp_pkey_st* pkey, SecretBytes aes_key)
      : type_(type), curve_(curve), pkey_(pkey), aes_key_(std::move(aes_key)) {}

  const domain::KeyType type_;
  const domain::Curve curve_;
  evp_pkey_st* const pkey_;  // owned; nullptr for oct
  const SecretBytes aes_key_;  // oct only
};

// LoadedKey::Load(key) and Run, for a single use.
absl::StatusOr<domain::KeyOperationResult> RunPrivate(const SoftwareKey& key,
                                                      const domain::KeyOperationRequest& request);

// Verify, and RSA encrypt and wrapKey, with the public key alone: how every RSA and EC key,
// software or HSM, does them.
absl::StatusOr<domain::KeyOperationResult> RunPublic(const domain::PublicKey& key,
                                                     const domain::KeyOperationRequest& request);

// For PKCS#11 backends, which sign digests with CKM_RSA_PKCS and decrypt OAEP-256 with raw RSA:
// DER DigestInfo(hash OID) || digest, and the OAEP (SHA-256, MGF1-SHA-256, empty label) decoding
// of a raw RSA block `em` of the modulus size, done in constant time by OpenSSL.
std::string RsaDigestInfo(domain::Algorithm alg, std::string_view digest);
absl::StatusOr<SecretBytes> DecodeOaepSha256(const SecretBytes& em);

// ECDSA-Sig-Value DER <-> JWS's fixed-width r || s, `field_size` bytes each.
absl::StatusOr<std::string> EcdsaDerToRaw(std::string_view der, std::size_t field_size);
absl::StatusOr<std::string> EcdsaRawToDer(std::string_view raw);

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_SOFTWARE_KEY_H_
