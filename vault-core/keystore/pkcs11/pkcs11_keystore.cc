#include "vault-core/keystore/pkcs11/pkcs11_keystore.h"

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include <vector>

#include "absl/synchronization/mutex.h"
#include "lib/base/logging.h"
#include "lib/base/status.h"
#include "vault-core/keystore/pkcs11/ck_rv.h"
#include "vault-core/keystore/pkcs11/hsm_keys.h"
#include "vault-core/keystore/pkcs11/key_objects.h"
#include "vault-core/keystore/pkcs11/module.h"
#include "vault-core/keystore/pkcs11/session.h"
#include "vault-core/keystore/pkcs11/session_pool.h"

namespace coffer::keystore {
namespace {

// Held while the keys are looked up and perhaps created: two stores starting together in one
// process would otherwise both find nothing and create two keys under one label. (Two processes
// starting together on a fresh token can still do that; Create then refuses the ambiguous label.)
absl::Mutex key_setup_mutex(absl::kConstInit);

constexpr size_t kDataKeySize = 32;
constexpr size_t kSignatureSize = 64;  // r || s for P-256

// Data keys stored before master key ids were fingerprints name the token and the key's label.
constexpr std::string_view kLegacyIdPrefix = "pkcs11:";

// A wrapped data key from the store: RFC 5649 output is whole 8-byte blocks, at least two.
absl::Status CheckWrappedSize(std::string_view wrapped) {
  if (wrapped.size() < 16 || wrapped.size() % 8 != 0) {
    return absl::DataLossError("wrapped data key has " + std::to_string(wrapped.size()) +
                               " bytes; an AES-KWP blob is a multiple of 8, at least 16");
  }
  return absl::OkStatus();
}

struct VaultKeys {
  FoundKey master;
  SigningKey signing;
  std::string public_key;
  std::string master_key_id;
};

absl::StatusOr<VaultKeys> FindOrCreateKeys(Session& session, const Pkcs11Options& options) {
  absl::MutexLock lock(&key_setup_mutex);
  VaultKeys keys;
  COFFER_ASSIGN_OR_RETURN(keys.master, FindOrCreateMasterKey(session, options.master_key_label));
  COFFER_ASSIGN_OR_RETURN(keys.signing, FindOrCreateSigningKey(session, options.signing_key_label));
  COFFER_ASSIGN_OR_RETURN(keys.public_key, ReadEcPoint(session, keys.signing.public_key));
  COFFER_ASSIGN_OR_RETURN(keys.master_key_id, MasterKeyFingerprint(session, keys.master.handle));
  return keys;
}

// Keys made before the key ceremony existed cannot take part in it; say so once, at start.
void NoteUnextractable(Session& session, const VaultKeys& keys, const Pkcs11Options& options) {
  absl::StatusOr<std::string> extractable =
      session.GetAttribute(keys.master.handle, CKA_EXTRACTABLE);
  if (extractable.ok() && *extractable == std::string(1, '\0')) {
    COFFER_LOG(kHsm, info,
               "master key '{}' was created not extractable: this installation works, but its "
               "keys cannot be copied to another replica's HSM (docs/operations.md, key ceremony)",
               options.master_key_label);
  }
}

}  // namespace

Pkcs11KeyStore::Pkcs11KeyStore(std::shared_ptr<KeyHandles> keys, std::unique_ptr<SessionPool> pool,
                               std::string master_key_id, std::string signing_public_key)
    : keys_(std::move(keys)),
      pool_(std::move(pool)),
      master_key_id_(std::move(master_key_id)),
      signing_public_key_(std::move(signing_public_key)) {}

Pkcs11KeyStore::~Pkcs11KeyStore() = default;

absl::Status Pkcs11KeyStore::Validate(const Pkcs11Options& options) {
  if (options.module_path.empty()) {
    return absl::InvalidArgumentError("PKCS#11 module_path is empty");
  }
  if (options.token_label.empty()) {
    return absl::InvalidArgumentError("PKCS#11 token_label is empty");
  }
  if (options.pin.empty()) return absl::InvalidArgumentError("PKCS#11 PIN is empty");
  if (options.master_key_label.empty() || options.signing_key_label.empty()) {
    return absl::InvalidArgumentError("PKCS#11 key labels must not be empty");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<KeyStore>> Pkcs11KeyStore::Create(const Pkcs11Options& options) {
  COFFER_RETURN_IF_ERROR(Validate(options));
  COFFER_ASSIGN_OR_RETURN(std::shared_ptr<Pkcs11Module> module,
                          Pkcs11Module::Load(options.module_path));
  COFFER_ASSIGN_OR_RETURN(TokenSlot token, FindToken(*module, options.token_label));
  // Sessions reopened after a device error must log in again, so the opener keeps the PIN.
  auto open_logged_in = [module, slot = token.slot, pin = options.pin,
                         label = token.label]() -> absl::StatusOr<std::unique_ptr<Session>> {
    COFFER_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Open(module, slot));
    COFFER_RETURN_IF_ERROR(session->Login(pin, label));
    return session;
  };
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, open_logged_in());
  COFFER_ASSIGN_OR_RETURN(VaultKeys found, FindOrCreateKeys(*session, options));
  auto keys = std::make_shared<KeyHandles>(options.master_key_label, options.signing_key_label);
  keys->Set(found.master.handle, found.signing.private_key);
  SessionPool::Opener opener = [open_logged_in,
                                keys]() -> absl::StatusOr<std::unique_ptr<Session>> {
    COFFER_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, open_logged_in());
    COFFER_RETURN_IF_ERROR(keys->Refresh(*session));
    return session;
  };
  COFFER_LOG(kHsm, info,
             "PKCS#11 key store ready: token '{}' (serial {}), master key '{}' ({}, {}), "
             "signing key '{}' ({})",
             token.label, token.serial, options.master_key_label,
             found.master.created ? "created" : "found", found.master_key_id,
             options.signing_key_label, found.signing.created ? "created" : "found");
  NoteUnextractable(*session, found, options);
  auto pool = std::make_unique<SessionPool>(std::move(opener), options.session_pool_size,
                                            std::move(session));
  return std::unique_ptr<KeyStore>(new Pkcs11KeyStore(std::move(keys), std::move(pool),
                                                      std::move(found.master_key_id),
                                                      std::move(found.public_key)));
}

bool Pkcs11KeyStore::AcceptsMasterKeyId(std::string_view id) const {
  return id == master_key_id_ || id.substr(0, kLegacyIdPrefix.size()) == kLegacyIdPrefix;
}

absl::StatusOr<DataKey> Pkcs11KeyStore::NewDataKey() {
  COFFER_ASSIGN_OR_RETURN(SessionPool::Lease lease, pool_->Acquire());
  CK_FUNCTION_LIST* fns = lease->fns();
  SecretBytes key(kDataKeySize);
  COFFER_RETURN_IF_ERROR(
      lease.Check(fns->C_GenerateRandom(lease->handle(), key.mutable_data(), kDataKeySize),
                  "C_GenerateRandom"));

  // A session object only long enough to wrap it: C_WrapKey takes keys, not bytes.
  CK_OBJECT_CLASS object_class = CKO_SECRET_KEY;
  CK_KEY_TYPE key_type = CKK_AES;
  std::vector<CK_ATTRIBUTE> tmpl = {
      Attr(CKA_CLASS, object_class), Attr(CKA_KEY_TYPE, key_type),
      Attr(CKA_TOKEN, kFalse),       Attr(CKA_SENSITIVE, kFalse),
      Attr(CKA_EXTRACTABLE, kTrue),  Attr(CKA_VALUE, key.data(), key.size()),
  };
  CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
  COFFER_RETURN_IF_ERROR(
      lease.Check(fns->C_CreateObject(lease->handle(), tmpl.data(),
                                      static_cast<CK_ULONG>(tmpl.size()), &object),
                  "C_CreateObject (data key)"));
  ScopedObject scoped(lease.session(), object);

  CK_MECHANISM mechanism = {CKM_AES_KEY_WRAP_PAD, nullptr, 0};
  CK_ULONG size = 0;
  const CK_OBJECT_HANDLE master = keys_->master();
  COFFER_RETURN_IF_ERROR(
      lease.Check(fns->C_WrapKey(lease->handle(), &mechanism, master, object, nullptr, &size),
                  "C_WrapKey (size)"));
  std::string wrapped(size, '\0');
  COFFER_RETURN_IF_ERROR(
      lease.Check(fns->C_WrapKey(lease->handle(), &mechanism, master, object,
                                 reinterpret_cast<CK_BYTE*>(wrapped.data()), &size),
                  "C_WrapKey"));
  wrapped.resize(size);
  return DataKey{std::move(key), std::move(wrapped)};
}

absl::StatusOr<SecretBytes> Pkcs11KeyStore::UnwrapDataKey(std::string_view wrapped) {
  COFFER_RETURN_IF_ERROR(CheckWrappedSize(wrapped));
  COFFER_ASSIGN_OR_RETURN(SessionPool::Lease lease, pool_->Acquire());
  CK_OBJECT_CLASS object_class = CKO_SECRET_KEY;
  CK_KEY_TYPE key_type = CKK_AES;
  std::vector<CK_ATTRIBUTE> tmpl = {
      Attr(CKA_CLASS, object_class), Attr(CKA_KEY_TYPE, key_type), Attr(CKA_TOKEN, kFalse),
      Attr(CKA_SENSITIVE, kFalse),   Attr(CKA_EXTRACTABLE, kTrue),
  };
  CK_MECHANISM mechanism = {CKM_AES_KEY_WRAP_PAD, nullptr, 0};
  CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
  CK_RV rv =
      lease->fns()->C_UnwrapKey(lease->handle(), &mechanism, keys_->master(),
                                reinterpret_cast<CK_BYTE*>(const_cast<char*>(wrapped.data())),
                                static_cast<CK_ULONG>(wrapped.size()), tmpl.data(),
                                static_cast<CK_ULONG>(tmpl.size()), &object);
  if (rv != CKR_OK) {
    return WrappedKeyError(lease, rv,
                           "data key does not unwrap under master key '" + keys_->master_label() +
                               "'");
  }
  ScopedObject scoped(lease.session(), object);
  COFFER_ASSIGN_OR_RETURN(SecretBytes key, lease->GetSecretAttribute(object, CKA_VALUE));
  if (key.size() != kDataKeySize) {
    return absl::DataLossError("unwrapped data key has " + std::to_string(key.size()) +
                               " bytes, expected 32");
  }
  return key;
}

absl::StatusOr<std::string> Pkcs11KeyStore::SignEs256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &digest_size, EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("SHA-256 failed");
  }
  COFFER_ASSIGN_OR_RETURN(SessionPool::Lease lease, pool_->Acquire());
  CK_FUNCTION_LIST* fns = lease->fns();
  // SoftHSM has no CKM_ECDSA_SHA256, and hashing here costs less than a second HSM round trip.
  CK_MECHANISM mechanism = {CKM_ECDSA, nullptr, 0};
  COFFER_RETURN_IF_ERROR(
      lease.Check(fns->C_SignInit(lease->handle(), &mechanism, keys_->signing()), "C_SignInit"));
  std::string signature(kSignatureSize, '\0');
  CK_ULONG size = signature.size();
  COFFER_RETURN_IF_ERROR(
      lease.Check(fns->C_Sign(lease->handle(), digest, digest_size,
                              reinterpret_cast<CK_BYTE*>(signature.data()), &size),
                  "C_Sign"));
  if (size != kSignatureSize) {
    return absl::InternalError("CKM_ECDSA returned " + std::to_string(size) +
                               " bytes, expected 64 (r || s)");
  }
  return signature;
}

absl::StatusOr<ProtectedKey> Pkcs11KeyStore::GenerateKey(const domain::KeySpec& spec) {
  COFFER_ASSIGN_OR_RETURN(SessionPool::Lease lease, pool_->Acquire());
  return GenerateWrappedKey(lease, keys_->master(), spec);
}

absl::StatusOr<ProtectedKey> Pkcs11KeyStore::ImportKey(const domain::PrivateKeyParts& parts) {
  COFFER_ASSIGN_OR_RETURN(SessionPool::Lease lease, pool_->Acquire());
  return ImportWrappedKey(lease, keys_->master(), parts);
}

absl::StatusOr<domain::KeyOperationResult> Pkcs11KeyStore::RunKeyOperation(
    domain::KeyType type, std::string_view wrapped, const domain::KeyOperationRequest& request) {
  COFFER_ASSIGN_OR_RETURN(SessionPool::Lease lease, pool_->Acquire());
  return RunWithWrappedKey(lease, keys_->master(), keys_->master_label(), type, wrapped, request);
}

absl::Status Pkcs11KeyStore::CheckHealth() {
  COFFER_ASSIGN_OR_RETURN(SessionPool::Lease lease, pool_->Acquire());
  CK_SESSION_INFO info = {};
  COFFER_RETURN_IF_ERROR(
      lease.Check(lease->fns()->C_GetSessionInfo(lease->handle(), &info), "C_GetSessionInfo"));
  if (info.state != CKS_RW_USER_FUNCTIONS) {
    lease.MarkBroken();
    return absl::UnavailableError("HSM session is no longer logged in");
  }
  return keys_->Refresh(lease.session());
}

}  // namespace coffer::keystore
