#ifndef COFFER_LIB_KUBE_EVENT_RECORDER_H_
#define COFFER_LIB_KUBE_EVENT_RECORDER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/clock.h"
#include "lib/kube/kube_client.h"
#include "nlohmann/json.hpp"

namespace coffer::kube {

inline const ResourceRef kEvents{"events.k8s.io", "v1", "events", true};

enum class EventType { kNormal, kWarning };

// Writes events.k8s.io/v1 Events about objects, as client-go's events.EventRecorder (without
// its aggregation into series). Thread-safe.
class EventRecorder {
 public:
  // `reporting_controller` is e.g. "coffer.io/operator"; `reporting_instance` names this
  // replica (the pod name).
  EventRecorder(KubeClient& client, Clock& clock, std::string reporting_controller,
                std::string reporting_instance);

  // Records an event about `regarding` (a full object: apiVersion, kind and metadata are read
  // from it) in the object's namespace ("default" for cluster-scoped objects). `reason` is
  // UpperCamelCase, `action` what was done ("Reconcile"), `note` is human readable and cut to
  // 1 KiB as the API server demands. Errors are the client's.
  absl::Status Record(const nlohmann::json& regarding, EventType type, std::string_view reason,
                      std::string_view action, std::string_view note);

 private:
  KubeClient& client_;
  Clock& clock_;
  const std::string reporting_controller_;
  const std::string reporting_instance_;
  absl::Mutex mu_;
  std::int64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;  // keeps names unique within one instant
};

}  // namespace coffer::kube

#endif  // COFFER_LIB_KUBE_EVENT_RECORDER_H_
