#ifndef COFFER_TESTS_KUBE_APISERVER_SERVER_KUBE_API_HANDLER_H_
#define COFFER_TESTS_KUBE_APISERVER_SERVER_KUBE_API_HANDLER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "lib/http/client.h"
#include "lib/base/worker_pool.h"
#include "lib/http/http.h"
#include "nlohmann/json.hpp"
#include "tests/kube-apiserver/server/mutating_webhooks.h"
#include "tests/kube-apiserver/server/registry.h"
#include "tests/kube-apiserver/server/token_issuer.h"
#include "tests/kube-apiserver/store/object_store.h"

namespace coffer::kube::standin {

// The Kubernetes API over HTTP for the stand-in: discovery, a small /openapi/v3, CRUD, list and
// watch of built-in and CRD resources (CRD objects validated against their structural schema),
// with one admin bearer token; creates go through the mutating admission webhooks of the stored
// MutatingWebhookConfigurations. Thread-safe. Watch streams are written from the store's watch
// callbacks and closed by a reaper thread when their peer goes away or their timeout passes;
// the destructor closes the remaining ones.
class KubeApiHandler : public http::Handler {
 public:
  // `server_address` ("127.0.0.1:6443") is what /api advertises. `webhook_clients` makes the
  // HTTPS clients that call admission webhooks (the binary passes http::cpprest::NewClient);
  // without it every webhook call fails.
  KubeApiHandler(const Clock& clock, std::string admin_token, std::string server_address = "",
                 http::ClientFactory webhook_clients = nullptr);
  ~KubeApiHandler() override;

  void set_server_address(std::string address);

  std::optional<http::Response> OnHeaders(const http::Request& head) override;
  http::Response Handle(const http::Request& request) override;
  // POSTs (creates, which may call admission webhooks; token requests and reviews) run on a
  // worker pool, never on an I/O thread: a webhook that calls back into this API server (as
  // the operator's does) must not wait for the very thread that waits for it.
  void HandleAsync(const http::Request& request,
                   std::function<void(http::Response)> respond) override;
  http::Response RenderError(int status, std::string_view message) override;

  ObjectStore& store() { return store_; }
  const TokenIssuer& issuer() const { return issuer_; }
  // A BOOKMARK to every watch that asked for them (allowWatchBookmarks=true); also sent every
  // minute by the reaper thread.
  void SendBookmarks() { store_.Bookmark(); }

 private:
  // What a resource path names.
  struct Target {
    ResourceInfo resource;
    std::string ns;           // "" for cluster-scoped resources and all-namespace lists
    std::string name;         // "" for collections
    std::string subresource;  // "" or "status"
  };
  struct WatchSession;

  bool IsAdmin(std::string_view token) const;
  std::optional<Target> ParseTarget(const std::string& path) const;
  std::optional<http::Response> Discovery(const http::Request& request) const;
  http::Response Serve(const http::Request& request, const Target& target);
  http::Response List(const http::Request& request, const Target& target);
  http::Response Watch(const http::Request& request, const Target& target);
  // Runs the mutating webhooks before storing; their warnings are appended to `warnings`.
  absl::StatusOr<nlohmann::json> Create(const http::Request& request, const Target& target,
                                        nlohmann::json object, std::vector<std::string>& warnings);
  absl::StatusOr<nlohmann::json> Update(const Target& target, nlohmann::json object);
  absl::StatusOr<nlohmann::json> Patch(const http::Request& request, const Target& target);
  absl::StatusOr<nlohmann::json> Delete(const Target& target);
  // Defaults Secrets; prunes, defaults and validates CRD objects (transition rules against
  // `old`, the object an update replaces); checks CRDs.
  absl::Status Admit(const Target& target, nlohmann::json& object, const nlohmann::json* old);
  void ReapWatches();
  // kube_api_auth.cc: serviceaccounts/{name}/token, tokenreviews, OIDC discovery and JWKS;
  // nullopt for other paths.
  std::optional<http::Response> AuthEndpoint(const http::Request& request);
  static bool IsPublicPath(const std::string& path);  // served without a bearer token
  absl::StatusOr<nlohmann::json> RequestToken(const std::string& ns, const std::string& name,
                                              nlohmann::json request);
  absl::StatusOr<nlohmann::json> ReviewToken(nlohmann::json review);
  // {"user":..,"audiences":..} of a valid service-account token; UNAUTHENTICATED with the
  // TokenReview error otherwise.
  absl::StatusOr<nlohmann::json> Authenticate(const std::string& token,
                                              const std::vector<std::string>& wanted);
  // The user a request authenticated as, as AdmissionReview's userInfo: the admin token is
  // kubernetes-admin; a service-account token is system:serviceaccount:NS:NAME with its groups.
  nlohmann::json UserInfoOf(const http::Request& request);
  // labelSelector and fieldSelector (metadata.name, metadata.namespace); 400 when malformed.
  static absl::StatusOr<Selector> ParseSelector(const http::Request& request);

  const Clock& clock_;
  const std::string admin_token_;
  ResourceRegistry registry_;
  TokenIssuer issuer_{"https://kubernetes.default.svc.cluster.local"};
  ObjectStore store_;
  MutatingWebhooks webhooks_;
  // Garbage collection: deletes the dependents of every deleted owner (background propagation).
  std::unique_ptr<WatchHandle> gc_;

  mutable absl::Mutex mu_;
  std::string server_address_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<WatchSession>> watches_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time next_bookmark_;  // set before reaper_ starts, then only used by it
  std::thread reaper_;
  WorkerPool posts_{4};  // stopped first thing in the destructor
};

}  // namespace coffer::kube::standin

#endif  // COFFER_TESTS_KUBE_APISERVER_SERVER_KUBE_API_HANDLER_H_
