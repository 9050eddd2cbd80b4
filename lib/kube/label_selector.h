#ifndef COFFER_LIB_KUBE_LABEL_SELECTOR_H_
#define COFFER_LIB_KUBE_LABEL_SELECTOR_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json_fwd.hpp"

namespace coffer::kube {

// One clause of a selector, e.g. `tier in (a,b)`.
struct LabelRequirement {
  enum class Operator { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };

  std::string key;
  Operator op = Operator::kExists;
  // Sorted and unique. Exactly one for kEquals/kNotEquals, none for kExists/kDoesNotExist.
  std::vector<std::string> values;

  bool Matches(const std::map<std::string, std::string>& labels) const;
  std::string ToString() const;
};

bool operator<(const LabelRequirement& a, const LabelRequirement& b);
bool operator==(const LabelRequirement& a, const LabelRequirement& b);

// A Kubernetes label selector: the string form of `?labelSelector=` and `kubectl -l`, or a
// metav1.LabelSelector object. Immutable value type; safe to share between threads.
class LabelSelector {
 public:
  // The empty selector: matches every label set.
  LabelSelector() = default;

  // Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h` (`==` is accepted for `=`). An empty or
  // blank string selects everything. INVALID_ARGUMENT for bad syntax, an invalid label key
  // (optional DNS-subdomain prefix and `/`, then a name of at most 63 characters) or value.
  static absl::StatusOr<LabelSelector> Parse(std::string_view selector);

  // From a metav1.LabelSelector object ({"matchLabels": {...}, "matchExpressions": [...]}).
  // A null selector matches nothing and an empty object matches everything, as in Kubernetes.
  // INVALID_ARGUMENT for wrong types, unknown operators or invalid keys and values.
  static absl::StatusOr<LabelSelector> FromJson(const nlohmann::json& selector);

  // A selector that matches no label set (what a null metav1.LabelSelector means).
  static LabelSelector Nothing();

  bool Matches(const std::map<std::string, std::string>& labels) const;

  // Canonical form: requirements sorted by key, set values sorted, `=` for equality. Parsing
  // it gives back an equal selector. Empty for the empty and the Nothing selector.
  std::string ToString() const;

  bool Empty() const { return requirements_.empty() && !matches_nothing_; }
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }

 private:
  explicit LabelSelector(std::vector<LabelRequirement> requirements);

  std::vector<LabelRequirement> requirements_;
  bool matches_nothing_ = false;
};

// Kubernetes' rules for label keys and values; INVALID_ARGUMENT naming the offence.
absl::Status ValidateLabelKey(std::string_view key);
absl::Status ValidateLabelValue(std::string_view value);

}  // namespace coffer::kube

#endif  // COFFER_LIB_KUBE_LABEL_SELECTOR_H_
