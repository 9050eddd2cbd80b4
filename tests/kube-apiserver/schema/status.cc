// The 422 Status body of apimachinery's errors.NewInvalid, which kube-apiserver returns when a
// custom resource fails schema validation.
#include <set>
#include <string>

#include "tests/kube-apiserver/schema/schema.h"

namespace coffer::kube::schema {
namespace {

using nlohmann::json;

// field.ErrorList.ToAggregate().Error(): duplicates dropped, brackets only around several errors,
// "<nil>" for none (Go's %v of a nil aggregate).
std::string AggregateMessage(const std::vector<Cause>& causes) {
  std::set<std::string> seen;
  std::string joined;
  for (const Cause& cause : causes) {
    std::string error = cause.field.empty() ? cause.message : cause.field + ": " + cause.message;
    if (!seen.insert(error).second) {
      continue;
    }
    joined += (joined.empty() ? "" : ", ") + error;
  }
  if (seen.empty()) {
    return "<nil>";
  }
  return seen.size() == 1 ? joined : "[" + joined + "]";
}

}  // namespace

json InvalidStatus(std::string_view group, std::string_view kind, std::string_view name,
                   const std::vector<Cause>& causes) {
  std::string qualified_kind(kind);
  if (!group.empty()) {
    qualified_kind += "." + std::string(group);
  }
  json details = {{"name", std::string(name)}, {"kind", std::string(kind)}};
  if (!group.empty()) {
    details["group"] = std::string(group);
  }
  json status_causes = json::array();
  for (const Cause& cause : causes) {
    json entry = {{"reason", cause.reason}, {"message", cause.message}};
    if (!cause.field.empty()) {
      entry["field"] = cause.field;
    }
    status_causes.push_back(std::move(entry));
  }
  details["causes"] = std::move(status_causes);
  const std::string quoted_name =
      json(std::string(name)).dump(-1, ' ', false, json::error_handler_t::replace);
  return {
      {"kind", "Status"},
      {"apiVersion", "v1"},
      {"metadata", json::object()},
      {"status", "Failure"},
      {"message", qualified_kind + " " + quoted_name + " is invalid: " + AggregateMessage(causes)},
      {"reason", "Invalid"},
      {"details", std::move(details)},
      {"code", 422}};
}

}  // namespace coffer::kube::schema
