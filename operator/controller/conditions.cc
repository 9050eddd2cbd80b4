#include "operator/controller/conditions.h"

#include <utility>

namespace coffer::op {

bool SetCondition(std::vector<v1alpha1::Condition>& conditions, v1alpha1::Condition condition,
                  absl::Time now) {
  for (v1alpha1::Condition& existing : conditions) {
    if (existing.type != condition.type) continue;
    const bool status_changed = existing.status != condition.status;
    const bool changed = status_changed || existing.reason != condition.reason;
    condition.last_transition_time =
        status_changed || existing.last_transition_time.empty()
            ? absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", now, absl::UTCTimeZone())
            : existing.last_transition_time;
    existing = std::move(condition);
    return changed;
  }
  condition.last_transition_time = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", now, absl::UTCTimeZone());
  conditions.push_back(std::move(condition));
  return true;
}

const v1alpha1::Condition* FindCondition(const std::vector<v1alpha1::Condition>& conditions,
                                         std::string_view type) {
  for (const v1alpha1::Condition& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool ReadyAt(const std::vector<v1alpha1::Condition>& conditions, std::int64_t generation) {
  const v1alpha1::Condition* ready = FindCondition(conditions, kReady);
  return ready != nullptr && ready->status == "True" && ready->observed_generation == generation;
}

}  // namespace coffer::op
