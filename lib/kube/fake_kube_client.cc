#include "lib/kube/fake_kube_client.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "lib/base/status.h"
#include "lib/kube/label_selector.h"

namespace coffer::kube {
namespace {

using nlohmann::json;

std::string GroupResource(const ResourceRef& ref) { return ref.resource + "." + ref.group; }

std::string Namespace(const ResourceRef& ref, std::string_view ns) {
  return ref.namespaced ? std::string(ns) : "";
}

std::string Meta(const json& object, const char* field) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return "";
  }
  const json& value = object["metadata"].value(field, json());
  return value.is_string() ? value.get<std::string>() : "";
}

std::map<std::string, std::string> Labels(const json& object) {
  std::map<std::string, std::string> labels;
  if (!object.contains("metadata") || !object["metadata"].contains("labels")) return labels;
  for (const auto& [key, value] : object["metadata"]["labels"].items()) {
    if (value.is_string()) labels[key] = value.get<std::string>();
  }
  return labels;
}

// A filter on list and watch: selectors plus the namespace ("" = all).
struct Filter {
  std::string ns;
  LabelSelector labels;
  std::vector<std::pair<std::string, std::string>> fields;  // field path -> value

  bool Matches(const json& object) const {
    if (!ns.empty() && Meta(object, "namespace") != ns) return false;
    if (!labels.Matches(Labels(object))) return false;
    for (const auto& [field, value] : fields) {
      const char* name = field == "metadata.name" ? "name" : "namespace";
      if (Meta(object, name) != value) return false;
    }
    return true;
  }
};

absl::StatusOr<Filter> MakeFilter(std::string ns, std::string_view label_selector,
                                  std::string_view field_selector) {
  Filter filter;
  filter.ns = std::move(ns);
  COFFER_ASSIGN_OR_RETURN(filter.labels, LabelSelector::Parse(label_selector));
  std::string_view rest = field_selector;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view term = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    size_t eq = term.find('=');
    std::string field(term.substr(0, eq));
    if (eq == std::string_view::npos ||
        (field != "metadata.name" && field != "metadata.namespace")) {
      return absl::InvalidArgumentError("field selector \"" + std::string(term) +
                                        "\" is not supported");
    }
    size_t value_start = term.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1;
    filter.fields.emplace_back(field, std::string(term.substr(value_start)));
  }
  return filter;
}

absl::Status NotFound(const ResourceRef& ref, std::string_view name) {
  std::string what = ref.group.empty() ? ref.resource : GroupResource(ref);
  return absl::NotFoundError(what + " \"" + std::string(name) + "\" not found");
}

absl::Status Conflict(const ResourceRef& ref, std::string_view name) {
  std::string what = ref.group.empty() ? ref.resource : GroupResource(ref);
  return absl::AbortedError("Operation cannot be fulfilled on " + what + " \"" + std::string(name) +
                            "\": the object has been modified; please apply your changes to the "
                            "latest version and try again");
}

}  // namespace

absl::Status FakeKubeClient::TakeFailure() {
  absl::Status failure = std::move(next_failure_);
  next_failure_ = absl::OkStatus();
  return failure;
}

void FakeKubeClient::FailNextCall(absl::Status status) {
  absl::MutexLock lock(&mu_);
  next_failure_ = std::move(status);
}

void FakeKubeClient::EndWatches() {
  absl::MutexLock lock(&mu_);
  ++watch_epoch_;
}

void FakeKubeClient::SetRawHandler(RawHandler handler) {
  absl::MutexLock lock(&mu_);
  raw_handler_ = std::move(handler);
}

void FakeKubeClient::Compact() {
  absl::MutexLock lock(&mu_);
  events_.clear();
  compacted_ = resource_version_;
}

absl::StatusOr<json> FakeKubeClient::Store(const ResourceRef& ref, std::string_view ns, json object,
                                           WatchEventType type) {
  std::string name = Meta(object, "name");
  object["metadata"]["resourceVersion"] = std::to_string(++resource_version_);
  if (ref.namespaced) object["metadata"]["namespace"] = std::string(ns);
  objects_[Key{GroupResource(ref), Namespace(ref, ns), name}] = object;
  events_.push_back({resource_version_, GroupResource(ref), Namespace(ref, ns), type, object});
  return object;
}

absl::StatusOr<json> FakeKubeClient::Get(const ResourceRef& ref, std::string_view ns,
                                         std::string_view name) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(TakeFailure());
  auto it = objects_.find(Key{GroupResource(ref), Namespace(ref, ns), std::string(name)});
  if (it == objects_.end()) return NotFound(ref, name);
  return it->second;
}

absl::StatusOr<ObjectList> FakeKubeClient::List(const ResourceRef& ref, std::string_view ns,
                                                const ListOptions& options) {
  COFFER_ASSIGN_OR_RETURN(Filter filter, MakeFilter(Namespace(ref, ns), options.label_selector,
                                                    options.field_selector));
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(TakeFailure());
  ObjectList out;
  out.resource_version = std::to_string(resource_version_);
  // The continue token is the key after which the next page starts ("ns/name").
  for (const auto& [key, object] : objects_) {
    if (std::get<0>(key) != GroupResource(ref) || !filter.Matches(object)) continue;
    std::string position = std::get<1>(key) + "/" + std::get<2>(key);
    if (!options.continue_token.empty() && position <= options.continue_token) continue;
    if (options.limit > 0 && static_cast<std::int64_t>(out.items.size()) == options.limit) {
      out.continue_token =
          Meta(out.items.back(), "namespace") + "/" + Meta(out.items.back(), "name");
      break;
    }
    out.items.push_back(object);
  }
  return out;
}

absl::StatusOr<json> FakeKubeClient::Create(const ResourceRef& ref, std::string_view ns,
                                            const json& object) {
  std::string name = Meta(object, "name");
  if (name.empty()) return absl::InvalidArgumentError("metadata.name: Required value");
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(TakeFailure());
  if (objects_.count(Key{GroupResource(ref), Namespace(ref, ns), name}) > 0) {
    std::string what = ref.group.empty() ? ref.resource : GroupResource(ref);
    return absl::AlreadyExistsError(what + " \"" + name + "\" already exists");
  }
  json stored = object;
  stored["metadata"]["uid"] = "fake-uid-" + std::to_string(++next_uid_);
  stored["metadata"]["generation"] = 1;
  return Store(ref, ns, std::move(stored), WatchEventType::kAdded);
}

absl::StatusOr<json> FakeKubeClient::Replace(const ResourceRef& ref, std::string_view ns,
                                             const json& object, bool status_only) {
  std::string name = Meta(object, "name");
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(TakeFailure());
  auto it = objects_.find(Key{GroupResource(ref), Namespace(ref, ns), name});
  if (it == objects_.end()) return NotFound(ref, name);
  std::string wanted = Meta(object, "resourceVersion");
  if (!wanted.empty() && wanted != Meta(it->second, "resourceVersion")) {
    return Conflict(ref, name);
  }
  json stored = it->second;
  if (status_only) {
    stored["status"] = object.value("status", json());
  } else {
    json status = stored.value("status", json());
    json metadata = stored["metadata"];
    bool spec_changed = object.value("spec", json()) != stored.value("spec", json());
    stored = object;
    if (status.is_null()) {
      stored.erase("status");
    } else {
      stored["status"] = status;
    }
    for (const char* kept : {"uid", "creationTimestamp", "generation"}) {
      if (metadata.contains(kept)) stored["metadata"][kept] = metadata[kept];
    }
    if (spec_changed) stored["metadata"]["generation"] = metadata.value("generation", 0) + 1;
  }
  return Store(ref, ns, std::move(stored), WatchEventType::kModified);
}

absl::StatusOr<json> FakeKubeClient::Update(const ResourceRef& ref, std::string_view ns,
                                            const json& object) {
  return Replace(ref, ns, object, /*status_only=*/false);
}

absl::StatusOr<json> FakeKubeClient::UpdateStatus(const ResourceRef& ref, std::string_view ns,
                                                  const json& object) {
  return Replace(ref, ns, object, /*status_only=*/true);
}

absl::StatusOr<json> FakeKubeClient::Patch(const ResourceRef& ref, std::string_view ns,
                                           std::string_view name, PatchType type,
                                           const json& patch) {
  COFFER_ASSIGN_OR_RETURN(json current, Get(ref, ns, name));
  json patched = current;
  if (type == PatchType::kMerge) {
    patched.merge_patch(patch);
  } else {
    try {
      patched = current.patch(patch);
    } catch (const json::exception& e) {
      return absl::InvalidArgumentError(std::string("JSON patch: ") + e.what());
    }
  }
  // A patch applies to the version it read, unless it names a resourceVersion itself.
  if (Meta(patched, "resourceVersion") == Meta(current, "resourceVersion")) {
    patched["metadata"].erase("resourceVersion");
  }
  patched["metadata"]["name"] = std::string(name);
  return Update(ref, ns, patched);
}

absl::Status FakeKubeClient::Delete(const ResourceRef& ref, std::string_view ns,
                                    std::string_view name, const DeleteOptions& options) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(TakeFailure());
  auto it = objects_.find(Key{GroupResource(ref), Namespace(ref, ns), std::string(name)});
  if (it == objects_.end()) return NotFound(ref, name);
  if ((!options.precondition_uid.empty() && options.precondition_uid != Meta(it->second, "uid")) ||
      (!options.precondition_resource_version.empty() &&
       options.precondition_resource_version != Meta(it->second, "resourceVersion"))) {
    return Conflict(ref, name);
  }
  json object = std::move(it->second);
  objects_.erase(it);
  object["metadata"]["resourceVersion"] = std::to_string(++resource_version_);
  events_.push_back({resource_version_, GroupResource(ref), Namespace(ref, ns),
                     WatchEventType::kDeleted, object});
  return absl::OkStatus();
}

absl::StatusOr<json> FakeKubeClient::Raw(std::string_view method, std::string_view path,
                                         const json& body) {
  RawHandler handler;
  {
    absl::MutexLock lock(&mu_);
    COFFER_RETURN_IF_ERROR(TakeFailure());
    handler = raw_handler_;
  }
  if (!handler) return absl::UnimplementedError("FakeKubeClient::Raw has no handler");
  return handler(method, path, body);
}

namespace {

struct WaitState {
  const std::int64_t* resource_version;
  std::int64_t seen;
  const http::Cancellation* cancel;
  const std::int64_t* epoch;
  std::int64_t started_epoch;
};

bool WatchReady(WaitState* state) {
  return *state->resource_version > state->seen || *state->epoch != state->started_epoch ||
         (state->cancel != nullptr && state->cancel->cancelled());
}

}  // namespace

absl::Status FakeKubeClient::Watch(const ResourceRef& ref, std::string_view ns,
                                   const WatchOptions& options,
                                   const std::function<bool(const WatchEvent&)>& on_event,
                                   const http::Cancellation* cancel) {
  COFFER_ASSIGN_OR_RETURN(Filter filter, MakeFilter(Namespace(ref, ns), options.label_selector,
                                                    options.field_selector));
  const std::string group_resource = GroupResource(ref);
  std::vector<WatchEvent> batch;
  WaitState state{nullptr, 0, cancel, nullptr, 0};
  {
    absl::MutexLock lock(&mu_);
    COFFER_RETURN_IF_ERROR(TakeFailure());
    state.resource_version = &resource_version_;
    state.epoch = &watch_epoch_;
    state.started_epoch = watch_epoch_;
    const std::string& rv = options.resource_version;
    if (rv.empty() || rv == "0") {
      for (const auto& [key, object] : objects_) {
        if (std::get<0>(key) == group_resource && filter.Matches(object)) {
          batch.push_back({WatchEventType::kAdded, object});
        }
      }
      state.seen = resource_version_;
    } else if (!absl::SimpleAtoi(rv, &state.seen)) {
      return absl::InvalidArgumentError("resourceVersion \"" + rv + "\" is not a number");
    }
  }
  for (;;) {
    for (const WatchEvent& event : batch) {
      if (!on_event(event)) return absl::OkStatus();
    }
    batch.clear();
    if (cancel != nullptr && cancel->cancelled()) return absl::CancelledError("watch cancelled");
    absl::MutexLock lock(&mu_);
    // The timeout only notices cancellation, which does not signal the mutex.
    mu_.AwaitWithTimeout(absl::Condition(&WatchReady, &state), absl::Milliseconds(10));
    if (watch_epoch_ != state.started_epoch) return absl::OkStatus();
    if (state.seen < compacted_) {
      return absl::Status(kWatchExpired, "too old resource version: " + std::to_string(state.seen) +
                                             " (" + std::to_string(compacted_) + ")");
    }
    for (const Event& event : events_) {
      if (event.resource_version <= state.seen) continue;
      state.seen = event.resource_version;
      if (event.group_resource == group_resource && filter.Matches(event.object)) {
        batch.push_back({event.type, event.object});
      }
    }
  }
}

}  // namespace coffer::kube
