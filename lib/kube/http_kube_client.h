#ifndef COFFER_LIB_KUBE_HTTP_KUBE_CLIENT_H_
#define COFFER_LIB_KUBE_HTTP_KUBE_CLIENT_H_

#include <memory>
#include <string>
#include <string_view>

#include "lib/http/client.h"
#include "lib/kube/kube_client.h"
#include "lib/kube/kube_config.h"

namespace coffer::kube {

// KubeClient over an http::Client bound to the API server (see TlsFiles for its options).
// Sends the config's bearer token, re-reading its token file when it rotates. Thread-safe.
class HttpKubeClient : public KubeClient {
 public:
  static absl::StatusOr<std::unique_ptr<HttpKubeClient>> Create(const KubeConfig& config,
                                                                std::unique_ptr<http::Client> http);

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
  absl::StatusOr<nlohmann::json> Raw(std::string_view method, std::string_view path,
                                     const nlohmann::json& body) override;

 private:
  HttpKubeClient(std::unique_ptr<http::Client> http, SecretBytes token,
                 std::unique_ptr<TokenFile> token_file)
      : http_(std::move(http)), token_(std::move(token)), token_file_(std::move(token_file)) {}

  absl::StatusOr<http::ClientRequest> NewRequest(std::string method, std::string path_and_query,
                                                 std::string_view content_type,
                                                 const nlohmann::json& body);
  absl::StatusOr<nlohmann::json> Call(std::string method, std::string path_and_query,
                                      std::string_view content_type, const nlohmann::json& body);

  const std::unique_ptr<http::Client> http_;
  const SecretBytes token_;
  const std::unique_ptr<TokenFile> token_file_;  // null: use token_
};

// "/api/v1/namespaces/ns/pods/name" or "/apis/g/v/...": `name` and `subresource` may be empty.
std::string ResourcePath(const ResourceRef& ref, std::string_view ns, std::string_view name,
                         std::string_view subresource = "");

// Percent-encodes a query parameter value (RFC 3986 unreserved characters pass).
std::string QueryEscape(std::string_view value);

// A client of the API server `config` names, over an HTTP client that `factory` makes (the
// binary picks the backend) with `timeout`. It owns the TLS files its options point at (inline
// PEM from the config, written to a private temporary directory). Errors: the config's and the
// factory's.
absl::StatusOr<std::unique_ptr<KubeClient>> ConnectKube(const KubeConfig& config,
                                                        absl::Duration timeout,
                                                        const http::ClientFactory& factory);

}  // namespace coffer::kube

#endif  // COFFER_LIB_KUBE_HTTP_KUBE_CLIENT_H_
