#include "vault-core/domain/errors.h"

#include "absl/strings/cord.h"

namespace coffer::domain {
namespace {
constexpr const char kReasonUrl[] = "type.coffer.dev/reason";
}  // namespace

absl::Status WithReason(absl::Status status, std::string_view reason) {
  status.SetPayload(kReasonUrl, absl::Cord(std::string(reason)));
  return status;
}

std::optional<std::string> ReasonOf(const absl::Status& status) {
  auto payload = status.GetPayload(kReasonUrl);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

}  // namespace coffer::domain
