#include "vault-core/keystore/pkcs11/session.h"

#include "lib/base/logging.h"
#include "lib/base/status.h"
#include "vault-core/keystore/pkcs11/ck_rv.h"

namespace coffer::keystore {

absl::StatusOr<std::unique_ptr<Session>> Session::Open(std::shared_ptr<Pkcs11Module> module,
                                                       CK_SLOT_ID slot) {
  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  CK_RV rv = module->fns()->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr,
                                          nullptr, &handle);
  if (rv != CKR_OK) return CkrToStatus(rv, "C_OpenSession");
  return std::unique_ptr<Session>(new Session(std::move(module), handle));
}

Session::~Session() {
  CK_RV rv = fns()->C_CloseSession(handle_);
  if (rv != CKR_OK) COFFER_LOG(kHsm, warn, "C_CloseSession: {}", CkrName(rv));
}

namespace {

absl::Status LoginError(CK_RV rv, const std::string& prefix, std::string_view pin_name) {
  switch (rv) {
    case CKR_PIN_INCORRECT:
      return absl::PermissionDeniedError(prefix + ": wrong " + std::string(pin_name) +
                                         " (CKR_PIN_INCORRECT)");
    case CKR_PIN_LOCKED:
      return absl::PermissionDeniedError(prefix + ": " + std::string(pin_name) +
                                         " locked after too many failures (CKR_PIN_LOCKED)");
    default:
      return CkrToStatus(rv, prefix);
  }
}

}  // namespace

absl::Status Session::Login(const SecretBytes& pin, std::string_view token_label) {
  CK_RV rv = fns()->C_Login(handle_, CKU_USER, const_cast<CK_UTF8CHAR*>(pin.data()),
                            static_cast<CK_ULONG>(pin.size()));
  if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) return absl::OkStatus();
  return LoginError(rv, "HSM login failed for token '" + std::string(token_label) + "'", "PIN");
}

absl::Status Session::LoginSecurityOfficer(const SecretBytes& so_pin,
                                           std::string_view token_label) {
  CK_RV rv = fns()->C_Login(handle_, CKU_SO, const_cast<CK_UTF8CHAR*>(so_pin.data()),
                            static_cast<CK_ULONG>(so_pin.size()));
  if (rv == CKR_OK) return absl::OkStatus();
  const std::string prefix =
      "security officer login failed for token '" + std::string(token_label) + "'";
  if (rv == CKR_USER_ANOTHER_ALREADY_LOGGED_IN || rv == CKR_USER_ALREADY_LOGGED_IN) {
    return absl::FailedPreconditionError(
        prefix + ": the user is logged in to it from this process (a key store is open)");
  }
  return LoginError(rv, prefix, "SO PIN");
}

absl::Status Session::Logout() {
  CK_RV rv = fns()->C_Logout(handle_);
  if (rv == CKR_OK || rv == CKR_USER_NOT_LOGGED_IN) return absl::OkStatus();
  return CkrToStatus(rv, "C_Logout");
}

absl::StatusOr<std::vector<CK_OBJECT_HANDLE>> Session::Find(std::vector<CK_ATTRIBUTE> tmpl,
                                                            size_t max) {
  CK_RV rv = fns()->C_FindObjectsInit(handle_, tmpl.data(), static_cast<CK_ULONG>(tmpl.size()));
  if (rv != CKR_OK) return CkrToStatus(rv, "C_FindObjectsInit");
  std::vector<CK_OBJECT_HANDLE> found(max);
  CK_ULONG count = 0;
  rv = fns()->C_FindObjects(handle_, found.data(), static_cast<CK_ULONG>(max), &count);
  // Always end the search: a session with an active find refuses every other operation.
  CK_RV final_rv = fns()->C_FindObjectsFinal(handle_);
  if (rv != CKR_OK) return CkrToStatus(rv, "C_FindObjects");
  if (final_rv != CKR_OK) return CkrToStatus(final_rv, "C_FindObjectsFinal");
  found.resize(count);
  return found;
}

absl::StatusOr<SecretBytes> Session::GetSecretAttribute(CK_OBJECT_HANDLE object,
                                                        CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE attr = {type, nullptr, 0};
  CK_RV rv = fns()->C_GetAttributeValue(handle_, object, &attr, 1);
  if (rv != CKR_OK) return CkrToStatus(rv, "C_GetAttributeValue (size)");
  SecretBytes value(static_cast<size_t>(attr.ulValueLen));
  attr.pValue = value.mutable_data();
  rv = fns()->C_GetAttributeValue(handle_, object, &attr, 1);
  if (rv != CKR_OK) return CkrToStatus(rv, "C_GetAttributeValue");
  value.resize(attr.ulValueLen);
  return value;
}

absl::StatusOr<std::string> Session::GetAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  COFFER_ASSIGN_OR_RETURN(SecretBytes value, GetSecretAttribute(object, type));
  return std::string(value.reveal());
}

CK_OBJECT_HANDLE Session::FindUnwrapped(const std::string& id) {
  auto it = unwrapped_by_id_.find(id);
  if (it == unwrapped_by_id_.end()) return CK_INVALID_HANDLE;
  unwrapped_.splice(unwrapped_.begin(), unwrapped_, it->second);
  return it->second->second;
}

void Session::KeepUnwrapped(const std::string& id, CK_OBJECT_HANDLE object) {
  unwrapped_.emplace_front(id, object);
  unwrapped_by_id_[id] = unwrapped_.begin();
  if (unwrapped_.size() <= kMaxUnwrapped) return;
  auto& [oldest_id, oldest] = unwrapped_.back();
  CK_RV rv = fns()->C_DestroyObject(handle_, oldest);
  if (rv != CKR_OK) COFFER_LOG(kHsm, warn, "C_DestroyObject: {}", CkrName(rv));
  unwrapped_by_id_.erase(oldest_id);
  unwrapped_.pop_back();
}

ScopedObject::~ScopedObject() {
  CK_RV rv = session_.fns()->C_DestroyObject(session_.handle(), handle_);
  if (rv != CKR_OK) COFFER_LOG(kHsm, warn, "C_DestroyObject: {}", CkrName(rv));
}

}  // namespace coffer::keystore
