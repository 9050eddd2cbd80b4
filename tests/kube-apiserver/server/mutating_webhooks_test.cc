// Mutating admission webhooks through the handler, against a real HTTPS webhook (lib/http/beast)
// called over cpprestsdk, as the kube-standin binary wires them.
#include "tests/kube-apiserver/server/mutating_webhooks.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/base/fake_clock.h"
#include "lib/http/beast/server.h"
#include "lib/http/cpprest/client.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_certs.h"
#include "tests/kube-apiserver/server/kube_api_handler.h"

namespace coffer::kube::standin {
namespace {

using json = nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kToken[] = "admin-token";
constexpr char kConfigurations[] =
    "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations";
constexpr char kWorkloadLabel[] = "coffer.dev/workload-identity";

// The `response` of an AdmissionReview: allowed, echoing the request's uid.
json Allowed(const json& request) { return {{"uid", request["uid"]}, {"allowed", true}}; }

json Patched(const json& request, const json& patch) {
  json response = Allowed(request);
  response["patchType"] = "JSONPatch";
  response["patch"] = Base64Encode(patch.dump());
  return response;
}

// What Coffer's operator does to a workload-identity pod, near enough.
const json kInjection = json::array(
    {{{"op", "add"},
      {"path", "/metadata/annotations"},
      {"value", {{"coffer.dev/injected", "true"}}}},
     {{"op", "add"},
      {"path", "/spec/containers/0/env"},
      {"value", {{{"name", "COFFER_VAULT_URL"}, {"value", "https://vault.coffer.test"}}}}}});

// An HTTPS admission webhook: answers each AdmissionReview with the `response` that `answer`
// makes of its path and request, and keeps what it was sent.
class FakeWebhook : public http::Handler {
 public:
  using Answer = std::function<json(const std::string& path, const json& request)>;

  void set_answer(Answer answer) {
    absl::MutexLock lock(&mu_);
    answer_ = std::move(answer);
  }
  std::vector<json> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  std::vector<std::string> targets() {
    absl::MutexLock lock(&mu_);
    return targets_;
  }

  http::Response Handle(const http::Request& request) override {
    json review = json::parse(request.body, nullptr, false);
    if (!review.is_object() || !review.contains("request")) return http::Response::Text(400, "");
    Answer answer;
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(review["request"]);
      targets_.push_back(request.target);
      answer = answer_;
    }
    json body = {{"apiVersion", "admission.k8s.io/v1"},
                 {"kind", "AdmissionReview"},
                 {"response", answer(request.path, review["request"])}};
    return http::Response::Json(200, body.dump());
  }

 private:
  absl::Mutex mu_;
  Answer answer_ ABSL_GUARDED_BY(mu_) = [](const std::string&, const json& request) {
    return Patched(request, kInjection);
  };
  std::vector<json> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> targets_ ABSL_GUARDED_BY(mu_);
};

class MutatingWebhooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http::ServerOptions options;
    options.tls = http::TlsFiles{pki_.server_cert, pki_.server_key};
    COFFER_ASSERT_OK_AND_ASSIGN(server_, http::beast::StartServer(options, webhook_));
  }

  std::string Url(const std::string& path = "/mutate") const {
    return "https://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  static std::string CaBundle(const testing::TestPki& pki) {
    return Base64Encode(testing::ReadFileOrDie(pki.ca_cert));
  }
  // A webhook for pod creates at the fake webhook; `changes` are merged in (null removes).
  json Webhook(const std::string& name, const json& changes = json::object()) const {
    json webhook = {{"name", name},
                    {"clientConfig", {{"url", Url()}, {"caBundle", CaBundle(pki_)}}},
                    {"rules",
                     {{{"operations", {"CREATE"}},
                       {"apiGroups", {""}},
                       {"apiVersions", {"v1"}},
                       {"resources", {"pods"}}}}},
                    {"sideEffects", "None"},
                    {"admissionReviewVersions", {"v1"}}};
    webhook.merge_patch(changes);
    return webhook;
  }
  void Configure(const std::string& name, const std::vector<json>& webhooks) {
    json configuration = {{"apiVersion", "admissionregistration.k8s.io/v1"},
                          {"kind", "MutatingWebhookConfiguration"},
                          {"metadata", {{"name", name}}},
                          {"webhooks", webhooks}};
    http::Response response = Call("POST", kConfigurations, configuration);
    ASSERT_EQ(response.status, 201) << response.body;
  }

  http::Response Call(const std::string& method, const std::string& path, const json& body,
                      const std::string& token = kToken,
                      const std::map<std::string, std::string>& query = {}) {
    http::Request request;
    request.method = method;
    request.path = path;
    request.target = path;
    request.query = query;
    if (!body.is_null()) request.body = body.dump();
    request.headers.Add("Authorization", "Bearer " + token);
    request.headers.Add("Content-Type", "application/json");
    return handler_.Handle(request);
  }
  http::Response CreatePod(const std::string& ns, const std::string& name, const json& labels,
                           const std::map<std::string, std::string>& query = {}) {
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"labels", labels}}},
                {"spec", {{"containers", {{{"name", "app"}, {"image", "app:1"}}}}}}};
    return Call("POST", "/api/v1/namespaces/" + ns + "/pods", pod, kToken, query);
  }
  json Stored(const std::string& ns, const std::string& name) {
    http::Response response = Call("GET", "/api/v1/namespaces/" + ns + "/pods/" + name, nullptr);
    return response.status == 200 ? json::parse(response.body) : json();
  }

  testing::TempDir dir_;
  testing::TestPki pki_ = testing::MakeTestPki(dir_);
  FakeWebhook webhook_;
  std::unique_ptr<http::Server> server_;
  FakeClock clock_;
  KubeApiHandler handler_{clock_, kToken, "127.0.0.1:6443", http::cpprest::NewClient};
};

TEST_F(MutatingWebhooksTest, WorkloadPodComesBackAndIsStoredAsTheWebhookPatchedIt) {
  webhook_.set_answer([](const std::string&, const json& request) {
    json response = Patched(request, kInjection);
    response["warnings"] = {"injected \"COFFER_VAULT_URL\""};
    return response;
  });
  Configure("coffer-workload-identity", {Webhook("pods.coffer.dev")});

  http::Response response = CreatePod("default", "app", {{kWorkloadLabel, "true"}});
  ASSERT_EQ(response.status, 201) << response.body;
  json created = json::parse(response.body);
  EXPECT_EQ(created["metadata"]["annotations"]["coffer.dev/injected"], "true");
  EXPECT_EQ(created["spec"]["containers"][0]["env"][0]["name"], "COFFER_VAULT_URL");
  EXPECT_EQ(response.headers.Get("Warning"), "299 - \"injected \\\"COFFER_VAULT_URL\\\"\"");
  EXPECT_EQ(Stored("default", "app")["spec"]["containers"][0]["env"][0]["value"],
            "https://vault.coffer.test");

  ASSERT_THAT(webhook_.requests(), SizeIs(1));
  json request = webhook_.requests()[0];
  EXPECT_THAT(webhook_.targets(), ElementsAre("/mutate?timeout=10s"));
  EXPECT_THAT(request["uid"].get<std::string>(), SizeIs(36));
  EXPECT_EQ(request["kind"], json({{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}));
  EXPECT_EQ(request["resource"], json({{"group", ""}, {"version", "v1"}, {"resource", "pods"}}));
  EXPECT_EQ(request["requestKind"], request["kind"]);
  EXPECT_EQ(request["requestResource"], request["resource"]);
  EXPECT_EQ(request["name"], "app");
  EXPECT_EQ(request["namespace"], "default");
  EXPECT_EQ(request["operation"], "CREATE");
  EXPECT_EQ(request["userInfo"]["username"], "kubernetes-admin");
  EXPECT_EQ(request["object"]["metadata"]["labels"][kWorkloadLabel], "true");
  EXPECT_TRUE(request.contains("oldObject") && request["oldObject"].is_null());
  EXPECT_EQ(request["dryRun"], false);
  EXPECT_EQ(request["options"],
            json({{"kind", "CreateOptions"}, {"apiVersion", "meta.k8s.io/v1"}}));
}

TEST_F(MutatingWebhooksTest, WebhooksRunInNameOrderEachSeeingThePreviousPatch) {
  webhook_.set_answer([](const std::string& path, const json& request) {
    if (path == "/first") {
      return Patched(request, {{{"op", "add"}, {"path", "/metadata/labels/step"}, {"value", "1"}}});
    }
    // Fails to apply (and so refuses the create) unless the first webhook ran before.
    return Patched(request,
                   {{{"op", "test"}, {"path", "/metadata/labels/step"}, {"value", "1"}},
                    {{"op", "replace"}, {"path", "/metadata/labels/step"}, {"value", "2"}}});
  });
  Configure("b-second",
            {Webhook("second.coffer.dev", {{"clientConfig", {{"url", Url("/second")}}}})});
  Configure("a-first", {Webhook("first.coffer.dev", {{"clientConfig", {{"url", Url("/first")}}}})});

  http::Response response = CreatePod("default", "app", {{kWorkloadLabel, "true"}});
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(Stored("default", "app")["metadata"]["labels"]["step"], "2");
  EXPECT_THAT(webhook_.targets(), ElementsAre("/first?timeout=10s", "/second?timeout=10s"));
}

TEST_F(MutatingWebhooksTest, SelectorsLeaveOtherNamespacesAndPodsAlone) {
  for (const auto& [name, labels] : std::vector<std::pair<std::string, json>>{
           {"team-a", {{"coffer.dev/injection", "on"}}}, {"team-b", json::object()}}) {
    ASSERT_EQ(
        Call("POST", "/api/v1/namespaces", {{"metadata", {{"name", name}, {"labels", labels}}}})
            .status,
        201);
  }
  Configure(
      "coffer",
      {Webhook("pods.coffer.dev",
               {{"namespaceSelector", {{"matchLabels", {{"coffer.dev/injection", "on"}}}}},
                {"objectSelector",
                 {{"matchExpressions", {{{"key", kWorkloadLabel}, {"operator", "Exists"}}}}}}})});

  ASSERT_EQ(CreatePod("team-b", "labelled", {{kWorkloadLabel, "true"}}).status, 201);
  ASSERT_EQ(CreatePod("team-a", "plain", json::object()).status, 201);
  EXPECT_THAT(webhook_.requests(), IsEmpty());
  EXPECT_FALSE(Stored("team-b", "labelled")["metadata"].contains("annotations"));
  EXPECT_FALSE(Stored("team-a", "plain")["metadata"].contains("annotations"));

  ASSERT_EQ(CreatePod("team-a", "labelled", {{kWorkloadLabel, "true"}}).status, 201);
  EXPECT_THAT(webhook_.requests(), SizeIs(1));
  EXPECT_EQ(Stored("team-a", "labelled")["metadata"]["annotations"]["coffer.dev/injected"], "true");
}

TEST_F(MutatingWebhooksTest, DenialRefusesTheCreateWithTheWebhooksMessage) {
  webhook_.set_answer([](const std::string&, const json& request) {
    return json{{"uid", request["uid"]},
                {"allowed", false},
                {"status",
                 {{"code", 403}, {"reason", "Forbidden"}, {"message", "pods must name a vault"}}}};
  });
  Configure("coffer", {Webhook("pods.coffer.dev")});

  http::Response response = CreatePod("default", "app", {{kWorkloadLabel, "true"}});
  EXPECT_EQ(response.status, 403);
  json status = json::parse(response.body);
  EXPECT_EQ(status["message"],
            "admission webhook \"pods.coffer.dev\" denied the request: pods must name a vault");
  EXPECT_EQ(status["reason"], "Forbidden");
  EXPECT_TRUE(Stored("default", "app").is_null());

  // Without a status code the real server answers 400.
  webhook_.set_answer([](const std::string&, const json& request) {
    return json{{"uid", request["uid"]}, {"allowed", false}};
  });
  response = CreatePod("default", "app", {{kWorkloadLabel, "true"}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json::parse(response.body)["message"],
            "admission webhook \"pods.coffer.dev\" denied the request without explanation");
  EXPECT_TRUE(Stored("default", "app").is_null());
}

TEST_F(MutatingWebhooksTest, UnreachableWebhookRefusesTheCreateUnderFailurePolicyFail) {
  const std::string url = "https://127.0.0.1:" + std::to_string(testing::PickFreePort()) + "/m";
  Configure("coffer", {Webhook("pods.coffer.dev", {{"clientConfig", {{"url", url}}}})});

  http::Response response = CreatePod("default", "app", {{kWorkloadLabel, "true"}});
  EXPECT_EQ(response.status, 500);
  json status = json::parse(response.body);
  EXPECT_EQ(status["reason"], "InternalError");
  EXPECT_THAT(status["message"].get<std::string>(),
              StartsWith("Internal error occurred: failed calling webhook \"pods.coffer.dev\": "
                         "failed to call webhook: Post \"" +
                         url + "?timeout=10s\": "));
  EXPECT_TRUE(Stored("default", "app").is_null());
}

TEST_F(MutatingWebhooksTest, UnreachableWebhookIsSkippedUnderFailurePolicyIgnore) {
  const std::string url = "https://127.0.0.1:" + std::to_string(testing::PickFreePort()) + "/m";
  Configure("coffer", {Webhook("pods.coffer.dev",
                               {{"clientConfig", {{"url", url}}}, {"failurePolicy", "Ignore"}})});

  http::Response response = CreatePod("default", "app", {{kWorkloadLabel, "true"}});
  ASSERT_EQ(response.status, 201) << response.body;
  json stored = Stored("default", "app");
  EXPECT_FALSE(stored["metadata"].contains("annotations"));
  EXPECT_FALSE(stored["spec"]["containers"][0].contains("env"));
}

TEST_F(MutatingWebhooksTest, CertificateFromAnotherCaIsACallFailure) {
  testing::TestPki other = testing::MakeTestPki(dir_, {}, "other");
  Configure("coffer",
            {Webhook("pods.coffer.dev", {{"clientConfig", {{"caBundle", CaBundle(other)}}}})});

  http::Response response = CreatePod("default", "app", {{kWorkloadLabel, "true"}});
  EXPECT_EQ(response.status, 500);
  EXPECT_THAT(json::parse(response.body)["message"].get<std::string>(),
              StartsWith("Internal error occurred: failed calling webhook \"pods.coffer.dev\": "));
  EXPECT_THAT(webhook_.requests(), IsEmpty());
  EXPECT_TRUE(Stored("default", "app").is_null());
}

TEST_F(MutatingWebhooksTest, AnswerForAnotherUidIsACallFailure) {
  webhook_.set_answer([](const std::string&, const json&) {
    return json{{"uid", "not-the-request"}, {"allowed", true}};
  });
  Configure("coffer", {Webhook("pods.coffer.dev")});

  http::Response response = CreatePod("default", "app", {{kWorkloadLabel, "true"}});
  EXPECT_EQ(response.status, 500);
  std::string message = json::parse(response.body)["message"];
  EXPECT_THAT(message, HasSubstr("failed calling webhook \"pods.coffer.dev\": received invalid "
                                 "webhook response: expected response.uid=\""));
  EXPECT_THAT(message, HasSubstr("got \"not-the-request\""));
  EXPECT_TRUE(Stored("default", "app").is_null());
}

TEST_F(MutatingWebhooksTest, PatchThatDoesNotApplyRefusesTheCreateEvenUnderIgnore) {
  webhook_.set_answer([](const std::string&, const json& request) {
    return Patched(request, {{{"op", "remove"}, {"path", "/metadata/labels/absent"}}});
  });
  Configure("coffer", {Webhook("pods.coffer.dev", {{"failurePolicy", "Ignore"}})});

  http::Response response = CreatePod("default", "app", {{kWorkloadLabel, "true"}});
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(json::parse(response.body)["reason"], "InternalError");
  EXPECT_TRUE(Stored("default", "app").is_null());
}

TEST_F(MutatingWebhooksTest, ServiceReferenceIsACallFailure) {
  Configure(
      "coffer",
      {Webhook(
          "pods.coffer.dev",
          {{"clientConfig",
            {{"url", nullptr}, {"service", {{"namespace", "coffer"}, {"name", "operator"}}}}}})});

  http::Response response = CreatePod("default", "app", {{kWorkloadLabel, "true"}});
  EXPECT_EQ(response.status, 500);
  EXPECT_THAT(json::parse(response.body)["message"].get<std::string>(),
              HasSubstr("the stand-in calls only clientConfig.url"));
}

TEST_F(MutatingWebhooksTest, DryRunCallsOnlyWebhooksWithoutSideEffects) {
  Configure("a-clean", {Webhook("clean.coffer.dev")});
  const std::map<std::string, std::string> dry_run = {{"dryRun", "All"}};
  ASSERT_EQ(CreatePod("default", "app", {{kWorkloadLabel, "true"}}, dry_run).status, 201);
  ASSERT_THAT(webhook_.requests(), SizeIs(1));
  EXPECT_EQ(webhook_.requests()[0]["dryRun"], true);
  EXPECT_EQ(webhook_.requests()[0]["options"]["dryRun"], json::array({"All"}));

  Configure("b-effects", {Webhook("effects.coffer.dev", {{"sideEffects", "Unknown"}})});
  http::Response response = CreatePod("default", "app2", {{kWorkloadLabel, "true"}}, dry_run);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json::parse(response.body)["message"],
            "admission webhook \"effects.coffer.dev\" does not support dry run");
}

TEST_F(MutatingWebhooksTest, ServiceAccountIsTheUserInTheReview) {
  ASSERT_EQ(Call("POST", "/api/v1/namespaces/default/serviceaccounts",
                 {{"metadata", {{"name", "deployer"}}}})
                .status,
            201);
  json rule = {{"apiGroups", {""}}, {"resources", {"pods"}}, {"verbs", {"create"}}};
  ASSERT_EQ(Call("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                 {{"metadata", {{"name", "pods"}}}, {"rules", {rule}}})
                .status,
            201);
  ASSERT_EQ(
      Call(
          "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
          {{"metadata", {{"name", "pods"}}},
           {"roleRef",
            {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "pods"}}},
           {"subjects",
            {{{"kind", "ServiceAccount"}, {"name", "deployer"}, {"namespace", "default"}}}}})
          .status,
      201);
  std::string token =
      json::parse(Call("POST", "/api/v1/namespaces/default/serviceaccounts/deployer/token",
                       {{"spec", json::object()}})
                      .body)["status"]["token"];
  Configure("coffer", {Webhook("pods.coffer.dev")});

  json pod = {{"metadata", {{"generateName", "app-"}, {"labels", {{kWorkloadLabel, "true"}}}}},
              {"spec", {{"containers", {{{"name", "app"}, {"image", "app:1"}}}}}}};
  http::Response response = Call("POST", "/api/v1/namespaces/default/pods", pod, token);
  ASSERT_EQ(response.status, 201) << response.body;
  ASSERT_THAT(webhook_.requests(), SizeIs(1));
  json request = webhook_.requests()[0];
  EXPECT_EQ(request["userInfo"]["username"], "system:serviceaccount:default:deployer");
  EXPECT_THAT(request["userInfo"]["groups"], Contains("system:serviceaccounts:default"));
  EXPECT_FALSE(request.contains("name"));  // generateName: the name is made after admission
  EXPECT_EQ(request["object"]["metadata"]["generateName"], "app-");
}

TEST_F(MutatingWebhooksTest, ConfigurationsAreServedAndNeverAdmittedByWebhooks) {
  json resources = json::parse(Call("GET", "/apis/admissionregistration.k8s.io/v1", nullptr).body);
  ASSERT_THAT(resources["resources"], SizeIs(1));
  EXPECT_EQ(resources["resources"][0]["name"], "mutatingwebhookconfigurations");
  EXPECT_EQ(resources["resources"][0]["namespaced"], false);

  // A webhook for every create that cannot be reached does not keep out its own fix.
  const std::string url = "https://127.0.0.1:" + std::to_string(testing::PickFreePort()) + "/m";
  json everything = {
      {"operations", {"*"}}, {"apiGroups", {"*"}}, {"apiVersions", {"*"}}, {"resources", {"*"}}};
  Configure("broken", {Webhook("all.coffer.dev",
                               {{"clientConfig", {{"url", url}}}, {"rules", {everything}}})});
  EXPECT_EQ(
      Call("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", {{"name", "c"}}}}).status,
      500);
  Configure("fixed", {Webhook("pods.coffer.dev")});
  EXPECT_EQ(Call("DELETE", std::string(kConfigurations) + "/broken", nullptr).status, 200);
  EXPECT_EQ(
      Call("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", {{"name", "c"}}}}).status,
      201);
}

}  // namespace
}  // namespace coffer::kube::standin
