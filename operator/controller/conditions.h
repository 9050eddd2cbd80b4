#ifndef COFFER_OPERATOR_CONTROLLER_CONDITIONS_H_
#define COFFER_OPERATOR_CONTROLLER_CONDITIONS_H_

// Conditions as the Kubernetes API conventions keep them.

#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "operator/api/v1alpha1/types.h"

namespace coffer::op {

inline constexpr char kReady[] = "Ready";

// Sets `condition` (by type) in `conditions`. lastTransitionTime moves only when the status
// changes, so a condition that stays False for an hour says so. Returns true when the status or
// reason changed: what deserves an Event.
bool SetCondition(std::vector<v1alpha1::Condition>& conditions, v1alpha1::Condition condition,
                  absl::Time now);

// Null when absent.
const v1alpha1::Condition* FindCondition(const std::vector<v1alpha1::Condition>& conditions,
                                         std::string_view type);

// Whether the Ready condition is True and describes `generation`.
bool ReadyAt(const std::vector<v1alpha1::Condition>& conditions, std::int64_t generation);

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_CONTROLLER_CONDITIONS_H_
