#ifndef COFFER_VAULT_CORE_CLI_HSM_BUNDLE_H_
#define COFFER_VAULT_CORE_CLI_HSM_BUNDLE_H_

// The key bundle file that `coffer hsm export` writes and `coffer hsm import` reads: JSON,
// binary fields in base64. docs/operations.md ("Key ceremony") shows one.

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "vault-core/keystore/pkcs11/key_ceremony.h"

namespace coffer::cli {

// A bundle is about 1 KiB; a file beyond this is refused unread.
inline constexpr std::size_t kMaxBundleBytes = 64 * 1024;

// The signing key's "kid" as the token service publishes it (RFC 7638 thumbprint); empty when
// `point` is not an uncompressed P-256 point.
std::string SigningKeyId(std::string_view point);

std::string KeyBundleJson(const keystore::KeyBundle& bundle);

// INVALID_ARGUMENT with a one-line reason for anything that is not a well-formed bundle: not
// JSON, another format, a member missing, mistyped or not base64, a "kid" that is not the public
// key's. Whether the blobs unwrap is the HSM's to say (keystore::ImportVaultKeys).
absl::StatusOr<keystore::KeyBundle> ParseKeyBundleJson(std::string_view text);

}  // namespace coffer::cli

#endif  // COFFER_VAULT_CORE_CLI_HSM_BUNDLE_H_
