#ifndef COFFER_VAULT_CORE_KEYSTORE_PKCS11_KEY_CEREMONY_H_
#define COFFER_VAULT_CORE_KEYSTORE_PKCS11_KEY_CEREMONY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/keystore/pkcs11/pkcs11_keystore.h"

// The key ceremony: the master key and the token-signing key go from the HSM of a replica that
// has them to the HSM of one that joins (or replaces a lost one), wrapped from HSM to HSM, so
// that every replica unwraps every data key and signs tokens the others verify. Their plaintext
// never exists outside an HSM.
//
//  1. The joiner's token makes an RSA transport key pair; the private half stays in it, usable
//     only to unwrap (CreateTransportKey). Its public half travels as PEM.
//  2. On the first replica the token's security officer imports that public key as a trusted
//     session object (only the SO may set CKA_TRUSTED) and has the token make a trusted one-time
//     AES-256 ceremony key. The user then wraps the ceremony key under the transport key
//     (RSA-OAEP), and the master and signing keys under the ceremony key (AES-KWP)
//     (ExportVaultKeys). The vault's keys are CKA_WRAP_WITH_TRUSTED, so nothing less than an
//     SO-trusted key gets them out; the ceremony key is needed because RSA-OAEP wraps secret
//     keys only, and the signing key is an EC private key.
//  3. The joiner unwraps the ceremony key with its transport key, the two keys with it, checks
//     them against the bundle (fingerprint; a signature checked with the public key), stores
//     them under the configured labels and destroys the transport key (ImportVaultKeys).
//
// Each call opens its own session on the token named by `options` and closes it. Login state is
// per process and token: ExportVaultKeys logs in as the SO, which the token refuses while a
// key store in the same process is logged in to it (FAILED_PRECONDITION).
namespace coffer::keystore {

inline constexpr char kTransportKeyLabel[] = "coffer-transport-v1";

// What travels from the first replica to the joiner. Nothing in it is secret to anyone without
// the joiner's transport private key, which never leaves the joiner's HSM.
struct KeyBundle {
  std::string transport_key_id;      // TransportKeyId of the key it was made for
  std::string ceremony_key_wrap;     // "RSA-OAEP-256", or "RSA-OAEP" (SHA-1) where the HSM
                                     // offers no other (SoftHSM2)
  std::string wrapped_ceremony_key;  // AES-256, RSA-OAEP under the transport key
  std::string master_key_id;         // "kcv:...", MasterKeyFingerprint
  std::string wrapped_master_key;    // AES-KWP under the ceremony key
  std::string signing_public_key;    // 0x04 || X || Y
  std::string wrapped_signing_key;   // AES-KWP (PKCS#8 inside) under the ceremony key
};

// The vault's keys on one token, as `coffer hsm show` prints them. Empty or false where the
// token lacks the key.
struct TokenKeys {
  std::string token_label;
  std::string master_key_id;
  bool master_key_exportable = false;  // false for keys made before the ceremony existed
  std::string signing_public_key;
  bool signing_key_exportable = false;
  std::string transport_key_id;  // a transport key waiting for its bundle
};

// Finds the keys by their labels; creates nothing.
absl::StatusOr<TokenKeys> DescribeTokenKeys(const Pkcs11Options& options);

struct TransportKey {
  std::string pem;  // SubjectPublicKeyInfo
  std::string id;   // TransportKeyId
  bool created = false;
};

// The token's transport key, created (RSA-3072, a token object, sensitive, never extractable,
// CKA_UNWRAP only) unless one waits already.
absl::StatusOr<TransportKey> CreateTransportKey(const Pkcs11Options& options);

// Wraps the token's master and signing keys for the holder of `transport_key_pem`. `so_pin` is
// the token's security officer PIN. Errors: INVALID_ARGUMENT (not an RSA public key of 3072 to
// 8192 bits), PERMISSION_DENIED (wrong SO or user PIN), NOT_FOUND (no such token, or it lacks
// the keys), FAILED_PRECONDITION (keys created not extractable, before the ceremony existed).
absl::StatusOr<KeyBundle> ExportVaultKeys(const Pkcs11Options& options, const SecretBytes& so_pin,
                                          std::string_view transport_key_pem);

struct ImportResult {
  TokenKeys keys;             // the token afterwards
  bool already_held = false;  // it held these keys before: nothing was imported
  bool replaced = false;      // it held others, which HeldKeys::kReplace removed
};

// What to do when the token holds a master or signing key under the configured labels that is
// not the bundle's. kReplace is for keys that protect nothing (the replica's coffer-vault made
// them before the ceremony and never served): whatever a replaced master key wrapped is lost.
enum class HeldKeys { kRefuse, kReplace };

// Unwraps the bundle's keys into the token under the options' labels and destroys the transport
// key; with the same keys already there, only the latter. The token changes only after every
// check has passed. Errors: INVALID_ARGUMENT (a malformed or corrupt bundle, or one made for
// another transport key), NOT_FOUND (no transport key to unwrap with), FAILED_PRECONDITION (the
// token holds other keys under those labels and `held` is kRefuse), PERMISSION_DENIED (wrong
// PIN).
absl::StatusOr<ImportResult> ImportVaultKeys(const Pkcs11Options& options, const KeyBundle& bundle,
                                             HeldKeys held = HeldKeys::kRefuse);

}  // namespace coffer::keystore

#endif  // COFFER_VAULT_CORE_KEYSTORE_PKCS11_KEY_CEREMONY_H_
