#include "tests/kube-apiserver/store/status_body.h"

#include <utility>

#include "absl/strings/cord.h"
#include "lib/base/absl_compat.h"

namespace coffer::kube::standin {
namespace {

constexpr char kPayloadUrl[] = "type.coffer.dev/kube.StatusInfo";

KubeErrorInfo FromCode(absl::StatusCode code) {
  KubeErrorInfo info;
  switch (code) {
    case absl::StatusCode::kNotFound:
      info.reason = "NotFound";
      info.code = 404;
      break;
    case absl::StatusCode::kAlreadyExists:
      info.reason = "AlreadyExists";
      info.code = 409;
      break;
    case absl::StatusCode::kAborted:
      info.reason = "Conflict";
      info.code = 409;
      break;
    case absl::StatusCode::kInvalidArgument:
      info.reason = "BadRequest";
      info.code = 400;
      break;
    default:
      info.reason = "InternalError";
      info.code = 500;
  }
  return info;
}

}  // namespace

ResourceName ResourceName::Parse(std::string_view resource) {
  ResourceName out;
  size_t last = resource.rfind('/');
  if (last == std::string_view::npos) {
    out.plural = std::string(resource);
    return out;
  }
  out.plural = std::string(resource.substr(last + 1));
  std::string_view group_version = resource.substr(0, last);
  size_t slash = group_version.find('/');
  if (slash == std::string_view::npos) {
    out.version = std::string(group_version);
  } else {
    out.group = std::string(group_version.substr(0, slash));
    out.version = std::string(group_version.substr(slash + 1));
  }
  return out;
}

std::string ResourceName::Qualified() const {
  return group.empty() ? plural : plural + "." + group;
}

std::string ResourceName::ApiVersion() const {
  return group.empty() ? version : group + "/" + version;
}

absl::Status MakeKubeError(absl::StatusCode code, std::string_view message,
                           const KubeErrorInfo& info) {
  absl::Status status(code, AsAbsl(message));
  nlohmann::json payload = {{"reason", info.reason}, {"code", info.code}, {"name", info.name},
                            {"group", info.group},   {"kind", info.kind}, {"causes", info.causes}};
  status.SetPayload(kPayloadUrl, absl::Cord(payload.dump()));
  return status;
}

std::optional<KubeErrorInfo> GetKubeErrorInfo(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(std::string(*payload), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  KubeErrorInfo info;
  info.reason = j.value("reason", "");
  info.code = j.value("code", 500);
  info.name = j.value("name", "");
  info.group = j.value("group", "");
  info.kind = j.value("kind", "");
  info.causes = j.value("causes", nlohmann::json());
  return info;
}

absl::Status NotFoundError(const ResourceName& resource, std::string_view name) {
  return MakeKubeError(absl::StatusCode::kNotFound,
                       resource.Qualified() + " \"" + std::string(name) + "\" not found",
                       {"NotFound", 404, std::string(name), resource.group, resource.plural, {}});
}

absl::Status AlreadyExistsError(const ResourceName& resource, std::string_view name) {
  return MakeKubeError(
      absl::StatusCode::kAlreadyExists,
      resource.Qualified() + " \"" + std::string(name) + "\" already exists",
      {"AlreadyExists", 409, std::string(name), resource.group, resource.plural, {}});
}

absl::Status ConflictError(const ResourceName& resource, std::string_view name) {
  return MakeKubeError(absl::StatusCode::kAborted,
                       "Operation cannot be fulfilled on " + resource.Qualified() + " \"" +
                           std::string(name) +
                           "\": the object has been modified; please apply your changes to the "
                           "latest version and try again",
                       {"Conflict", 409, std::string(name), resource.group, resource.plural, {}});
}

absl::Status ExpiredError(std::string_view requested_rv, uint64_t oldest_available_minus_one) {
  return MakeKubeError(absl::StatusCode::kFailedPrecondition,
                       "too old resource version: " + std::string(requested_rv) + " (" +
                           std::to_string(oldest_available_minus_one) + ")",
                       {"Expired", 410, "", "", "", {}});
}

absl::Status InvalidError(const ResourceName& resource, std::string_view kind,
                          std::string_view name, std::string_view field,
                          std::string_view cause_reason, std::string_view detail) {
  std::string group_kind =
      resource.group.empty() ? std::string(kind) : std::string(kind) + "." + resource.group;
  std::string message = group_kind + " \"" + std::string(name) +
                        "\" is invalid: " + std::string(field) + ": " + std::string(detail);
  nlohmann::json causes =
      nlohmann::json::array({{{"reason", cause_reason}, {"message", detail}, {"field", field}}});
  return MakeKubeError(
      absl::StatusCode::kInvalidArgument, message,
      {"Invalid", 422, std::string(name), resource.group, std::string(kind), std::move(causes)});
}

absl::Status BadRequestError(std::string_view message) {
  return MakeKubeError(absl::StatusCode::kInvalidArgument, message,
                       {"BadRequest", 400, "", "", "", {}});
}

nlohmann::json StatusBody(const absl::Status& status) {
  nlohmann::json body = {
      {"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()}};
  if (status.ok()) {
    body["status"] = "Success";
    body["code"] = 200;
    return body;
  }
  KubeErrorInfo info = GetKubeErrorInfo(status).value_or(FromCode(status.code()));
  body["status"] = "Failure";
  body["message"] = std::string(status.message());
  body["reason"] = info.reason;
  nlohmann::json details = nlohmann::json::object();
  if (!info.name.empty()) details["name"] = info.name;
  if (!info.group.empty()) details["group"] = info.group;
  if (!info.kind.empty()) details["kind"] = info.kind;
  if (!info.causes.is_null()) details["causes"] = info.causes;
  if (!details.empty()) body["details"] = details;
  body["code"] = info.code;
  return body;
}

}  // namespace coffer::kube::standin
