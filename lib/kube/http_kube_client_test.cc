#include "lib/kube/http_kube_client.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/fake_client.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace coffer::kube {
namespace {

using ::coffer::testing::StatusIs;
using ::nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const ResourceRef kPods{"", "v1", "pods", true};
const ResourceRef kVaults{"coffer.io", "v1alpha1", "vaults", true};
const ResourceRef kNodes{"", "v1", "nodes", false};

std::string KubeStatus(int code, const std::string& reason, const std::string& message) {
  return json{{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
              {"status", "Failure"}, {"message", message}, {"reason", reason},
              {"code", code}}
      .dump();
}

// Records every request and answers with `response`.
struct Recorder {
  std::vector<http::ClientRequest> requests;
  http::ClientResponse response{200, {}, "{}"};

  std::unique_ptr<http::Client> Client() {
    return std::make_unique<http::FakeClient>([this](const http::ClientRequest& request) {
      requests.push_back(request);
      return absl::StatusOr<http::ClientResponse>(response);
    });
  }
};

// Hands a streamed body over in fixed pieces, as a network would.
class ChunkedClient : public http::Client {
 public:
  ChunkedClient(int status, std::vector<std::string> chunks)
      : status_(status), chunks_(std::move(chunks)) {}
  absl::StatusOr<http::ClientResponse> Send(const http::ClientRequest&) override {
    return absl::UnimplementedError("stream only");
  }
  absl::StatusOr<http::ClientResponse> Stream(const http::ClientRequest&,
                                              const std::function<bool(std::string_view)>& on_data,
                                              const http::Cancellation*) override {
    for (const std::string& chunk : chunks_) {
      if (!on_data(chunk)) break;
    }
    return http::ClientResponse{status_, {}, ""};
  }

 private:
  int status_;
  std::vector<std::string> chunks_;
};

std::unique_ptr<HttpKubeClient> NewKubeClient(std::unique_ptr<http::Client> http) {
  KubeConfig config;
  config.token = SecretBytes("t0ken");
  absl::StatusOr<std::unique_ptr<HttpKubeClient>> client =
      HttpKubeClient::Create(config, std::move(http));
  EXPECT_TRUE(client.ok());
  return std::move(client).value();
}

TEST(ResourcePathTest, CoreGroupNamedGroupAndClusterScopedPaths) {
  EXPECT_EQ(ResourcePath(kPods, "ns", "p"), "/api/v1/namespaces/ns/pods/p");
  EXPECT_EQ(ResourcePath(kVaults, "ns", "v", "status"),
            "/apis/coffer.io/v1alpha1/namespaces/ns/vaults/v/status");
  EXPECT_EQ(ResourcePath(kVaults, "", ""), "/apis/coffer.io/v1alpha1/vaults");
  EXPECT_EQ(ResourcePath(kNodes, "ignored", "n1"), "/api/v1/nodes/n1");
}

TEST(HttpKubeClientTest, GetSendsBearerTokenAndReturnsObject) {
  Recorder recorder;
  recorder.response.body = R"({"metadata":{"name":"p"}})";
  auto client = NewKubeClient(recorder.Client());
  COFFER_ASSERT_OK_AND_ASSIGN(json pod, client->Get(kPods, "ns", "p"));
  EXPECT_EQ(pod["metadata"]["name"], "p");
  ASSERT_EQ(recorder.requests.size(), 1u);
  EXPECT_EQ(recorder.requests[0].method, "GET");
  EXPECT_EQ(recorder.requests[0].path_and_query, "/api/v1/namespaces/ns/pods/p");
  EXPECT_EQ(recorder.requests[0].headers.Get("Authorization"), "Bearer t0ken");
}

TEST(HttpKubeClientTest, ListEncodesQueryAndReturnsContinueToken) {
  Recorder recorder;
  recorder.response.body =
      R"({"metadata":{"resourceVersion":"42","continue":"c2"},"items":[{"a":1},{"b":2}]})";
  auto client = NewKubeClient(recorder.Client());
  ListOptions options;
  options.label_selector = "app=x,tier in (a,b)";
  options.limit = 2;
  options.continue_token = "c1";
  COFFER_ASSERT_OK_AND_ASSIGN(ObjectList list, client->List(kVaults, "ns", options));
  EXPECT_EQ(list.items.size(), 2u);
  EXPECT_EQ(list.resource_version, "42");
  EXPECT_EQ(list.continue_token, "c2");
  EXPECT_EQ(recorder.requests[0].path_and_query,
            "/apis/coffer.io/v1alpha1/namespaces/ns/vaults"
            "?labelSelector=app%3Dx%2Ctier%20in%20%28a%2Cb%29&limit=2&continue=c1");
}

TEST(HttpKubeClientTest, WritesUseTheRightMethodPathAndContentType) {
  Recorder recorder;
  auto client = NewKubeClient(recorder.Client());
  json vault = {{"metadata", {{"name", "v"}}}, {"spec", {{"replicas", 1}}}};
  COFFER_ASSERT_OK(client->Create(kVaults, "ns", vault));
  COFFER_ASSERT_OK(client->Update(kVaults, "ns", vault));
  COFFER_ASSERT_OK(client->UpdateStatus(kVaults, "ns", vault));
  COFFER_ASSERT_OK(client->Patch(kVaults, "ns", "v", PatchType::kMerge, {{"spec", nullptr}}));
  COFFER_ASSERT_OK(client->Patch(kVaults, "ns", "v", PatchType::kJson,
                                 json::array({{{"op", "remove"}, {"path", "/spec"}}})));
  ASSERT_EQ(recorder.requests.size(), 5u);
  std::vector<std::string> seen;
  for (const auto& r : recorder.requests) {
    seen.push_back(r.method + " " + r.path_and_query + " " +
                   std::string(r.headers.Get("Content-Type").value_or("")));
  }
  const std::string base = "/apis/coffer.io/v1alpha1/namespaces/ns/vaults";
  EXPECT_THAT(
      seen, ElementsAre("POST " + base + " application/json", "PUT " + base + "/v application/json",
                        "PUT " + base + "/v/status application/json",
                        "PATCH " + base + "/v application/merge-patch+json",
                        "PATCH " + base + "/v application/json-patch+json"));
  EXPECT_EQ(json::parse(recorder.requests[0].body), vault);
}

TEST(HttpKubeClientTest, DeleteSendsPreconditionsAndPropagation) {
  Recorder recorder;
  auto client = NewKubeClient(recorder.Client());
  DeleteOptions options{"uid-1", "7", "Background"};
  COFFER_ASSERT_OK(client->Delete(kPods, "ns", "p", options));
  EXPECT_EQ(recorder.requests[0].method, "DELETE");
  json body = json::parse(recorder.requests[0].body);
  EXPECT_EQ(body["preconditions"]["uid"], "uid-1");
  EXPECT_EQ(body["preconditions"]["resourceVersion"], "7");
  EXPECT_EQ(body["propagationPolicy"], "Background");
}

struct MappingCase {
  int http_status;
  std::string reason;
  absl::StatusCode code;
};

TEST(HttpKubeClientTest, StatusBodiesMapToCodesKeepingTheMessage) {
  for (const MappingCase& c :
       std::vector<MappingCase>{{404, "NotFound", absl::StatusCode::kNotFound},
                                {409, "AlreadyExists", absl::StatusCode::kAlreadyExists},
                                {409, "Conflict", absl::StatusCode::kAborted},
                                {422, "Invalid", absl::StatusCode::kInvalidArgument},
                                {401, "Unauthorized", absl::StatusCode::kUnauthenticated},
                                {403, "Forbidden", absl::StatusCode::kPermissionDenied},
                                {410, "Expired", kWatchExpired},
                                {429, "TooManyRequests", absl::StatusCode::kUnavailable},
                                {503, "ServiceUnavailable", absl::StatusCode::kUnavailable}}) {
    Recorder recorder;
    recorder.response = {c.http_status, {}, KubeStatus(c.http_status, c.reason, "msg " + c.reason)};
    auto client = NewKubeClient(recorder.Client());
    EXPECT_THAT(client->Get(kPods, "ns", "p"), StatusIs(c.code, "msg " + c.reason)) << c.reason;
  }
}

TEST(HttpKubeClientTest, NonStatusErrorBodyStillMapsByHttpCode) {
  Recorder recorder;
  recorder.response = {502, {}, "Bad Gateway"};
  auto client = NewKubeClient(recorder.Client());
  EXPECT_THAT(client->Get(kPods, "ns", "p"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("Bad Gateway")));
}

TEST(HttpKubeClientTest, WatchEventsSplitAcrossChunksAreDelivered) {
  auto client = NewKubeClient(std::make_unique<ChunkedClient>(
      200, std::vector<std::string>{
               R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})"
               "\n"
               R"({"type":"MOD)",
               R"(IFIED","object":{"metadata":{"name":"b"}}})", "\n",
               R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})"}));
  std::vector<std::string> seen;
  COFFER_EXPECT_OK(client->Watch(
      kPods, "ns", WatchOptions{},
      [&](const WatchEvent& event) {
        seen.push_back(std::to_string(static_cast<int>(event.type)) +
                       event.object["metadata"].value("name", "") +
                       event.object["metadata"].value("resourceVersion", ""));
        return true;
      },
      nullptr));
  EXPECT_THAT(seen, ElementsAre("0a", "1b", "39"));
}

TEST(HttpKubeClientTest, WatchErrorEvent410IsExpired) {
  auto client = NewKubeClient(std::make_unique<ChunkedClient>(
      200, std::vector<std::string>{R"({"type":"ERROR","object":)" +
                                    KubeStatus(410, "Expired", "too old") + "}\n"}));
  EXPECT_THAT(client->Watch(
                  kPods, "ns", WatchOptions{}, [](const WatchEvent&) { return true; }, nullptr),
              StatusIs(kWatchExpired, "too old"));
}

TEST(HttpKubeClientTest, WatchHttp410IsExpired) {
  auto client = NewKubeClient(std::make_unique<ChunkedClient>(
      410, std::vector<std::string>{KubeStatus(410, "Gone", "gone")}));
  EXPECT_THAT(client->Watch(
                  kPods, "ns", WatchOptions{}, [](const WatchEvent&) { return true; }, nullptr),
              StatusIs(kWatchExpired));
}

TEST(HttpKubeClientTest, WatchQueryCarriesResourceVersionAndBookmarks) {
  Recorder recorder;
  recorder.response.body = "";
  auto client = NewKubeClient(recorder.Client());
  WatchOptions options;
  options.resource_version = "12";
  options.allow_bookmarks = true;
  COFFER_EXPECT_OK(client->Watch(
      kNodes, "", options, [](const WatchEvent&) { return true; }, nullptr));
  EXPECT_EQ(recorder.requests[0].path_and_query,
            "/api/v1/nodes?watch=true&resourceVersion=12&allowWatchBookmarks=true");
}

TEST(HttpKubeClientTest, RotatedTokenFileIsSentOnTheNextRequest) {
  testing::TempDir dir;
  testing::WriteFileOrDie(dir.File("token"), "one");
  KubeConfig config;
  config.token_file = dir.File("token");
  Recorder recorder;
  COFFER_ASSERT_OK_AND_ASSIGN(auto client, HttpKubeClient::Create(config, recorder.Client()));
  COFFER_ASSERT_OK(client->Raw("GET", "/version", nullptr));
  testing::WriteFileOrDie(dir.File("token.new"), "two");
  ASSERT_EQ(std::rename(dir.File("token.new").c_str(), dir.File("token").c_str()), 0);
  COFFER_ASSERT_OK(client->Raw("POST", "/apis/authentication.k8s.io/v1/tokenreviews",
                               {{"spec", {{"token", "x"}}}}));
  EXPECT_EQ(recorder.requests[0].headers.Get("Authorization"), "Bearer one");
  EXPECT_EQ(recorder.requests[1].headers.Get("Authorization"), "Bearer two");
  EXPECT_EQ(recorder.requests[1].path_and_query, "/apis/authentication.k8s.io/v1/tokenreviews");
}

}  // namespace
}  // namespace coffer::kube
