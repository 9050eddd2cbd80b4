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
  const absl::Status invalid = Invalid(std::string("invalid ") + std::string(what), value);
  if (value.empty() || value.size() > 253) return invalid;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = value.find('.', start);
    std::string_view label = value.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!ValidateDnsLabel(what, label).ok()) return invalid;
    if (dot == std::string_view::npos) return absl::OkStatus();
    start = dot + 1;
  }
}

absl::Status ValidateHostname(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.find('.') == std::string_view::npos) {
    return Invalid("invalid hostname", host);
  }
  std::size_t label = 0;
  for (std::size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (label == 0 || label > 63 || host[i - 1] == '-' || host[i - label] == '-') {
        return Invalid("invalid hostname", host);
      }
      label = 0;
      continue;
    }
    char c = host[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return Invalid("invalid hostname", host);
    }
    ++label;
  }
  return absl::OkStatus();
}

}  // namespace coffer::domain
