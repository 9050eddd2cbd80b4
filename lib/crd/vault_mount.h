#ifndef COFFER_LIB_CRD_VAULT_MOUNT_H_
#define COFFER_LIB_CRD_VAULT_MOUNT_H_

// A VaultMount's spec (crds/coffer.dev_vaultmounts.yaml), as the CSI driver mounts it and the
// operator checks it.

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json_fwd.hpp"

namespace coffer::crd {

enum class ObjectType { kSecret, kKey, kCertificate };
// "secret", "key" or "certificate", as the VaultMount spells it.
const char* ObjectTypeName(ObjectType type);

// How an object is written (docs/using-coffer.md, "Keys and certificates as files"). Each type
// has its own formats and a default, which the parser fills in, so code downstream never sees
// "no format".
enum class ObjectFormat {
  kValue,  // a secret: its value, byte for byte (secrets take no format)
  kPem,    // a certificate: PKCS#8 key, then the chain leaf first; a key: SubjectPublicKeyInfo
  kPfx,    // a certificate: PKCS#12 with an empty password
  kCert,   // a certificate: the chain only, leaf first
  kSplit,  // a certificate: FILE.crt (the chain) and FILE.key (PKCS#8), as kubernetes.io/tls
  kJwk,    // a key: its public JSON Web Key, as the vault returns it
};
// As the VaultMount spells it: "pem", "pfx", "cert", "split", "jwk"; "" for kValue.
const char* ObjectFormatName(ObjectFormat format);

inline constexpr mode_t kDefaultMode = 0644;
// Files that hold a private key are never readable by "other" (docs/decisions.md).
inline constexpr mode_t kDefaultPrivateKeyMode = 0640;

struct MountObject {
  std::string name;
  ObjectType type = ObjectType::kSecret;
  std::string version;    // empty: the newest enabled version inside its validity window
  std::string file_name;  // defaults to name
  ObjectFormat format = ObjectFormat::kValue;
  mode_t mode = kDefaultMode;  // kDefaultPrivateKeyMode when WritesPrivateKey and not given
  bool optional = false;
};

// Whether `object`'s files include a private key: a certificate as pem, pfx or split.
bool WritesPrivateKey(const MountObject& object);
// The files `object` writes: its file_name, or FILE.crt and FILE.key for the split format.
std::vector<std::string> FileNamesOf(const MountObject& object);

struct MountSpec {
  std::string vault_namespace;  // the VaultMount's own when vaultRef leaves it out
  std::string vault_name;
  std::vector<MountObject> objects;
  bool rotation_enabled = true;
  absl::Duration rotation_interval = absl::Minutes(2);
};

// Parses a VaultMount object read from the API server in namespace `ns`. The API server has
// checked it against the CRD's schema; this checks again what the files depend on (names,
// formats, modes, distinct file names), since a CRD can be edited. INVALID_ARGUMENT naming the
// field.
absl::StatusOr<MountSpec> ParseVaultMount(const nlohmann::json& object, const std::string& ns);

}  // namespace coffer::crd

#endif  // COFFER_LIB_CRD_VAULT_MOUNT_H_
