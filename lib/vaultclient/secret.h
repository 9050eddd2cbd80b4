#ifndef COFFER_LIB_VAULTCLIENT_SECRET_H_
#define COFFER_LIB_VAULTCLIENT_SECRET_H_

// What the data plane says about a secret, as plain values rather than JSON.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "lib/base/secret_bytes.h"

namespace coffer::vaultclient {

struct Secret {
  std::string id;  // https://HOST/secrets/NAME[/VERSION]
  std::string name;
  std::string version;  // "" for list items of the latest version and deleted items
  SecretBytes value;    // only from set and get
  std::string content_type;
  std::map<std::string, std::string> tags;
  bool enabled = true;
  std::optional<absl::Time> created;
  std::optional<absl::Time> updated;
  std::optional<absl::Time> not_before;
  std::optional<absl::Time> expires;
  std::string recovery_level;
  std::int64_t recoverable_days = 0;
  // Set for deleted secrets only.
  std::string recovery_id;
  std::optional<absl::Time> deleted;
  std::optional<absl::Time> scheduled_purge;
};

// The optional parts of a set: each left unset is left out of the request.
struct SetSecretOptions {
  std::string content_type;
  std::map<std::string, std::string> tags;
  std::optional<bool> enabled;
  std::optional<absl::Time> not_before;
  std::optional<absl::Time> expires;
};

}  // namespace coffer::vaultclient

#endif  // COFFER_LIB_VAULTCLIENT_SECRET_H_
