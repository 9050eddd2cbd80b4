#ifndef COFFER_VAULT_CORE_KEYSTORE_PKCS11_SESSION_H_
#define COFFER_VAULT_CORE_KEYSTORE_PKCS11_SESSION_H_

#include <p11-kit/pkcs11.h>

#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/keystore/pkcs11/module.h"

namespace coffer::keystore {

// One PKCS#11 session; closed on destruction. Holds its module so the module outlives it.
// Not thread-safe: PKCS#11 allows one operation at a time per session.
class Session {
 public:
  // A read-write session on `slot`. UNAVAILABLE (or the CK_RV's code) on failure.
  static absl::StatusOr<std::unique_ptr<Session>> Open(std::shared_ptr<Pkcs11Module> module,
                                                       CK_SLOT_ID slot);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  CK_SESSION_HANDLE handle() const { return handle_; }
  CK_FUNCTION_LIST* fns() const { return module_->fns(); }

  // Logs the user in unless the application already is (login state is per token, not per
  // session). PERMISSION_DENIED on a wrong or locked PIN.
  absl::Status Login(const SecretBytes& pin, std::string_view token_label);
  // Logs the security officer in (CKU_SO), for what only the SO may do: marking a key trusted.
  // The application must not be logged in as the user: FAILED_PRECONDITION then.
  // PERMISSION_DENIED on a wrong or locked SO PIN.
  absl::Status LoginSecurityOfficer(const SecretBytes& so_pin, std::string_view token_label);
  // Ends the application's login on the token, for every session; private session objects go.
  absl::Status Logout();

  // The handles of objects matching `tmpl` (at most `max`).
  absl::StatusOr<std::vector<CK_OBJECT_HANDLE>> Find(std::vector<CK_ATTRIBUTE> tmpl,
                                                     size_t max = 16);
  // One attribute's value, e.g. CKA_EC_POINT or CKA_EXTRACTABLE.
  absl::StatusOr<std::string> GetAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);
  // The same for key material (CKA_VALUE), which must not sit in an ordinary string.
  absl::StatusOr<SecretBytes> GetSecretAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);

  // Vault keys unwrapped into session objects, by an id of their wrapped blob: unwrapping an
  // RSA-2048 key costs as much as a signature with it, so a key in use is unwrapped once per
  // session. The objects die with the session; beyond `kMaxUnwrapped` the least recently used is
  // destroyed.
  static constexpr size_t kMaxUnwrapped = 64;
  CK_OBJECT_HANDLE FindUnwrapped(const std::string& id);
  void KeepUnwrapped(const std::string& id, CK_OBJECT_HANDLE object);

 private:
  Session(std::shared_ptr<Pkcs11Module> module, CK_SESSION_HANDLE handle)
      : module_(std::move(module)), handle_(handle) {}

  const std::shared_ptr<Pkcs11Module> module_;
  const CK_SESSION_HANDLE handle_;
  std::list<std::pair<std::string, CK_OBJECT_HANDLE>> unwrapped_;  // most recent first
  std::map<std::string, decltype(unwrapped_)::iterator> unwrapped_by_id_;
};

// A session object (CKA_TOKEN false) destroyed when this goes out of scope, so that plaintext
// key objects never linger in the HSM after an error.
class ScopedObject {
 public:
  ScopedObject(Session& session, CK_OBJECT_HANDLE handle) : session_(session), handle_(handle) {}
  ~ScopedObject();
  ScopedObject(const ScopedObject&) = delete;
  ScopedObject& operator=(const ScopedObject&) = delete;

  CK_OBJECT_HANDLE handle() const { return handle_; }

 private:
  Session& session_;
  const CK_OBJECT_HANDLE handle_;
};

// Template helpers: PKCS#11 attributes point at their values, so these must outlive the call.
inline CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, const void* value, size_t size) {
  return CK_ATTRIBUTE{type, const_cast<void*>(value), static_cast<CK_ULONG>(size)};
}
template <typename T>
CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, const T& value) {
  return Attr(type, &value, sizeof(T));
}
inline CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, const std::string& value) {
  return Attr(type, value.data(), value.size());
}
// The bytes, not the view object (which the template above would take).
inline CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, std::string_view value) {
  return Attr(type, value.data(), value.size());
}

inline constexpr CK_BBOOL kTrue = CK_TRUE;
inline constexpr CK_BBOOL kFalse = CK_FALSE;

}  // namespace coffer::keystore

#endif  // COFFER_VAULT_CORE_KEYSTORE_PKCS11_SESSION_H_
