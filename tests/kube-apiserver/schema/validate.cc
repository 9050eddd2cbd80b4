// Validation of a custom resource against its structural schema. Messages follow kube-apiserver
// (kube-openapi's validator, converted to field.Errors by apiextensions-apiserver's
// ConvertErrors), so a client sees the same text as from a real cluster.
#include <cmath>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "tests/kube-apiserver/schema/cel.h"
#include "tests/kube-apiserver/schema/schema.h"

namespace coffer::kube::schema {
namespace {

using nlohmann::json;

std::string Quote(const std::string& s) {
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

// Go's %v of a JSON number: whole numbers print without a fraction.
std::string FormatNumber(const json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) {
    return v.dump();
  }
  const double d = v.get<double>();
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
    return std::to_string(static_cast<int64_t>(d));
  }
  return v.dump();
}

// How field.Error renders its bad value.
std::string FormatValue(const json& v) {
  if (v.is_null()) {
    return "\"null\"";
  }
  if (v.is_string()) {
    return Quote(v.get<std::string>());
  }
  if (v.is_number()) {
    return FormatNumber(v);
  }
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string TypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    default:
      return "object";
  }
}

bool TypeMatches(const std::string& type, const json& v) {
  if (type == "number") {
    return v.is_number();
  }
  return TypeName(v) == type;
}

size_t RuneCount(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    n += (c & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

bool Flag(const json& s, const char* key) {
  auto it = s.find(key);
  return it != s.end() && it->is_boolean() && it->get<bool>();
}

// A non-negative count keyword (minLength, maxItems, ...), however the JSON number was stored.
std::optional<size_t> Count(const json& s, const char* key) {
  auto it = s.find(key);
  if (it == s.end() || !(it->is_number_unsigned() || it->is_number_integer()) ||
      it->get<int64_t>() < 0) {
    return std::nullopt;
  }
  return it->get<size_t>();
}

std::string Child(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

// kube-openapi names the value "<path> in body".
std::string Subject(const std::string& path) { return path.empty() ? "body" : path + " in body"; }

class Validator {
 public:
  // `old` is the same field in the object being replaced (updates only), for transition rules.
  void Check(const json& s, const json& v, const std::string& path, const json* old) {
    if (!s.is_object()) {
      return;
    }
    if (v.is_null()) {
      if (!Flag(s, "nullable") && (s.contains("type") || Flag(s, "x-kubernetes-int-or-string"))) {
        TypeError(path, v, ExpectedType(s));
      }
      return;
    }
    if (Flag(s, "x-kubernetes-int-or-string")) {
      if (!v.is_number_integer() && !v.is_number_unsigned() && !v.is_string()) {
        TypeError(path, v, ExpectedType(s));
        return;
      }
    } else if (s.contains("type") && s["type"].is_string() &&
               !TypeMatches(s["type"].get<std::string>(), v)) {
      TypeError(path, v, s["type"].get<std::string>());
      return;
    }
    if (!CheckEnum(s, v, path)) {
      return;
    }
    if (v.is_number()) {
      CheckNumber(s, v, path);
    } else if (v.is_string()) {
      CheckString(s, v.get<std::string>(), path);
    } else if (v.is_array()) {
      CheckArray(s, v, path);
    } else if (v.is_object()) {
      CheckObject(s, v, path, old);
    }
    CheckRules(s, v, path, old);
  }

  std::vector<Cause> TakeCauses() { return std::move(causes_); }

 private:
  static std::string ExpectedType(const json& s) {
    if (Flag(s, "x-kubernetes-int-or-string")) {
      return "integer or string";
    }
    return s.value("type", std::string("object"));
  }

  void Add(const std::string& path, std::string reason, std::string message) {
    causes_.push_back(Cause{path, std::move(reason), std::move(message)});
  }

  void Invalid(const std::string& path, const json& value, const std::string& detail) {
    Add(path, "FieldValueInvalid", "Invalid value: " + FormatValue(value) + ": " + detail);
  }

  void TypeError(const std::string& path, const json& v, const std::string& expected) {
    const std::string actual = Quote(TypeName(v));
    Add(path, "FieldValueTypeInvalid",
        "Invalid value: " + actual + ": " + Subject(path) + " must be of type " + expected + ": " +
            actual);
  }

  bool CheckEnum(const json& s, const json& v, const std::string& path) {
    auto it = s.find("enum");
    if (it == s.end() || !it->is_array()) {
      return true;
    }
    std::string supported;
    for (const json& allowed : *it) {
      if (allowed == v) {
        return true;
      }
      supported += (supported.empty() ? "" : ", ") +
                   Quote(allowed.is_string() ? allowed.get<std::string>() : FormatNumber(allowed));
    }
    Add(path, "FieldValueNotSupported",
        "Unsupported value: " + FormatValue(v) + ": supported values: " + supported);
    return false;
  }

  void CheckNumber(const json& s, const json& v, const std::string& path) {
    const double d = v.get<double>();
    if (auto it = s.find("minimum"); it != s.end() && it->is_number()) {
      const bool exclusive = Flag(s, "exclusiveMinimum");
      const double min = it->get<double>();
      if (exclusive ? d <= min : d < min) {
        Invalid(path, v,
                Subject(path) + " should be greater than " + (exclusive ? "" : "or equal to ") +
                    FormatNumber(*it));
      }
    }
    if (auto it = s.find("maximum"); it != s.end() && it->is_number()) {
      const bool exclusive = Flag(s, "exclusiveMaximum");
      const double max = it->get<double>();
      if (exclusive ? d >= max : d > max) {
        Invalid(path, v,
                Subject(path) + " should be less than " + (exclusive ? "" : "or equal to ") +
                    FormatNumber(*it));
      }
    }
    if (s.value("format", std::string()) == "int32" &&
        (v.is_number_integer() || v.is_number_unsigned()) && (d < INT32_MIN || d > INT32_MAX)) {
      Add(path, "FieldValueTypeInvalid",
          "Invalid value: " + FormatValue(v) + ": " + Subject(path) +
              " must be of type int32: " + Quote(v.dump()));
    }
  }

  void CheckString(const json& s, const std::string& v, const std::string& path) {
    const size_t length = RuneCount(v);
    if (auto n = Count(s, "minLength"); n && length < *n) {
      Invalid(path, v, Subject(path) + " should be at least " + std::to_string(*n) + " chars long");
    }
    if (auto n = Count(s, "maxLength"); n && length > *n) {
      // apiextensions turns kube-openapi's TooLong into field.TooLong (v1.32 wording).
      Add(path, "FieldValueTooLong",
          "Too long: may not be more than " + std::to_string(*n) + " bytes");
    }
    if (auto it = s.find("pattern"); it != s.end() && it->is_string()) {
      CheckPattern(it->get<std::string>(), v, path);
    }
  }

  void CheckPattern(const std::string& pattern, const std::string& v, const std::string& path) {
    try {
      if (!std::regex_search(v, std::regex(pattern, std::regex::ECMAScript))) {
        Invalid(path, v, Subject(path) + " should match '" + pattern + "'");
      }
    } catch (const std::regex_error&) {
      Invalid(path, v, Subject(path) + " has an invalid pattern '" + pattern + "'");
    }
  }

  void CheckArray(const json& s, const json& v, const std::string& path) {
    if (auto n = Count(s, "minItems"); n && v.size() < *n) {
      Invalid(path, v.size(),
              Subject(path) + " should have at least " + std::to_string(*n) + " items");
    }
    if (auto n = Count(s, "maxItems"); n && v.size() > *n) {
      Add(path, "FieldValueTooMany",
          "Too many: " + std::to_string(v.size()) + ": must have at most " + std::to_string(*n) +
              " items");
    }
    if (s.value("x-kubernetes-list-type", std::string()) == "set") {
      for (size_t i = 0; i < v.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
          if (v[j] == v[i]) {
            Add(path + "[" + std::to_string(i) + "]", "FieldValueDuplicate",
                "Duplicate value: " + FormatValue(v[i]));
            break;
          }
        }
      }
    }
    if (auto it = s.find("items"); it != s.end()) {
      for (size_t i = 0; i < v.size(); ++i) {
        // Items have no oldSelf: only map-keyed lists correlate old and new items.
        Check(*it, v[i], path + "[" + std::to_string(i) + "]", nullptr);
      }
    }
  }

  void CheckObject(const json& s, const json& v, const std::string& path, const json* old) {
    if (auto it = s.find("required"); it != s.end() && it->is_array()) {
      for (const json& name : *it) {
        if (name.is_string() && !v.contains(name.get<std::string>())) {
          Add(Child(path, name.get<std::string>()), "FieldValueRequired", "Required value");
        }
      }
    }
    static const json kNoProperties = json::object();
    auto props_it = s.find("properties");
    const json& properties =
        props_it != s.end() && props_it->is_object() ? *props_it : kNoProperties;
    auto additional = s.find("additionalProperties");
    for (const auto& [key, value] : v.items()) {
      const json* old_value = nullptr;
      if (old != nullptr && old->is_object()) {
        if (auto o = old->find(key); o != old->end()) old_value = &*o;
      }
      if (auto p = properties.find(key); p != properties.end()) {
        Check(*p, value, Child(path, key), old_value);
      } else if (additional == s.end()) {
        continue;
      } else if (additional->is_object()) {
        Check(*additional, value, Child(path, key), old_value);
      } else if (additional->is_boolean() && !additional->get<bool>() && !IsRootMeta(path, key)) {
        Invalid(Child(path, key), value, Child(path, key) + " in body is a forbidden property");
      }
    }
  }

  // x-kubernetes-validations: CEL rules over this value (self) and, for transition rules, the
  // value it replaces (oldSelf; skipped on create or when the field is new), as
  // apiextensions-apiserver reports them.
  void CheckRules(const json& s, const json& v, const std::string& path, const json* old) {
    auto rules = s.find("x-kubernetes-validations");
    if (rules == s.end() || !rules->is_array()) {
      return;
    }
    const std::string type = s.value("type", std::string("object"));
    for (const json& rule : *rules) {
      const std::string expression = rule.value("rule", std::string());
      if (IsTransitionRule(expression) && old == nullptr) {
        continue;
      }
      absl::StatusOr<json> result = EvaluateCel(expression, v, old);
      if (result.ok() && result->is_boolean() && result->get<bool>()) {
        continue;
      }
      std::string field = path;
      const std::string relative = rule.value("fieldPath", std::string());
      if (!relative.empty()) {
        field = path + (path.empty() && relative[0] == '.' ? relative.substr(1) : relative);
      }
      std::string message = rule.value("message", std::string());
      if (message.empty()) {
        message = "failed rule: " + expression;
      }
      if (!result.ok()) {
        message = "failed rule: " + expression + ": " + std::string(result.status().message());
      }
      const std::string reason = rule.value("reason", std::string("FieldValueInvalid"));
      if (reason == "FieldValueForbidden") {
        Add(field, reason, "Forbidden: " + message);
      } else if (reason == "FieldValueRequired") {
        Add(field, reason, "Required value: " + message);
      } else {
        Add(field, "FieldValueInvalid", "Invalid value: " + Quote(type) + ": " + message);
      }
    }
  }

  static bool IsRootMeta(const std::string& path, const std::string& key) {
    return path.empty() && (key == "metadata" || key == "apiVersion" || key == "kind");
  }

  std::vector<Cause> causes_;
};

}  // namespace

std::vector<Cause> Validate(const json& schema, const json& object, const json* old) {
  Validator validator;
  validator.Check(schema, object, "", old);
  return validator.TakeCauses();
}

}  // namespace coffer::kube::schema
