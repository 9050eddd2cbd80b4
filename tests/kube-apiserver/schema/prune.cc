// Pruning of unknown fields, as kube-apiserver does for structural CRD schemas before it stores a
// custom resource.
#include <string>

#include "tests/kube-apiserver/schema/schema.h"

namespace coffer::kube::schema {
namespace {

using nlohmann::json;

bool Flag(const json& s, const char* key) {
  auto it = s.find(key);
  return it != s.end() && it->is_boolean() && it->get<bool>();
}

bool IsRootMeta(bool root, const std::string& key) {
  return root && (key == "metadata" || key == "apiVersion" || key == "kind");
}

void PruneNode(const json& s, json& v, bool root) {
  if (!s.is_object()) {
    return;
  }
  if (v.is_array()) {
    if (auto items = s.find("items"); items != s.end()) {
      for (json& element : v) {
        PruneNode(*items, element, false);
      }
    }
    return;
  }
  if (!v.is_object()) {
    return;
  }
  // Declared properties are pruned inside even when this level preserves unknown fields.
  const bool preserve = Flag(s, "x-kubernetes-preserve-unknown-fields");
  auto properties = s.find("properties");
  auto additional = s.find("additionalProperties");
  for (auto it = v.begin(); it != v.end();) {
    if (IsRootMeta(root, it.key()) && it.key() == "metadata") {
      ++it;  // ObjectMeta is the server's, whatever the CRD's schema says of it
    } else if (properties != s.end() && properties->is_object() && properties->contains(it.key())) {
      PruneNode((*properties)[it.key()], it.value(), false);
      ++it;
    } else if (additional != s.end() && additional->is_object()) {
      PruneNode(*additional, it.value(), false);
      ++it;
    } else if (preserve || IsRootMeta(root, it.key()) ||
               (additional != s.end() && additional->is_boolean() && additional->get<bool>())) {
      ++it;
    } else {
      it = v.erase(it);
    }
  }
}

}  // namespace

void Prune(const json& schema, json& object) { PruneNode(schema, object, true); }

}  // namespace coffer::kube::schema
