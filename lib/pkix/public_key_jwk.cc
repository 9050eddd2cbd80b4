#include "lib/pkix/public_key_jwk.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <optional>

#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "lib/pkix/openssl_ptr.h"
#include "nlohmann/json.hpp"

namespace coffer::pkix {
namespace {

using nlohmann::json;

absl::Status Bad(const std::string& what) { return absl::InvalidArgumentError(what); }

// A base64url member's bytes; nullopt when it is missing, not a string, empty or not base64url.
std::optional<std::string> Bytes(const json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return std::nullopt;
  std::optional<std::string> bytes = Base64UrlDecode(it->get_ref<const std::string&>());
  if (!bytes || bytes->empty()) return std::nullopt;
  return bytes;
}

absl::Status MissingMember(const char* name) {
  return Bad(std::string("its JWK has no base64url '") + name + "'");
}

// A public key from OSSL_PARAMs, checked: an EC point must be on its curve.
absl::StatusOr<OpensslPtr<EVP_PKEY>> FromParams(const char* type, OSSL_PARAM_BLD* build) {
  OpensslPtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(build));
  OpensslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return Bad(std::string("its JWK is not a valid ") + type + " public key");
  }
  OpensslPtr<EVP_PKEY> owned(key);
  OpensslPtr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return Bad(std::string("its JWK is not a valid ") + type + " public key");
  }
  return owned;
}

absl::StatusOr<OpensslPtr<EVP_PKEY>> RsaKey(const json& jwk) {
  std::optional<std::string> n = Bytes(jwk, "n");
  if (!n) return MissingMember("n");
  std::optional<std::string> e = Bytes(jwk, "e");
  if (!e) return MissingMember("e");
  if (n->size() > 16384 / 8 || e->size() > 8) return Bad("its JWK's RSA key is too large");
  auto bn = [](const std::string& bytes) {
    return OpensslPtr<BIGNUM>(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                        static_cast<int>(bytes.size()), nullptr));
  };
  OpensslPtr<BIGNUM> modulus = bn(*n), exponent = bn(*e);
  OpensslPtr<OSSL_PARAM_BLD> build(OSSL_PARAM_BLD_new());
  if (modulus == nullptr || exponent == nullptr || build == nullptr ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
    return absl::ResourceExhaustedError("out of memory");
  }
  return FromParams("RSA", build.get());
}

struct Curve {
  const char* jwk_name;
  const char* openssl_name;
  std::size_t bytes;  // of each coordinate
};
constexpr Curve kCurves[] = {{"P-256", "prime256v1", 32},
                             {"P-384", "secp384r1", 48},
                             {"P-521", "secp521r1", 66},
                             {"P-256K", "secp256k1", 32}};

absl::StatusOr<OpensslPtr<EVP_PKEY>> EcKey(const json& jwk) {
  auto crv = jwk.find("crv");
  const Curve* curve = nullptr;
  for (const Curve& c : kCurves) {
    if (crv != jwk.end() && crv->is_string() && *crv == c.jwk_name) curve = &c;
  }
  if (curve == nullptr) return Bad("its JWK's crv is not P-256, P-384, P-521 or P-256K");
  std::optional<std::string> x = Bytes(jwk, "x");
  if (!x) return MissingMember("x");
  std::optional<std::string> y = Bytes(jwk, "y");
  if (!y) return MissingMember("y");
  if (x->size() > curve->bytes || y->size() > curve->bytes) {
    return Bad(std::string("its JWK's x or y is longer than a ") + curve->jwk_name + " coordinate");
  }
  // RFC 7518 wants full-length coordinates; one that lost its leading zeros is still the point.
  std::string point = "\x04" + std::string(curve->bytes - x->size(), '\0') + *x +
                      std::string(curve->bytes - y->size(), '\0') + *y;
  OpensslPtr<OSSL_PARAM_BLD> build(OSSL_PARAM_BLD_new());
  if (build == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->openssl_name,
                                      0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return absl::ResourceExhaustedError("out of memory");
  }
  return FromParams("EC", build.get());
}

}  // namespace

absl::StatusOr<std::string> PublicKeyPemFromJwk(std::string_view jwk_json) {
  const json jwk = json::parse(jwk_json.begin(), jwk_json.end(), nullptr, false);
  if (!jwk.is_object()) return Bad("its JWK is not a JSON object");
  auto kty = jwk.find("kty");
  const std::string type = kty != jwk.end() && kty->is_string() ? kty->get<std::string>() : "";
  absl::StatusOr<OpensslPtr<EVP_PKEY>> key = Bad("its JWK's kty '" + type + "' is not RSA or EC");
  if (type == "RSA" || type == "RSA-HSM") {
    key = RsaKey(jwk);
  } else if (type == "EC" || type == "EC-HSM") {
    key = EcKey(jwk);
  } else if (type == "oct" || type == "oct-HSM") {
    key = Bad("it is a symmetric key (" + type + "): it has no public part");
  }
  if (!key.ok()) return key.status();
  OpensslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  char* data = nullptr;
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key->get()) != 1) {
    ERR_clear_error();
    return absl::InternalError("cannot write the public key as PEM");
  }
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size > 0 ? static_cast<std::size_t>(size) : 0);
}

}  // namespace coffer::pkix
