#include "lib/kube/informer.h"

#include <algorithm>

#include "lib/base/status.h"

namespace coffer::kube {
namespace {

using nlohmann::json;

std::string Meta(const json& object, const char* field) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return "";
  }
  const json& value = object["metadata"].value(field, json());
  return value.is_string() ? value.get<std::string>() : "";
}

}  // namespace

Informer::Informer(KubeClient& client, ResourceRef ref, InformerOptions options,
                   InformerHandlers handlers)
    : client_(client),
      ref_(std::move(ref)),
      options_(std::move(options)),
      handlers_(std::move(handlers)) {}

Informer::~Informer() { Stop(); }

void Informer::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Informer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  cancel_.Cancel();
  if (thread_.joinable()) thread_.join();
}

bool Informer::Stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

bool Informer::HasSynced() const {
  absl::MutexLock lock(&mu_);
  return synced_;
}

std::optional<json> Informer::Get(std::string_view ns, std::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = cache_.find(Key{std::string(ns), std::string(name)});
  if (it == cache_.end()) return std::nullopt;
  return it->second;
}

std::vector<json> Informer::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<json> objects;
  objects.reserve(cache_.size());
  for (const auto& [key, object] : cache_) objects.push_back(object);
  return objects;
}

std::string Informer::LastResourceVersion() const {
  absl::MutexLock lock(&mu_);
  return resource_version_;
}

void Informer::WaitBackoff(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), delay);
}

void Informer::Run() {
  bool need_list = true;
  absl::Duration backoff = options_.min_backoff;
  while (!Stopping()) {
    absl::Status status = need_list ? ListAndReplace() : WatchOnce();
    if (Stopping()) return;
    if (status.ok()) {
      // A listed cache is watched next; a watch that ended cleanly resumes where it stopped.
      need_list = false;
      backoff = options_.min_backoff;
      continue;
    }
    if (!need_list && status.code() == kWatchExpired) {
      need_list = true;
      continue;
    }
    WaitBackoff(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status Informer::ListAndReplace() {
  std::map<Key, json> listed;
  ListOptions list_options;
  list_options.label_selector = options_.label_selector;
  list_options.field_selector = options_.field_selector;
  std::string resource_version;
  do {
    COFFER_ASSIGN_OR_RETURN(ObjectList page, client_.List(ref_, options_.ns, list_options));
    for (json& item : page.items) {
      Key key{Meta(item, "namespace"), Meta(item, "name")};
      listed[std::move(key)] = std::move(item);
    }
    resource_version = page.resource_version;
    list_options.continue_token = page.continue_token;
  } while (!list_options.continue_token.empty());

  std::vector<Change> changes;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, old_object] : cache_) {
      if (listed.count(key) == 0) {
        changes.push_back([this, old_object = old_object] {
          if (handlers_.on_delete) handlers_.on_delete(old_object);
        });
      }
    }
    for (const auto& [key, object] : listed) {
      auto it = cache_.find(key);
      if (it == cache_.end()) {
        changes.push_back([this, object = object] {
          if (handlers_.on_add) handlers_.on_add(object);
        });
      } else if (Meta(it->second, "resourceVersion") != Meta(object, "resourceVersion")) {
        changes.push_back([this, old_object = it->second, object = object] {
          if (handlers_.on_update) handlers_.on_update(old_object, object);
        });
      }
    }
    cache_ = std::move(listed);
    resource_version_ = resource_version;
  }
  for (const Change& change : changes) change();
  // Synced only once the handlers saw the first list, so a caller waiting for it can rely on
  // its handlers' state.
  absl::MutexLock lock(&mu_);
  synced_ = true;
  return absl::OkStatus();
}

absl::Status Informer::WatchOnce() {
  WatchOptions watch_options;
  watch_options.resource_version = LastResourceVersion();
  watch_options.allow_bookmarks = true;
  watch_options.label_selector = options_.label_selector;
  watch_options.field_selector = options_.field_selector;
  return client_.Watch(
      ref_, options_.ns, watch_options,
      [this](const WatchEvent& event) { return HandleEvent(event); }, &cancel_);
}

bool Informer::HandleEvent(const WatchEvent& event) {
  const json& object = event.object;
  Key key{Meta(object, "namespace"), Meta(object, "name")};
  Change change;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    std::string resource_version = Meta(object, "resourceVersion");
    if (!resource_version.empty()) resource_version_ = resource_version;
    if (event.type == WatchEventType::kBookmark) return true;
    auto it = cache_.find(key);
    if (event.type == WatchEventType::kDeleted) {
      if (it == cache_.end()) return true;
      cache_.erase(it);
      change = [this, object] {
        if (handlers_.on_delete) handlers_.on_delete(object);
      };
    } else if (it == cache_.end()) {
      cache_[key] = object;
      change = [this, object] {
        if (handlers_.on_add) handlers_.on_add(object);
      };
    } else {
      json old_object = std::exchange(it->second, object);
      change = [this, old_object, object] {
        if (handlers_.on_update) handlers_.on_update(old_object, object);
      };
    }
  }
  change();
  return true;
}

}  // namespace coffer::kube
