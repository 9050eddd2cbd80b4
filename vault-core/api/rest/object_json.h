#ifndef COFFER_VAULT_CORE_API_REST_OBJECT_JSON_H_
#define COFFER_VAULT_CORE_API_REST_OBJECT_JSON_H_

// What Azure Key Vault's JSON for every object kind shares: strict parsing of request bodies
// (malformed JSON, wrong types and unknown fields are INVALID_ARGUMENT naming the field), tags,
// attributes and ids. For api/rest's .cc files only.

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/base/json_writer.h"
#include "nlohmann/json.hpp"
#include "vault-core/domain/secret.h"
#include "vault-core/domain/vault.h"

namespace coffer::api::rest {

absl::Status Bad(const std::string& message);

// Zeroes every string in a parsed request when it goes out of scope, on every way out: for
// documents that hold key material, plaintext or passwords.
struct WipeOnExit {
  nlohmann::json& doc;
  static void Wipe(nlohmann::json& value);
  ~WipeOnExit() { Wipe(doc); }
};
absl::StatusOr<nlohmann::json> ParseObject(std::string_view body);
absl::Status OnlyKnownFields(const nlohmann::json& object, const std::set<std::string>& known,
                             const std::string& where);
// Unix seconds, positive; null clears.
absl::StatusOr<std::optional<absl::Time>> ParseTime(const nlohmann::json& value,
                                                    const std::string& field);
absl::StatusOr<domain::Tags> ParseTags(const nlohmann::json& value);

// The writable attributes; the read-only ones a client may echo back are accepted and ignored,
// as are `also_known` (a kind's own read-only or unsupported fields).
struct Attributes {
  std::optional<bool> enabled;
  std::optional<std::optional<absl::Time>> not_before;
  std::optional<std::optional<absl::Time>> expires;
};
absl::StatusOr<Attributes> ParseAttributes(const nlohmann::json& value,
                                           const std::set<std::string>& also_known = {});

void WriteAttributes(JsonWriter& w, const domain::Vault& vault, const domain::ObjectAttributes& a);
// "<base_url>/<collection>/<name>[/<version>]" as a JSON string.
void WriteId(JsonWriter& w, std::string_view base_url, std::string_view collection,
             const std::string& name, const std::string& version);

}  // namespace coffer::api::rest

#endif  // COFFER_VAULT_CORE_API_REST_OBJECT_JSON_H_
