#ifndef COFFER_VAULT_CORE_IDENTITY_CLIENT_ASSERTION_H_
#define COFFER_VAULT_CORE_IDENTITY_CLIENT_ASSERTION_H_

// Service principals log in with a certificate by sending a JWT signed with its private key as
// the client assertion (RFC 7523 private_key_jwt), as @azure/identity's
// ClientCertificateCredential does: PS256 with the certificate's SHA-256 thumbprint in
// "x5t#S256", or (older MSALs, hand-made JWTs) RS256 with its SHA-1 in "x5t"; iss and sub are
// the client id. Reading one tells the caller which certificate to look up; only
// VerifyAssertionSignature, against that certificate, makes any of it trustworthy.
// Everything here is a pure function: thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace coffer::identity {

// The OAuth error_description for an assertion that is not a JWT at all; the token endpoint
// gives the same one for managed identities' assertions.
inline constexpr char kNotAValidJwt[] = "AADSTS50027: The client assertion is not a valid JWT.";

struct CertificateAssertion {
  std::string algorithm;               // "RS256" or "PS256"
  std::optional<std::string> sha1;     // raw, 20 bytes, from "x5t"
  std::optional<std::string> sha256;   // raw, 32 bytes, from "x5t#S256"; at least one is set
  std::string issuer;                  // "iss"
  std::string subject;                 // "sub", equal to `issuer`
  std::string jti;                     // "jti", or empty when absent or not a string
  std::vector<std::string> audiences;  // "aud", a string or an array of strings
  std::optional<int64_t> expiry;       // "exp", Unix seconds
  std::optional<int64_t> not_before;   // "nbf", Unix seconds
  std::string signing_input;           // header.payload, as sent
  std::string signature;               // raw
};

// Reads a certificate-signed client assertion without checking its signature, audience or
// times (the caller knows the endpoint and the clock). "typ", "kid" and "x5c" are ignored: a
// certificate counts only when registered, never because the assertion carries it.
// Errors: UNAUTHENTICATED whose message is the OAuth error_description to answer with:
//   kNotAValidJwt: not three base64url parts, a header or claims set that is not a JSON object,
//     no string "iss", or a signature that does not decode;
//   "AADSTS50027: Invalid JWT token. Unsupported algorithm or header.": "alg" is not RS256 or
//     PS256 ("none", HS256 and ES256 included), or the header has "crit" (RFC 7515 4.1.11);
//   "AADSTS50027: Invalid JWT token. No certificate thumbprint specified in token header.":
//     neither "x5t" nor "x5t#S256", or one that is not the base64url of 20 or 32 bytes;
//   "AADSTS50027: Invalid JWT token. The 'sub' claim must equal the client id.": "sub" missing
//     or not "iss".
absl::StatusOr<CertificateAssertion> ReadCertificateAssertion(std::string_view jwt);

// The thumbprint Entra ID quotes in its errors: upper-case hex of the SHA-1 when the assertion
// gave one, else of the SHA-256.
std::string ThumbprintHex(const CertificateAssertion& assertion);

// Whether `certificate_der` is the certificate the assertion names (every thumbprint it carries
// matches) and its RSA key made the signature with the assertion's algorithm. A certificate that
// does not parse or whose key is not RSA of 2048 to 8192 bits gives false. Costs one RSA
// verification, tens of microseconds: not worth a cache.
bool VerifyAssertionSignature(const CertificateAssertion& assertion,
                              std::string_view certificate_der);

}  // namespace coffer::identity

#endif  // COFFER_VAULT_CORE_IDENTITY_CLIENT_ASSERTION_H_
