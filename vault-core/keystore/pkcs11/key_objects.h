#ifndef COFFER_VAULT_CORE_KEYSTORE_PKCS11_KEY_OBJECTS_H_
#define COFFER_VAULT_CORE_KEYSTORE_PKCS11_KEY_OBJECTS_H_

#include <p11-kit/pkcs11.h>

#include <string>
#include <string_view>
#include <vector>

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

// DER of the named curve OID 1.2.840.10045.3.1.7 (P-256), as CKA_EC_PARAMS wants it.
inline constexpr std::string_view kP256Params("\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 10);

// What the vault's two long-lived keys may do, wherever they come into a token: generated on
// first start or unwrapped by the key ceremony. The caller adds CKA_CLASS, CKA_KEY_TYPE and
// CKA_TOKEN; `label` must outlive the template.
std::vector<CK_ATTRIBUTE> MasterKeyPolicy(const std::string& label);
std::vector<CK_ATTRIBUTE> SigningKeyPolicy(const std::string& label);

struct FoundKey {
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  bool created = false;
};

// The AES-256 master wrapping key labelled `label`: a token object, sensitive, usable only to
// wrap and unwrap, and extractable only wrapped under a key the token's security officer marked
// trusted (CKA_WRAP_WITH_TRUSTED), which is how the key ceremony copies it to another replica's
// HSM (key_ceremony.h). Created when absent. FAILED_PRECONDITION when more than one key has the
// label (Coffer never creates a second; someone else did). A key created before the ceremony
// existed is not extractable at all; it is found and used all the same.
absl::StatusOr<FoundKey> FindOrCreateMasterKey(Session& session, const std::string& label);

// The master key's fingerprint, the same on every HSM that holds the same key: "kcv:" and 16
// hex digits, the first 8 bytes of the SHA-256 of the AES-KWP wrap (RFC 5649, deterministic)
// of 32 zero bytes under the key. It takes nothing but the wrap permission the key has anyway,
// so it works for keys of every age and gives the key no second use.
absl::StatusOr<std::string> MasterKeyFingerprint(Session& session, CK_OBJECT_HANDLE master);

// The key of `object_class` labelled `label`; CK_INVALID_HANDLE when there is none, and
// FAILED_PRECONDITION when more than one key has the label.
absl::StatusOr<CK_OBJECT_HANDLE> FindKey(Session& session, CK_OBJECT_CLASS object_class,
                                         const std::string& label);

struct SigningKey {
  CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;
  bool created = false;
};

// The EC P-256 token-signing key pair labelled `label`; the private half is sensitive and, like
// the master key, extractable only under a trusted key, so that every replica signs with the
// same key. Created when neither half exists; FAILED_PRECONDITION when only one half does or the
// label is ambiguous.
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
