// The read side of ObjectStore: Get, List, Watch and bookmarks.

#include <utility>

#include "absl/strings/numbers.h"
#include "lib/base/absl_compat.h"
#include "lib/base/base64.h"
#include "tests/kube-apiserver/store/object_store.h"

namespace coffer::kube::standin {
namespace {

using nlohmann::json;

std::string Key(std::string_view ns, std::string_view name) {
  return std::string(ns) + "/" + std::string(name);
}

bool InNamespace(const std::string& key, std::string_view ns) {
  return ns.empty() || key.compare(0, ns.size() + 1, std::string(ns) + "/") == 0;
}

absl::Status CheckFields(const Selector& selector) {
  for (const auto& [field, value] : selector.field_equals) {
    if (field != "metadata.name" && field != "metadata.namespace") {
      return BadRequestError("field label not supported: " + field);
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool Matches(const Selector& selector, const json& object) {
  const json& metadata = object.contains("metadata") ? object["metadata"] : json::object();
  for (const auto& [field, value] : selector.field_equals) {
    std::string key = field == "metadata.name" ? "name" : "namespace";
    if (metadata.value(key, "") != value) return false;
  }
  if (selector.labels) {
    json labels = metadata.value("labels", json::object());
    if (!selector.labels(labels)) return false;
  }
  return true;
}

absl::StatusOr<json> ObjectStore::Get(std::string_view resource, std::string_view ns,
                                      std::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto res = resources_.find(std::string(resource));
  if (res != resources_.end()) {
    auto it = res->second.find(Key(ns, name));
    if (it != res->second.end()) return it->second;
  }
  return NotFoundError(ResourceName::Parse(resource), name);
}

absl::StatusOr<ListResult> ObjectStore::List(std::string_view resource, std::string_view ns,
                                             const ListOptions& options) const {
  if (absl::Status s = CheckFields(options.selector); !s.ok()) return s;
  std::string start;
  ListResult result;
  if (!options.continue_token.empty()) {
    std::optional<std::string> decoded = Base64Decode(options.continue_token);
    json token = decoded ? json::parse(*decoded, nullptr, false) : json();
    if (!token.is_object() || !token.contains("start") || !token["start"].is_string() ||
        !token.contains("rv") || !token["rv"].is_string()) {
      return BadRequestError("continue key is not valid: incorrect encoded start resourceVersion");
    }
    start = token["start"].get<std::string>();
    result.resource_version = token["rv"].get<std::string>();
  }
  absl::MutexLock lock(&mu_);
  if (result.resource_version.empty()) result.resource_version = std::to_string(resource_version_);
  auto res = resources_.find(std::string(resource));
  if (res == resources_.end()) return result;
  const Objects& objects = res->second;
  std::string last_key;
  auto it = start.empty() ? objects.begin() : objects.upper_bound(start);
  for (; it != objects.end(); ++it) {
    if (!InNamespace(it->first, ns) || !Matches(options.selector, it->second)) continue;
    if (options.limit > 0 && static_cast<int64_t>(result.items.size()) == options.limit) {
      json token = {{"rv", result.resource_version}, {"start", last_key}};
      result.continue_token = Base64Encode(token.dump());
      break;
    }
    result.items.push_back(it->second);
    last_key = it->first;
  }
  return result;
}

absl::StatusOr<std::unique_ptr<WatchHandle>> ObjectStore::Watch(
    std::string_view resource, std::string_view ns, std::string_view from_resource_version,
    WatchCallback callback, Selector selector) {
  if (absl::Status s = CheckFields(selector); !s.ok()) return s;
  uint64_t from = 0;
  if (!from_resource_version.empty() && !absl::SimpleAtoi(AsAbsl(from_resource_version), &from)) {
    return BadRequestError("invalid resource version: " + std::string(from_resource_version));
  }
  std::string res(resource);
  std::string want_ns(ns);
  WatchFilter filter = [res, want_ns, selector](const std::string& r, const WatchEvent& event) {
    if (r != res) return false;
    if (event.type == "BOOKMARK") return true;
    const json& object = event.object;
    if (!want_ns.empty() && object["metadata"].value("namespace", "") != want_ns) return false;
    return Matches(selector, object);
  };
  std::unique_ptr<WatchHandle> handle;
  {
    absl::MutexLock lock(&mu_);
    std::vector<WatchEvent> initial;
    const Objects& objects = resources_[res];  // so that bookmarks reach this resource
    if (from == 0) {
      {
        for (const auto& [key, object] : objects) {
          WatchEvent event{"ADDED", object};
          if (filter(res, event)) initial.push_back(std::move(event));
        }
      }
    } else {
      uint64_t compacted = 0;
      std::optional<std::vector<WatchHub::Recorded>> since = hub_.Since(from, &compacted);
      if (!since.has_value()) return ExpiredError(from_resource_version, compacted);
      for (WatchHub::Recorded& r : *since) {
        if (filter(r.resource, r.event)) initial.push_back(std::move(r.event));
      }
    }
    handle = std::make_unique<WatchHandle>(
        &hub_, hub_.Add(filter, std::move(callback), std::move(initial)));
  }
  hub_.Drain();
  return handle;
}

void ObjectStore::Bookmark() {
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [resource, objects] : resources_) {
      json object = {{"apiVersion", ResourceName::Parse(resource).ApiVersion()},
                     {"metadata", {{"resourceVersion", std::to_string(resource_version_)}}}};
      auto kind = kinds_.find(resource);
      if (kind != kinds_.end()) object["kind"] = kind->second;
      hub_.Broadcast(resource, {"BOOKMARK", object});
    }
  }
  hub_.Drain();
}

std::unique_ptr<WatchHandle> ObjectStore::WatchAll(WatchCallback callback) {
  WatchFilter filter = [](const std::string&, const WatchEvent& event) {
    return event.type != "BOOKMARK";
  };
  return std::make_unique<WatchHandle>(&hub_, hub_.Add(filter, std::move(callback), {}));
}

std::vector<ObjectStore::ObjectRef> ObjectStore::Orphans(std::string_view owner_uid) const {
  absl::MutexLock lock(&mu_);
  std::set<std::string> live_uids;
  for (const auto& [resource, objects] : resources_) {
    for (const auto& [key, object] : objects) live_uids.insert(object["metadata"].value("uid", ""));
  }
  std::vector<ObjectRef> orphans;
  for (const auto& [resource, objects] : resources_) {
    for (const auto& [key, object] : objects) {
      const json refs = object["metadata"].value("ownerReferences", json::array());
      if (!refs.is_array()) continue;
      bool owned = false;
      bool other_owner = false;
      for (const json& ref : refs) {
        std::string uid = ref.is_object() ? ref.value("uid", "") : "";
        if (uid == owner_uid) {
          owned = true;
        } else if (live_uids.count(uid) != 0) {
          other_owner = true;
        }
      }
      if (owned && !other_owner) {
        orphans.push_back({resource, object["metadata"].value("namespace", ""),
                           object["metadata"].value("name", "")});
      }
    }
  }
  return orphans;
}

}  // namespace coffer::kube::standin
