#include "vault-core/identity/token_verifier.h"

#include <optional>
#include <utility>

#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "nlohmann/json.hpp"
#include "vault-core/crypto/digest.h"
#include "vault-core/identity/claims_json.h"
#include "vault-core/identity/jwk.h"
#include "vault-core/identity/unverified_jwt.h"

namespace coffer::identity {
namespace {

absl::Status Unauthenticated(const char* reason) { return absl::UnauthenticatedError(reason); }

std::unique_ptr<crypto::P256PublicKey> LoadP256PublicKey(const std::string& point) {
  auto key = crypto::P256PublicKey::FromPoint(point);
  return key.ok() ? *std::move(key) : nullptr;
}

std::string KeyIdOf(const std::string& point) {
  std::optional<EcPublicKey> key = SplitP256Point(point);
  return key ? JwkThumbprint(*key) : std::string();
}

absl::Status CheckHeader(std::string_view encoded_header, const std::string& key_id) {
  const std::optional<nlohmann::json> decoded = DecodeJsonObject(encoded_header);
  if (!decoded) return Unauthenticated("malformed token");
  const nlohmann::json& header = *decoded;
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return Unauthenticated("malformed token");
  if (alg->get<std::string>() != "ES256") return Unauthenticated("unsupported token algorithm");
  // RFC 7515 4.1.11: extensions the recipient does not understand must make it refuse.
  if (header.contains("crit")) return Unauthenticated("malformed token");
  auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string() || kid->get<std::string>() != key_id) {
    return Unauthenticated("token signed by an unknown key");
  }
  return absl::OkStatus();
}

absl::Status CheckAudienceAndTimes(const AccessTokenClaims& claims, std::string_view audience,
                                   std::string_view alternative, absl::Time now) {
  if (claims.audience != audience && claims.audience != alternative) {
    return Unauthenticated("token is for another audience");
  }
  if (now - TokenVerifier::kClockSkew >= claims.expires) return Unauthenticated("token expired");
  if (now + TokenVerifier::kClockSkew < claims.not_before) {
    return Unauthenticated("token not yet valid");
  }
  return absl::OkStatus();
}

}  // namespace

TokenVerifier::TokenVerifier(std::string public_point, std::string issuer, Clock& clock,
                             size_t cache_capacity)
    : key_(LoadP256PublicKey(public_point)),
      key_id_(KeyIdOf(public_point)),
      issuer_(std::move(issuer)),
      clock_(clock),
      cache_(cache_capacity) {}

TokenVerifier::~TokenVerifier() = default;

absl::StatusOr<AccessTokenClaims> TokenVerifier::Verify(std::string_view token,
                                                        std::string_view expected_audience) {
  return Verify(token, expected_audience, expected_audience);
}

absl::StatusOr<AccessTokenClaims> TokenVerifier::Verify(std::string_view token,
                                                        std::string_view expected_audience,
                                                        std::string_view alternative_audience) {
  if (key_ == nullptr) {
    return absl::FailedPreconditionError("the token verifier's key is not a P-256 point");
  }
  if (token.size() > kMaxTokenSize) return Unauthenticated("malformed token");
  // Keyed by the token's SHA-256, so the cache holds no bearer token anyone could present.
  const std::string key = crypto::Sha256(token);
  const absl::Time now = clock_.Now();
  std::optional<AccessTokenClaims> claims = cache_.Find(key);
  if (!claims) {
    COFFER_ASSIGN_OR_RETURN(claims, VerifyUncached(token));
    if (claims->expires > now - kClockSkew) cache_.Insert(key, *claims, now - kClockSkew);
  }
  COFFER_RETURN_IF_ERROR(
      CheckAudienceAndTimes(*claims, expected_audience, alternative_audience, now));
  return *std::move(claims);
}

absl::StatusOr<AccessTokenClaims> TokenVerifier::VerifyUncached(std::string_view token) const {
  std::optional<JwsParts> parts = SplitJws(token);
  if (!parts) return Unauthenticated("malformed token");
  COFFER_RETURN_IF_ERROR(CheckHeader(parts->header, key_id_));
  std::optional<std::string> signature = Base64UrlDecode(parts->signature);
  if (!signature || !key_->VerifyEs256(parts->signing_input, *signature)) {
    return Unauthenticated("bad signature");
  }
  std::optional<std::string> payload = Base64UrlDecode(parts->payload);
  if (!payload) return Unauthenticated("malformed token");
  COFFER_ASSIGN_OR_RETURN(AccessTokenClaims claims, ClaimsFromJson(*payload));
  if (claims.issuer != issuer_) return Unauthenticated("token is from another issuer");
  return claims;
}

}  // namespace coffer::identity
