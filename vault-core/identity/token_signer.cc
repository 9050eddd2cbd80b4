#include "vault-core/identity/token_signer.h"

#include <optional>
#include <utility>

#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "vault-core/crypto/random.h"
#include "vault-core/identity/claims_json.h"
#include "vault-core/identity/jwk.h"

namespace coffer::identity {
namespace {

constexpr size_t kSignatureSize = 64;
constexpr size_t kTokenIdBytes = 16;

std::string KeyIdOf(const std::optional<EcPublicKey>& key) {
  return key ? JwkThumbprint(*key) : std::string();
}

std::string JwksOf(const std::optional<EcPublicKey>& key, const std::string& kid) {
  return key ? identity::JwksJson(*key, kid) : std::string(R"({"keys":[]})");
}

std::string EncodedHeader(const std::string& kid) {
  // kid is base64url, so it needs no JSON escaping.
  return Base64UrlEncode(R"({"alg":"ES256","typ":"JWT","kid":")" + kid + R"("})");
}

absl::Status CheckClaims(const AccessTokenClaims& claims, absl::Time now) {
  if (claims.issuer.empty() || claims.audience.empty() || claims.subject.empty()) {
    return absl::InvalidArgumentError("token claims need an issuer, an audience and a subject");
  }
  if (claims.expires <= claims.not_before) {
    return absl::InvalidArgumentError("token would expire before it becomes valid");
  }
  if (claims.expires <= now) {
    return absl::InvalidArgumentError("token would already be expired");
  }
  return absl::OkStatus();
}

}  // namespace

TokenSigner::TokenSigner(keystore::KeyStore& keystore, Clock& clock)
    : keystore_(keystore),
      clock_(clock),
      key_id_(KeyIdOf(SplitP256Point(keystore.signing_public_key()))),
      jwks_json_(JwksOf(SplitP256Point(keystore.signing_public_key()), key_id_)),
      encoded_header_(EncodedHeader(key_id_)) {}

absl::StatusOr<std::string> TokenSigner::Issue(const AccessTokenClaims& claims) {
  if (key_id_.empty()) {
    return absl::FailedPreconditionError("the key store's signing key is not a P-256 point");
  }
  COFFER_RETURN_IF_ERROR(CheckClaims(claims, clock_.Now()));
  AccessTokenClaims filled = claims;
  if (filled.token_id.empty()) {
    filled.token_id = Base64UrlEncode(crypto::RandomBytes(kTokenIdBytes));
  }
  COFFER_ASSIGN_OR_RETURN(std::string claims_json, ClaimsToJson(filled));
  std::string token = encoded_header_ + "." + Base64UrlEncode(claims_json);
  absl::StatusOr<std::string> signature = keystore_.SignEs256(token);
  if (!signature.ok()) return WithContext(signature.status(), "signing an access token");
  if (signature->size() != kSignatureSize) {
    return absl::InternalError("the key store returned an ES256 signature of the wrong size");
  }
  token += ".";
  token += Base64UrlEncode(*signature);
  return token;
}

}  // namespace coffer::identity
