#include "lib/kube/http_kube_client.h"

#include <cctype>
#include <utility>
#include <vector>

#include "lib/base/status.h"
#include "lib/kube/forwarding_kube_client.h"

namespace coffer::kube {
namespace {

using nlohmann::json;

constexpr char kJson[] = "application/json";

std::string JoinQuery(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    out += out.empty() ? "?" : "&";
    out += key + "=" + QueryEscape(value);
  }
  return out;
}

std::string NameOf(const json& object) {
  if (!object.is_object() || !object.contains("metadata")) return "";
  return object["metadata"].value("name", "");
}

absl::StatusOr<WatchEventType> ParseEventType(const std::string& type) {
  if (type == "ADDED") return WatchEventType::kAdded;
  if (type == "MODIFIED") return WatchEventType::kModified;
  if (type == "DELETED") return WatchEventType::kDeleted;
  if (type == "BOOKMARK") return WatchEventType::kBookmark;
  return absl::InternalError("unknown watch event type \"" + type + "\"");
}

// Splits a watch body into newline-delimited events, whatever the chunk boundaries.
class WatchDecoder {
 public:
  explicit WatchDecoder(const std::function<bool(const WatchEvent&)>& on_event)
      : on_event_(on_event) {}

  // False once decoding should stop (the handler declined, an error, or a non-event body).
  bool Feed(std::string_view data) {
    if (raw_.size() < kMaxRaw) raw_.append(data.substr(0, kMaxRaw - raw_.size()));
    pending_.append(data);
    size_t start = 0;
    for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (!Line(std::string_view(pending_).substr(start, nl - start))) return false;
    }
    pending_.erase(0, start);
    return true;
  }

  // Decodes a last line without its newline.
  void Finish() {
    if (!done_ && !pending_.empty()) Line(pending_);
    pending_.clear();
  }

  const absl::Status& status() const { return status_; }
  bool saw_events() const { return saw_events_; }
  const std::string& raw() const { return raw_; }

 private:
  static constexpr size_t kMaxRaw = 64 * 1024;

  bool Line(std::string_view line) {
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) return true;
    json event = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!event.is_object() || !event.contains("type") || !event["type"].is_string()) {
      // On a 200 a bug; otherwise the error body answering the request, which the caller reads.
      return Stop(absl::InternalError("watch stream line is not an event"));
    }
    saw_events_ = true;
    std::string type = event["type"].get<std::string>();
    if (type == "ERROR") {
      absl::Status status = StatusFromKubeStatus(500, event.value("object", json()));
      return Stop(status.ok() ? absl::InternalError("watch ERROR event without a code") : status);
    }
    absl::StatusOr<WatchEventType> parsed = ParseEventType(type);
    if (!parsed.ok()) return Stop(parsed.status());
    WatchEvent out{*parsed, event.value("object", json::object())};
    if (!on_event_(out)) return Stop(absl::OkStatus());
    return true;
  }

  bool Stop(absl::Status status) {
    status_ = std::move(status);
    done_ = true;
    return false;
  }

  const std::function<bool(const WatchEvent&)>& on_event_;
  std::string pending_;
  std::string raw_;
  absl::Status status_;
  bool done_ = false;
  bool saw_events_ = false;
};

}  // namespace

std::string QueryEscape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string ResourcePath(const ResourceRef& ref, std::string_view ns, std::string_view name,
                         std::string_view subresource) {
  std::string path =
      ref.group.empty() ? "/api/" + ref.version : "/apis/" + ref.group + "/" + ref.version;
  if (ref.namespaced && !ns.empty()) path += "/namespaces/" + std::string(ns);
  path += "/" + ref.resource;
  if (!name.empty()) path += "/" + std::string(name);
  if (!subresource.empty()) path += "/" + std::string(subresource);
  return path;
}

absl::StatusOr<std::unique_ptr<HttpKubeClient>> HttpKubeClient::Create(
    const KubeConfig& config, std::unique_ptr<http::Client> http) {
  if (http == nullptr) return absl::InvalidArgumentError("HttpKubeClient needs an http::Client");
  std::unique_ptr<TokenFile> token_file;
  if (!config.token_file.empty()) {
    token_file = std::make_unique<TokenFile>(config.token_file);
    COFFER_RETURN_IF_ERROR(token_file->Token().status());
  }
  return std::unique_ptr<HttpKubeClient>(
      new HttpKubeClient(std::move(http), config.token, std::move(token_file)));
}

absl::StatusOr<http::ClientRequest> HttpKubeClient::NewRequest(std::string method,
                                                               std::string path_and_query,
                                                               std::string_view content_type,
                                                               const json& body) {
  http::ClientRequest request;
  request.method = std::move(method);
  request.path_and_query = std::move(path_and_query);
  request.headers.Add("Accept", kJson);
  if (!body.is_null()) {
    request.headers.Add("Content-Type", std::string(content_type));
    // Strings from outside (a token under review) may hold any bytes: never throw on them.
    request.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  if (token_file_ != nullptr) {
    COFFER_ASSIGN_OR_RETURN(SecretBytes token, token_file_->Token());
    request.headers.Add("Authorization", "Bearer " + std::string(token.reveal()));
  } else if (!token_.empty()) {
    request.headers.Add("Authorization", "Bearer " + std::string(token_.reveal()));
  }
  return request;
}

absl::StatusOr<json> HttpKubeClient::Call(std::string method, std::string path_and_query,
                                          std::string_view content_type, const json& body) {
  COFFER_ASSIGN_OR_RETURN(
      http::ClientRequest request,
      NewRequest(std::move(method), std::move(path_and_query), content_type, body));
  COFFER_ASSIGN_OR_RETURN(http::ClientResponse response, http_->Send(request));
  if (response.status < 200 || response.status >= 300) {
    return StatusFromResponse(response.status, response.body);
  }
  if (response.body.empty()) return json::object();
  json parsed = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return absl::InternalError("kubernetes API " + request.path_and_query +
                               ": response is not JSON");
  }
  return parsed;
}

absl::StatusOr<json> HttpKubeClient::Get(const ResourceRef& ref, std::string_view ns,
                                         std::string_view name) {
  return Call("GET", ResourcePath(ref, ns, name), kJson, json());
}

absl::StatusOr<ObjectList> HttpKubeClient::List(const ResourceRef& ref, std::string_view ns,
                                                const ListOptions& options) {
  std::string query = JoinQuery({{"labelSelector", options.label_selector},
                                 {"fieldSelector", options.field_selector},
                                 {"limit", options.limit > 0 ? std::to_string(options.limit) : ""},
                                 {"continue", options.continue_token},
                                 {"resourceVersion", options.resource_version}});
  COFFER_ASSIGN_OR_RETURN(json list, Call("GET", ResourcePath(ref, ns, "") + query, kJson, json()));
  ObjectList out;
  if (list.contains("items") && list["items"].is_array()) {
    for (json& item : list["items"]) out.items.push_back(std::move(item));
  }
  if (list.contains("metadata") && list["metadata"].is_object()) {
    out.resource_version = list["metadata"].value("resourceVersion", "");
    out.continue_token = list["metadata"].value("continue", "");
  }
  return out;
}

absl::StatusOr<json> HttpKubeClient::Create(const ResourceRef& ref, std::string_view ns,
                                            const json& object) {
  return Call("POST", ResourcePath(ref, ns, ""), kJson, object);
}

absl::StatusOr<json> HttpKubeClient::Update(const ResourceRef& ref, std::string_view ns,
                                            const json& object) {
  std::string name = NameOf(object);
  if (name.empty()) return absl::InvalidArgumentError("Update: metadata.name is not set");
  return Call("PUT", ResourcePath(ref, ns, name), kJson, object);
}

absl::StatusOr<json> HttpKubeClient::UpdateStatus(const ResourceRef& ref, std::string_view ns,
                                                  const json& object) {
  std::string name = NameOf(object);
  if (name.empty()) return absl::InvalidArgumentError("UpdateStatus: metadata.name is not set");
  return Call("PUT", ResourcePath(ref, ns, name, "status"), kJson, object);
}

absl::StatusOr<json> HttpKubeClient::Patch(const ResourceRef& ref, std::string_view ns,
                                           std::string_view name, PatchType type,
                                           const json& patch) {
  std::string_view content_type =
      type == PatchType::kMerge ? "application/merge-patch+json" : "application/json-patch+json";
  return Call("PATCH", ResourcePath(ref, ns, name), content_type, patch);
}

absl::Status HttpKubeClient::Delete(const ResourceRef& ref, std::string_view ns,
                                    std::string_view name, const DeleteOptions& options) {
  json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!options.precondition_uid.empty()) {
    body["preconditions"]["uid"] = options.precondition_uid;
  }
  if (!options.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
  }
  if (!options.propagation_policy.empty()) {
    body["propagationPolicy"] = options.propagation_policy;
  }
  return Call("DELETE", ResourcePath(ref, ns, name), kJson, body).status();
}

absl::Status HttpKubeClient::Watch(const ResourceRef& ref, std::string_view ns,
                                   const WatchOptions& options,
                                   const std::function<bool(const WatchEvent&)>& on_event,
                                   const http::Cancellation* cancel) {
  std::string query =
      JoinQuery({{"watch", "true"},
                 {"resourceVersion", options.resource_version},
                 {"allowWatchBookmarks", options.allow_bookmarks ? "true" : ""},
                 {"labelSelector", options.label_selector},
                 {"fieldSelector", options.field_selector},
                 {"timeoutSeconds",
                  options.timeout_seconds > 0 ? std::to_string(options.timeout_seconds) : ""}});
  COFFER_ASSIGN_OR_RETURN(http::ClientRequest request,
                          NewRequest("GET", ResourcePath(ref, ns, "") + query, kJson, json()));
  WatchDecoder decoder(on_event);
  absl::StatusOr<http::ClientResponse> response = http_->Stream(
      request, [&](std::string_view data) { return decoder.Feed(data); }, cancel);
  if (!response.ok()) return response.status();
  if (response->status != 200) return StatusFromResponse(response->status, decoder.raw());
  decoder.Finish();
  return decoder.status();
}

absl::StatusOr<json> HttpKubeClient::Raw(std::string_view method, std::string_view path,
                                         const json& body) {
  return Call(std::string(method), std::string(path), kJson, body);
}

namespace {

// Keeps the TLS files alive as long as the client that reads them.
class OwningKubeClient : public ForwardingKubeClient {
 public:
  OwningKubeClient(std::unique_ptr<TlsFiles> tls, std::unique_ptr<KubeClient> client)
      : ForwardingKubeClient(*client), tls_(std::move(tls)), client_(std::move(client)) {}

 private:
  const std::unique_ptr<TlsFiles> tls_;
  const std::unique_ptr<KubeClient> client_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<KubeClient>> ConnectKube(const KubeConfig& config,
                                                        absl::Duration timeout,
                                                        const http::ClientFactory& factory) {
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<TlsFiles> tls, TlsFiles::Create(config));
  http::ClientOptions options = tls->options();
  options.timeout = timeout;
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<http::Client> http, factory(options));
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<HttpKubeClient> client,
                          HttpKubeClient::Create(config, std::move(http)));
  return std::unique_ptr<KubeClient>(
      std::make_unique<OwningKubeClient>(std::move(tls), std::move(client)));
}

}  // namespace coffer::kube
