#include "vault-core/identity/token_verifier.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <optional>
#include <utility>

#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "nlohmann/json.hpp"
#include "vault-core/crypto/openssl_algorithms.h"
#include "vault-core/crypto/openssl_ptr.h"
#include "vault-core/identity/claims_json.h"
#include "vault-core/identity/jwk.h"

namespace coffer::identity {
namespace {

constexpr size_t kCoordinateSize = 32;

absl::Status Unauthenticated(const char* reason) { return absl::UnauthenticatedError(reason); }

// Null unless `point` is an uncompressed point on P-256 (OpenSSL checks the curve equation).
EVP_PKEY* LoadP256PublicKey(const std::string& point) {
  if (!SplitP256Point(point)) return nullptr;
  crypto::OpensslPtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return nullptr;
  }
  crypto::OpensslPtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
  crypto::OpensslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* pkey = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return pkey;
}

std::string KeyIdOf(const std::string& point) {
  std::optional<EcPublicKey> key = SplitP256Point(point);
  return key ? JwkThumbprint(*key) : std::string();
}

struct JwsParts {
  std::string_view header;     // base64url
  std::string_view payload;    // base64url
  std::string_view signature;  // base64url
  std::string_view signing_input;
};

std::optional<JwsParts> SplitJws(std::string_view token) {
  const size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return JwsParts{token.substr(0, first), token.substr(first + 1, second - first - 1),
                  token.substr(second + 1), token.substr(0, second)};
}

absl::Status CheckHeader(std::string_view encoded_header, const std::string& key_id) {
  std::optional<std::string> text = Base64UrlDecode(encoded_header);
  if (!text) return Unauthenticated("malformed token");
  const nlohmann::json header = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) return Unauthenticated("malformed token");
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
                                   absl::Time now) {
  if (claims.audience != audience) return Unauthenticated("token is for another audience");
  if (now - TokenVerifier::kClockSkew >= claims.expires) return Unauthenticated("token expired");
  if (now + TokenVerifier::kClockSkew < claims.not_before) {
    return Unauthenticated("token not yet valid");
  }
  return absl::OkStatus();
}

}  // namespace

void TokenVerifier::PkeyFree::operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }

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
  if (key_ == nullptr) {
    return absl::FailedPreconditionError("the token verifier's key is not a P-256 point");
  }
  if (token.size() > kMaxTokenSize) return Unauthenticated("malformed token");
  // Keyed by the token itself: exact, and cheaper than hashing it first.
  const std::string key(token);
  const absl::Time now = clock_.Now();
  std::optional<AccessTokenClaims> claims = cache_.Find(key);
  if (!claims) {
    COFFER_ASSIGN_OR_RETURN(claims, VerifyUncached(token));
    if (claims->expires > now - kClockSkew) cache_.Insert(key, *claims, now - kClockSkew);
  }
  COFFER_RETURN_IF_ERROR(CheckAudienceAndTimes(*claims, expected_audience, now));
  return *std::move(claims);
}

absl::StatusOr<AccessTokenClaims> TokenVerifier::VerifyUncached(std::string_view token) const {
  std::optional<JwsParts> parts = SplitJws(token);
  if (!parts) return Unauthenticated("malformed token");
  COFFER_RETURN_IF_ERROR(CheckHeader(parts->header, key_id_));
  std::optional<std::string> signature = Base64UrlDecode(parts->signature);
  if (!signature || !SignatureIsValid(parts->signing_input, *signature)) {
    return Unauthenticated("bad signature");
  }
  std::optional<std::string> payload = Base64UrlDecode(parts->payload);
  if (!payload) return Unauthenticated("malformed token");
  COFFER_ASSIGN_OR_RETURN(AccessTokenClaims claims, ClaimsFromJson(*payload));
  if (claims.issuer != issuer_) return Unauthenticated("token is from another issuer");
  return claims;
}

bool TokenVerifier::SignatureIsValid(std::string_view signing_input,
                                     std::string_view signature) const {
  if (signature.size() != 2 * kCoordinateSize) return false;
  // JWS carries r || s; OpenSSL wants the DER SEQUENCE of two INTEGERs.
  crypto::OpensslPtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  const auto* rs = reinterpret_cast<const unsigned char*>(signature.data());
  BIGNUM* r = BN_bin2bn(rs, kCoordinateSize, nullptr);
  BIGNUM* s = BN_bin2bn(rs + kCoordinateSize, kCoordinateSize, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der_raw = nullptr;
  const int der_size = i2d_ECDSA_SIG(sig.get(), &der_raw);
  crypto::OpensslPtr<unsigned char> der(der_raw);
  crypto::OpensslPtr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  return der_size > 0 && md != nullptr &&
         EVP_DigestVerifyInit(md.get(), nullptr, crypto::Sha256Digest(), nullptr, key_.get()) ==
             1 &&
         EVP_DigestVerify(md.get(), der.get(), static_cast<size_t>(der_size),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

}  // namespace coffer::identity
