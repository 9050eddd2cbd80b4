// Defaulting from the structural schema, as kube-apiserver applies `default` to custom resources
// (after pruning, before validation).
#include "tests/kube-apiserver/schema/schema.h"

namespace coffer::kube::schema {
namespace {

using nlohmann::json;

void DefaultNode(const json& s, json& v) {
  if (!s.is_object()) {
    return;
  }
  if (v.is_array()) {
    if (auto items = s.find("items"); items != s.end()) {
      for (json& element : v) {
        DefaultNode(*items, element);
      }
    }
    return;
  }
  if (!v.is_object()) {
    return;
  }
  if (auto properties = s.find("properties"); properties != s.end() && properties->is_object()) {
    for (const auto& [key, property] : properties->items()) {
      if (!v.contains(key) && property.is_object() && property.contains("default")) {
        v[key] = property["default"];
      }
      if (v.contains(key)) {
        DefaultNode(property, v[key]);
      }
    }
  }
  if (auto additional = s.find("additionalProperties");
      additional != s.end() && additional->is_object()) {
    for (auto& [key, value] : v.items()) {
      DefaultNode(*additional, value);
    }
  }
}

}  // namespace

void ApplyDefaults(const json& schema, json& object) { DefaultNode(schema, object); }

}  // namespace coffer::kube::schema
