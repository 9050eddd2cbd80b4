#include "vault-core/audit/audit_line.h"

#include <algorithm>
#include <ctime>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/base/absl_compat.h"
#include "lib/base/json_writer.h"
#include "nlohmann/json.hpp"
#include "vault-core/crypto/digest.h"

namespace coffer::audit {
namespace {

constexpr char kTimeFormat[] = "%Y-%m-%dT%H:%M:%E6SZ";
constexpr const char* kStringFields[] = {"time",      "request_id", "principal", "vault",
                                         "operation", "object",     "result",    "client"};

// Appends `value` (negative counts as 0) in decimal, zero-padded to at least `width` digits.
void AppendDigits(std::string* out, std::int64_t value, int width) {
  char digits[20];
  int n = 0;
  value = std::max<std::int64_t>(value, 0);
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 || n < width);
  while (n > 0) out->push_back(digits[--n]);
}

// RFC 3339 UTC with microseconds, as kTimeFormat reads it back; by hand, since
// absl::FormatTime (and even snprintf) cost more than the rest of the line.
std::string FormatMicros(absl::Time time) {
  std::int64_t micros = absl::ToUnixMicros(time);
  std::int64_t seconds = micros / 1000000;
  std::int64_t fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --seconds;
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::string out;
  out.reserve(27);
  AppendDigits(&out, tm.tm_year + 1900, 4);
  out.push_back('-');
  AppendDigits(&out, tm.tm_mon + 1, 2);
  out.push_back('-');
  AppendDigits(&out, tm.tm_mday, 2);
  out.push_back('T');
  AppendDigits(&out, tm.tm_hour, 2);
  out.push_back(':');
  AppendDigits(&out, tm.tm_min, 2);
  out.push_back(':');
  AppendDigits(&out, tm.tm_sec, 2);
  out.push_back('.');
  AppendDigits(&out, fraction, 6);
  out.push_back('Z');
  return out;
}

// Milliseconds with three decimals ("1.234"), from whole microseconds.
std::string FormatLatencyMs(absl::Duration latency) {
  std::int64_t micros = std::max<std::int64_t>(0, absl::ToInt64Microseconds(latency));
  std::string out;
  AppendDigits(&out, micros / 1000, 1);
  out.push_back('.');
  AppendDigits(&out, micros % 1000, 3);
  return out;
}

bool IsLowerHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::Status Invalid(std::string_view what) { return absl::InvalidArgumentError(AsAbsl(what)); }

// Many fields hold what a caller sent (a client id, a path, a Host): each is cut to this many
// bytes, at a character boundary, and marked, so that a line stays small whatever a stranger
// sends and the audit log cannot be made to fill the disk cheaply.
constexpr std::size_t kMaxFieldBytes = 512;

std::string Capped(std::string_view value) {
  if (value.size() <= kMaxFieldBytes) return std::string(value);
  std::size_t keep = kMaxFieldBytes;
  while (keep > 0 && (static_cast<unsigned char>(value[keep]) & 0xC0) == 0x80) --keep;
  return std::string(value.substr(0, keep)) + "...[cut " + std::to_string(value.size() - keep) +
         " bytes]";
}

}  // namespace

std::string FormatAuditFields(const AuditRecord& record) {
  std::string fields;
  fields.reserve(192 + std::min(record.object.size(), kMaxFieldBytes));
  JsonWriter w(&fields);  // members only: the braces come with seq and prev
  w.Key("time")
      .String(FormatMicros(record.time))
      .Key("request_id")
      .String(Capped(record.request_id))
      .Key("principal")
      .String(Capped(record.principal))
      .Key("vault")
      .String(Capped(record.vault))
      .Key("operation")
      .String(Capped(record.operation))
      .Key("object")
      .String(Capped(record.object))
      .Key("result")
      .String(Capped(record.result))
      .Key("latency_ms")
      .Raw(FormatLatencyMs(record.latency))
      .Key("client")
      .String(Capped(record.client_address));
  return fields;
}

absl::Status ValidateReplicaName(std::string_view replica) {
  if (replica.empty() || replica.size() > kMaxReplicaBytes) {
    return Invalid(absl::StrCat("a replica name has 1 to ", kMaxReplicaBytes, " characters"));
  }
  for (char c : replica) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    if (!ok) return Invalid("a replica name has only letters, digits, '.', '-' and '_'");
  }
  return absl::OkStatus();
}

std::string AssembleAuditLine(std::int64_t seq, std::string_view fields, std::string_view prev,
                              std::string_view replica) {
  std::string line;
  line.reserve(fields.size() + prev.size() + replica.size() + 52);
  line.append("{\"seq\":").append(std::to_string(seq)).append(",");
  if (!replica.empty()) {
    line.append("\"replica\":");
    AppendJsonString(&line, replica);
    line.append(",");
  }
  line.append(fields);
  line.append(",\"prev\":");
  AppendJsonString(&line, prev);
  line.append("}");
  return line;
}

std::string FormatAuditLine(const AuditRecord& record, std::int64_t seq, std::string_view prev,
                            std::string_view replica) {
  return AssembleAuditLine(seq, FormatAuditFields(record), prev, replica);
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
  std::string replica;
  if (auto named = json.find("replica"); named != json.end()) {
    if (!named->is_string() || !ValidateReplicaName(named->get<std::string>()).ok()) {
      return Invalid("\"replica\" is not a valid replica name");
    }
    replica = named->get<std::string>();
  }
  auto latency = json.find("latency_ms");
  if (latency == json.end() || !latency->is_number()) {
    return Invalid("\"latency_ms\" is missing or not a number");
  }
  ParsedAuditLine parsed;
  parsed.seq = static_cast<std::int64_t>(seq->get<std::uint64_t>());
  parsed.replica = std::move(replica);
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
  return absl::BytesToHexString(crypto::Sha256(bytes));
}

namespace {

// A marker names a file beside the log: a bare name of the characters Coffer gives them, so
// that it can be printed and opened as it is, whoever wrote the log.
bool IsBareFileName(std::string_view name) {
  if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-' || c == '_';
  });
}

}  // namespace

bool IsRotationMarker(const ParsedAuditLine& line) {
  return line.record.principal == kAuditPrincipal &&
         line.record.operation == kRotationOperation && line.seq > 1 &&
         IsBareFileName(line.record.object);
}

}  // namespace coffer::audit
