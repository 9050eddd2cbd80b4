#ifndef COFFER_TESTS_KUBE_APISERVER_STORE_OBJECT_STORE_H_
#define COFFER_TESTS_KUBE_APISERVER_STORE_OBJECT_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/clock.h"
#include "nlohmann/json.hpp"
#include "tests/kube-apiserver/store/status_body.h"
#include "tests/kube-apiserver/store/watch_hub.h"

namespace coffer::kube::standin {

// Selects objects for List and Watch. Unset parts match everything.
struct Selector {
  std::function<bool(const nlohmann::json& labels)> labels;
  // Only "metadata.name" and "metadata.namespace" (equality), as the real server for CRs.
  std::map<std::string, std::string> field_equals;
};

struct ListOptions {
  Selector selector;
  int64_t limit = 0;  // 0: no limit
  std::string continue_token;
};

struct ListResult {
  std::vector<nlohmann::json> items;
  std::string resource_version;
  std::string continue_token;  // empty on the last page
};

// Stops its watch when destroyed. After destruction the callback does not run any more.
class WatchHandle {
 public:
  WatchHandle(WatchHub* hub, uint64_t id) : hub_(hub), id_(id) {}
  ~WatchHandle() { hub_->Remove(id_); }
  WatchHandle(const WatchHandle&) = delete;
  WatchHandle& operator=(const WatchHandle&) = delete;

 private:
  WatchHub* hub_;
  uint64_t id_;
};

// Kubernetes objects as JSON, keyed by resource ("apps/v1/deployments", "v1/pods"), namespace
// ("" for cluster-scoped) and name, with the server's metadata semantics: one store-wide
// resourceVersion counter, uid, creationTimestamp, generation, finalizers and watches.
// Thread-safe. Errors carry Kubernetes Status details (see status_body.h): NOT_FOUND,
// ALREADY_EXISTS, ABORTED (stale resourceVersion), FAILED_PRECONDITION (410 Expired watch),
// INVALID_ARGUMENT (422 Invalid or 400 BadRequest). Must outlive its WatchHandles.
class ObjectStore {
 public:
  explicit ObjectStore(const Clock& clock, size_t history_limit = 1000);

  // Main-resource updates of these resources ignore .status (CRDs with the status subresource).
  void EnableStatusSubresource(std::string_view resource);

  absl::StatusOr<nlohmann::json> Create(std::string_view resource, std::string_view ns,
                                        nlohmann::json object);
  absl::StatusOr<nlohmann::json> Get(std::string_view resource, std::string_view ns,
                                     std::string_view name) const;
  // ns "" lists all namespaces. Pages continue after the last key of the previous page.
  absl::StatusOr<ListResult> List(std::string_view resource, std::string_view ns,
                                  const ListOptions& options) const;
  // A given, stale metadata.resourceVersion is a conflict; an empty one updates unconditionally.
  // `status_subresource`: the /status update, which changes only .status. An update that
  // empties the finalizers of an object being deleted deletes it.
  absl::StatusOr<nlohmann::json> Update(std::string_view resource, std::string_view ns,
                                        nlohmann::json object, bool status_subresource);
  // Returns the deleted object, or the object marked with deletionTimestamp while finalizers
  // remain.
  absl::StatusOr<nlohmann::json> Delete(std::string_view resource, std::string_view ns,
                                        std::string_view name);

  // Events for changes after `from_resource_version`; "" or "0" first sends ADDED for every
  // current object.
  absl::StatusOr<std::unique_ptr<WatchHandle>> Watch(std::string_view resource, std::string_view ns,
                                                     std::string_view from_resource_version,
                                                     WatchCallback callback,
                                                     Selector selector = {});
  // Sends every watcher a BOOKMARK carrying the current resourceVersion.
  void Bookmark();
  // Every ADDED/MODIFIED/DELETED event of every resource from now on (no initial events).
  std::unique_ptr<WatchHandle> WatchAll(WatchCallback callback);

  struct ObjectRef {
    std::string resource;
    std::string ns;
    std::string name;
  };
  // Objects with an ownerReference naming `owner_uid` and no other owner that still exists.
  std::vector<ObjectRef> Orphans(std::string_view owner_uid) const;

  std::string CurrentResourceVersion() const;

 private:
  using Objects = std::map<std::string, nlohmann::json>;  // "ns/name" -> object

  absl::StatusOr<nlohmann::json> UpdateLocked(const std::string& resource, const std::string& key,
                                              nlohmann::json object, bool status_subresource)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  nlohmann::json RemoveLocked(const std::string& resource, const std::string& key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CommitLocked(const std::string& resource, const std::string& type, nlohmann::json& object)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string NewUid() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string Now() const;

  const Clock& clock_;
  WatchHub hub_;
  mutable absl::Mutex mu_;
  std::map<std::string, Objects> resources_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> status_subresources_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> kinds_ ABSL_GUARDED_BY(mu_);  // resource -> kind
  uint64_t resource_version_ ABSL_GUARDED_BY(mu_) = 0;
  std::mt19937_64 random_ ABSL_GUARDED_BY(mu_);
};

// True when `object` passes `selector`.
bool Matches(const Selector& selector, const nlohmann::json& object);

}  // namespace coffer::kube::standin

#endif  // COFFER_TESTS_KUBE_APISERVER_STORE_OBJECT_STORE_H_
