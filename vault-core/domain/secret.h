#ifndef COFFER_VAULT_CORE_DOMAIN_SECRET_H_
#define COFFER_VAULT_CORE_DOMAIN_SECRET_H_

#include <map>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "lib/base/secret_bytes.h"

namespace coffer::domain {

// Attributes every vault object version carries, with Azure's meaning.
struct ObjectAttributes {
  bool enabled = true;
  std::optional<absl::Time> not_before;  // informational for secrets
  std::optional<absl::Time> expires;     // informational for secrets
  absl::Time created;
  absl::Time updated;
};

using Tags = std::map<std::string, std::string>;

// A secret version without its value: what lists and updates return.
struct SecretProperties {
  std::string name;
  std::string version;
  std::string content_type;
  Tags tags;
  ObjectAttributes attributes;
  bool managed = false;  // a certificate's: its key has the same name and version
};

struct Secret {
  SecretProperties properties;
  SecretBytes value;
};

// A soft-deleted secret: the properties of its latest version and when it goes for good.
struct DeletedSecret {
  SecretProperties properties;
  absl::Time deleted;
  absl::Time scheduled_purge;
};

// What a set carries besides the value.
struct SecretSetOptions {
  std::string content_type;
  Tags tags;
  bool enabled = true;
  std::optional<absl::Time> not_before;
  std::optional<absl::Time> expires;
};

// A partial update: only the fields that are set change.
struct SecretUpdate {
  std::optional<std::string> content_type;
  std::optional<Tags> tags;  // replaces the whole map
  std::optional<bool> enabled;
  std::optional<std::optional<absl::Time>> not_before;  // an empty inner value clears it
  std::optional<std::optional<absl::Time>> expires;
};

// Azure's limit on a secret value.
inline constexpr std::size_t kMaxSecretValueBytes = 25 * 1024;

}  // namespace coffer::domain

#endif  // COFFER_VAULT_CORE_DOMAIN_SECRET_H_
