#include "tests/kube-apiserver/server/kube_api_handler.h"

#include <atomic>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "tests/kube-apiserver/server/rbac.h"
#include "tests/kube-apiserver/server/table.h"
#include "tests/kube-apiserver/store/status_body.h"

namespace coffer::kube::standin {
namespace {

using json = nlohmann::json;

constexpr absl::Duration kDefaultWatchTimeout = absl::Minutes(30);
constexpr absl::Duration kBookmarkInterval = absl::Minutes(1);

http::Response JsonResponse(int code, const json& body) {
  return http::Response::Json(code, body.dump());
}

http::Response ErrorResponse(const absl::Status& status) {
  json body = StatusBody(status);
  return JsonResponse(body.value("code", 500), body);
}

absl::Status PathNotFound() {
  return MakeKubeError(absl::StatusCode::kNotFound,
                       "the server could not find the requested resource",
                       KubeErrorInfo{"NotFound", 404, "", "", "", nullptr});
}

json VersionInfo() {
  return {{"major", "1"},
          {"minor", "32"},
          {"gitVersion", "v1.32.0"},
          {"gitCommit", "coffer-standin"},
          {"gitTreeState", "clean"},
          {"buildDate", "2024-12-11T00:00:00Z"},
          {"goVersion", "go1.23.3"},
          {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

std::vector<std::string> Segments(const std::string& path) {
  return absl::StrSplit(path, '/', absl::SkipEmpty());
}

}  // namespace

struct KubeApiHandler::WatchSession {
  std::shared_ptr<http::ResponseStream> stream;
  std::unique_ptr<WatchHandle> handle;
  std::shared_ptr<std::atomic<bool>> gone;
  absl::Time deadline;
};

KubeApiHandler::KubeApiHandler(const Clock& clock, std::string admin_token,
                               std::string server_address, http::ClientFactory webhook_clients)
    : clock_(clock),
      admin_token_(std::move(admin_token)),
      store_(clock),
      webhooks_(store_, std::move(webhook_clients)),
      server_address_(std::move(server_address)) {
  for (const char* name : {"default", "kube-system", "kube-public"}) {
    (void)store_.Create(
        "v1/namespaces", "",
        {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
  }
  gc_ = store_.WatchAll([this](const WatchEvent& event) {
    if (event.type != "DELETED") return;
    for (const ObjectStore::ObjectRef& ref :
         store_.Orphans(event.object["metadata"].value("uid", ""))) {
      (void)store_.Delete(ref.resource, ref.ns, ref.name);
    }
  });
  next_bookmark_ = clock_.Now() + kBookmarkInterval;
  reaper_ = std::thread([this] { ReapWatches(); });
}

KubeApiHandler::~KubeApiHandler() {
  posts_.Stop();  // POSTs in flight finish first
  std::vector<std::shared_ptr<WatchSession>> sessions;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  reaper_.join();
  {
    absl::MutexLock lock(&mu_);
    sessions.swap(watches_);
  }
  for (auto& session : sessions) {
    session->handle.reset();
    session->stream->Close();
  }
}

void KubeApiHandler::set_server_address(std::string address) {
  absl::MutexLock lock(&mu_);
  server_address_ = std::move(address);
}

bool KubeApiHandler::IsAdmin(std::string_view token) const {
  if (token.size() != admin_token_.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < token.size(); ++i) diff |= token[i] ^ admin_token_[i];
  return diff == 0;
}

std::optional<http::Response> KubeApiHandler::OnHeaders(const http::Request& head) {
  if (IsPublicPath(head.path)) return std::nullopt;
  std::optional<std::string_view> header = head.headers.Get("Authorization");
  std::string_view token = header && header->substr(0, 7) == "Bearer " ? header->substr(7) : "";
  if (!token.empty() && IsAdmin(token)) return std::nullopt;
  // Any other bearer token must be a service-account token for this API server, whose
  // ServiceAccount's RBAC then decides.
  absl::StatusOr<json> review = token.empty()
                                    ? absl::UnauthenticatedError("no token")
                                    : Authenticate(std::string(token), {issuer_.issuer()});
  if (!review.ok()) {
    return ErrorResponse(MakeKubeError(absl::StatusCode::kUnauthenticated, "Unauthorized",
                                       KubeErrorInfo{"Unauthorized", 401, "", "", "", nullptr}));
  }
  UserInfo user{(*review)["user"].value("username", ""), {}};
  for (const json& group : (*review)["user"].value("groups", json::array())) {
    user.groups.push_back(group);
  }
  auto watch = head.query.find("watch");
  RequestAttributes request =
      AttributesOf(head.method, head.path,
                   watch != head.query.end() && (watch->second == "true" || watch->second == "1"));
  if (RbacAllows(store_, user, request)) return std::nullopt;
  return ErrorResponse(MakeKubeError(
      absl::StatusCode::kPermissionDenied, ForbiddenMessage(user, request),
      KubeErrorInfo{"Forbidden", 403, request.name, request.group, request.resource, nullptr}));
}

http::Response KubeApiHandler::RenderError(int status, std::string_view message) {
  return JsonResponse(status, {{"kind", "Status"},
                               {"apiVersion", "v1"},
                               {"metadata", json::object()},
                               {"status", "Failure"},
                               {"message", message},
                               {"reason", status == 413 ? "RequestEntityTooLarge" : "BadRequest"},
                               {"code", status}});
}

void KubeApiHandler::HandleAsync(const http::Request& request,
                                 std::function<void(http::Response)> respond) {
  if (request.method != "POST") return respond(Handle(request));
  posts_.Post([this, &request, respond = std::move(respond)] { respond(Handle(request)); });
}

http::Response KubeApiHandler::Handle(const http::Request& request) {
  if (std::optional<http::Response> refused = OnHeaders(request)) return *std::move(refused);
  if (std::optional<http::Response> discovery = Discovery(request)) return *std::move(discovery);
  if (std::optional<http::Response> auth = AuthEndpoint(request)) return *std::move(auth);
  std::optional<Target> target = ParseTarget(request.path);
  if (!target) return ErrorResponse(PathNotFound());
  return Serve(request, *target);
}

std::optional<http::Response> KubeApiHandler::Discovery(const http::Request& request) const {
  std::vector<std::string> segs = Segments(request.path);
  bool openapi = segs.size() >= 2 && segs[0] == "openapi";
  bool api_root = segs.size() == 1 && (segs[0] == "api" || segs[0] == "apis");
  bool gv = (segs.size() == 2 && segs[0] == "api") || (segs.size() == 3 && segs[0] == "apis");
  bool version = segs.size() == 1 && segs[0] == "version";
  if (!openapi && !api_root && !gv && !version) return std::nullopt;
  if (request.method != "GET") {
    return ErrorResponse(
        MakeKubeError(absl::StatusCode::kUnimplemented,
                      "the server does not allow this method on the requested resource",
                      KubeErrorInfo{"MethodNotAllowed", 405, "", "", "", nullptr}));
  }
  if (version) return JsonResponse(200, VersionInfo());
  if (api_root && segs[0] == "api") {
    absl::MutexLock lock(&mu_);
    return JsonResponse(200, registry_.ApiVersions(server_address_));
  }
  if (api_root) return JsonResponse(200, registry_.ApiGroupList());
  std::optional<json> body;
  if (gv) {
    body = segs[0] == "api" ? registry_.ApiResourceList("", segs[1])
                            : registry_.ApiResourceList(segs[1], segs[2]);
  } else if (segs.size() == 2 && segs[1] == "v3") {
    body = registry_.OpenApiRoot();
  } else if (segs.size() == 4 && segs[1] == "v3" && segs[2] == "api") {
    body = registry_.OpenApiDocument("", segs[3]);
  } else if (segs.size() == 5 && segs[1] == "v3" && segs[2] == "apis") {
    body = registry_.OpenApiDocument(segs[3], segs[4]);
  }
  if (!body) return ErrorResponse(PathNotFound());
  return JsonResponse(200, *body);
}

std::optional<KubeApiHandler::Target> KubeApiHandler::ParseTarget(const std::string& path) const {
  std::vector<std::string> segs = Segments(path);
  std::string group;
  std::string version;
  size_t rest = 0;
  if (segs.size() >= 3 && segs[0] == "api") {
    version = segs[1];
    rest = 2;
  } else if (segs.size() >= 4 && segs[0] == "apis") {
    group = segs[1];
    version = segs[2];
    rest = 3;
  } else {
    return std::nullopt;
  }
  std::vector<std::string> parts(segs.begin() + rest, segs.end());
  Target target;
  if (parts.size() >= 3 && parts[0] == "namespaces") {
    std::optional<ResourceInfo> info = registry_.Find(group, version, parts[2]);
    if (info && info->namespaced) {
      target.ns = parts[1];
      parts.erase(parts.begin(), parts.begin() + 2);
    }
  }
  if (parts.size() > 3) return std::nullopt;
  std::optional<ResourceInfo> info = registry_.Find(group, version, parts[0]);
  if (!info) return std::nullopt;
  target.resource = *info;
  if (parts.size() >= 2) target.name = parts[1];
  if (parts.size() == 3) {
    if (parts[2] != "status" || !info->status_subresource) return std::nullopt;
    target.subresource = parts[2];
  }
  if (info->namespaced && target.ns.empty() && !target.name.empty()) return std::nullopt;
  return target;
}

http::Response KubeApiHandler::Watch(const http::Request& request, const Target& target) {
  auto query_value = [&](const char* key) {
    auto it = request.query.find(key);
    return it == request.query.end() ? std::string() : it->second;
  };
  absl::StatusOr<Selector> selector = ParseSelector(request);
  if (!selector.ok()) return ErrorResponse(selector.status());
  absl::Duration timeout = kDefaultWatchTimeout;
  int64_t seconds = 0;
  if (absl::SimpleAtoi(query_value("timeoutSeconds"), &seconds) && seconds > 0) {
    timeout = absl::Seconds(seconds);
  }
  http::Response response;
  response.headers.Set("Content-Type", "application/json");
  std::string resource_version = query_value("resourceVersion");
  bool bookmarks = query_value("allowWatchBookmarks") == "true";
  // kubectl get -w: each event's object is a Table of one row; the first carries the columns.
  const bool table = target.resource.custom && WantsTable(request);
  response.stream = [this, target, resource_version, timeout, bookmarks, table,
                     selector = *std::move(selector)](std::shared_ptr<http::ResponseStream> out) {
    auto session = std::make_shared<WatchSession>();
    session->stream = out;
    session->gone = std::make_shared<std::atomic<bool>>(false);
    session->deadline = clock_.Now() + timeout;
    auto gone = session->gone;
    auto handle = store_.Watch(
        target.resource.StoreKey(), target.ns, resource_version,
        [out, gone, bookmarks, table, info = target.resource,
         first = std::make_shared<std::atomic<bool>>(true)](const WatchEvent& event) {
          if (gone->load() || (event.type == "BOOKMARK" && !bookmarks)) return;
          json object = event.object;
          if (table && event.type != "BOOKMARK" && event.type != "ERROR") {
            object = ToTable(
                info, {event.object}, first->exchange(false),
                event.object.value("/metadata/resourceVersion"_json_pointer, std::string()));
          }
          json line = {{"type", event.type}, {"object", object}};
          if (!out->Write(line.dump() + "\n")) gone->store(true);
        },
        selector);
    if (!handle.ok()) {
      json line = {{"type", "ERROR"}, {"object", StatusBody(handle.status())}};
      out->Write(line.dump() + "\n");
      out->Close();
      return;
    }
    session->handle = *std::move(handle);
    absl::MutexLock lock(&mu_);
    watches_.push_back(std::move(session));
  };
  return response;
}

void KubeApiHandler::ReapWatches() {
  while (true) {
    std::vector<std::shared_ptr<WatchSession>> done;
    if (clock_.Now() >= next_bookmark_) {
      next_bookmark_ = clock_.Now() + kBookmarkInterval;
      store_.Bookmark();
    }
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(200));
      if (stopping_) return;
      absl::Time now = clock_.Now();
      std::vector<std::shared_ptr<WatchSession>> kept;
      for (auto& session : watches_) {
        bool finished = session->gone->load() || now >= session->deadline;
        (finished ? done : kept).push_back(std::move(session));
      }
      watches_.swap(kept);
    }
    for (auto& session : done) {
      session->handle.reset();
      session->stream->Close();
    }
  }
}

}  // namespace coffer::kube::standin
