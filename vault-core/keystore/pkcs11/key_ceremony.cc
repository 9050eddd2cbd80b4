#include "vault-core/keystore/pkcs11/key_ceremony.h"

#include <p11-kit/pkcs11.h>

#include <memory>
#include <vector>

#include "lib/base/status.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/crypto/p256_public_key.h"
#include "vault-core/crypto/random.h"
#include "vault-core/keystore/pkcs11/ck_rv.h"
#include "vault-core/keystore/pkcs11/key_objects.h"
#include "vault-core/keystore/pkcs11/module.h"
#include "vault-core/keystore/pkcs11/session.h"
#include "vault-core/keystore/pkcs11/transport_key.h"

namespace coffer::keystore {
namespace {

constexpr char kOaep256[] = "RSA-OAEP-256";
constexpr char kOaepSha1[] = "RSA-OAEP";

CK_ULONG Ulong(std::size_t n) { return static_cast<CK_ULONG>(n); }
CK_BYTE* Bytes(std::string_view s) {
  return reinterpret_cast<CK_BYTE*>(const_cast<char*>(s.data()));
}

// A session on the options' token, and the token's label for messages.
struct OpenToken {
  std::string label;
  std::unique_ptr<Session> session;
};

absl::StatusOr<OpenToken> Open(const Pkcs11Options& options, bool log_in) {
  COFFER_RETURN_IF_ERROR(Pkcs11KeyStore::Validate(options));
  COFFER_ASSIGN_OR_RETURN(std::shared_ptr<Pkcs11Module> module,
                          Pkcs11Module::Load(options.module_path));
  COFFER_ASSIGN_OR_RETURN(TokenSlot token, FindToken(*module, options.token_label));
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Open(module, token.slot));
  if (log_in) COFFER_RETURN_IF_ERROR(session->Login(options.pin, token.label));
  return OpenToken{token.label, std::move(session)};
}

// The keys Coffer keeps on a token, by label; CK_INVALID_HANDLE for those it lacks.
struct Found {
  CK_OBJECT_HANDLE master = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE signing = CK_INVALID_HANDLE;  // the private half
  CK_OBJECT_HANDLE signing_public = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE transport = CK_INVALID_HANDLE;  // its private half

  bool holds_vault_keys() const {
    return master != CK_INVALID_HANDLE && signing != CK_INVALID_HANDLE &&
           signing_public != CK_INVALID_HANDLE;
  }
};

absl::StatusOr<Found> FindAll(Session& s, const Pkcs11Options& options) {
  Found found;
  COFFER_ASSIGN_OR_RETURN(found.master, FindKey(s, CKO_SECRET_KEY, options.master_key_label));
  COFFER_ASSIGN_OR_RETURN(found.signing, FindKey(s, CKO_PRIVATE_KEY, options.signing_key_label));
  COFFER_ASSIGN_OR_RETURN(found.signing_public,
                          FindKey(s, CKO_PUBLIC_KEY, options.signing_key_label));
  COFFER_ASSIGN_OR_RETURN(found.transport, FindKey(s, CKO_PRIVATE_KEY, kTransportKeyLabel));
  return found;
}

absl::StatusOr<bool> BoolAttribute(Session& s, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  COFFER_ASSIGN_OR_RETURN(std::string value, s.GetAttribute(object, type));
  return value.size() == 1 && value[0] != 0;
}

absl::StatusOr<std::string> TransportIdOf(Session& s, CK_OBJECT_HANDLE transport) {
  RsaPublicParts parts;
  COFFER_ASSIGN_OR_RETURN(parts.modulus, s.GetAttribute(transport, CKA_MODULUS));
  COFFER_ASSIGN_OR_RETURN(parts.public_exponent, s.GetAttribute(transport, CKA_PUBLIC_EXPONENT));
  return TransportKeyId(parts);
}

absl::StatusOr<TokenKeys> Describe(Session& s, const Found& found, const std::string& token) {
  TokenKeys keys;
  keys.token_label = token;
  if (found.master != CK_INVALID_HANDLE) {
    COFFER_ASSIGN_OR_RETURN(keys.master_key_id, MasterKeyFingerprint(s, found.master));
    COFFER_ASSIGN_OR_RETURN(keys.master_key_exportable,
                            BoolAttribute(s, found.master, CKA_EXTRACTABLE));
  }
  if (found.signing_public != CK_INVALID_HANDLE) {
    COFFER_ASSIGN_OR_RETURN(keys.signing_public_key, ReadEcPoint(s, found.signing_public));
  }
  if (found.signing != CK_INVALID_HANDLE) {
    COFFER_ASSIGN_OR_RETURN(keys.signing_key_exportable,
                            BoolAttribute(s, found.signing, CKA_EXTRACTABLE));
  }
  if (found.transport != CK_INVALID_HANDLE) {
    COFFER_ASSIGN_OR_RETURN(keys.transport_key_id, TransportIdOf(s, found.transport));
  }
  return keys;
}

absl::StatusOr<CK_OBJECT_HANDLE> GenerateTransportKey(Session& s) {
  const std::string label = kTransportKeyLabel;
  const std::string exponent("\x01\x00\x01", 3);
  CK_ULONG bits = kTransportKeyBits;
  std::vector<CK_ATTRIBUTE> pub = {
      Attr(CKA_TOKEN, kFalse),   Attr(CKA_MODULUS_BITS, bits), Attr(CKA_PUBLIC_EXPONENT, exponent),
      Attr(CKA_ENCRYPT, kFalse), Attr(CKA_VERIFY, kFalse),     Attr(CKA_WRAP, kFalse),
  };
  std::vector<CK_ATTRIBUTE> priv = {
      Attr(CKA_TOKEN, kTrue),     Attr(CKA_PRIVATE, kTrue),
      Attr(CKA_SENSITIVE, kTrue), Attr(CKA_EXTRACTABLE, kFalse),
      Attr(CKA_UNWRAP, kTrue),    Attr(CKA_DECRYPT, kFalse),
      Attr(CKA_SIGN, kFalse),     Attr(CKA_SIGN_RECOVER, kFalse),
      Attr(CKA_DERIVE, kFalse),   Attr(CKA_LABEL, label),
      Attr(CKA_ID, label),
  };
  CK_MECHANISM mechanism = {CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE, private_key = CK_INVALID_HANDLE;
  CK_RV rv = s.fns()->C_GenerateKeyPair(s.handle(), &mechanism, pub.data(), Ulong(pub.size()),
                                        priv.data(), Ulong(priv.size()), &public_key, &private_key);
  if (rv != CKR_OK) return CkrToStatus(rv, "creating the transport key: C_GenerateKeyPair");
  // The private key's CKA_MODULUS and CKA_PUBLIC_EXPONENT are all the public half has.
  ScopedObject drop(s, public_key);
  return private_key;
}

// C_WrapKey, asking for the size first. The CK_RV is the caller's to judge.
CK_RV WrapRaw(Session& s, CK_MECHANISM& mechanism, CK_OBJECT_HANDLE wrapping, CK_OBJECT_HANDLE key,
              std::string* out) {
  CK_ULONG size = 0;
  CK_RV rv = s.fns()->C_WrapKey(s.handle(), &mechanism, wrapping, key, nullptr, &size);
  if (rv != CKR_OK) return rv;
  out->assign(size, '\0');
  rv = s.fns()->C_WrapKey(s.handle(), &mechanism, wrapping, key, Bytes(*out), &size);
  out->resize(size);
  return rv;
}

absl::StatusOr<std::string> WrapKwp(Session& s, CK_OBJECT_HANDLE wrapping, CK_OBJECT_HANDLE key,
                                    const std::string& what) {
  CK_MECHANISM mechanism = {CKM_AES_KEY_WRAP_PAD, nullptr, 0};
  std::string wrapped;
  CK_RV rv = WrapRaw(s, mechanism, wrapping, key, &wrapped);
  if (rv != CKR_OK) return CkrToStatus(rv, "wrapping the " + what + ": C_WrapKey");
  return wrapped;
}

CK_RSA_PKCS_OAEP_PARAMS OaepParams(bool sha256) {
  return sha256
             ? CK_RSA_PKCS_OAEP_PARAMS{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0}
             : CK_RSA_PKCS_OAEP_PARAMS{CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0};
}

// RSA-OAEP with SHA-256 where the HSM offers it; SoftHSM2 2.6 takes SHA-1 only, which is still
// sound for OAEP (its security does not rest on collision resistance).
absl::Status WrapCeremonyKey(Session& s, CK_OBJECT_HANDLE transport, CK_OBJECT_HANDLE ceremony,
                             KeyBundle& bundle) {
  for (bool sha256 : {true, false}) {
    CK_RSA_PKCS_OAEP_PARAMS params = OaepParams(sha256);
    CK_MECHANISM mechanism = {CKM_RSA_PKCS_OAEP, &params, sizeof(params)};
    CK_RV rv = WrapRaw(s, mechanism, transport, ceremony, &bundle.wrapped_ceremony_key);
    if (rv == CKR_OK) {
      bundle.ceremony_key_wrap = sha256 ? kOaep256 : kOaepSha1;
      return absl::OkStatus();
    }
    if (!sha256 || (rv != CKR_ARGUMENTS_BAD && rv != CKR_MECHANISM_PARAM_INVALID)) {
      return CkrToStatus(rv, "wrapping the ceremony key under the transport key: C_WrapKey");
    }
  }
  return absl::InternalError("unreachable");
}

struct TrustedKeys {
  CK_OBJECT_HANDLE transport = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE ceremony = CK_INVALID_HANDLE;
};

// As the security officer: the joiner's public key, and a fresh AES key, both trusted. Public
// session objects (the SO may make no others): they vanish with this call's session.
absl::StatusOr<TrustedKeys> MakeTrustedKeys(Session& s, const RsaPublicParts& transport) {
  CK_OBJECT_CLASS public_class = CKO_PUBLIC_KEY, secret_class = CKO_SECRET_KEY;
  CK_KEY_TYPE rsa = CKK_RSA, aes = CKK_AES;
  CK_ULONG aes_size = 32;
  std::vector<CK_ATTRIBUTE> pub = {
      Attr(CKA_CLASS, public_class),
      Attr(CKA_KEY_TYPE, rsa),
      Attr(CKA_TOKEN, kFalse),
      Attr(CKA_PRIVATE, kFalse),
      Attr(CKA_TRUSTED, kTrue),
      Attr(CKA_WRAP, kTrue),
      Attr(CKA_ENCRYPT, kFalse),
      Attr(CKA_VERIFY, kFalse),
      Attr(CKA_MODULUS, transport.modulus),
      Attr(CKA_PUBLIC_EXPONENT, transport.public_exponent),
  };
  std::vector<CK_ATTRIBUTE> ceremony = {
      Attr(CKA_CLASS, secret_class), Attr(CKA_KEY_TYPE, aes),
      Attr(CKA_VALUE_LEN, aes_size), Attr(CKA_TOKEN, kFalse),
      Attr(CKA_PRIVATE, kFalse),     Attr(CKA_SENSITIVE, kTrue),
      Attr(CKA_EXTRACTABLE, kTrue),  Attr(CKA_WRAP_WITH_TRUSTED, kTrue),
      Attr(CKA_TRUSTED, kTrue),      Attr(CKA_WRAP, kTrue),
      Attr(CKA_UNWRAP, kFalse),      Attr(CKA_ENCRYPT, kFalse),
      Attr(CKA_DECRYPT, kFalse),     Attr(CKA_DERIVE, kFalse),
  };
  TrustedKeys keys;
  CK_RV rv = s.fns()->C_CreateObject(s.handle(), pub.data(), Ulong(pub.size()), &keys.transport);
  if (rv != CKR_OK) return CkrToStatus(rv, "trusting the transport key: C_CreateObject");
  CK_MECHANISM mechanism = {CKM_AES_KEY_GEN, nullptr, 0};
  rv = s.fns()->C_GenerateKey(s.handle(), &mechanism, ceremony.data(), Ulong(ceremony.size()),
                              &keys.ceremony);
  if (rv != CKR_OK) return CkrToStatus(rv, "making the ceremony key: C_GenerateKey");
  return keys;
}

absl::Status CheckExportable(Session& s, const Found& found, const Pkcs11Options& options,
                             const std::string& token) {
  if (!found.holds_vault_keys()) {
    return absl::NotFoundError("token '" + token + "' does not hold the master key '" +
                               options.master_key_label + "' and signing key '" +
                               options.signing_key_label +
                               "': export from a replica whose coffer-vault has started");
  }
  for (auto [key, label] : {std::make_pair(found.master, options.master_key_label),
                            std::make_pair(found.signing, options.signing_key_label)}) {
    COFFER_ASSIGN_OR_RETURN(bool extractable, BoolAttribute(s, key, CKA_EXTRACTABLE));
    if (!extractable) {
      return absl::FailedPreconditionError(
          "key '" + label + "' on token '" + token +
          "' was created not extractable, before Coffer had key ceremonies: it cannot be "
          "copied to another HSM (this installation keeps working on its own; see "
          "docs/operations.md, key ceremony)");
    }
  }
  return absl::OkStatus();
}

// Whether `key` signs what `public_key` verifies: a random digest, signed inside the HSM.
absl::StatusOr<bool> SignsFor(Session& s, CK_OBJECT_HANDLE key,
                              const crypto::P256PublicKey& public_key) {
  const std::string message = crypto::RandomBytes(32);
  const std::string digest = crypto::Sha256(message);
  CK_MECHANISM mechanism = {CKM_ECDSA, nullptr, 0};
  CK_RV rv = s.fns()->C_SignInit(s.handle(), &mechanism, key);
  if (rv != CKR_OK) return CkrToStatus(rv, "checking the signing key: C_SignInit");
  std::string signature(64, '\0');
  CK_ULONG size = Ulong(signature.size());
  rv = s.fns()->C_Sign(s.handle(), Bytes(digest), Ulong(digest.size()), Bytes(signature), &size);
  if (rv != CKR_OK) return CkrToStatus(rv, "checking the signing key: C_Sign");
  signature.resize(size);
  return public_key.VerifyEs256(message, signature);
}

// The bundle's own consistency, before the token is touched.
absl::StatusOr<std::unique_ptr<crypto::P256PublicKey>> CheckBundle(const KeyBundle& bundle) {
  const std::string& id = bundle.master_key_id;
  if (id.size() != 20 || id.compare(0, 4, "kcv:") != 0 ||
      id.find_first_not_of("0123456789abcdef", 4) != std::string::npos) {
    return absl::InvalidArgumentError("the bundle's master key id '" + id.substr(0, 40) +
                                      "' is not a fingerprint (kcv: and 16 hex digits)");
  }
  if (bundle.ceremony_key_wrap != kOaep256 && bundle.ceremony_key_wrap != kOaepSha1) {
    return absl::InvalidArgumentError("the bundle's ceremony key wrap '" +
                                      bundle.ceremony_key_wrap.substr(0, 40) + "' is not " +
                                      kOaep256 + " or " + kOaepSha1);
  }
  for (const std::string* blob : {&bundle.wrapped_master_key, &bundle.wrapped_signing_key}) {
    if (blob->size() < 16 || blob->size() % 8 != 0) {
      return absl::InvalidArgumentError("the bundle's wrapped keys are not AES-KWP blobs");
    }
  }
  auto public_key = crypto::P256PublicKey::FromPoint(bundle.signing_public_key);
  if (!public_key.ok()) {
    return absl::InvalidArgumentError("the bundle's signing public key is not a P-256 point");
  }
  return public_key;
}

// Keys the joiner holds already must be the bundle's: importing beside others would leave the
// token with keys the rest of the installation cannot use, or lose the ones it has. What differs
// ("" when nothing does); errors are the device's.
absl::StatusOr<std::string> HeldKeysThatDiffer(Session& s, const Found& found,
                                               const KeyBundle& bundle,
                                               const crypto::P256PublicKey& public_key,
                                               const Pkcs11Options& options) {
  if (found.master != CK_INVALID_HANDLE) {
    COFFER_ASSIGN_OR_RETURN(std::string id, MasterKeyFingerprint(s, found.master));
    if (id != bundle.master_key_id) {
      return "another master key '" + options.master_key_label + "' (" + id + ", the bundle's is " +
             bundle.master_key_id + ")";
    }
  }
  const std::string other_signing_key = "another signing key '" + options.signing_key_label + "'";
  if (found.signing_public != CK_INVALID_HANDLE) {
    COFFER_ASSIGN_OR_RETURN(std::string point, ReadEcPoint(s, found.signing_public));
    if (point != bundle.signing_public_key) return other_signing_key;
  }
  if (found.signing != CK_INVALID_HANDLE) {
    COFFER_ASSIGN_OR_RETURN(bool same, SignsFor(s, found.signing, public_key));
    if (!same) return other_signing_key;
  }
  return std::string();
}

absl::Status DestroyHeldKeys(Session& s, const Found& found) {
  for (CK_OBJECT_HANDLE key : {found.master, found.signing, found.signing_public}) {
    if (key == CK_INVALID_HANDLE) continue;
    COFFER_RETURN_IF_ERROR(CkrToStatus(s.fns()->C_DestroyObject(s.handle(), key),
                                       "removing a key being replaced: C_DestroyObject"));
  }
  return absl::OkStatus();
}

// C_UnwrapKey of a bundle blob into a session object. A blob that does not unwrap is the
// bundle's fault unless the session has died with it.
absl::StatusOr<CK_OBJECT_HANDLE> Unwrap(Session& s, CK_MECHANISM& mechanism,
                                        CK_OBJECT_HANDLE unwrapping, std::string_view blob,
                                        std::vector<CK_ATTRIBUTE>& tmpl, const std::string& what) {
  CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
  CK_RV rv = s.fns()->C_UnwrapKey(s.handle(), &mechanism, unwrapping, Bytes(blob),
                                  Ulong(blob.size()), tmpl.data(), Ulong(tmpl.size()), &object);
  if (rv == CKR_OK) return object;
  CK_SESSION_INFO info = {};
  const bool blob_at_fault =
      rv == CKR_WRAPPED_KEY_INVALID || rv == CKR_WRAPPED_KEY_LEN_RANGE ||
      rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE ||
      rv == CKR_DATA_LEN_RANGE ||
      (rv == CKR_GENERAL_ERROR && s.fns()->C_GetSessionInfo(s.handle(), &info) == CKR_OK);
  if (blob_at_fault) {
    return absl::InvalidArgumentError("the bundle's " + what + " does not unwrap (" + CkrName(rv) +
                                      "): the bundle is corrupt");
  }
  return CkrToStatus(rv, "unwrapping the bundle's " + what + ": C_UnwrapKey");
}

absl::StatusOr<CK_OBJECT_HANDLE> UnwrapCeremonyKey(Session& s, CK_OBJECT_HANDLE transport,
                                                   const KeyBundle& bundle,
                                                   const std::string& token) {
  if (transport == CK_INVALID_HANDLE) {
    return absl::NotFoundError("token '" + token +
                               "' holds no transport key: run `coffer hsm transport-key` for "
                               "this replica, and export a bundle for its public key");
  }
  COFFER_ASSIGN_OR_RETURN(std::string transport_id, TransportIdOf(s, transport));
  if (transport_id != bundle.transport_key_id) {
    return absl::InvalidArgumentError(
        "the bundle was made for transport key " + bundle.transport_key_id.substr(0, 80) +
        ", not for this token's " + transport_id +
        ": export again with the transport key `coffer hsm transport-key` wrote for this token");
  }
  CK_OBJECT_CLASS object_class = CKO_SECRET_KEY;
  CK_KEY_TYPE key_type = CKK_AES;
  std::vector<CK_ATTRIBUTE> tmpl = {
      Attr(CKA_CLASS, object_class), Attr(CKA_KEY_TYPE, key_type), Attr(CKA_TOKEN, kFalse),
      Attr(CKA_PRIVATE, kTrue),      Attr(CKA_SENSITIVE, kTrue),   Attr(CKA_EXTRACTABLE, kFalse),
      Attr(CKA_UNWRAP, kTrue),       Attr(CKA_WRAP, kFalse),       Attr(CKA_ENCRYPT, kFalse),
      Attr(CKA_DECRYPT, kFalse),
  };
  CK_RSA_PKCS_OAEP_PARAMS params = OaepParams(bundle.ceremony_key_wrap == kOaep256);
  CK_MECHANISM mechanism = {CKM_RSA_PKCS_OAEP, &params, sizeof(params)};
  return Unwrap(s, mechanism, transport, bundle.wrapped_ceremony_key, tmpl,
                "ceremony key (" + bundle.ceremony_key_wrap + ")");
}

// One of the vault keys out of the bundle, unwrapped under the ceremony key into a session
// object with `policy` (checked before it becomes a token object).
absl::StatusOr<CK_OBJECT_HANDLE> UnwrapVaultKey(Session& s, CK_OBJECT_HANDLE ceremony,
                                                CK_OBJECT_CLASS object_class, CK_KEY_TYPE key_type,
                                                std::vector<CK_ATTRIBUTE> policy,
                                                const std::string& wrapped, const char* what) {
  for (CK_ATTRIBUTE a :
       {Attr(CKA_CLASS, object_class), Attr(CKA_KEY_TYPE, key_type), Attr(CKA_TOKEN, kFalse)}) {
    policy.push_back(a);
  }
  CK_MECHANISM mechanism = {CKM_AES_KEY_WRAP_PAD, nullptr, 0};
  return Unwrap(s, mechanism, ceremony, wrapped, policy, what);
}

// The checked session object as a token object with the same attributes.
absl::Status StoreInToken(Session& s, CK_OBJECT_HANDLE object, const std::string& what) {
  std::vector<CK_ATTRIBUTE> tmpl = {Attr(CKA_TOKEN, kTrue)};
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  CK_RV rv = s.fns()->C_CopyObject(s.handle(), object, tmpl.data(), Ulong(tmpl.size()), &copy);
  return CkrToStatus(rv, "storing the " + what + " in the token: C_CopyObject");
}

absl::Status StoreSigningPublicKey(Session& s, const std::string& point, const std::string& label) {
  CK_OBJECT_CLASS object_class = CKO_PUBLIC_KEY;
  CK_KEY_TYPE key_type = CKK_EC;
  const std::string der_point = std::string("\x04\x41", 2) + point;  // DER OCTET STRING
  std::vector<CK_ATTRIBUTE> tmpl = {
      Attr(CKA_CLASS, object_class), Attr(CKA_KEY_TYPE, key_type), Attr(CKA_TOKEN, kTrue),
      Attr(CKA_PRIVATE, kFalse),     Attr(CKA_VERIFY, kTrue),      Attr(CKA_EC_PARAMS, kP256Params),
      Attr(CKA_EC_POINT, der_point), Attr(CKA_LABEL, label),       Attr(CKA_ID, label),
  };
  CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
  CK_RV rv = s.fns()->C_CreateObject(s.handle(), tmpl.data(), Ulong(tmpl.size()), &object);
  return CkrToStatus(rv, "storing the signing public key in the token: C_CreateObject");
}

absl::Status UnwrapIntoToken(Session& s, Found found, const KeyBundle& bundle,
                             const crypto::P256PublicKey& public_key, const Pkcs11Options& options,
                             const std::string& token, HeldKeys held) {
  COFFER_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE ceremony,
                          UnwrapCeremonyKey(s, found.transport, bundle, token));
  ScopedObject drop_ceremony(s, ceremony);
  COFFER_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE master,
                          UnwrapVaultKey(s, ceremony, CKO_SECRET_KEY, CKK_AES,
                                         MasterKeyPolicy(options.master_key_label),
                                         bundle.wrapped_master_key, "master key"));
  ScopedObject drop_master(s, master);
  COFFER_ASSIGN_OR_RETURN(std::string id, MasterKeyFingerprint(s, master));
  if (id != bundle.master_key_id) {
    return absl::InvalidArgumentError("the bundle's master key is " + id + ", not the " +
                                      bundle.master_key_id + " it names: the bundle is corrupt");
  }
  COFFER_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE signing,
                          UnwrapVaultKey(s, ceremony, CKO_PRIVATE_KEY, CKK_EC,
                                         SigningKeyPolicy(options.signing_key_label),
                                         bundle.wrapped_signing_key, "signing key"));
  ScopedObject drop_signing(s, signing);
  COFFER_ASSIGN_OR_RETURN(bool matches, SignsFor(s, signing, public_key));
  if (!matches) {
    return absl::InvalidArgumentError(
        "the bundle's signing key does not match its public key: the bundle is corrupt");
  }
  // Everything checked: only now does the token change.
  if (held == HeldKeys::kReplace) {
    COFFER_RETURN_IF_ERROR(DestroyHeldKeys(s, found));
    found.master = found.signing = found.signing_public = CK_INVALID_HANDLE;
  }
  if (found.master == CK_INVALID_HANDLE) {
    COFFER_RETURN_IF_ERROR(StoreInToken(s, master, "master key"));
  }
  if (found.signing == CK_INVALID_HANDLE) {
    COFFER_RETURN_IF_ERROR(StoreInToken(s, signing, "signing key"));
  }
  if (found.signing_public == CK_INVALID_HANDLE) {
    COFFER_RETURN_IF_ERROR(
        StoreSigningPublicKey(s, bundle.signing_public_key, options.signing_key_label));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TokenKeys> DescribeTokenKeys(const Pkcs11Options& options) {
  COFFER_ASSIGN_OR_RETURN(OpenToken t, Open(options, /*log_in=*/true));
  COFFER_ASSIGN_OR_RETURN(Found found, FindAll(*t.session, options));
  return Describe(*t.session, found, t.label);
}

absl::StatusOr<TransportKey> CreateTransportKey(const Pkcs11Options& options) {
  COFFER_ASSIGN_OR_RETURN(OpenToken t, Open(options, /*log_in=*/true));
  Session& s = *t.session;
  COFFER_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE key, FindKey(s, CKO_PRIVATE_KEY, kTransportKeyLabel));
  TransportKey out;
  if (key == CK_INVALID_HANDLE) {
    COFFER_ASSIGN_OR_RETURN(key, GenerateTransportKey(s));
    out.created = true;
  }
  RsaPublicParts parts;
  COFFER_ASSIGN_OR_RETURN(parts.modulus, s.GetAttribute(key, CKA_MODULUS));
  COFFER_ASSIGN_OR_RETURN(parts.public_exponent, s.GetAttribute(key, CKA_PUBLIC_EXPONENT));
  COFFER_ASSIGN_OR_RETURN(out.pem, TransportKeyPem(parts));
  COFFER_ASSIGN_OR_RETURN(out.id, TransportKeyId(parts));
  return out;
}

absl::StatusOr<KeyBundle> ExportVaultKeys(const Pkcs11Options& options, const SecretBytes& so_pin,
                                          std::string_view transport_key_pem) {
  COFFER_ASSIGN_OR_RETURN(RsaPublicParts transport, ParseTransportKeyPem(transport_key_pem));
  KeyBundle bundle;
  COFFER_ASSIGN_OR_RETURN(bundle.transport_key_id, TransportKeyId(transport));
  if (so_pin.empty()) return absl::InvalidArgumentError("the security officer PIN is empty");
  COFFER_ASSIGN_OR_RETURN(OpenToken t, Open(options, /*log_in=*/false));
  Session& s = *t.session;
  COFFER_RETURN_IF_ERROR(s.LoginSecurityOfficer(so_pin, t.label));
  COFFER_ASSIGN_OR_RETURN(TrustedKeys trusted, MakeTrustedKeys(s, transport));
  // Logging out ends the SO's powers; the public session objects it made stay with the session.
  COFFER_RETURN_IF_ERROR(s.Logout());
  COFFER_RETURN_IF_ERROR(s.Login(options.pin, t.label));
  COFFER_ASSIGN_OR_RETURN(Found found, FindAll(s, options));
  COFFER_RETURN_IF_ERROR(CheckExportable(s, found, options, t.label));
  COFFER_ASSIGN_OR_RETURN(bundle.master_key_id, MasterKeyFingerprint(s, found.master));
  COFFER_ASSIGN_OR_RETURN(bundle.signing_public_key, ReadEcPoint(s, found.signing_public));
  COFFER_RETURN_IF_ERROR(WrapCeremonyKey(s, trusted.transport, trusted.ceremony, bundle));
  COFFER_ASSIGN_OR_RETURN(bundle.wrapped_master_key,
                          WrapKwp(s, trusted.ceremony, found.master, "master key"));
  COFFER_ASSIGN_OR_RETURN(bundle.wrapped_signing_key,
                          WrapKwp(s, trusted.ceremony, found.signing, "signing key"));
  return bundle;
}

absl::StatusOr<ImportResult> ImportVaultKeys(const Pkcs11Options& options, const KeyBundle& bundle,
                                             HeldKeys held) {
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<crypto::P256PublicKey> public_key, CheckBundle(bundle));
  COFFER_ASSIGN_OR_RETURN(OpenToken t, Open(options, /*log_in=*/true));
  Session& s = *t.session;
  COFFER_ASSIGN_OR_RETURN(Found found, FindAll(s, options));
  COFFER_ASSIGN_OR_RETURN(std::string differing,
                          HeldKeysThatDiffer(s, found, bundle, *public_key, options));
  if (!differing.empty() && held == HeldKeys::kRefuse) {
    return absl::FailedPreconditionError(
        "token '" + t.label + "' already holds " + differing +
        ": nothing was imported. A joining replica's token must be fresh; if those keys "
        "protect nothing (its coffer-vault made them before the ceremony and never served), "
        "import with --replace");
  }
  ImportResult result;
  result.already_held = differing.empty() && found.holds_vault_keys();
  result.replaced = !differing.empty();
  if (!result.already_held) {
    COFFER_RETURN_IF_ERROR(
        UnwrapIntoToken(s, found, bundle, *public_key, options, t.label,
                        result.replaced ? HeldKeys::kReplace : HeldKeys::kRefuse));
  }
  // Its one use is over; a later ceremony for this token starts with a new one.
  if (found.transport != CK_INVALID_HANDLE) {
    COFFER_RETURN_IF_ERROR(CkrToStatus(s.fns()->C_DestroyObject(s.handle(), found.transport),
                                       "destroying the transport key: C_DestroyObject"));
  }
  COFFER_ASSIGN_OR_RETURN(found, FindAll(s, options));
  COFFER_ASSIGN_OR_RETURN(result.keys, Describe(s, found, t.label));
  return result;
}

}  // namespace coffer::keystore
