#include "tests/kube-apiserver/server/token_issuer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "lib/base/base64.h"

namespace coffer::kube::standin {
namespace {

using json = nlohmann::json;

absl::Status Invalid(std::string message) { return absl::UnauthenticatedError(message); }

std::string BigNumParam(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) return "";
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return Base64UrlEncode(bytes);
}

}  // namespace

struct TokenIssuer::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

TokenIssuer::TokenIssuer(std::string issuer) : issuer_(std::move(issuer)), key_(new Key) {
  key_->pkey = EVP_RSA_gen(2048);
  if (key_->pkey == nullptr) std::abort();  // test-only binary: no way to serve tokens
  int length = i2d_PUBKEY(key_->pkey, nullptr);
  std::vector<unsigned char> der(static_cast<size_t>(length));
  unsigned char* out = der.data();
  i2d_PUBKEY(key_->pkey, &out);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der.data(), der.size(), digest);
  key_id_ = Base64UrlEncode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

TokenIssuer::~TokenIssuer() = default;

std::string TokenIssuer::Sign(const json& claims) const {
  json header = {{"alg", "RS256"}, {"kid", key_id_}, {"typ", "JWT"}};
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t length = 0;
  std::string signature;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
      EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) == 1) {
    signature.resize(length);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
      length = 0;
    }
    signature.resize(length);
  }
  EVP_MD_CTX_free(ctx);
  return input + "." + Base64UrlEncode(signature);
}

absl::StatusOr<json> TokenIssuer::Verify(std::string_view token) const {
  std::vector<std::string> parts = absl::StrSplit(std::string(token), '.');
  if (parts.size() != 3) return Invalid("invalid bearer token, not a compact JWS");
  std::optional<std::string> header = Base64UrlDecode(parts[0]);
  std::optional<std::string> payload = Base64UrlDecode(parts[1]);
  std::optional<std::string> signature = Base64UrlDecode(parts[2]);
  if (!header || !payload || !signature) return Invalid("invalid bearer token, bad encoding");
  json head = json::parse(*header, nullptr, false);
  json claims = json::parse(*payload, nullptr, false);
  if (!head.is_object() || !claims.is_object()) {
    return Invalid("invalid bearer token, malformed JWT");
  }
  if (head.value("alg", "") != "RS256" || head.value("kid", "") != key_id_) {
    return Invalid("invalid bearer token, unknown signing key");
  }
  std::string input = parts[0] + "." + parts[1];
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
            EVP_DigestVerify(
                ctx, reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
                reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return Invalid("invalid bearer token, crypto/rsa: verification error");
  return claims;
}

json TokenIssuer::Jwks() const {
  json key = {{"use", "sig"},
              {"kty", "RSA"},
              {"kid", key_id_},
              {"alg", "RS256"},
              {"n", BigNumParam(key_->pkey, OSSL_PKEY_PARAM_RSA_N)},
              {"e", BigNumParam(key_->pkey, OSSL_PKEY_PARAM_RSA_E)}};
  return {{"keys", json::array({key})}};
}

}  // namespace coffer::kube::standin
