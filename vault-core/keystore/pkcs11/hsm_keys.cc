#include "vault-core/keystore/pkcs11/hsm_keys.h"

#include <vector>

#include "lib/base/status.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/crypto/software_key.h"
#include "vault-core/keystore/pkcs11/ck_rv.h"
#include "vault-core/keystore/pkcs11/session.h"

namespace coffer::keystore {
namespace {

using domain::Algorithm;
using domain::Curve;
using domain::KeyOperation;
using domain::KeyType;

// DER of each curve's named OID, as CKA_EC_PARAMS wants it.
std::string EcParams(Curve curve) {
  switch (curve) {
    case Curve::kP256:
      return std::string("\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 10);
    case Curve::kP384:
      return std::string("\x06\x05\x2b\x81\x04\x00\x22", 7);
    case Curve::kP521:
      return std::string("\x06\x05\x2b\x81\x04\x00\x23", 7);
    case Curve::kP256K:
      return std::string("\x06\x05\x2b\x81\x04\x00\x0a", 7);
    case Curve::kNone:
      break;
  }
  return "";
}

CK_ULONG Ulong(std::size_t n) { return static_cast<CK_ULONG>(n); }
CK_BYTE* Bytes(std::string_view s) {
  return reinterpret_cast<CK_BYTE*>(const_cast<char*>(s.data()));
}

// The uncompressed point inside CKA_EC_POINT's DER OCTET STRING (short or long form length).
absl::StatusOr<std::pair<std::string, std::string>> EcCoordinates(std::string value,
                                                                  Curve curve) {
  const std::size_t field = domain::CurveFieldSize(curve);
  const std::size_t point = 1 + 2 * field;
  if (value.size() > point && value[0] == 0x04) value = value.substr(value.size() - point);
  if (value.size() != point || value[0] != 0x04) {
    return absl::InternalError("CKA_EC_POINT is not an uncompressed point of the curve");
  }
  return std::make_pair(value.substr(1, field), value.substr(1 + field, field));
}

absl::StatusOr<std::string> Wrap(SessionPool::Lease& lease, CK_OBJECT_HANDLE master,
                                 CK_OBJECT_HANDLE key) {
  CK_MECHANISM mechanism = {CKM_AES_KEY_WRAP_PAD, nullptr, 0};
  CK_ULONG size = 0;
  COFFER_RETURN_IF_ERROR(lease.Check(
      lease->fns()->C_WrapKey(lease->handle(), &mechanism, master, key, nullptr, &size),
      "C_WrapKey (size)"));
  std::string wrapped(size, '\0');
  COFFER_RETURN_IF_ERROR(
      lease.Check(lease->fns()->C_WrapKey(lease->handle(), &mechanism, master, key,
                                          Bytes(wrapped), &size),
                  "C_WrapKey"));
  wrapped.resize(size);
  return wrapped;
}

absl::Status Create(SessionPool::Lease& lease, std::vector<CK_ATTRIBUTE>& tmpl,
                    CK_OBJECT_HANDLE* object) {
  return lease.Check(lease->fns()->C_CreateObject(lease->handle(), tmpl.data(),
                                                  Ulong(tmpl.size()), object),
                     "C_CreateObject");
}

absl::Status NotAuthentic() {
  return absl::InvalidArgumentError(
      "The ciphertext does not decrypt with this key: it, its iv, tag or aad was altered.");
}

// A failed decryption, unwrap or AES operation: the input's fault when the session still
// answers (SoftHSM reports a bad GCM tag or key-wrap check as CKR_GENERAL_ERROR), else the
// device's.
absl::Status InputError(SessionPool::Lease& lease, CK_RV rv, std::string_view what) {
  switch (rv) {
    case CKR_ENCRYPTED_DATA_INVALID:
    case CKR_ENCRYPTED_DATA_LEN_RANGE:
    case CKR_WRAPPED_KEY_INVALID:
    case CKR_WRAPPED_KEY_LEN_RANGE:
    case CKR_DATA_LEN_RANGE:
      return NotAuthentic();
    case CKR_GENERAL_ERROR: {
      CK_SESSION_INFO info = {};
      if (lease->fns()->C_GetSessionInfo(lease->handle(), &info) == CKR_OK) return NotAuthentic();
      break;
    }
    default:
      break;
  }
  return lease.Check(rv, what);
}

// Runs a one-shot C_Sign / C_Encrypt / C_Decrypt with `key` under `mechanism`.
enum class Call { kSign, kEncrypt, kDecrypt };

absl::StatusOr<SecretBytes> OneShot(SessionPool::Lease& lease, Call call,
                                    CK_MECHANISM& mechanism, CK_OBJECT_HANDLE key,
                                    std::string_view input) {
  CK_FUNCTION_LIST* f = lease->fns();
  const CK_SESSION_HANDLE h = lease->handle();
  const char* name = call == Call::kSign ? "C_Sign" : call == Call::kEncrypt ? "C_Encrypt"
                                                                              : "C_Decrypt";
  CK_RV rv = call == Call::kSign      ? f->C_SignInit(h, &mechanism, key)
             : call == Call::kEncrypt ? f->C_EncryptInit(h, &mechanism, key)
                                      : f->C_DecryptInit(h, &mechanism, key);
  COFFER_RETURN_IF_ERROR(lease.Check(rv, std::string(name) + "Init"));
  // Output is never longer than the input plus one AES block and a tag, or a signature of at
  // most 512 bytes (RSA-4096); one call with room for it ends the operation either way.
  SecretBytes out(input.size() + 512 + 32);
  CK_ULONG size = Ulong(out.size());
  rv = call == Call::kSign      ? f->C_Sign(h, Bytes(input), Ulong(input.size()),
                                            out.mutable_data(), &size)
       : call == Call::kEncrypt ? f->C_Encrypt(h, Bytes(input), Ulong(input.size()),
                                               out.mutable_data(), &size)
                                : f->C_Decrypt(h, Bytes(input), Ulong(input.size()),
                                               out.mutable_data(), &size);
  if (rv != CKR_OK) {
    absl::Status status = call == Call::kDecrypt ? InputError(lease, rv, name)
                                                 : lease.Check(rv, name);
    // A refused input ends the operation; anything else may leave it active on the session,
    // which would then refuse every later C_*Init: the session is not reused.
    if (!absl::IsInvalidArgument(status)) lease.MarkBroken();
    return status;
  }
  out.resize(size);
  return out;
}

std::vector<CK_ATTRIBUTE> UnwrapTemplate(KeyType type, CK_OBJECT_CLASS& object_class,
                                         CK_KEY_TYPE& key_type) {
  object_class = type == KeyType::kOct ? CKO_SECRET_KEY : CKO_PRIVATE_KEY;
  key_type = type == KeyType::kRsa ? CKK_RSA : type == KeyType::kEc ? CKK_EC : CKK_AES;
  std::vector<CK_ATTRIBUTE> tmpl = {
      Attr(CKA_CLASS, object_class), Attr(CKA_KEY_TYPE, key_type), Attr(CKA_TOKEN, kFalse),
      Attr(CKA_PRIVATE, kTrue),      Attr(CKA_SENSITIVE, kTrue),   Attr(CKA_EXTRACTABLE, kFalse),
  };
  if (type == KeyType::kOct) {
    for (CK_ATTRIBUTE_TYPE a : {CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP, CKA_UNWRAP}) {
      tmpl.push_back(Attr(a, kTrue));
    }
  } else {
    tmpl.push_back(Attr(CKA_SIGN, kTrue));
    if (type == KeyType::kRsa) tmpl.push_back(Attr(CKA_DECRYPT, kTrue));
  }
  return tmpl;
}

// The session object for `wrapped`, unwrapped now or earlier on this session.
absl::StatusOr<CK_OBJECT_HANDLE> Unwrapped(SessionPool::Lease& lease, CK_OBJECT_HANDLE master,
                                           const std::string& master_label, KeyType type,
                                           std::string_view wrapped) {
  const std::string id = crypto::Sha256(wrapped);
  CK_OBJECT_HANDLE object = lease->FindUnwrapped(id);
  if (object != CK_INVALID_HANDLE) return object;
  if (wrapped.size() < 16 || wrapped.size() % 8 != 0) {
    return absl::DataLossError("stored key is not an AES-KWP blob");
  }
  CK_OBJECT_CLASS object_class;
  CK_KEY_TYPE key_type;
  std::vector<CK_ATTRIBUTE> tmpl = UnwrapTemplate(type, object_class, key_type);
  CK_MECHANISM mechanism = {CKM_AES_KEY_WRAP_PAD, nullptr, 0};
  CK_RV rv = lease->fns()->C_UnwrapKey(lease->handle(), &mechanism, master, Bytes(wrapped),
                                       Ulong(wrapped.size()), tmpl.data(), Ulong(tmpl.size()),
                                       &object);
  if (rv != CKR_OK) {
    return WrappedKeyError(lease, rv, "stored key does not unwrap under master key '" +
                                          master_label + "'");
  }
  lease->KeepUnwrapped(id, object);
  return object;
}

absl::StatusOr<domain::KeyOperationResult> RsaOrEc(SessionPool::Lease& lease,
                                                   CK_OBJECT_HANDLE key,
                                                   const domain::KeyOperationRequest& r) {
  domain::KeyOperationResult result;
  CK_MECHANISM mechanism = {CKM_RSA_PKCS, nullptr, 0};
  if (r.op == KeyOperation::kSign) {
    std::string input(r.data.reveal());  // a digest: not secret
    CK_RSA_PKCS_PSS_PARAMS pss = {};
    switch (r.alg) {
      case Algorithm::kRs256:
      case Algorithm::kRs384:
      case Algorithm::kRs512:
        input = crypto::RsaDigestInfo(r.alg, r.data.reveal());
        break;
      case Algorithm::kPs256:
      case Algorithm::kPs384:
      case Algorithm::kPs512: {
        std::size_t size = domain::DigestSize(r.alg);
        pss.hash_alg = size == 48 ? CKM_SHA384 : size == 64 ? CKM_SHA512 : CKM_SHA256;
        pss.mgf = size == 48 ? CKG_MGF1_SHA384 : size == 64 ? CKG_MGF1_SHA512 : CKG_MGF1_SHA256;
        pss.s_len = Ulong(size);
        mechanism = {CKM_RSA_PKCS_PSS, &pss, sizeof(pss)};
        break;
      }
      default:  // ES*: SoftHSM has only raw CKM_ECDSA, over the caller's digest; r || s out
        mechanism = {CKM_ECDSA, nullptr, 0};
        break;
    }
    COFFER_ASSIGN_OR_RETURN(result.value, OneShot(lease, Call::kSign, mechanism, key, input));
    return result;
  }
  // Decrypt and unwrapKey. SoftHSM's OAEP takes SHA-1 only: OAEP-256 is raw RSA in the device
  // and the padding check here (constant time, in OpenSSL).
  CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0};
  if (r.alg == Algorithm::kRsaOaep) mechanism = {CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep)};
  if (r.alg == Algorithm::kRsaOaep256) mechanism = {CKM_RSA_X_509, nullptr, 0};
  COFFER_ASSIGN_OR_RETURN(SecretBytes out, OneShot(lease, Call::kDecrypt, mechanism, key, r.data.reveal()));
  if (r.alg == Algorithm::kRsaOaep256) {
    if (out.size() < r.data.size()) {  // a module may drop the leading zero bytes
      SecretBytes padded(r.data.size());
      std::copy(out.data(), out.data() + out.size(),
                padded.mutable_data() + (padded.size() - out.size()));
      out = std::move(padded);
    }
    COFFER_ASSIGN_OR_RETURN(out, crypto::DecodeOaepSha256(out));
  }
  result.value = std::move(out);
  return result;
}

absl::StatusOr<domain::KeyOperationResult> Aes(SessionPool::Lease& lease, CK_OBJECT_HANDLE key,
                                               const domain::KeyOperationRequest& r) {
  domain::KeyOperationResult result;
  const domain::AlgorithmFamily family = domain::FamilyOf(r.alg);
  const bool gcm = family == domain::AlgorithmFamily::kGcm;
  const bool kw = family == domain::AlgorithmFamily::kKw;
  CK_FUNCTION_LIST* f = lease->fns();
  if (kw && r.op == KeyOperation::kWrapKey) {
    // Key wrap works on key objects only: the caller's bytes become a short-lived one.
    CK_OBJECT_CLASS object_class = CKO_SECRET_KEY;
    CK_KEY_TYPE key_type = CKK_GENERIC_SECRET;
    std::vector<CK_ATTRIBUTE> tmpl = {
        Attr(CKA_CLASS, object_class), Attr(CKA_KEY_TYPE, key_type), Attr(CKA_TOKEN, kFalse),
        Attr(CKA_SENSITIVE, kFalse),   Attr(CKA_EXTRACTABLE, kTrue),
        Attr(CKA_VALUE, r.data.data(), r.data.size()),
    };
    CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
    COFFER_RETURN_IF_ERROR(Create(lease, tmpl, &object));
    ScopedObject scoped(lease.session(), object);
    CK_MECHANISM mechanism = {CKM_AES_KEY_WRAP, nullptr, 0};
    CK_ULONG size = Ulong(r.data.size() + 8);
    result.value = SecretBytes(size);
    COFFER_RETURN_IF_ERROR(lease.Check(f->C_WrapKey(lease->handle(), &mechanism, key, object,
                                                    result.value.mutable_data(), &size),
                                       "C_WrapKey"));
    result.value.resize(size);
    return result;
  }
  if (kw) {
    CK_OBJECT_CLASS object_class = CKO_SECRET_KEY;
    CK_KEY_TYPE key_type = CKK_GENERIC_SECRET;
    std::vector<CK_ATTRIBUTE> tmpl = {
        Attr(CKA_CLASS, object_class), Attr(CKA_KEY_TYPE, key_type), Attr(CKA_TOKEN, kFalse),
        Attr(CKA_SENSITIVE, kFalse),   Attr(CKA_EXTRACTABLE, kTrue),
    };
    CK_MECHANISM mechanism = {CKM_AES_KEY_WRAP, nullptr, 0};
    CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
    CK_RV rv = f->C_UnwrapKey(lease->handle(), &mechanism, key, Bytes(r.data.reveal()),
                              Ulong(r.data.size()), tmpl.data(), Ulong(tmpl.size()), &object);
    if (rv != CKR_OK) return InputError(lease, rv, "C_UnwrapKey");
    ScopedObject scoped(lease.session(), object);
    COFFER_ASSIGN_OR_RETURN(result.value, lease->GetSecretAttribute(object, CKA_VALUE));
    return result;
  }
  const bool encrypt = r.op == KeyOperation::kEncrypt;
  CK_GCM_PARAMS gcm_params = {Bytes(r.iv), Ulong(r.iv.size()), Ulong(r.iv.size() * 8),
                              Bytes(r.aad), Ulong(r.aad.size()), 128};
  CK_MECHANISM mechanism = {
      family == domain::AlgorithmFamily::kCbcPad ? CKM_AES_CBC_PAD : CKM_AES_CBC, Bytes(r.iv),
      Ulong(r.iv.size())};
  if (gcm) mechanism = {CKM_AES_GCM, &gcm_params, sizeof(gcm_params)};
  SecretBytes input = r.data;
  if (gcm && !encrypt) {  // PKCS#11 takes ciphertext || tag
    input.resize(r.data.size() + r.tag.size());
    std::copy(r.tag.begin(), r.tag.end(), input.mutable_data() + r.data.size());
  }
  COFFER_ASSIGN_OR_RETURN(
      result.value,
      OneShot(lease, encrypt ? Call::kEncrypt : Call::kDecrypt, mechanism, key, input.reveal()));
  if (gcm && encrypt) {
    if (result.value.size() < 16) return absl::InternalError("CKM_AES_GCM returned no tag");
    const std::size_t size = result.value.size() - 16;
    result.tag = std::string(result.value.reveal().substr(size));
    result.value.resize(size);
  }
  if (encrypt) result.iv = r.iv;
  return result;
}

}  // namespace

absl::Status WrappedKeyError(SessionPool::Lease& lease, CK_RV rv, const std::string& what) {
  if (rv == CKR_GENERAL_ERROR || rv == CKR_WRAPPED_KEY_INVALID ||
      rv == CKR_WRAPPED_KEY_LEN_RANGE) {
    CK_SESSION_INFO info = {};
    CK_RV info_rv = lease->fns()->C_GetSessionInfo(lease->handle(), &info);
    if (info_rv == CKR_OK) {
      return absl::DataLossError(what + ": C_UnwrapKey: " + CkrName(rv) + " (integrity check)");
    }
    return lease.Check(info_rv, what + ": C_GetSessionInfo after C_UnwrapKey failed");
  }
  return lease.Check(rv, what + ": C_UnwrapKey");
}

absl::StatusOr<ProtectedKey> GenerateWrappedKey(SessionPool::Lease& lease,
                                                CK_OBJECT_HANDLE master,
                                                const domain::KeySpec& spec) {
  CK_FUNCTION_LIST* f = lease->fns();
  ProtectedKey out;
  out.bits = spec.type == KeyType::kEc ? 0 : spec.bits;
  if (spec.type == KeyType::kOct) {
    CK_OBJECT_CLASS object_class = CKO_SECRET_KEY;
    CK_KEY_TYPE key_type = CKK_AES;
    CK_ULONG value_len = Ulong(spec.bits / 8);
    std::vector<CK_ATTRIBUTE> tmpl = {
        Attr(CKA_CLASS, object_class), Attr(CKA_KEY_TYPE, key_type),
        Attr(CKA_VALUE_LEN, value_len), Attr(CKA_TOKEN, kFalse),
        Attr(CKA_PRIVATE, kTrue),      Attr(CKA_SENSITIVE, kTrue),
        Attr(CKA_EXTRACTABLE, kTrue),
    };
    CK_MECHANISM mechanism = {CKM_AES_KEY_GEN, nullptr, 0};
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    COFFER_RETURN_IF_ERROR(lease.Check(
        f->C_GenerateKey(lease->handle(), &mechanism, tmpl.data(), Ulong(tmpl.size()), &key),
        "C_GenerateKey"));
    ScopedObject scoped(lease.session(), key);
    COFFER_ASSIGN_OR_RETURN(out.wrapped, Wrap(lease, master, key));
    return out;
  }
  CK_ULONG modulus_bits = Ulong(spec.bits);
  std::string exponent = spec.public_exponent.empty() ? std::string("\x01\x00\x01", 3)
                                                      : spec.public_exponent;
  std::string params = EcParams(spec.curve);
  std::vector<CK_ATTRIBUTE> pub = {Attr(CKA_TOKEN, kFalse), Attr(CKA_VERIFY, kTrue)};
  std::vector<CK_ATTRIBUTE> priv = {Attr(CKA_TOKEN, kFalse),      Attr(CKA_PRIVATE, kTrue),
                                    Attr(CKA_SENSITIVE, kTrue),   Attr(CKA_EXTRACTABLE, kTrue),
                                    Attr(CKA_SIGN, kTrue)};
  CK_MECHANISM mechanism = {CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  if (spec.type == KeyType::kRsa) {
    mechanism = {CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    pub.push_back(Attr(CKA_MODULUS_BITS, modulus_bits));
    pub.push_back(Attr(CKA_PUBLIC_EXPONENT, exponent));
    priv.push_back(Attr(CKA_DECRYPT, kTrue));
  } else {
    pub.push_back(Attr(CKA_EC_PARAMS, params));
  }
  CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
  COFFER_RETURN_IF_ERROR(lease.Check(
      f->C_GenerateKeyPair(lease->handle(), &mechanism, pub.data(), Ulong(pub.size()), priv.data(),
                           Ulong(priv.size()), &public_key, &private_key),
      "C_GenerateKeyPair"));
  ScopedObject scoped_public(lease.session(), public_key);
  ScopedObject scoped_private(lease.session(), private_key);
  if (spec.type == KeyType::kRsa) {
    COFFER_ASSIGN_OR_RETURN(out.public_key.n, lease->GetAttribute(public_key, CKA_MODULUS));
    COFFER_ASSIGN_OR_RETURN(out.public_key.e,
                            lease->GetAttribute(public_key, CKA_PUBLIC_EXPONENT));
    while (out.public_key.e.size() > 1 && out.public_key.e[0] == '\0') out.public_key.e.erase(0, 1);
  } else {
    COFFER_ASSIGN_OR_RETURN(std::string point, lease->GetAttribute(public_key, CKA_EC_POINT));
    COFFER_ASSIGN_OR_RETURN(auto xy, EcCoordinates(std::move(point), spec.curve));
    out.public_key.curve = spec.curve;
    out.public_key.x = std::move(xy.first);
    out.public_key.y = std::move(xy.second);
  }
  COFFER_ASSIGN_OR_RETURN(out.wrapped, Wrap(lease, master, private_key));
  return out;
}

absl::StatusOr<ProtectedKey> ImportWrappedKey(SessionPool::Lease& lease, CK_OBJECT_HANDLE master,
                                              const domain::PrivateKeyParts& parts) {
  ProtectedKey out;
  out.public_key = parts.public_key;
  CK_OBJECT_CLASS object_class = parts.type == KeyType::kOct ? CKO_SECRET_KEY : CKO_PRIVATE_KEY;
  CK_KEY_TYPE key_type = parts.type == KeyType::kRsa  ? CKK_RSA
                         : parts.type == KeyType::kEc ? CKK_EC
                                                      : CKK_AES;
  std::vector<CK_ATTRIBUTE> tmpl = {
      Attr(CKA_CLASS, object_class), Attr(CKA_KEY_TYPE, key_type), Attr(CKA_TOKEN, kFalse),
      Attr(CKA_PRIVATE, kTrue),      Attr(CKA_SENSITIVE, kTrue),   Attr(CKA_EXTRACTABLE, kTrue),
  };
  auto secret = [](CK_ATTRIBUTE_TYPE type, const SecretBytes& value) {
    return Attr(type, value.data(), value.size());
  };
  const std::string params = EcParams(parts.public_key.curve);
  switch (parts.type) {
    case KeyType::kRsa:
      out.bits = static_cast<int>(parts.public_key.n.size() * 8);
      for (CK_ATTRIBUTE a : {Attr(CKA_MODULUS, parts.public_key.n),
                             Attr(CKA_PUBLIC_EXPONENT, parts.public_key.e),
                             secret(CKA_PRIVATE_EXPONENT, parts.d), secret(CKA_PRIME_1, parts.p),
                             secret(CKA_PRIME_2, parts.q), secret(CKA_EXPONENT_1, parts.dp),
                             secret(CKA_EXPONENT_2, parts.dq), secret(CKA_COEFFICIENT, parts.qi),
                             Attr(CKA_SIGN, kTrue), Attr(CKA_DECRYPT, kTrue)}) {
        tmpl.push_back(a);
      }
      break;
    case KeyType::kEc:
      tmpl.push_back(Attr(CKA_EC_PARAMS, params));
      tmpl.push_back(secret(CKA_VALUE, parts.d));
      tmpl.push_back(Attr(CKA_SIGN, kTrue));
      break;
    case KeyType::kOct:
      out.bits = static_cast<int>(parts.k.size() * 8);
      tmpl.push_back(secret(CKA_VALUE, parts.k));
      break;
  }
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_RV rv = lease->fns()->C_CreateObject(lease->handle(), tmpl.data(), Ulong(tmpl.size()), &key);
  if (rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_TEMPLATE_INCONSISTENT ||
      rv == CKR_DOMAIN_PARAMS_INVALID) {
    return absl::InvalidArgumentError("The HSM refused the key: " + CkrName(rv) + ".");
  }
  COFFER_RETURN_IF_ERROR(lease.Check(rv, "C_CreateObject"));
  ScopedObject scoped(lease.session(), key);
  COFFER_ASSIGN_OR_RETURN(out.wrapped, Wrap(lease, master, key));
  return out;
}

absl::StatusOr<domain::KeyOperationResult> RunWithWrappedKey(
    SessionPool::Lease& lease, CK_OBJECT_HANDLE master, const std::string& master_label,
    KeyType type, std::string_view wrapped, const domain::KeyOperationRequest& request) {
  COFFER_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE key,
                          Unwrapped(lease, master, master_label, type, wrapped));
  if (type == KeyType::kOct) return Aes(lease, key, request);
  return RsaOrEc(lease, key, request);
}

}  // namespace coffer::keystore
