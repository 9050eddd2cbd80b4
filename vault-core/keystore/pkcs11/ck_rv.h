#ifndef COFFER_VAULT_CORE_KEYSTORE_PKCS11_CK_RV_H_
#define COFFER_VAULT_CORE_KEYSTORE_PKCS11_CK_RV_H_

#include <p11-kit/pkcs11.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"

// p11-kit 0.24 has it; older copies of pkcs11.h do not.
#ifndef CKM_AES_KEY_WRAP_PAD
#define CKM_AES_KEY_WRAP_PAD 0x210AUL
#endif

namespace coffer::keystore {

// "CKR_PIN_INCORRECT", or "CKR_0x000000a0" for codes outside the table.
std::string CkrName(CK_RV rv);

// OK for CKR_OK; otherwise a one-line error "<what>: <CKR_NAME>" whose code says what the caller
// should do: UNAVAILABLE for device and session failures (retry later), PERMISSION_DENIED for PIN
// problems, DATA_LOSS for wrapped data that does not decrypt, FAILED_PRECONDITION when the token
// cannot do what Coffer needs (mechanism missing, key not permitted), INVALID_ARGUMENT for bad
// input, INTERNAL for codes that mean Coffer misused the API.
absl::Status CkrToStatus(CK_RV rv, std::string_view what);

}  // namespace coffer::keystore

#endif  // COFFER_VAULT_CORE_KEYSTORE_PKCS11_CK_RV_H_
