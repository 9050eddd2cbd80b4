#include "tests/kube-apiserver/server/kube_api_handler.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace coffer::kube::standin {
namespace {

using json = nlohmann::json;
using ::testing::Contains;

constexpr char kToken[] = "admin-token";

const char kCrd[] = R"({
  "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "vaults.coffer.io"},
  "spec": {"group": "coffer.io", "scope": "Namespaced",
    "names": {"plural": "vaults", "singular": "vault", "kind": "Vault", "shortNames": ["vlt"]},
    "versions": [{"name": "v1alpha1", "served": true, "storage": true,
      "subresources": {"status": {}},
      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
          "replicas": {"type": "integer", "minimum": 1, "maximum": 5}}},
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}})";

class FakeStream : public http::ResponseStream {
 public:
  bool Write(std::string chunk) override {
    absl::MutexLock lock(&mu_);
    chunks_.push_back(std::move(chunk));
    return true;
  }
  void Close() override {}
  std::vector<json> Events() {
    absl::MutexLock lock(&mu_);
    std::vector<json> events;
    for (const std::string& chunk : chunks_) events.push_back(json::parse(chunk));
    return events;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> chunks_;
};

class KubeApiHandlerTest : public ::testing::Test {
 protected:
  http::Response Call(std::string method, std::string path, std::string body = "",
                      std::map<std::string, std::string> query = {},
                      std::string content_type = "application/json") {
    http::Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.target = request.path;
    request.query = std::move(query);
    request.body = std::move(body);
    request.headers.Add("Authorization", std::string("Bearer ") + kToken);
    request.headers.Add("Content-Type", content_type);
    return handler_.Handle(request);
  }
  json CallJson(std::string method, std::string path, std::string body = "", int expected = 200) {
    http::Response response = Call(method, path, body);
    EXPECT_EQ(response.status, expected) << method << " " << path << ": " << response.body;
    return json::parse(response.body);
  }
  void CreateCrd() {
    CallJson("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", kCrd, 201);
  }

  FakeClock clock_;
  KubeApiHandler handler_{clock_, kToken, "127.0.0.1:6443"};
};

TEST_F(KubeApiHandlerTest, MissingTokenIsUnauthorized) {
  http::Request request;
  request.method = "GET";
  request.path = "/api/v1/namespaces/default/pods";
  request.headers.Add("Authorization", "Bearer wrong");
  http::Response response = handler_.Handle(request);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(json::parse(response.body)["reason"], "Unauthorized");
}

TEST_F(KubeApiHandlerTest, VersionReportsMinor32) {
  json version = CallJson("GET", "/version");
  EXPECT_EQ(version["major"], "1");
  EXPECT_EQ(version["minor"], "32");
  EXPECT_EQ(version["gitVersion"], "v1.32.0");
}

TEST_F(KubeApiHandlerTest, DiscoveryListsCoreResourcesAndGroups) {
  EXPECT_EQ(CallJson("GET", "/api")["versions"], json({"v1"}));
  json core = CallJson("GET", "/api/v1");
  std::vector<std::string> names;
  for (const json& r : core["resources"]) names.push_back(r["name"]);
  for (const char* name :
       {"namespaces", "serviceaccounts", "secrets", "configmaps", "pods", "services", "events"}) {
    EXPECT_THAT(names, Contains(name));
  }
  std::vector<std::string> groups;
  json group_list = CallJson("GET", "/apis");
  for (const json& g : group_list["groups"]) groups.push_back(g["name"]);
  EXPECT_THAT(groups, Contains("apiextensions.k8s.io"));
  EXPECT_THAT(groups, Contains("coordination.k8s.io"));
  EXPECT_EQ(Call("GET", "/apis/coffer.io/v1alpha1").status, 404);
}

TEST_F(KubeApiHandlerTest, CreatedCrdIsServedInDiscoveryAndOpenApi) {
  CreateCrd();
  std::vector<std::string> groups;
  json group_list = CallJson("GET", "/apis");
  for (const json& g : group_list["groups"]) groups.push_back(g["name"]);
  EXPECT_THAT(groups, Contains("coffer.io"));
  json list = CallJson("GET", "/apis/coffer.io/v1alpha1");
  ASSERT_EQ(list["resources"].size(), 2u);
  EXPECT_EQ(list["resources"][0]["name"], "vaults");
  EXPECT_EQ(list["resources"][0]["singularName"], "vault");
  EXPECT_EQ(list["resources"][0]["kind"], "Vault");
  EXPECT_EQ(list["resources"][0]["namespaced"], true);
  EXPECT_EQ(list["resources"][0]["shortNames"], json({"vlt"}));
  EXPECT_EQ(list["resources"][1]["name"], "vaults/status");
  json root = CallJson("GET", "/openapi/v3");
  ASSERT_TRUE(root["paths"].contains("apis/coffer.io/v1alpha1"));
  json doc = CallJson("GET", "/openapi/v3/apis/coffer.io/v1alpha1");
  json patch =
      doc["paths"]["/apis/coffer.io/v1alpha1/namespaces/{namespace}/vaults/{name}"]["patch"];
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"]["kind"], "Vault");
  EXPECT_EQ(patch["parameters"][0]["name"], "fieldValidation");
  json crd =
      CallJson("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/vaults.coffer.io");
  EXPECT_EQ(crd["status"]["conditions"][1]["type"], "Established");
}

TEST_F(KubeApiHandlerTest, CrudOfConfigMap) {
  const std::string base = "/api/v1/namespaces/default/configmaps";
  json created = CallJson("POST", base, R"({"metadata":{"name":"c"},"data":{"a":"1"}})", 201);
  EXPECT_EQ(created["metadata"]["namespace"], "default");
  EXPECT_EQ(created["kind"], "ConfigMap");
  json again = CallJson("POST", base, R"({"metadata":{"name":"c"}})", 409);
  EXPECT_EQ(again["reason"], "AlreadyExists");
  json stale = created;
  stale["metadata"]["resourceVersion"] = "0";
  EXPECT_EQ(Call("PUT", base + "/c", stale.dump()).status, 409);
  created["data"]["a"] = "2";
  EXPECT_EQ(CallJson("PUT", base + "/c", created.dump())["data"]["a"], "2");
  http::Response patched = Call("PATCH", base + "/c", R"({"data":{"b":"3","a":null}})", {},
                                "application/merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json::parse(patched.body)["data"], json({{"b", "3"}}));
  json list = CallJson("GET", base);
  EXPECT_EQ(list["kind"], "ConfigMapList");
  EXPECT_EQ(list["items"].size(), 1u);
  CallJson("DELETE", base + "/c");
  json missing = CallJson("GET", base + "/c", "", 404);
  EXPECT_EQ(missing["message"], "configmaps \"c\" not found");
  EXPECT_EQ(CallJson("GET", "/api/v1/nopes", "", 404)["reason"], "NotFound");
  EXPECT_EQ(CallJson("POST", base, "{not json", 400)["reason"], "BadRequest");
}

TEST_F(KubeApiHandlerTest, ListHonoursSelectorsAndLimit) {
  const std::string base = "/api/v1/namespaces/default/configmaps";
  CallJson("POST", base, R"({"metadata":{"name":"a","labels":{"tier":"x"}}})", 201);
  CallJson("POST", base, R"({"metadata":{"name":"b","labels":{"tier":"y"}}})", 201);
  json by_label = json::parse(Call("GET", base, "", {{"labelSelector", "tier=y"}}).body);
  ASSERT_EQ(by_label["items"].size(), 1u);
  EXPECT_EQ(by_label["items"][0]["metadata"]["name"], "b");
  json by_field = json::parse(Call("GET", base, "", {{"fieldSelector", "metadata.name=a"}}).body);
  ASSERT_EQ(by_field["items"].size(), 1u);
  json page = json::parse(Call("GET", base, "", {{"limit", "1"}}).body);
  ASSERT_EQ(page["items"].size(), 1u);
  std::string token = page["metadata"]["continue"];
  json next = json::parse(Call("GET", base, "", {{"limit", "1"}, {"continue", token}}).body);
  EXPECT_EQ(next["items"][0]["metadata"]["name"], "b");
}

TEST_F(KubeApiHandlerTest, InvalidCustomObjectIs422WithCauses) {
  CreateCrd();
  const std::string base = "/apis/coffer.io/v1alpha1/namespaces/default/vaults";
  json bad = CallJson("POST", base, R"({"metadata":{"name":"bad"},"spec":{"replicas":9}})", 422);
  EXPECT_EQ(bad["reason"], "Invalid");
  EXPECT_EQ(bad["details"]["causes"][0]["field"], "spec.replicas");
  EXPECT_THAT(bad["message"].get<std::string>(),
              ::testing::HasSubstr("Vault.coffer.io \"bad\" is invalid"));
  json good =
      CallJson("POST", base, R"({"metadata":{"name":"v"},"spec":{"replicas":2,"x":1}})", 201);
  EXPECT_FALSE(good["spec"].contains("x")) << "unknown fields are pruned";
  EXPECT_EQ(good["apiVersion"], "coffer.io/v1alpha1");
  good["status"] = {{"phase", "Ready"}};
  json status = CallJson("PUT", base + "/v/status", good.dump());
  EXPECT_EQ(status["status"]["phase"], "Ready");
}

TEST_F(KubeApiHandlerTest, WatchStreamsAddedThenModified) {
  const std::string base = "/api/v1/namespaces/default/configmaps";
  json created = CallJson("POST", base, R"({"metadata":{"name":"w"}})", 201);
  http::Response watch = Call("GET", base, "", {{"watch", "true"}, {"resourceVersion", "0"}});
  ASSERT_TRUE(watch.stream);
  auto stream = std::make_shared<FakeStream>();
  watch.stream(stream);
  created["data"] = {{"k", "v"}};
  CallJson("PUT", base + "/w", created.dump());
  std::vector<json> events = stream->Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["type"], "MODIFIED");
  EXPECT_EQ(events[1]["object"]["data"]["k"], "v");
}

TEST_F(KubeApiHandlerTest, WatchBookmarksOnlyWhenAllowed) {
  const std::string base = "/api/v1/namespaces/default/configmaps";
  json created = CallJson("POST", base, R"({"metadata":{"name":"b"}})", 201);
  std::string rv = created["metadata"]["resourceVersion"];
  auto plain = std::make_shared<FakeStream>();
  auto with = std::make_shared<FakeStream>();
  Call("GET", base, "", {{"watch", "true"}, {"resourceVersion", rv}}).stream(plain);
  Call("GET", base, "",
       {{"watch", "true"}, {"resourceVersion", rv}, {"allowWatchBookmarks", "true"}})
      .stream(with);
  handler_.SendBookmarks();
  EXPECT_TRUE(plain->Events().empty());
  std::vector<json> events = with->Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "BOOKMARK");
  EXPECT_EQ(events[0]["object"]["kind"], "ConfigMap");
  EXPECT_EQ(events[0]["object"]["metadata"]["resourceVersion"], rv);
  clock_.Advance(absl::Minutes(2));  // the reaper sends one every minute
  for (int i = 0; i < 100 && with->Events().size() < 2; ++i) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(with->Events().size(), 2u);
  EXPECT_TRUE(plain->Events().empty());
}

TEST_F(KubeApiHandlerTest, DeletingAnOwnerCollectsItsDependents) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  const std::string secrets = "/api/v1/namespaces/default/secrets";
  json owner = CallJson("POST", cms, R"({"metadata":{"name":"owner"}})", 201);
  json other = CallJson("POST", cms, R"({"metadata":{"name":"other"}})", 201);
  auto ref = [](const json& o) {
    return json{{"apiVersion", "v1"},
                {"kind", "ConfigMap"},
                {"name", o["metadata"]["name"]},
                {"uid", o["metadata"]["uid"]}};
  };
  json child = CallJson(
      "POST", secrets,
      json{{"metadata", {{"name", "child"}, {"ownerReferences", {ref(owner)}}}}}.dump(), 201);
  json grandchild = {{"metadata", {{"name", "grandchild"}, {"ownerReferences", {ref(child)}}}}};
  CallJson("POST", cms, grandchild.dump(), 201);
  json shared = {{"metadata", {{"name", "shared"}, {"ownerReferences", {ref(owner), ref(other)}}}}};
  CallJson("POST", secrets, shared.dump(), 201);
  json unrelated = {{"metadata", {{"name", "unrelated"}, {"ownerReferences", {ref(other)}}}}};
  CallJson("POST", secrets, unrelated.dump(), 201);

  CallJson("DELETE", cms + "/owner", "");
  EXPECT_EQ(Call("GET", secrets + "/child").status, 404);
  EXPECT_EQ(Call("GET", cms + "/grandchild").status, 404);
  EXPECT_EQ(Call("GET", secrets + "/shared").status, 200) << "another owner still exists";
  EXPECT_EQ(Call("GET", secrets + "/unrelated").status, 200);
  CallJson("DELETE", cms + "/other", "");
  EXPECT_EQ(Call("GET", secrets + "/shared").status, 404);
  EXPECT_EQ(Call("GET", secrets + "/unrelated").status, 404);
}

TEST_F(KubeApiHandlerTest, OwnerWithFinalizerCollectsDependentsOnlyOnceGone) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  json owner =
      CallJson("POST", cms, R"({"metadata":{"name":"owner","finalizers":["coffer.io/x"]}})", 201);
  json dependent = {{"metadata",
                     {{"name", "dep"},
                      {"ownerReferences",
                       {{{"apiVersion", "v1"},
                         {"kind", "ConfigMap"},
                         {"name", "owner"},
                         {"uid", owner["metadata"]["uid"]}}}}}}};
  CallJson("POST", cms, dependent.dump(), 201);
  CallJson("DELETE", cms + "/owner", "");
  EXPECT_EQ(Call("GET", cms + "/dep").status, 200);
  http::Response patched = Call("PATCH", cms + "/owner", R"({"metadata":{"finalizers":null}})", {},
                                "application/merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Call("GET", cms + "/owner").status, 404);
  EXPECT_EQ(Call("GET", cms + "/dep").status, 404);
}

}  // namespace
}  // namespace coffer::kube::standin
