#include "vault-core/keystore/pkcs11/key_objects.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "lib/base/status.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/keystore/pkcs11/ck_rv.h"

namespace coffer::keystore {
namespace {

constexpr size_t kEcPointSize = 65;

std::string Trim(const unsigned char* padded, size_t size) {
  std::string s(reinterpret_cast<const char*>(padded), size);
  size_t end = s.find_last_not_of(std::string(" \0", 2));
  return end == std::string::npos ? "" : s.substr(0, end + 1);
}

absl::StatusOr<std::vector<CK_OBJECT_HANDLE>> FindLabelled(Session& session,
                                                           CK_OBJECT_CLASS object_class,
                                                           const std::string& label) {
  return session.Find({Attr(CKA_CLASS, object_class), Attr(CKA_LABEL, label)});
}

absl::Status Ambiguous(size_t count, const std::string& label) {
  return absl::FailedPreconditionError(std::to_string(count) + " keys on the token are labelled '" +
                                       label + "'; expected one: remove the extra ones");
}

absl::StatusOr<CK_OBJECT_HANDLE> FindUniqueKey(Session& session, CK_OBJECT_CLASS object_class,
                                               const std::string& label) {
  COFFER_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE found, FindKey(session, object_class, label));
  if (found == CK_INVALID_HANDLE) {
    return absl::NotFoundError("key '" + label + "' is no longer on the token");
  }
  return found;
}

}  // namespace

std::vector<CK_ATTRIBUTE> MasterKeyPolicy(const std::string& label) {
  return {
      Attr(CKA_PRIVATE, kTrue),     Attr(CKA_SENSITIVE, kTrue),
      Attr(CKA_EXTRACTABLE, kTrue), Attr(CKA_WRAP_WITH_TRUSTED, kTrue),
      Attr(CKA_WRAP, kTrue),        Attr(CKA_UNWRAP, kTrue),
      Attr(CKA_ENCRYPT, kFalse),    Attr(CKA_DECRYPT, kFalse),
      Attr(CKA_SIGN, kFalse),       Attr(CKA_VERIFY, kFalse),
      Attr(CKA_DERIVE, kFalse),     Attr(CKA_LABEL, label),
      Attr(CKA_ID, label),
  };
}

std::vector<CK_ATTRIBUTE> SigningKeyPolicy(const std::string& label) {
  return {
      Attr(CKA_PRIVATE, kTrue),           Attr(CKA_SENSITIVE, kTrue), Attr(CKA_EXTRACTABLE, kTrue),
      Attr(CKA_WRAP_WITH_TRUSTED, kTrue), Attr(CKA_SIGN, kTrue),      Attr(CKA_DECRYPT, kFalse),
      Attr(CKA_DERIVE, kFalse),           Attr(CKA_LABEL, label),     Attr(CKA_ID, label),
  };
}

absl::StatusOr<CK_OBJECT_HANDLE> FindKey(Session& session, CK_OBJECT_CLASS object_class,
                                         const std::string& label) {
  COFFER_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> found,
                          FindLabelled(session, object_class, label));
  if (found.size() > 1) return Ambiguous(found.size(), label);
  return found.empty() ? CK_INVALID_HANDLE : found[0];
}

absl::StatusOr<std::string> MasterKeyFingerprint(Session& session, CK_OBJECT_HANDLE master) {
  const std::string zeros(32, '\0');
  CK_OBJECT_CLASS object_class = CKO_SECRET_KEY;
  CK_KEY_TYPE key_type = CKK_AES;
  std::vector<CK_ATTRIBUTE> tmpl = {
      Attr(CKA_CLASS, object_class), Attr(CKA_KEY_TYPE, key_type), Attr(CKA_TOKEN, kFalse),
      Attr(CKA_SENSITIVE, kFalse),   Attr(CKA_EXTRACTABLE, kTrue), Attr(CKA_VALUE, zeros),
  };
  CK_OBJECT_HANDLE fixed = CK_INVALID_HANDLE;
  CK_RV rv = session.fns()->C_CreateObject(session.handle(), tmpl.data(),
                                           static_cast<CK_ULONG>(tmpl.size()), &fixed);
  if (rv != CKR_OK) return CkrToStatus(rv, "master key fingerprint: C_CreateObject");
  ScopedObject scoped(session, fixed);
  CK_MECHANISM mechanism = {CKM_AES_KEY_WRAP_PAD, nullptr, 0};
  unsigned char wrapped[48];  // 32 bytes + the 8-byte integrity block
  CK_ULONG size = sizeof(wrapped);
  rv = session.fns()->C_WrapKey(session.handle(), &mechanism, master, fixed, wrapped, &size);
  if (rv != CKR_OK) return CkrToStatus(rv, "master key fingerprint: C_WrapKey");
  const std::string digest =
      crypto::Sha256(std::string_view(reinterpret_cast<const char*>(wrapped), size));
  return "kcv:" + absl::BytesToHexString(digest.substr(0, 8));
}

absl::StatusOr<TokenSlot> FindToken(Pkcs11Module& module, const std::string& label) {
  CK_ULONG count = 0;
  CK_RV rv = module.fns()->C_GetSlotList(CK_TRUE, nullptr, &count);
  if (rv != CKR_OK) return CkrToStatus(rv, "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(count);
  rv = module.fns()->C_GetSlotList(CK_TRUE, slots.data(), &count);
  if (rv != CKR_OK) return CkrToStatus(rv, "C_GetSlotList");
  slots.resize(count);
  std::string present;
  for (CK_SLOT_ID slot : slots) {
    CK_TOKEN_INFO info = {};
    rv = module.fns()->C_GetTokenInfo(slot, &info);
    if (rv != CKR_OK) return CkrToStatus(rv, "C_GetTokenInfo");
    if ((info.flags & CKF_TOKEN_INITIALIZED) == 0) continue;
    std::string token_label = Trim(info.label, sizeof(info.label));
    if (token_label == label) {
      return TokenSlot{slot, token_label, Trim(info.serialNumber, sizeof(info.serialNumber))};
    }
    present += (present.empty() ? "'" : ", '") + token_label + "'";
  }
  return absl::NotFoundError("no PKCS#11 token labelled '" + label + "' in module '" +
                             module.path() +
                             "'; tokens present: " + (present.empty() ? "none" : present));
}

absl::StatusOr<FoundKey> FindOrCreateMasterKey(Session& session, const std::string& label) {
  COFFER_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> found,
                          FindLabelled(session, CKO_SECRET_KEY, label));
  if (found.size() > 1) return Ambiguous(found.size(), label);
  if (found.size() == 1) return FoundKey{found[0], false};

  CK_OBJECT_CLASS object_class = CKO_SECRET_KEY;
  CK_KEY_TYPE key_type = CKK_AES;
  CK_ULONG value_len = 32;
  std::vector<CK_ATTRIBUTE> tmpl = MasterKeyPolicy(label);
  for (CK_ATTRIBUTE a : {Attr(CKA_CLASS, object_class), Attr(CKA_KEY_TYPE, key_type),
                         Attr(CKA_VALUE_LEN, value_len), Attr(CKA_TOKEN, kTrue)}) {
    tmpl.push_back(a);
  }
  CK_MECHANISM mechanism = {CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  CK_RV rv = session.fns()->C_GenerateKey(session.handle(), &mechanism, tmpl.data(),
                                          static_cast<CK_ULONG>(tmpl.size()), &handle);
  if (rv != CKR_OK) return CkrToStatus(rv, "creating master key '" + label + "': C_GenerateKey");
  return FoundKey{handle, true};
}

absl::StatusOr<SigningKey> FindOrCreateSigningKey(Session& session, const std::string& label) {
  COFFER_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> priv,
                          FindLabelled(session, CKO_PRIVATE_KEY, label));
  COFFER_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> pub,
                          FindLabelled(session, CKO_PUBLIC_KEY, label));
  if (priv.size() > 1) return Ambiguous(priv.size(), label);
  if (pub.size() > 1) return Ambiguous(pub.size(), label);
  if (priv.size() == 1 && pub.size() == 1) return SigningKey{priv[0], pub[0], false};
  if (priv.size() != pub.size()) {
    return absl::FailedPreconditionError("signing key '" + label + "' has only its " +
                                         (priv.empty() ? "public" : "private") +
                                         " half on the token; remove it or restore the other");
  }

  CK_KEY_TYPE key_type = CKK_EC;
  std::vector<CK_ATTRIBUTE> pub_tmpl = {
      Attr(CKA_KEY_TYPE, key_type), Attr(CKA_TOKEN, kTrue),           Attr(CKA_PRIVATE, kFalse),
      Attr(CKA_VERIFY, kTrue),      Attr(CKA_EC_PARAMS, kP256Params), Attr(CKA_LABEL, label),
      Attr(CKA_ID, label),
  };
  std::vector<CK_ATTRIBUTE> priv_tmpl = SigningKeyPolicy(label);
  priv_tmpl.push_back(Attr(CKA_KEY_TYPE, key_type));
  priv_tmpl.push_back(Attr(CKA_TOKEN, kTrue));
  CK_MECHANISM mechanism = {CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  SigningKey key;
  key.created = true;
  CK_RV rv = session.fns()->C_GenerateKeyPair(
      session.handle(), &mechanism, pub_tmpl.data(), static_cast<CK_ULONG>(pub_tmpl.size()),
      priv_tmpl.data(), static_cast<CK_ULONG>(priv_tmpl.size()), &key.public_key, &key.private_key);
  if (rv != CKR_OK) {
    return CkrToStatus(rv, "creating signing key '" + label + "': C_GenerateKeyPair");
  }
  return key;
}

absl::StatusOr<std::string> ReadEcPoint(Session& session, CK_OBJECT_HANDLE public_key) {
  COFFER_ASSIGN_OR_RETURN(std::string value, session.GetAttribute(public_key, CKA_EC_POINT));
  // DER OCTET STRING of 65 bytes: tag 0x04, short-form length 0x41.
  if (value.size() == kEcPointSize + 2 && value[0] == 0x04 &&
      static_cast<unsigned char>(value[1]) == kEcPointSize) {
    value = value.substr(2);
  }
  if (value.size() != kEcPointSize || value[0] != 0x04) {
    return absl::FailedPreconditionError(
        "signing key's CKA_EC_POINT is not an uncompressed P-256 "
        "point (" +
        std::to_string(value.size()) + " bytes)");
  }
  return value;
}

CK_OBJECT_HANDLE KeyHandles::master() const {
  absl::MutexLock lock(&mutex_);
  return master_;
}

CK_OBJECT_HANDLE KeyHandles::signing() const {
  absl::MutexLock lock(&mutex_);
  return signing_;
}

void KeyHandles::Set(CK_OBJECT_HANDLE master, CK_OBJECT_HANDLE signing) {
  absl::MutexLock lock(&mutex_);
  master_ = master;
  signing_ = signing;
}

absl::Status KeyHandles::Refresh(Session& session) {
  COFFER_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE master,
                          FindUniqueKey(session, CKO_SECRET_KEY, master_label_));
  COFFER_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE signing,
                          FindUniqueKey(session, CKO_PRIVATE_KEY, signing_label_));
  Set(master, signing);
  return absl::OkStatus();
}

}  // namespace coffer::keystore
