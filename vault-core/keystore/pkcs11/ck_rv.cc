#include "vault-core/keystore/pkcs11/ck_rv.h"

#include <cstdio>

namespace coffer::keystore {
namespace {

struct CkrEntry {
  CK_RV rv;
  const char* name;
  absl::StatusCode code;
};

using C = absl::StatusCode;

// Codes chosen by what the caller should do about them, not by the spec's grouping.
constexpr CkrEntry kCkrTable[] = {
    {CKR_CANCEL, "CKR_CANCEL", C::kAborted},
    {CKR_HOST_MEMORY, "CKR_HOST_MEMORY", C::kUnavailable},
    {CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID", C::kUnavailable},
    {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR", C::kUnavailable},
    {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED", C::kUnavailable},
    {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD", C::kInternal},
    {CKR_CANT_LOCK, "CKR_CANT_LOCK", C::kFailedPrecondition},
    {CKR_ATTRIBUTE_READ_ONLY, "CKR_ATTRIBUTE_READ_ONLY", C::kFailedPrecondition},
    {CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE", C::kFailedPrecondition},
    {CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID", C::kFailedPrecondition},
    {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID", C::kFailedPrecondition},
    {CKR_DATA_INVALID, "CKR_DATA_INVALID", C::kInvalidArgument},
    {CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE", C::kInvalidArgument},
    {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR", C::kUnavailable},
    {CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY", C::kUnavailable},
    {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED", C::kUnavailable},
    {CKR_ENCRYPTED_DATA_INVALID, "CKR_ENCRYPTED_DATA_INVALID", C::kDataLoss},
    {CKR_ENCRYPTED_DATA_LEN_RANGE, "CKR_ENCRYPTED_DATA_LEN_RANGE", C::kDataLoss},
    {CKR_FUNCTION_CANCELED, "CKR_FUNCTION_CANCELED", C::kAborted},
    {CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED", C::kFailedPrecondition},
    {CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID", C::kUnavailable},
    {CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE", C::kFailedPrecondition},
    {CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT", C::kFailedPrecondition},
    {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED", C::kFailedPrecondition},
    {CKR_KEY_NOT_WRAPPABLE, "CKR_KEY_NOT_WRAPPABLE", C::kFailedPrecondition},
    {CKR_KEY_UNEXTRACTABLE, "CKR_KEY_UNEXTRACTABLE", C::kFailedPrecondition},
    {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID", C::kFailedPrecondition},
    {CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID", C::kFailedPrecondition},
    {CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID", C::kUnavailable},
    {CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE", C::kInternal},
    {CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED", C::kInternal},
    {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT", C::kPermissionDenied},
    {CKR_PIN_INVALID, "CKR_PIN_INVALID", C::kPermissionDenied},
    {CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE", C::kPermissionDenied},
    {CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED", C::kPermissionDenied},
    {CKR_PIN_LOCKED, "CKR_PIN_LOCKED", C::kPermissionDenied},
    {CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED", C::kUnavailable},
    {CKR_SESSION_COUNT, "CKR_SESSION_COUNT", C::kUnavailable},
    {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID", C::kUnavailable},
    {CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY", C::kInternal},
    {CKR_SIGNATURE_INVALID, "CKR_SIGNATURE_INVALID", C::kInvalidArgument},
    {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE", C::kFailedPrecondition},
    {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT", C::kFailedPrecondition},
    {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT", C::kUnavailable},
    {CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED", C::kUnavailable},
    {CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED", C::kFailedPrecondition},
    {CKR_UNWRAPPING_KEY_HANDLE_INVALID, "CKR_UNWRAPPING_KEY_HANDLE_INVALID", C::kUnavailable},
    {CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, "CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT",
     C::kFailedPrecondition},
    {CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN", C::kInternal},
    {CKR_USER_ANOTHER_ALREADY_LOGGED_IN, "CKR_USER_ANOTHER_ALREADY_LOGGED_IN",
     C::kFailedPrecondition},
    {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN", C::kUnavailable},
    {CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED", C::kFailedPrecondition},
    {CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID", C::kInternal},
    {CKR_WRAPPED_KEY_INVALID, "CKR_WRAPPED_KEY_INVALID", C::kDataLoss},
    {CKR_WRAPPED_KEY_LEN_RANGE, "CKR_WRAPPED_KEY_LEN_RANGE", C::kDataLoss},
    {CKR_WRAPPING_KEY_HANDLE_INVALID, "CKR_WRAPPING_KEY_HANDLE_INVALID", C::kUnavailable},
    {CKR_WRAPPING_KEY_TYPE_INCONSISTENT, "CKR_WRAPPING_KEY_TYPE_INCONSISTENT",
     C::kFailedPrecondition},
    {CKR_RANDOM_NO_RNG, "CKR_RANDOM_NO_RNG", C::kFailedPrecondition},
    {CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL", C::kInternal},
    {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED", C::kUnavailable},
    {CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED", C::kInternal},
};

}  // namespace

std::string CkrName(CK_RV rv) {
  for (const CkrEntry& entry : kCkrTable) {
    if (entry.rv == rv) return entry.name;
  }
  if (rv == CKR_OK) return "CKR_OK";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "CKR_0x%08lx", static_cast<unsigned long>(rv));
  return buf;
}

absl::Status CkrToStatus(CK_RV rv, std::string_view what) {
  if (rv == CKR_OK) return absl::OkStatus();
  absl::StatusCode code = C::kInternal;
  for (const CkrEntry& entry : kCkrTable) {
    if (entry.rv == rv) code = entry.code;
  }
  return absl::Status(code, std::string(what) + ": " + CkrName(rv));
}

}  // namespace coffer::keystore
