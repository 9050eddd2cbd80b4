#ifndef COFFER_LIB_KUBE_KUBE_CLIENT_H_
#define COFFER_LIB_KUBE_KUBE_CLIENT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/http/client.h"
#include "nlohmann/json.hpp"

namespace coffer::kube {

// A resource type: group "" is the core group (/api/v1). `resource` is the plural.
struct ResourceRef {
  std::string group;
  std::string version;
  std::string resource;
  bool namespaced = true;
};

struct ListOptions {
  std::string label_selector;  // "app=x,tier!=db"
  std::string field_selector;  // "metadata.name=x"
  std::int64_t limit = 0;      // 0: no limit
  std::string continue_token;
  std::string resource_version;
};

struct ObjectList {
  std::vector<nlohmann::json> items;
  std::string resource_version;  // of the list, to start a watch from
  std::string continue_token;    // non-empty when more pages follow
};

enum class PatchType { kMerge, kJson };  // RFC 7386 merge patch, RFC 6902 JSON patch

struct DeleteOptions {
  std::string precondition_uid;
  std::string precondition_resource_version;
  std::string propagation_policy;  // "", "Orphan", "Background", "Foreground"
};

struct WatchOptions {
  std::string resource_version;  // "" or "0": synthetic ADDED events for what exists first
  bool allow_bookmarks = false;
  std::string label_selector;
  std::string field_selector;
  int timeout_seconds = 0;  // 0: the server's default
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  nlohmann::json object;
};

// The status code Watch returns when the requested resourceVersion is too old (HTTP 410 Gone,
// or an ERROR event carrying a 410 "Expired" Status): the caller must re-list and watch from
// the list's resourceVersion.
inline constexpr absl::StatusCode kWatchExpired = absl::StatusCode::kOutOfRange;

// Typed access to any Kubernetes resource. Thread-safe.
//
// Errors (from the API server's Status body, whose message is kept): NOT_FOUND (404),
// ALREADY_EXISTS (409 AlreadyExists), ABORTED (409 Conflict: stale resourceVersion or failed
// delete precondition; re-read and retry), INVALID_ARGUMENT (400, 415, 422), UNAUTHENTICATED
// (401), PERMISSION_DENIED (403), kWatchExpired (410), UNAVAILABLE (429, 5xx, transport
// failures), DEADLINE_EXCEEDED (timeouts), CANCELLED.
class KubeClient {
 public:
  virtual ~KubeClient() = default;

  // `ns` is ignored for cluster-scoped resources; an empty `ns` lists across namespaces.
  virtual absl::StatusOr<nlohmann::json> Get(const ResourceRef& ref, std::string_view ns,
                                             std::string_view name) = 0;
  virtual absl::StatusOr<ObjectList> List(const ResourceRef& ref, std::string_view ns,
                                          const ListOptions& options) = 0;
  virtual absl::StatusOr<nlohmann::json> Create(const ResourceRef& ref, std::string_view ns,
                                                const nlohmann::json& object) = 0;
  // The name comes from object.metadata.name; a set metadata.resourceVersion that is not the
  // current one fails with ABORTED.
  virtual absl::StatusOr<nlohmann::json> Update(const ResourceRef& ref, std::string_view ns,
                                                const nlohmann::json& object) = 0;
  // PUT to the /status subresource.
  virtual absl::StatusOr<nlohmann::json> UpdateStatus(const ResourceRef& ref, std::string_view ns,
                                                      const nlohmann::json& object) = 0;
  virtual absl::StatusOr<nlohmann::json> Patch(const ResourceRef& ref, std::string_view ns,
                                               std::string_view name, PatchType type,
                                               const nlohmann::json& patch) = 0;
  virtual absl::Status Delete(const ResourceRef& ref, std::string_view ns, std::string_view name,
                              const DeleteOptions& options) = 0;

  // Streams events to `on_event` until the server ends the stream (OK: resume from the last
  // seen resourceVersion), `on_event` returns false (OK), `cancel` fires (CANCELLED), or an
  // error. Returns kWatchExpired when the resourceVersion is too old. Blocks the caller.
  virtual absl::Status Watch(const ResourceRef& ref, std::string_view ns,
                             const WatchOptions& options,
                             const std::function<bool(const WatchEvent&)>& on_event,
                             const http::Cancellation* cancel) = 0;

  // Any other call (TokenReview, TokenRequest): `path` is absolute ("/apis/..."), `body` is
  // sent as JSON unless null. Returns the decoded response body.
  virtual absl::StatusOr<nlohmann::json> Raw(std::string_view method, std::string_view path,
                                             const nlohmann::json& body) = 0;
};

// A MicroTime field (Lease renewTime, Event eventTime): RFC 3339 in UTC with microseconds.
std::string FormatMicroTime(absl::Time t);

// "v1" or "group/version".
std::string ApiVersion(const ResourceRef& ref);

// The code and message for an HTTP status with a Kubernetes Status body (or any other body).
absl::Status StatusFromResponse(int http_status, std::string_view body);
// The same for an already decoded Status object (a watch ERROR event).
absl::Status StatusFromKubeStatus(int http_status, const nlohmann::json& status);

}  // namespace coffer::kube

#endif  // COFFER_LIB_KUBE_KUBE_CLIENT_H_
