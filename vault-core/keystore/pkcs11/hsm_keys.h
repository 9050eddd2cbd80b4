#ifndef COFFER_VAULT_CORE_KEYSTORE_PKCS11_HSM_KEYS_H_
#define COFFER_VAULT_CORE_KEYSTORE_PKCS11_HSM_KEYS_H_

#include <p11-kit/pkcs11.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "vault-core/domain/key.h"
#include "vault-core/keystore/keystore.h"
#include "vault-core/keystore/pkcs11/session_pool.h"

// HSM-protected vault keys on a PKCS#11 token. A key is made (or imported) as a session object,
// sensitive and extractable only under wrap, wrapped by the master key with CKM_AES_KEY_WRAP_PAD
// (PKCS#8 inside for RSA and EC, the raw key for AES), and destroyed: the token keeps nothing,
// the caller stores the blob. To use it, the blob is unwrapped into a sensitive,
// non-extractable session object, kept per session (Session::FindUnwrapped).
namespace coffer::keystore {

absl::StatusOr<ProtectedKey> GenerateWrappedKey(SessionPool::Lease& lease,
                                                CK_OBJECT_HANDLE master,
                                                const domain::KeySpec& spec);
absl::StatusOr<ProtectedKey> ImportWrappedKey(SessionPool::Lease& lease, CK_OBJECT_HANDLE master,
                                              const domain::PrivateKeyParts& parts);
absl::StatusOr<domain::KeyOperationResult> RunWithWrappedKey(
    SessionPool::Lease& lease, CK_OBJECT_HANDLE master, const std::string& master_label,
    domain::KeyType type, std::string_view wrapped, const domain::KeyOperationRequest& request);

// The status for a failed C_UnwrapKey of a stored blob: DATA_LOSS when the blob is at fault
// (SoftHSM reports a failed AES-KWP integrity check as CKR_GENERAL_ERROR), else the device's.
absl::Status WrappedKeyError(SessionPool::Lease& lease, CK_RV rv, const std::string& what);

}  // namespace coffer::keystore

#endif  // COFFER_VAULT_CORE_KEYSTORE_PKCS11_HSM_KEYS_H_
