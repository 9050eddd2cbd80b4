#ifndef COFFER_VAULT_CORE_KEYSTORE_PKCS11_KEY_OBJECTS_H_
#define COFFER_VAULT_CORE_KEYSTORE_PKCS11_KEY_OBJECTS_H_

#include <p11-kit/pkcs11.h>

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "vault-core/keystore/pkcs11/module.h"
#include "vault-core/keystore/pkcs11/session.h"

// Finding the token and the vault's two long-lived keys on it, creating the keys on first start.
namespace coffer::keystore {

struct TokenSlot {
  CK_SLOT_ID slot = 0;
  std::string label;   // blank padding removed
  std::string serial;  // blank padding removed
};

// The slot whose initialised token carries `label`. NOT_FOUND names the label and lists the
// labels present.
absl::StatusOr<TokenSlot> FindToken(Pkcs11Module& module, const std::string& label);

struct FoundKey {
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  bool created = false;
};

// The AES-256 master wrapping key labelled `label`: a token object, sensitive, never
// extractable, usable only to wrap and unwrap. Created when absent. FAILED_PRECONDITION when
// more than one key has the label (Coffer never creates a second; someone else did).
absl::StatusOr<FoundKey> FindOrCreateMasterKey(Session& session, const std::string& label);

struct SigningKey {
  CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;
  bool created = false;
};

// The EC P-256 token-signing key pair labelled `label`; the private half is sensitive and never
// extractable. Created when neither half exists; FAILED_PRECONDITION when only one half does or
// the label is ambiguous.
absl::StatusOr<SigningKey> FindOrCreateSigningKey(Session& session, const std::string& label);

// The public point as 0x04 || X || Y (65 bytes), from CKA_EC_POINT, which PKCS#11 wraps in a DER
// OCTET STRING (some modules return the raw point; both are accepted).
absl::StatusOr<std::string> ReadEcPoint(Session& session, CK_OBJECT_HANDLE public_key);

// The handles of the vault's two keys on the token. A PKCS#11 module may invalidate every object
// handle when the application's last session closes (SoftHSM does: the token logs out), so the
// handles are looked up again whenever a session is (re)opened. Thread-safe.
class KeyHandles {
 public:
  KeyHandles(std::string master_label, std::string signing_label)
      : master_label_(std::move(master_label)), signing_label_(std::move(signing_label)) {}

  const std::string& master_label() const { return master_label_; }
  const std::string& signing_label() const { return signing_label_; }
  CK_OBJECT_HANDLE master() const;
  CK_OBJECT_HANDLE signing() const;  // the private half

  void Set(CK_OBJECT_HANDLE master, CK_OBJECT_HANDLE signing);
  // Finds both keys by label. NOT_FOUND when one has gone from the token.
  absl::Status Refresh(Session& session);

 private:
  const std::string master_label_;
  const std::string signing_label_;
  mutable absl::Mutex mutex_;
  CK_OBJECT_HANDLE master_ ABSL_GUARDED_BY(mutex_) = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE signing_ ABSL_GUARDED_BY(mutex_) = CK_INVALID_HANDLE;
};

}  // namespace coffer::keystore

#endif  // COFFER_VAULT_CORE_KEYSTORE_PKCS11_KEY_OBJECTS_H_
