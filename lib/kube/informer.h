#ifndef COFFER_LIB_KUBE_INFORMER_H_
#define COFFER_LIB_KUBE_INFORMER_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/http/client.h"
#include "lib/kube/kube_client.h"
#include "nlohmann/json.hpp"

namespace coffer::kube {

// Called on the informer's thread, in the order the changes happened, after the cache reflects
// the change. Any handler may be empty.
struct InformerHandlers {
  std::function<void(const nlohmann::json& object)> on_add;
  std::function<void(const nlohmann::json& old_object, const nlohmann::json& new_object)> on_update;
  std::function<void(const nlohmann::json& object)> on_delete;
};

struct InformerOptions {
  std::string ns;  // "" watches every namespace (and is what cluster-scoped resources use)
  std::string label_selector;
  std::string field_selector;
  // Waits after a failed list or watch, doubling up to the max.
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(30);
};

// client-go's shared informer, reduced to one resource and one set of handlers: lists, then
// watches from the list's resourceVersion into a cache. A stream that ends or breaks is resumed
// from the last seen resourceVersion; when that is too old (kWatchExpired) the informer lists
// again and hands the differences to the handlers as adds, updates and deletes, so they never
// miss a deletion. Thread-safe; handlers must not call Stop().
class Informer {
 public:
  Informer(KubeClient& client, ResourceRef ref, InformerOptions options, InformerHandlers handlers);
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;
  ~Informer();  // Stop()s

  // Starts the list-and-watch thread. Call once.
  void Start();
  // Cancels the watch and joins the thread; the cache stays readable.
  void Stop();

  // True once the first list is in the cache and its handlers have returned.
  bool HasSynced() const;
  // `ns` is "" for cluster-scoped objects.
  std::optional<nlohmann::json> Get(std::string_view ns, std::string_view name) const;
  std::vector<nlohmann::json> List() const;
  // The resourceVersion the next watch starts from.
  std::string LastResourceVersion() const;

 private:
  using Key = std::pair<std::string, std::string>;  // (namespace, name)
  using Change = std::function<void()>;

  void Run();
  absl::Status ListAndReplace();
  absl::Status WatchOnce();
  bool HandleEvent(const WatchEvent& event);
  void WaitBackoff(absl::Duration delay);
  bool Stopping() const;

  KubeClient& client_;
  const ResourceRef ref_;
  const InformerOptions options_;
  const InformerHandlers handlers_;
  http::Cancellation cancel_;

  mutable absl::Mutex mu_;
  std::map<Key, nlohmann::json> cache_ ABSL_GUARDED_BY(mu_);
  std::string resource_version_ ABSL_GUARDED_BY(mu_);
  bool synced_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // touched only by Start() and Stop()
};

}  // namespace coffer::kube

#endif  // COFFER_LIB_KUBE_INFORMER_H_
