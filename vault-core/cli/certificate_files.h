#ifndef COFFER_VAULT_CORE_CLI_CERTIFICATE_FILES_H_
#define COFFER_VAULT_CORE_CLI_CERTIFICATE_FILES_H_

// The files `coffer certificate` reads and writes, and how they map to Azure's certificate JSON
// (docs/azure-certificates-wire.md): PEM and DER certificates, the import value, and the
// linked secret as a PEM or PFX file. Pure functions, thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"

namespace coffer::cli {

inline constexpr const char* kPemContentType = "application/x-pem-file";
inline constexpr const char* kPfxContentType = "application/x-pkcs12";

// "-----BEGIN LABEL-----", the base64 of `der` in 64-column lines, "-----END LABEL-----".
std::string ToPem(std::string_view der, std::string_view label);

// Whether `text` is PEM: after any leading blanks it starts with "-----BEGIN ".
bool IsPem(std::string_view text);

// What an import sends as `value` (§2.2): PEM text as it is from its first BEGIN line, and
// anything else (a PFX) as standard base64.
std::string ImportValue(std::string_view file_contents);

// The DER of every CERTIFICATE block of the PEM `text`, in order (other blocks, such as a key,
// are skipped), or `text` itself when it is not PEM (a DER file). INVALID_ARGUMENT naming
// `file` when it is empty, a block has no END line or a body that is not base64, or PEM text has
// no CERTIFICATE block.
absl::StatusOr<std::vector<std::string>> CertificatesFromFile(const std::string& text,
                                                              std::string_view file);

// The linked secret's value (base64 of a PFX, or PEM text when `stored_pem`) as the contents of
// a `format` ("pem" or "pfx") file. A PEM value becomes a PFX with an empty password here, as
// Azure converts only the other way: FAILED_PRECONDITION when it holds no private key (a
// non-exportable certificate's). INTERNAL when a PFX value is not base64 or a value wanted as
// PEM is not PEM.
absl::StatusOr<SecretBytes> CertificateFileContents(std::string_view value, bool stored_pem,
                                                    std::string_view format);

}  // namespace coffer::cli

#endif  // COFFER_VAULT_CORE_CLI_CERTIFICATE_FILES_H_
