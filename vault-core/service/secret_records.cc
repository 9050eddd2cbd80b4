#include "vault-core/service/secret_records.h"

#include "absl/strings/str_cat.h"
#include "lib/base/absl_compat.h"
#include "vault-core/domain/errors.h"

namespace coffer::service::records {

std::string Canonical(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Suffix(std::string_view key, std::string_view prefix) {
  return key.substr(std::min(prefix.size(), key.size()));
}

std::int64_t ToUnix(std::optional<absl::Time> t) {
  return t.has_value() ? absl::ToUnixSeconds(*t) : 0;
}

std::optional<absl::Time> FromUnix(std::int64_t seconds) {
  if (seconds == 0) return std::nullopt;
  return absl::FromUnixSeconds(seconds);
}

SecretBytes SerializeSecret(const google::protobuf::MessageLite& message) {
  SecretBytes out(message.ByteSizeLong());
  message.SerializeToArray(out.mutable_data(), static_cast<int>(out.size()));
  return out;
}

void ScrubValue(storage::v1::SecretVersionRecord& record) {
  std::string* value = record.mutable_value();
  internal::ZeroMemory(value->data(), value->size());
  value->clear();
}

domain::SecretProperties ToProperties(std::string_view name, std::string_view version,
                                      const storage::v1::SecretVersionRecord& record) {
  domain::SecretProperties p;
  p.name = std::string(name);
  p.version = std::string(version);
  p.content_type = record.content_type();
  p.tags = domain::Tags(record.tags().begin(), record.tags().end());
  p.attributes.enabled = record.enabled();
  p.attributes.not_before = FromUnix(record.not_before());
  p.attributes.expires = FromUnix(record.expires());
  p.attributes.created = absl::FromUnixSeconds(record.created());
  p.attributes.updated = absl::FromUnixSeconds(record.updated());
  p.managed = record.managed();
  return p;
}

}  // namespace coffer::service::records
