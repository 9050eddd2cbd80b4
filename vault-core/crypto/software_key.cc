// OPENSSL_SUPPRESS_DEPRECATED: RSA_padding_check_PKCS1_OAEP_mgf1 is deprecated in OpenSSL 3 but
// is the only constant-time OAEP decoder it exposes for a block decrypted elsewhere (the HSM).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "vault-core/crypto/software_key.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <climits>

#include "lib/base/status.h"
#include "vault-core/crypto/aes_key_ops.h"
#include "vault-core/crypto/openssl_keys.h"
#include "vault-core/crypto/openssl_ptr.h"
#include "vault-core/crypto/random.h"

namespace coffer::crypto {
namespace {

using domain::Algorithm;
using domain::Curve;
using domain::KeyOperation;
using domain::KeyType;

const char* GroupName(Curve curve) {
  switch (curve) {
    case Curve::kP256:
      return "prime256v1";
    case Curve::kP384:
      return "secp384r1";
    case Curve::kP521:
      return "secp521r1";
    case Curve::kP256K:
      return "secp256k1";
    case Curve::kNone:
      break;
  }
  return "";
}

const EVP_MD* DigestOf(Algorithm alg) {
  switch (domain::DigestSize(alg)) {
    case 48:
      return EVP_sha384();
    case 64:
      return EVP_sha512();
    default:
      return EVP_sha256();
  }
}

bool IsPss(Algorithm alg) {
  return alg == Algorithm::kPs256 || alg == Algorithm::kPs384 || alg == Algorithm::kPs512;
}

// For private numbers: cleared before they are freed.
struct BnClearFree {
  void operator()(BIGNUM* bn) const { BN_clear_free(bn); }
};
using SecretBn = std::unique_ptr<BIGNUM, BnClearFree>;

SecretBn PrivateBn(const SecretBytes& bytes) {
  SecretBn bn(BN_secure_new());
  if (bn == nullptr || BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), bn.get()) == nullptr) {
    return nullptr;
  }
  BN_set_flags(bn.get(), BN_FLG_CONSTTIME);
  return bn;
}

OpensslPtr<BIGNUM> Bn(std::string_view bytes) {
  return OpensslPtr<BIGNUM>(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()), nullptr));
}

// Unsigned big-endian without leading zeros, as JWK wants it.
std::string BnBytes(const BIGNUM* bn) {
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

absl::StatusOr<SecretBytes> ToPkcs8(EVP_PKEY* pkey) {
  OpensslPtr<PKCS8_PRIV_KEY_INFO> info(EVP_PKEY2PKCS8(pkey));
  if (info == nullptr) return absl::InternalError("cannot encode the key as PKCS#8");
  int size = i2d_PKCS8_PRIV_KEY_INFO(info.get(), nullptr);
  if (size <= 0) return absl::InternalError("cannot encode the key as PKCS#8");
  SecretBytes der(static_cast<std::size_t>(size));
  unsigned char* out = der.mutable_data();
  i2d_PKCS8_PRIV_KEY_INFO(info.get(), &out);
  return der;
}

absl::StatusOr<OpensslPtr<EVP_PKEY>> FromParams(const char* type, OSSL_PARAM_BLD* build,
                                                int selection) {
  // Private numbers come from BN_secure_new, so OpenSSL keeps their copies here in its "secure"
  // allocation, which it clears when freeing (without a secure heap configured, that is ordinary
  // memory, cleared all the same).
  OpensslPtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(build));
  OpensslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, selection, params.get()) != 1) {
    return absl::InvalidArgumentError(std::string("The JSON web key is not a valid ") + type +
                                      " key.");
  }
  return OpensslPtr<EVP_PKEY>(pkey);
}

// Sets the padding (and hashes) of an RSA encryption context for `alg`.
bool SetRsaCipher(EVP_PKEY_CTX* ctx, Algorithm alg) {
  if (alg == Algorithm::kRsa15) return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
  const EVP_MD* md = alg == Algorithm::kRsaOaep ? EVP_sha1() : EVP_sha256();
  return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) == 1 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1;
}

bool SetSignature(EVP_PKEY_CTX* ctx, Algorithm alg) {
  if (EVP_PKEY_CTX_set_signature_md(ctx, DigestOf(alg)) != 1) return false;
  if (!IsPss(alg)) {
    if (EVP_PKEY_is_a(EVP_PKEY_CTX_get0_pkey(ctx), "EC")) return true;
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
  }
  return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, DigestOf(alg)) == 1;
}

absl::StatusOr<domain::KeyOperationResult> Sign(EVP_PKEY* pkey, Curve curve,
                                                const domain::KeyOperationRequest& r) {
  OpensslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(pkey, nullptr));
  const auto* digest = reinterpret_cast<const unsigned char*>(r.data.data());
  std::size_t size = 0;
  if (ctx == nullptr || EVP_PKEY_sign_init(ctx.get()) != 1 || !SetSignature(ctx.get(), r.alg) ||
      EVP_PKEY_sign(ctx.get(), nullptr, &size, digest, r.data.size()) != 1) {
    return absl::InternalError("signing failed");
  }
  std::string signature(size, '\0');
  if (EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, digest,
                    r.data.size()) != 1) {
    return absl::InternalError("signing failed");
  }
  signature.resize(size);
  if (curve != Curve::kNone) {
    COFFER_ASSIGN_OR_RETURN(signature, EcdsaDerToRaw(signature, domain::CurveFieldSize(curve)));
  }
  domain::KeyOperationResult result;
  result.value = SecretBytes(signature);
  return result;
}

absl::StatusOr<domain::KeyOperationResult> RsaDecrypt(EVP_PKEY* pkey,
                                                      const domain::KeyOperationRequest& r) {
  OpensslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(pkey, nullptr));
  const auto* in = reinterpret_cast<const unsigned char*>(r.data.data());
  std::size_t size = 0;
  if (ctx == nullptr || EVP_PKEY_decrypt_init(ctx.get()) != 1 || !SetRsaCipher(ctx.get(), r.alg) ||
      EVP_PKEY_decrypt(ctx.get(), nullptr, &size, in, r.data.size()) != 1) {
    return absl::InternalError("RSA decryption failed to start");
  }
  domain::KeyOperationResult result;
  result.value = SecretBytes(size);
  if (EVP_PKEY_decrypt(ctx.get(), result.value.mutable_data(), &size, in, r.data.size()) != 1) {
    return absl::InvalidArgumentError("The ciphertext does not decrypt with this key and algorithm.");
  }
  result.value.resize(size);
  return result;
}

}  // namespace

absl::StatusOr<OpensslPtr<EVP_PKEY>> ToPkey(const SoftwareKey& key) {
  if (key.type == KeyType::kOct) return absl::InternalError("an oct key has no PKCS#8 form");
  const unsigned char* cursor = key.material.data();
  OpensslPtr<EVP_PKEY> pkey(
      d2i_AutoPrivateKey(nullptr, &cursor, static_cast<long>(key.material.size())));
  if (pkey == nullptr) return absl::DataLossError("stored key material does not parse");
  return pkey;
}

absl::StatusOr<OpensslPtr<EVP_PKEY>> ToPublicPkey(const domain::PublicKey& key) {
  OpensslPtr<OSSL_PARAM_BLD> build(OSSL_PARAM_BLD_new());
  if (build == nullptr) return absl::InternalError("OSSL_PARAM_BLD_new failed");
  if (key.curve == Curve::kNone) {
    OpensslPtr<BIGNUM> n = Bn(key.n), e = Bn(key.e);
    if (n == nullptr || e == nullptr ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
      return absl::InternalError("cannot build an RSA public key");
    }
    return FromParams("RSA", build.get(), EVP_PKEY_PUBLIC_KEY);
  }
  std::string point = "\x04" + key.x + key.y;
  if (OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      GroupName(key.curve), 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return absl::InternalError("cannot build an EC public key");
  }
  return FromParams("EC", build.get(), EVP_PKEY_PUBLIC_KEY);
}

absl::StatusOr<domain::PublicKey> PublicKeyOfPkey(EVP_PKEY* pkey, Curve curve) {
  domain::PublicKey pub;
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
        EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
      BN_free(n);
      return absl::DataLossError("the RSA key has no public parts");
    }
    OpensslPtr<BIGNUM> n_owned(n), e_owned(e);
    pub.n = BnBytes(n);
    pub.e = BnBytes(e);
    return pub;
  }
  unsigned char point[1 + 2 * 66];
  std::size_t size = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
                                      &size) != 1) {
    return absl::DataLossError("the EC key has no public point");
  }
  std::size_t field = domain::CurveFieldSize(curve);
  if (size != 1 + 2 * field || point[0] != 0x04) {
    return absl::DataLossError("the EC key's point is not an uncompressed point of its curve");
  }
  pub.curve = curve;
  pub.x.assign(reinterpret_cast<const char*>(point + 1), field);
  pub.y.assign(reinterpret_cast<const char*>(point + 1 + field), field);
  return pub;
}

absl::StatusOr<Curve> CurveOfPkey(EVP_PKEY* pkey) {
  char group[64] = {};
  if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), nullptr) != 1) {
    return absl::InvalidArgumentError("the EC key names no curve");
  }
  for (Curve c : {Curve::kP256, Curve::kP384, Curve::kP521, Curve::kP256K}) {
    if (std::string_view(group) == GroupName(c)) return c;
  }
  return absl::InvalidArgumentError(std::string("the EC curve ") + group +
                                    " is not supported: use P-256, P-384, P-521 or P-256K");
}

absl::StatusOr<SoftwareKey> FromPkey(EVP_PKEY* pkey) {
  SoftwareKey key;
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    key.type = KeyType::kRsa;
  } else if (EVP_PKEY_is_a(pkey, "EC")) {
    key.type = KeyType::kEc;
    COFFER_ASSIGN_OR_RETURN(key.curve, CurveOfPkey(pkey));
  } else {
    return absl::InvalidArgumentError("the key is neither RSA nor EC");
  }
  COFFER_ASSIGN_OR_RETURN(key.material, ToPkcs8(pkey));
  return key;
}

absl::StatusOr<SoftwareKey> GenerateSoftwareKey(const domain::KeySpec& spec) {
  SoftwareKey key{spec.type, spec.curve, {}};
  if (spec.type == KeyType::kOct) {
    key.material = RandomSecret(static_cast<std::size_t>(spec.bits / 8));
    return key;
  }
  OpensslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(
      nullptr, spec.type == KeyType::kRsa ? "RSA" : "EC", nullptr));
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1) {
    return absl::InternalError("key generation failed to start");
  }
  if (spec.type == KeyType::kRsa) {
    OpensslPtr<BIGNUM> e = Bn(spec.public_exponent.empty() ? std::string("\x01\x00\x01", 3)
                                                           : spec.public_exponent);
    if (EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), spec.bits) != 1 ||
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) != 1) {
      return absl::InternalError("RSA key generation parameters refused");
    }
  } else if (EVP_PKEY_CTX_set_group_name(ctx.get(), GroupName(spec.curve)) != 1) {
    return absl::InternalError("EC curve refused");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) return absl::InternalError("key generation failed");
  OpensslPtr<EVP_PKEY> pkey(raw);
  COFFER_ASSIGN_OR_RETURN(key.material, ToPkcs8(pkey.get()));
  return key;
}

absl::StatusOr<SoftwareKey> SoftwareKeyFromParts(const domain::PrivateKeyParts& parts) {
  SoftwareKey key{parts.type, parts.public_key.curve, {}};
  const domain::PublicKey& pub = parts.public_key;
  if (parts.type == KeyType::kOct) {
    std::size_t size = parts.k.size();
    if (size != 16 && size != 24 && size != 32) {
      return absl::InvalidArgumentError("An oct key (k) must be 16, 24 or 32 bytes.");
    }
    key.material = SecretBytes(parts.k.reveal());
    return key;
  }
  OpensslPtr<OSSL_PARAM_BLD> build(OSSL_PARAM_BLD_new());
  if (build == nullptr) return absl::InternalError("OSSL_PARAM_BLD_new failed");
  OpensslPtr<EVP_PKEY> pkey;
  if (parts.type == KeyType::kRsa) {
    if (pub.n.empty() || pub.e.empty() || parts.d.empty() || parts.p.empty() || parts.q.empty() ||
        parts.dp.empty() || parts.dq.empty() || parts.qi.empty()) {
      return absl::InvalidArgumentError(
          "An RSA JSON web key to import needs n, e, d, p, q, dp, dq and qi.");
    }
    std::size_t bits = pub.n.size() * 8;
    if (pub.n.size() > 512 || bits < 2048) {
      return absl::InvalidArgumentError("The RSA key must be 2048 to 4096 bits.");
    }
    OpensslPtr<BIGNUM> n = Bn(pub.n), e = Bn(pub.e);
    SecretBn d = PrivateBn(parts.d), p = PrivateBn(parts.p), q = PrivateBn(parts.q),
             dp = PrivateBn(parts.dp), dq = PrivateBn(parts.dq), qi = PrivateBn(parts.qi);
    if (OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_D, d.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi.get()) != 1) {
      return absl::InternalError("cannot build an RSA key");
    }
    COFFER_ASSIGN_OR_RETURN(pkey, FromParams("RSA", build.get(), EVP_PKEY_KEYPAIR));
  } else {
    std::size_t field = domain::CurveFieldSize(pub.curve);
    if (pub.curve == Curve::kNone || pub.x.size() != field || pub.y.size() != field ||
        parts.d.size() != field) {
      return absl::InvalidArgumentError(
          "An EC JSON web key to import needs crv, and x, y and d of the curve's size.");
    }
    std::string point = "\x04" + pub.x + pub.y;
    SecretBn d = PrivateBn(parts.d);
    if (OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                        GroupName(pub.curve), 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1) {
      return absl::InternalError("cannot build an EC key");
    }
    COFFER_ASSIGN_OR_RETURN(pkey, FromParams("EC", build.get(), EVP_PKEY_KEYPAIR));
  }
  // The parts must belong together: a key whose private half does not match its public half
  // would sign what nobody can verify.
  OpensslPtr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new(pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_pairwise_check(check.get()) != 1) {
    return absl::InvalidArgumentError(
        "The JSON web key's private parts do not match its public parts.");
  }
  COFFER_ASSIGN_OR_RETURN(key.material, ToPkcs8(pkey.get()));
  return key;
}

absl::StatusOr<domain::PrivateKeyParts> PartsOf(const SoftwareKey& key) {
  domain::PrivateKeyParts parts;
  parts.type = key.type;
  if (key.type == KeyType::kOct) {
    parts.k = SecretBytes(key.material.reveal());
    return parts;
  }
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<EVP_PKEY> pkey, ToPkey(key));
  COFFER_ASSIGN_OR_RETURN(parts.public_key, PublicKeyOfPkey(pkey.get(), key.curve));
  // Each private number is copied out fixed-width where JWK wants it, then cleared.
  auto get = [&](const char* name, SecretBytes& out, std::size_t width) -> absl::Status {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(pkey.get(), name, &bn) != 1) {
      return absl::DataLossError("the key lacks a private part");
    }
    const std::size_t size = std::max<std::size_t>(width, BN_num_bytes(bn));
    out = SecretBytes(size);
    const int written = BN_bn2binpad(bn, out.mutable_data(), static_cast<int>(size));
    BN_clear_free(bn);
    return written < 0 ? absl::InternalError("cannot copy a private part") : absl::OkStatus();
  };
  if (key.type == KeyType::kEc) {
    COFFER_RETURN_IF_ERROR(get(OSSL_PKEY_PARAM_PRIV_KEY, parts.d, domain::CurveFieldSize(key.curve)));
    return parts;
  }
  COFFER_RETURN_IF_ERROR(get(OSSL_PKEY_PARAM_RSA_D, parts.d, 0));
  COFFER_RETURN_IF_ERROR(get(OSSL_PKEY_PARAM_RSA_FACTOR1, parts.p, 0));
  COFFER_RETURN_IF_ERROR(get(OSSL_PKEY_PARAM_RSA_FACTOR2, parts.q, 0));
  COFFER_RETURN_IF_ERROR(get(OSSL_PKEY_PARAM_RSA_EXPONENT1, parts.dp, 0));
  COFFER_RETURN_IF_ERROR(get(OSSL_PKEY_PARAM_RSA_EXPONENT2, parts.dq, 0));
  COFFER_RETURN_IF_ERROR(get(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, parts.qi, 0));
  return parts;
}

absl::StatusOr<domain::PublicKey> PublicKeyOf(const SoftwareKey& key) {
  if (key.type == KeyType::kOct) return domain::PublicKey();
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<EVP_PKEY> pkey, ToPkey(key));
  return PublicKeyOfPkey(pkey.get(), key.curve);
}

absl::StatusOr<int> KeyBitsOf(const SoftwareKey& key) {
  if (key.type == KeyType::kOct) return static_cast<int>(key.material.size() * 8);
  if (key.type == KeyType::kEc) return 0;
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<EVP_PKEY> pkey, ToPkey(key));
  return EVP_PKEY_get_bits(pkey.get());
}

absl::StatusOr<std::shared_ptr<const LoadedKey>> LoadedKey::Load(const SoftwareKey& key) {
  if (key.type == KeyType::kOct) {
    return std::shared_ptr<const LoadedKey>(
        new LoadedKey(key.type, key.curve, nullptr, SecretBytes(key.material.reveal())));
  }
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<EVP_PKEY> pkey, ToPkey(key));
  return std::shared_ptr<const LoadedKey>(
      new LoadedKey(key.type, key.curve, pkey.release(), SecretBytes()));
}

LoadedKey::~LoadedKey() { EVP_PKEY_free(pkey_); }

absl::StatusOr<domain::KeyOperationResult> LoadedKey::Run(
    const domain::KeyOperationRequest& r) const {
  if (type_ == KeyType::kOct) return RunAes(aes_key_, r);
  switch (r.op) {
    case KeyOperation::kSign:
      return Sign(pkey_, curve_, r);
    case KeyOperation::kDecrypt:
    case KeyOperation::kUnwrapKey:
      return RsaDecrypt(pkey_, r);
    default:
      return absl::InternalError("not a private-key operation");
  }
}

absl::StatusOr<domain::KeyOperationResult> RunPrivate(const SoftwareKey& key,
                                                      const domain::KeyOperationRequest& r) {
  COFFER_ASSIGN_OR_RETURN(std::shared_ptr<const LoadedKey> loaded, LoadedKey::Load(key));
  return loaded->Run(r);
}

absl::StatusOr<domain::KeyOperationResult> RunPublic(const domain::PublicKey& key,
                                                     const domain::KeyOperationRequest& r) {
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<EVP_PKEY> pkey, ToPublicPkey(key));
  OpensslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(pkey.get(), nullptr));
  if (ctx == nullptr) return absl::InternalError("EVP_PKEY_CTX_new failed");
  domain::KeyOperationResult result;
  const auto* in = reinterpret_cast<const unsigned char*>(r.data.data());
  if (r.op == KeyOperation::kVerify) {
    std::string signature = r.signature;
    if (key.curve != Curve::kNone) {
      if (signature.size() != 2 * domain::CurveFieldSize(key.curve)) return result;
      COFFER_ASSIGN_OR_RETURN(signature, EcdsaRawToDer(signature));
    }
    if (EVP_PKEY_verify_init(ctx.get()) != 1 || !SetSignature(ctx.get(), r.alg)) {
      return absl::InternalError("verification failed to start");
    }
    result.verified =
        EVP_PKEY_verify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                        signature.size(), in, r.data.size()) == 1;
    return result;
  }
  std::size_t size = 0;
  if (EVP_PKEY_encrypt_init(ctx.get()) != 1 || !SetRsaCipher(ctx.get(), r.alg) ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &size, in, r.data.size()) != 1) {
    return absl::InternalError("RSA encryption failed to start");
  }
  result.value = SecretBytes(size);
  if (EVP_PKEY_encrypt(ctx.get(), result.value.mutable_data(), &size, in, r.data.size()) != 1) {
    return absl::InvalidArgumentError("The plaintext is too long for this key and algorithm.");
  }
  result.value.resize(size);
  return result;
}

std::string RsaDigestInfo(Algorithm alg, std::string_view digest) {
  // DER of DigestInfo { AlgorithmIdentifier { hash OID, NULL }, OCTET STRING digest } up to the
  // digest itself (RFC 8017 §9.2, note 1).
  static const std::string kSha256("\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01"
                                   "\x05\x00\x04\x20", 19);
  static const std::string kSha384("\x30\x41\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x02"
                                   "\x05\x00\x04\x30", 19);
  static const std::string kSha512("\x30\x51\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x03"
                                   "\x05\x00\x04\x40", 19);
  std::size_t size = domain::DigestSize(alg);
  const std::string& prefix = size == 48 ? kSha384 : size == 64 ? kSha512 : kSha256;
  return prefix + std::string(digest);
}

absl::StatusOr<SecretBytes> DecodeOaepSha256(const SecretBytes& em) {
  SecretBytes out(em.size());
  int size = RSA_padding_check_PKCS1_OAEP_mgf1(out.mutable_data(), static_cast<int>(out.size()),
                                               em.data(), static_cast<int>(em.size()),
                                               static_cast<int>(em.size()), nullptr, 0,
                                               EVP_sha256(), EVP_sha256());
  if (size < 0) {
    return absl::InvalidArgumentError("The ciphertext does not decrypt with this key and algorithm.");
  }
  out.resize(static_cast<std::size_t>(size));
  return out;
}

absl::StatusOr<std::string> EcdsaDerToRaw(std::string_view der, std::size_t field_size) {
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  OpensslPtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (sig == nullptr) return absl::InternalError("ECDSA signature does not parse");
  std::string raw(2 * field_size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, static_cast<int>(field_size)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + field_size, static_cast<int>(field_size)) <
          0) {
    return absl::InternalError("ECDSA signature does not fit the curve");
  }
  return raw;
}

absl::StatusOr<std::string> EcdsaRawToDer(std::string_view raw) {
  const std::size_t half = raw.size() / 2;
  OpensslPtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(half),
                        nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half),
                        static_cast<int>(half), nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return absl::InternalError("cannot build an ECDSA signature");
  }
  unsigned char* der = nullptr;
  int size = i2d_ECDSA_SIG(sig.get(), &der);
  if (size <= 0) return absl::InternalError("cannot encode an ECDSA signature");
  OpensslPtr<unsigned char> owned(der);
  return std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
}

}  // namespace coffer::crypto
