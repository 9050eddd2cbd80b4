#include "vault-core/audit/audit_line.h"

#include <openssl/sha.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "lib/base/absl_compat.h"
#include "nlohmann/json.hpp"

namespace coffer::audit {
namespace {

constexpr char kTimeFormat[] = "%Y-%m-%dT%H:%M:%E6SZ";
constexpr const char* kStringFields[] = {"time",      "request_id", "principal", "vault",
                                         "operation", "object",     "result",    "client"};

// A JSON string literal. Invalid UTF-8 is replaced rather than thrown on: a bad byte from a
// client must not cost the audit record.
std::string Quote(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool IsLowerHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::Status Invalid(std::string_view what) { return absl::InvalidArgumentError(AsAbsl(what)); }

}  // namespace

std::string FormatAuditLine(const AuditRecord& record, std::int64_t seq, std::string_view prev) {
  std::string time = absl::FormatTime(kTimeFormat, record.time, absl::UTCTimeZone());
  return absl::StrCat(
      "{\"seq\":", seq, ",\"time\":", Quote(time), ",\"request_id\":", Quote(record.request_id),
      ",\"principal\":", Quote(record.principal), ",\"vault\":", Quote(record.vault),
      ",\"operation\":", Quote(record.operation), ",\"object\":", Quote(record.object),
      ",\"result\":", Quote(record.result),
      ",\"latency_ms\":", absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(record.latency)),
      ",\"client\":", Quote(record.client_address), ",\"prev\":\"", AsAbsl(prev), "\"}");
}

absl::StatusOr<ParsedAuditLine> ParseAuditLine(std::string_view line) {
  nlohmann::json json = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) return Invalid("not a JSON object");
  auto seq = json.find("seq");
  if (seq == json.end() || !seq->is_number_unsigned() || seq->get<std::uint64_t>() < 1 ||
      seq->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    return Invalid("\"seq\" is missing or not a positive integer");
  }
  for (const char* key : kStringFields) {
    auto field = json.find(key);
    if (field == json.end() || !field->is_string()) {
      return Invalid(absl::StrCat("\"", key, "\" is missing or not a string"));
    }
  }
  auto prev = json.find("prev");
  if (prev == json.end() || !prev->is_string() || !IsLowerHex64(prev->get<std::string>())) {
    return Invalid("\"prev\" is missing or not 64 lowercase hex digits");
  }
  auto latency = json.find("latency_ms");
  if (latency == json.end() || !latency->is_number()) {
    return Invalid("\"latency_ms\" is missing or not a number");
  }
  ParsedAuditLine parsed;
  parsed.seq = static_cast<std::int64_t>(seq->get<std::uint64_t>());
  parsed.prev = prev->get<std::string>();
  std::string error;
  if (!absl::ParseTime(kTimeFormat, json["time"].get<std::string>(), absl::UTCTimeZone(),
                       &parsed.record.time, &error)) {
    return Invalid(absl::StrCat("\"time\" is not RFC 3339 UTC: ", error));
  }
  AuditRecord& r = parsed.record;
  r.request_id = json["request_id"].get<std::string>();
  r.principal = json["principal"].get<std::string>();
  r.vault = json["vault"].get<std::string>();
  r.operation = json["operation"].get<std::string>();
  r.object = json["object"].get<std::string>();
  r.result = json["result"].get<std::string>();
  r.latency = absl::Milliseconds(latency->get<double>());
  r.client_address = json["client"].get<std::string>();
  return parsed;
}

std::string LineHash(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace coffer::audit
