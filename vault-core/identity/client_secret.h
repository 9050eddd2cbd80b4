#ifndef COFFER_VAULT_CORE_IDENTITY_CLIENT_SECRET_H_
#define COFFER_VAULT_CORE_IDENTITY_CLIENT_SECRET_H_

// Service principals' client secrets: generated here, shown to the user once, and stored only as
// a salted scrypt hash. All functions are thread-safe.

#include <string>
#include <string_view>

#include "lib/base/secret_bytes.h"

namespace coffer::identity {

// scrypt (RFC 7914) cost: N = 2^14, r = 8, p = 1 uses 16 MiB and took ~45 ms on the reference
// machine (2-core AMD EPYC VM); 2^15 took ~110 ms. Hashes made with other parameters still
// verify, as the encoding records them.
inline constexpr int kScryptLogN = 14;
inline constexpr int kScryptR = 8;
inline constexpr int kScryptP = 1;

// "scrypt$ln=14,r=8,p=1$<16-byte salt, base64url>$<32-byte hash, base64url>", with a fresh salt
// each call, so two hashes of one secret differ.
std::string HashClientSecret(const SecretBytes& secret);

// Whether `secret` hashes to `encoded`, compared in constant time. False, never a crash, for a
// malformed `encoded` or parameters outside sane bounds (at most 64 MiB of scrypt memory).
bool VerifyClientSecret(const SecretBytes& secret, std::string_view encoded);

// A new client secret, 40 characters drawn uniformly from [A-Za-z0-9~._-] like Entra ID's
// (about 241 bits of entropy).
SecretBytes NewClientSecret();

}  // namespace coffer::identity

#endif  // COFFER_VAULT_CORE_IDENTITY_CLIENT_SECRET_H_
