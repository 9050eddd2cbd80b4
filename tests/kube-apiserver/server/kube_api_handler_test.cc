#include "tests/kube-apiserver/server/kube_api_handler.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"

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

// Every error is a v1 Status with status Failure, the reason and the HTTP code (issue 4).
void ExpectStatus(const http::Response& response, int code, const std::string& reason) {
  EXPECT_EQ(response.status, code) << response.body;
  json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(body.is_object()) << response.body;
  EXPECT_EQ(body["kind"], "Status") << response.body;
  EXPECT_EQ(body["apiVersion"], "v1") << response.body;
  EXPECT_EQ(body["status"], "Failure") << response.body;
  EXPECT_EQ(body["reason"], reason) << response.body;
  EXPECT_EQ(body["code"], code) << response.body;
  EXPECT_TRUE(body["message"].is_string()) << response.body;
}

TEST_F(KubeApiHandlerTest, BodyThatIsNotJsonIs400) {
  const std::string base = "/api/v1/namespaces/default/configmaps";
  ExpectStatus(Call("POST", base, "{not json"), 400, "BadRequest");
  ExpectStatus(Call("POST", base, ""), 400, "BadRequest");
  ExpectStatus(Call("POST", base, "\xff\xfe"), 400, "BadRequest");
  CallJson("POST", base, R"({"metadata":{"name":"c"}})", 201);
  ExpectStatus(Call("PUT", base + "/c", "{\"metadata\":"), 400, "BadRequest");
}

TEST_F(KubeApiHandlerTest, BodyThatIsNotAnObjectOrHasNoNameIsRejected) {
  const std::string base = "/api/v1/namespaces/default/configmaps";
  for (const char* body : {"[]", "[1,2]", "\"x\"", "42", "null", "true"}) {
    ExpectStatus(Call("POST", base, body), 400, "BadRequest");
  }
  for (const char* body :
       {R"({"metadata":"x"})", R"({"metadata":[]})", R"({"metadata":{"name":5}})",
        R"({"metadata":{"generateName":{}}})", R"({"metadata":{"name":"n","namespace":1}})"}) {
    ExpectStatus(Call("POST", base, body), 400, "BadRequest");
  }
  for (const char* body : {"{}", R"({"metadata":{}})", R"({"metadata":{"name":""}})"}) {
    http::Response response = Call("POST", base, body);
    ExpectStatus(response, 422, "Invalid");
    json status = json::parse(response.body);
    ASSERT_FALSE(status["details"]["causes"].empty()) << response.body;
    EXPECT_EQ(status["details"]["causes"][0]["field"], "metadata.name");
    EXPECT_EQ(status["details"]["causes"][0]["reason"], "FieldValueRequired");
  }
  json generated = CallJson("POST", base, R"({"metadata":{"generateName":"g-"}})", 201);
  EXPECT_EQ(generated["metadata"]["name"].get<std::string>().rfind("g-", 0), 0u);
  json created = CallJson("POST", base, R"({"metadata":{"name":"c"}})", 201);
  ExpectStatus(Call("PUT", base + "/c", "[1]"), 400, "BadRequest");
  ExpectStatus(Call("PUT", base + "/c", R"({"metadata":{"name":"other"}})"), 400, "BadRequest");
  EXPECT_EQ(CallJson("GET", base + "/c"), created) << "rejected writes change nothing";
}

TEST_F(KubeApiHandlerTest, KindOrApiVersionNotMatchingTheUrlIs400) {
  const std::string base = "/api/v1/namespaces/default/configmaps";
  ExpectStatus(Call("POST", base, R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"a"}})"),
               400, "BadRequest");
  ExpectStatus(
      Call("POST", base, R"({"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"a"}})"),
      400, "BadRequest");
  ExpectStatus(Call("POST", base, R"({"apiVersion":1,"kind":"ConfigMap","metadata":{"name":"a"}})"),
               400, "BadRequest");
  ExpectStatus(Call("POST", base, R"({"kind":["ConfigMap"],"metadata":{"name":"a"}})"), 400,
               "BadRequest");
  EXPECT_EQ(Call("GET", base + "/a").status, 404);
  json created = CallJson("POST", base,
                          R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}})", 201);
  created["kind"] = "Secret";
  ExpectStatus(Call("PUT", base + "/a", created.dump()), 400, "BadRequest");
  CreateCrd();
  const std::string vaults = "/apis/coffer.io/v1alpha1/namespaces/default/vaults";
  ExpectStatus(Call("POST", vaults,
                    R"({"apiVersion":"coffer.io/v1","kind":"Vault","metadata":{"name":"v"}})"),
               400, "BadRequest");
  CallJson("POST", vaults,
           R"({"apiVersion":"coffer.io/v1alpha1","kind":"Vault","metadata":{"name":"v"}})", 201);
}

TEST_F(KubeApiHandlerTest, UnknownResourcesAndPathsAre404) {
  for (const char* path :
       {"/api/v1/namespaces/default/widgets", "/apis/nope.example.com/v1/things",
        "/apis/nope.example.com/v1/namespaces/default/things",
        "/api/v1/namespaces/default/widgets/w", "/api/v1/namespaces/default/configmaps/c/status",
        "/api/v1/namespaces/default/configmaps/c/x/y", "/api/v2/configmaps", "/nope",
        "/api/v1/nopes", "/healthz/nope", "/apis/coffer.io/v1alpha1/vaults"}) {
    for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
      http::Response response = Call(
          method, path, R"({"metadata":{"name":"w"}})", {},
          std::string(method) == "PATCH" ? "application/merge-patch+json" : "application/json");
      SCOPED_TRACE(std::string(method) + " " + path);
      ExpectStatus(response, 404, "NotFound");
      EXPECT_EQ(json::parse(response.body)["message"],
                "the server could not find the requested resource");
    }
  }
}

TEST_F(KubeApiHandlerTest, ExistingNameIs409AlreadyExistsAndStaleUpdateIs409Conflict) {
  const std::string base = "/api/v1/namespaces/default/configmaps";
  json created = CallJson("POST", base, R"({"metadata":{"name":"c"}})", 201);
  http::Response again = Call("POST", base, R"({"metadata":{"name":"c"}})");
  ExpectStatus(again, 409, "AlreadyExists");
  EXPECT_EQ(json::parse(again.body)["message"], "configmaps \"c\" already exists");
  json updated = created;
  updated["data"] = {{"a", "1"}};
  CallJson("PUT", base + "/c", updated.dump());
  created["data"] = {{"a", "2"}};
  http::Response stale = Call("PUT", base + "/c", created.dump());
  ExpectStatus(stale, 409, "Conflict");
  EXPECT_THAT(json::parse(stale.body)["message"].get<std::string>(),
              ::testing::HasSubstr("the object has been modified"));
  http::Response pinned =
      Call("PATCH", base + "/c",
           json{{"metadata", {{"resourceVersion", created["metadata"]["resourceVersion"]}}}}.dump(),
           {}, "application/merge-patch+json");
  ExpectStatus(pinned, 409, "Conflict");
  EXPECT_EQ(CallJson("GET", base + "/c")["data"]["a"], "1");
}

TEST_F(KubeApiHandlerTest, InvalidPatchBodiesAre400) {
  const std::string base = "/api/v1/namespaces/default/configmaps";
  json created = CallJson("POST", base, R"({"metadata":{"name":"c"},"data":{"a":"1"}})", 201);
  for (const char* type : {"application/merge-patch+json", "application/strategic-merge-patch+json",
                           "application/json-patch+json"}) {
    SCOPED_TRACE(type);
    for (const char* body : {"{not json", "", "\"x\"", "42", "null"}) {
      ExpectStatus(Call("PATCH", base + "/c", body, {}, type), 400, "BadRequest");
    }
  }
  for (const char* body : {"[1]", "[]", "true"}) {
    ExpectStatus(Call("PATCH", base + "/c", body, {}, "application/merge-patch+json"), 400,
                 "BadRequest");
  }
  ExpectStatus(
      Call("PATCH", base + "/c", R"({"data":{"a":"2"}})", {}, "application/json-patch+json"), 400,
      "BadRequest");
  ExpectStatus(
      Call("PATCH", base + "/c", R"({"metadata":"x"})", {}, "application/merge-patch+json"), 400,
      "BadRequest");
  ExpectStatus(
      Call("PATCH", base + "/c", R"({"kind":"Secret"})", {}, "application/merge-patch+json"), 400,
      "BadRequest");
  ExpectStatus(Call("PATCH", base + "/c", R"([{"op":"replace","path":"","value":1}])", {},
                    "application/json-patch+json"),
               422, "Invalid");
  ExpectStatus(Call("PATCH", base + "/c", R"({"data":{}})", {}, "text/plain"), 415,
               "UnsupportedMediaType");
  ExpectStatus(
      Call("PATCH", base + "/missing", R"({"data":{}})", {}, "application/merge-patch+json"), 404,
      "NotFound");
  EXPECT_EQ(CallJson("GET", base + "/c"), created) << "rejected patches change nothing";
}

TEST_F(KubeApiHandlerTest, SchemaViolationIs422WithCauses) {
  CreateCrd();
  const std::string base = "/apis/coffer.io/v1alpha1/namespaces/default/vaults";
  http::Response bad = Call("POST", base, R"({"metadata":{"name":"bad"},"spec":{"replicas":"x"}})");
  ExpectStatus(bad, 422, "Invalid");
  json status = json::parse(bad.body);
  EXPECT_EQ(status["details"]["name"], "bad");
  EXPECT_EQ(status["details"]["group"], "coffer.io");
  EXPECT_EQ(status["details"]["kind"], "Vault");
  ASSERT_FALSE(status["details"]["causes"].empty());
  EXPECT_EQ(status["details"]["causes"][0]["field"], "spec.replicas");
  CallJson("POST", base, R"({"metadata":{"name":"v"},"spec":{"replicas":2}})", 201);
  ExpectStatus(
      Call("PATCH", base + "/v", R"({"spec":{"replicas":0}})", {}, "application/merge-patch+json"),
      422, "Invalid");
  EXPECT_EQ(CallJson("GET", base + "/v")["spec"]["replicas"], 2);
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
