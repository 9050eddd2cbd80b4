#ifndef COFFER_OPERATOR_WEBHOOK_JSON_FIELDS_H_
#define COFFER_OPERATOR_WEBHOOK_JSON_FIELDS_H_

// Reading JSON that the webhook did not write (AdmissionReviews, pods, ServiceAccounts) without
// a throw: nlohmann's value() and get() throw on a field of an unexpected type, and operator[]
// on a const object is undefined for a missing key. Here a missing member, or a step through
// something that is not an object, reads as absent.

#include <initializer_list>
#include <string>

#include "nlohmann/json.hpp"

namespace coffer::op::json_fields {

// The value at `path` (member names from `value` down), or null when there is none.
inline const nlohmann::json* At(const nlohmann::json& value,
                                std::initializer_list<const char*> path) {
  const nlohmann::json* at = &value;
  for (const char* key : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

// The array at `path`, or null when there is none or it is not an array.
inline const nlohmann::json* ArrayAt(const nlohmann::json& value,
                                     std::initializer_list<const char*> path) {
  const nlohmann::json* at = At(value, path);
  return at != nullptr && at->is_array() ? at : nullptr;
}

// The string at `path`, or "" when there is none or it is not a string.
inline std::string StringAt(const nlohmann::json& value, std::initializer_list<const char*> path) {
  const nlohmann::json* at = At(value, path);
  return at != nullptr && at->is_string() ? at->get<std::string>() : std::string();
}

}  // namespace coffer::op::json_fields

#endif  // COFFER_OPERATOR_WEBHOOK_JSON_FIELDS_H_
