#include "vault-core/domain/names.h"

#include <string>

namespace coffer::domain {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

absl::Status Invalid(std::string_view what, std::string_view value) {
  return absl::InvalidArgumentError(std::string(what) + ": " + std::string(value));
}

}  // namespace

absl::Status ValidateObjectName(std::string_view name) {
  if (name.empty() || name.size() > 127) return Invalid("invalid name", name);
  for (char c : name) {
    if (!IsAlnum(c) && c != '-') return Invalid("invalid name", name);
  }
  return absl::OkStatus();
}

absl::Status ValidateVersion(std::string_view version) {
  if (version.size() != 32) return Invalid("invalid version", version);
  for (char c : version) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Invalid("invalid version", version);
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateVaultName(std::string_view name) {
  bool ok = name.size() >= 3 && name.size() <= 24 &&
            ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'));
  for (std::size_t i = 0; ok && i < name.size(); ++i) {
    char c = name[i];
    ok = IsAlnum(c) || (c == '-' && i + 1 < name.size() && name[i + 1] != '-');
  }
  return ok ? absl::OkStatus() : Invalid("invalid vault name", name);
}

absl::Status ValidateDnsLabel(std::string_view what, std::string_view value) {
  bool ok = !value.empty() && value.size() <= 63 && value.front() != '-' && value.back() != '-';
  for (char c : value) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  return ok ? absl::OkStatus() : Invalid(std::string("invalid ") + std::string(what), value);
}

absl::Status ValidateDnsSubdomain(std::string_view what, std::string_view value) {
  bool ok = !value.empty() && value.size() <= 253;
  for (std::size_t start = 0; ok;) {
    const std::size_t dot = value.find('.', start);
    const std::size_t length = dot == std::string_view::npos ? dot : dot - start;
    ok = ValidateDnsLabel(what, value.substr(start, length)).ok();
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return ok ? absl::OkStatus() : Invalid(std::string("invalid ") + std::string(what), value);
}

absl::Status ValidateHostname(std::string_view host) {
  // A hostname is a DNS subdomain of at least two labels.
  if (host.find('.') == std::string_view::npos) return Invalid("invalid hostname", host);
  return ValidateDnsSubdomain("hostname", host);
}

}  // namespace coffer::domain
