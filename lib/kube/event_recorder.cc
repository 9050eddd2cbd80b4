#include "lib/kube/event_recorder.h"

#include <utility>

#include "absl/strings/str_format.h"

namespace coffer::kube {
namespace {

using nlohmann::json;

constexpr size_t kMaxNoteBytes = 1024;

std::string StringAt(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

json ObjectReference(const json& object) {
  json ref = json::object();
  const json metadata = object.is_object() ? object.value("metadata", json::object()) : json();
  for (const char* key : {"apiVersion", "kind"}) {
    std::string value = StringAt(object, key);
    if (!value.empty()) ref[key] = value;
  }
  for (const char* key : {"namespace", "name", "uid", "resourceVersion"}) {
    std::string value = StringAt(metadata, key);
    if (!value.empty()) ref[key] = value;
  }
  return ref;
}

}  // namespace

EventRecorder::EventRecorder(KubeClient& client, Clock& clock, std::string reporting_controller,
                             std::string reporting_instance)
    : client_(client),
      clock_(clock),
      reporting_controller_(std::move(reporting_controller)),
      reporting_instance_(std::move(reporting_instance)) {}

absl::Status EventRecorder::Record(const json& regarding, EventType type, std::string_view reason,
                                   std::string_view action, std::string_view note) {
  json ref = ObjectReference(regarding);
  std::string ns = StringAt(ref, "namespace");
  if (ns.empty()) ns = "default";
  const absl::Time now = clock_.Now();
  std::int64_t sequence;
  {
    absl::MutexLock lock(&mu_);
    sequence = ++sequence_;
  }
  // client-go names events "<object>.<unix nanos in hex>"; the sequence separates events
  // recorded within the same clock tick.
  std::string name =
      absl::StrFormat("%s.%x.%x", StringAt(ref, "name"), absl::ToUnixNanos(now), sequence);
  json event = {
      {"apiVersion", "events.k8s.io/v1"},
      {"kind", "Event"},
      {"metadata", {{"name", name}, {"namespace", ns}}},
      {"eventTime", FormatMicroTime(now)},
      {"reportingController", reporting_controller_},
      {"reportingInstance", reporting_instance_},
      {"action", std::string(action)},
      {"reason", std::string(reason)},
      {"note", std::string(note.substr(0, kMaxNoteBytes))},
      {"type", type == EventType::kWarning ? "Warning" : "Normal"},
      {"regarding", ref},
  };
  return client_.Create(kEvents, ns, event).status();
}

}  // namespace coffer::kube
