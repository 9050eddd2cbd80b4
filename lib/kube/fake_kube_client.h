#ifndef COFFER_LIB_KUBE_FAKE_KUBE_CLIENT_H_
#define COFFER_LIB_KUBE_FAKE_KUBE_CLIENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "lib/kube/kube_client.h"

namespace coffer::kube {

// An in-memory KubeClient for unit tests. Thread-safe.
//
// Semantics kept from the API server: one resourceVersion counter for every object, uid and
// generation set on create, ALREADY_EXISTS on a second create, ABORTED when an update carries
// a stale resourceVersion or a delete precondition fails, NOT_FOUND for missing objects,
// label selectors and metadata.name/metadata.namespace field selectors, limit/continue paging,
// watches from a resourceVersion (kWatchExpired once that history is compacted away).
// Simplified: Update keeps the stored `status` and UpdateStatus changes only `status` (as for a
// resource with a status subresource); delete is immediate (no finalizers); no validation.
class FakeKubeClient : public KubeClient {
 public:
  using RawHandler = std::function<absl::StatusOr<nlohmann::json>(
      std::string_view, std::string_view, const nlohmann::json&)>;

  FakeKubeClient() = default;

  absl::StatusOr<nlohmann::json> Get(const ResourceRef& ref, std::string_view ns,
                                     std::string_view name) override;
  absl::StatusOr<ObjectList> List(const ResourceRef& ref, std::string_view ns,
                                  const ListOptions& options) override;
  absl::StatusOr<nlohmann::json> Create(const ResourceRef& ref, std::string_view ns,
                                        const nlohmann::json& object) override;
  absl::StatusOr<nlohmann::json> Update(const ResourceRef& ref, std::string_view ns,
                                        const nlohmann::json& object) override;
  absl::StatusOr<nlohmann::json> UpdateStatus(const ResourceRef& ref, std::string_view ns,
                                              const nlohmann::json& object) override;
  absl::StatusOr<nlohmann::json> Patch(const ResourceRef& ref, std::string_view ns,
                                       std::string_view name, PatchType type,
                                       const nlohmann::json& patch) override;
  absl::Status Delete(const ResourceRef& ref, std::string_view ns, std::string_view name,
                      const DeleteOptions& options) override;
  absl::Status Watch(const ResourceRef& ref, std::string_view ns, const WatchOptions& options,
                     const std::function<bool(const WatchEvent&)>& on_event,
                     const http::Cancellation* cancel) override;
  // Answers with the handler set by SetRawHandler, else UNIMPLEMENTED.
  absl::StatusOr<nlohmann::json> Raw(std::string_view method, std::string_view path,
                                     const nlohmann::json& body) override;

  void SetRawHandler(RawHandler handler);
  // Forgets the event history: watches from an older resourceVersion get kWatchExpired.
  void Compact();
  // Fails the next call of any method with `status` (to test retries).
  void FailNextCall(absl::Status status);
  // Ends every open watch stream with OK, as the API server does when a watch times out.
  void EndWatches();

 private:
  // (group/resource, namespace, name)
  using Key = std::tuple<std::string, std::string, std::string>;
  struct Event {
    std::int64_t resource_version;
    std::string group_resource;
    std::string ns;
    WatchEventType type;
    nlohmann::json object;
  };

  absl::Status TakeFailure() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<nlohmann::json> Store(const ResourceRef& ref, std::string_view ns,
                                       nlohmann::json object, WatchEventType type)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<nlohmann::json> Replace(const ResourceRef& ref, std::string_view ns,
                                         const nlohmann::json& object, bool status_only);

  absl::Mutex mu_;
  std::map<Key, nlohmann::json> objects_ ABSL_GUARDED_BY(mu_);
  std::vector<Event> events_ ABSL_GUARDED_BY(mu_);
  std::int64_t resource_version_ ABSL_GUARDED_BY(mu_) = 0;
  std::int64_t compacted_ ABSL_GUARDED_BY(mu_) = 0;  // events at or below it are gone
  std::int64_t next_uid_ ABSL_GUARDED_BY(mu_) = 0;
  std::int64_t watch_epoch_ ABSL_GUARDED_BY(mu_) = 0;  // bumped by EndWatches
  absl::Status next_failure_ ABSL_GUARDED_BY(mu_);
  RawHandler raw_handler_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coffer::kube

#endif  // COFFER_LIB_KUBE_FAKE_KUBE_CLIENT_H_
