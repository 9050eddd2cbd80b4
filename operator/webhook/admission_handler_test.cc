#include "operator/webhook/admission_handler.h"

#include <map>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/base/fake_clock.h"
#include "lib/kube/fake_kube_client.h"
#include "lib/testing/status_matchers.h"
#include "operator/api/v1alpha1/types.h"

namespace coffer::op {
namespace {

using ::coffer::testing::IsOk;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::StartsWith;

const kube::ResourceRef kServiceAccounts{"", "v1", "serviceaccounts", true};
constexpr char kUid[] = "705ab4f5-6393-11e8-b7cc-42010a800002";

WorkloadIdentitySettings Settings() {
  WorkloadIdentitySettings settings;
  settings.tenant_id = "9b2e4c71-0a3d-4f65-8e19-c7d2a6b50f84";
  settings.authority_host = "https://coffer-vault.coffer-system.svc";
  return settings;
}

json LabelledPod(const std::string& service_account = "billing") {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"generateName", "billing-7d9f-"},
                {"labels", {{"app", "billing"}, {kWorkloadIdentityLabel, "true"}}}}},
              {"spec",
               {{"containers",
                 {{{"name", "app"},
                   {"image", "billing:1.4"},
                   {"env", {{{"name", "DB_PASSWORD"}, {"value", "hunter2"}}}}}}}}}};
  if (!service_account.empty()) pod["spec"]["serviceAccountName"] = service_account;
  return pod;
}

json Review(const json& pod, const std::string& operation = "CREATE",
            const std::string& kind = "Pod") {
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request",
           {{"uid", kUid},
            {"kind", {{"group", ""}, {"version", "v1"}, {"kind", kind}}},
            {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
            {"namespace", "team-a"},
            {"operation", operation},
            {"userInfo", {{"username", "system:serviceaccount:kube-system:replicaset-controller"}}},
            {"object", pod},
            {"dryRun", false}}}};
}

std::map<std::string, std::string> EnvOf(const json& container) {
  std::map<std::string, std::string> env;
  for (const json& var : container.value("env", json::array())) {
    env[var["name"].get<std::string>()] = var.value("value", "");
  }
  return env;
}

class AdmissionHandlerTest : public ::testing::Test {
 protected:
  void AddServiceAccount(const std::string& name, const std::string& client_id = "") {
    json account = {{"metadata", {{"name", name}, {"namespace", "team-a"}}}};
    if (!client_id.empty()) {
      account["metadata"]["annotations"] = {{kClientIdAnnotation, client_id}};
    }
    ASSERT_THAT(kube_.Create(kServiceAccounts, "team-a", account), IsOk());
  }
  void AddPolicy(const std::string& subject, const std::string& client_id) {
    json policy = {{"metadata", {{"name", subject + "-reads"}, {"namespace", "team-a"}}},
                   {"spec",
                    {{"vaultRef", {{"name", "prod"}}},
                     {"subject", {{"serviceAccount", {{"name", subject}}}}}}},
                   {"status", {{"clientId", client_id}}}};
    ASSERT_THAT(kube_.Create(v1alpha1::kAccessPolicies, "team-a", policy), IsOk());
  }

  http::Response Send(std::string body, std::string method = "POST",
                      std::string path = kMutatePodsPath) {
    http::Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.target = request.path;
    request.body = std::move(body);
    request.remote_address = "10.0.0.1:51234";
    return handler_.Handle(request);
  }

  // The "response" of the AdmissionReview answered to `review`, checked for its envelope.
  json Answer(const json& review) {
    http::Response response = Send(review.dump());
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_THAT(response.headers.Get("Content-Type"), Optional(StartsWith("application/json")));
    json answer = json::parse(response.body, nullptr, false);
    EXPECT_EQ(answer.value("apiVersion", ""), "admission.k8s.io/v1");
    EXPECT_EQ(answer.value("kind", ""), "AdmissionReview");
    return answer.value("response", json::object());
  }

  // `pod` with the patch of `response` applied.
  static json Patched(const json& pod, const json& response) {
    EXPECT_EQ(response.value("patchType", ""), "JSONPatch");
    std::optional<std::string> patch = Base64Decode(response.value("patch", ""));
    EXPECT_TRUE(patch.has_value());
    return pod.patch(json::parse(patch.value_or("[]")));
  }

  kube::FakeKubeClient kube_;
  KubeClientIdLookup lookup_{kube_};
  FakeClock clock_;
  AdmissionHandler handler_{lookup_, Settings(), clock_};
};

TEST_F(AdmissionHandlerTest, LabelledPodGetsTheIdentity) {
  AddServiceAccount("billing", "annotated-id");
  json pod = LabelledPod();
  json response = Answer(Review(pod));
  EXPECT_EQ(response["uid"], kUid);
  EXPECT_EQ(response["allowed"], true);
  EXPECT_FALSE(response.contains("warnings"));
  EXPECT_FALSE(response.contains("status"));

  json mutated = Patched(pod, response);
  json& app = mutated["spec"]["containers"][0];
  const auto env = EnvOf(app);
  EXPECT_EQ(env.at("DB_PASSWORD"), "hunter2");
  EXPECT_EQ(env.at("AZURE_CLIENT_ID"), "annotated-id");
  EXPECT_EQ(env.at("AZURE_TENANT_ID"), Settings().tenant_id);
  EXPECT_EQ(env.at("AZURE_AUTHORITY_HOST"), Settings().authority_host);
  EXPECT_EQ(env.at("AZURE_FEDERATED_TOKEN_FILE"),
            "/var/run/secrets/azure/tokens/azure-identity-token");
  EXPECT_EQ(env.at("SSL_CERT_FILE"), "/var/run/secrets/coffer/ca/ca.crt");
  EXPECT_EQ(app["volumeMounts"].size(), 2u);
  EXPECT_EQ(mutated["spec"]["volumes"][0]["name"], kTokenVolumeName);
  EXPECT_EQ(
      mutated["spec"]["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"]["audience"],
      "api://coffer");
  EXPECT_EQ(mutated["spec"]["volumes"][1]["configMap"]["name"], "coffer-ca");

  // The same pod sent again, already complete, needs no patch.
  json again = Answer(Review(mutated));
  EXPECT_EQ(again["allowed"], true);
  EXPECT_FALSE(again.contains("patch"));
  EXPECT_FALSE(again.contains("patchType"));
}

TEST_F(AdmissionHandlerTest, UnlabelledPodIsAdmittedUnchanged) {
  AddServiceAccount("billing", "annotated-id");
  for (const char* value : {"", "false", "True"}) {
    json pod = LabelledPod();
    if (*value == '\0') {
      pod["metadata"]["labels"].erase(kWorkloadIdentityLabel);
    } else {
      pod["metadata"]["labels"][kWorkloadIdentityLabel] = value;
    }
    json response = Answer(Review(pod));
    EXPECT_EQ(response["uid"], kUid);
    EXPECT_EQ(response["allowed"], true) << value;
    EXPECT_FALSE(response.contains("patch")) << value;
    EXPECT_FALSE(response.contains("warnings")) << value;
  }
}

TEST_F(AdmissionHandlerTest, AnnotationOnTheServiceAccountWinsOverAccessPolicy) {
  AddServiceAccount("billing", "annotated-id");
  AddPolicy("billing", "policy-id");
  json pod = LabelledPod();
  EXPECT_EQ(EnvOf(Patched(pod, Answer(Review(pod)))["spec"]["containers"][0]).at("AZURE_CLIENT_ID"),
            "annotated-id");
}

TEST_F(AdmissionHandlerTest, ClientIdComesFromTheAccessPolicyStatus) {
  AddServiceAccount("billing");
  AddPolicy("billing", "policy-id");
  json pod = LabelledPod();
  json response = Answer(Review(pod));
  EXPECT_FALSE(response.contains("warnings"));
  EXPECT_EQ(EnvOf(Patched(pod, response)["spec"]["containers"][0]).at("AZURE_CLIENT_ID"),
            "policy-id");
}

TEST_F(AdmissionHandlerTest, WithoutServiceAccountNameTheDefaultOneCounts) {
  AddServiceAccount("default", "default-id");
  AddServiceAccount("billing", "billing-id");
  json pod = LabelledPod("");
  EXPECT_EQ(EnvOf(Patched(pod, Answer(Review(pod)))["spec"]["containers"][0]).at("AZURE_CLIENT_ID"),
            "default-id");
}

TEST_F(AdmissionHandlerTest, NoClientIdInjectsTheRestWithAWarning) {
  AddServiceAccount("billing");
  json pod = LabelledPod();
  json response = Answer(Review(pod));
  EXPECT_EQ(response["allowed"], true);
  EXPECT_EQ(response["warnings"],
            json::array({"coffer.dev/workload-identity: ServiceAccount team-a/billing has no "
                         "client id: annotate it coffer.dev/client-id or grant it with an "
                         "AccessPolicy"}));
  const auto env = EnvOf(Patched(pod, response)["spec"]["containers"][0]);
  EXPECT_EQ(env.count("AZURE_CLIENT_ID"), 0u);
  EXPECT_EQ(env.at("AZURE_FEDERATED_TOKEN_FILE"),
            "/var/run/secrets/azure/tokens/azure-identity-token");
}

TEST_F(AdmissionHandlerTest, FailedLookupRefusesThePodSayingWhy) {
  AddServiceAccount("billing", "annotated-id");
  kube_.FailNextCall(absl::UnavailableError("connection refused"));
  json response = Answer(Review(LabelledPod()));
  EXPECT_EQ(response["uid"], kUid);
  EXPECT_EQ(response["allowed"], false);
  EXPECT_FALSE(response.contains("patch"));
  EXPECT_EQ(response["status"]["code"], 503);
  EXPECT_THAT(response["status"]["message"].get<std::string>(),
              AllOf(HasSubstr("team-a/billing"), HasSubstr("connection refused")));

  kube_.FailNextCall(absl::PermissionDeniedError("serviceaccounts is forbidden"));
  EXPECT_EQ(Answer(Review(LabelledPod()))["status"]["code"], 500);

  // Once the API server answers, the same pod is admitted.
  EXPECT_EQ(Answer(Review(LabelledPod()))["allowed"], true);
}

TEST_F(AdmissionHandlerTest, PodNamespaceComesFromTheRequest) {
  AddServiceAccount("billing", "annotated-id");
  json pod = LabelledPod();
  pod["metadata"]["namespace"] = "";
  EXPECT_EQ(EnvOf(Patched(pod, Answer(Review(pod)))["spec"]["containers"][0]).at("AZURE_CLIENT_ID"),
            "annotated-id");
}

TEST_F(AdmissionHandlerTest, OtherKindsAndOperationsAreAdmittedUnchanged) {
  AddServiceAccount("billing", "annotated-id");
  for (const json& review : {Review(LabelledPod(), "UPDATE"), Review(LabelledPod(), "DELETE"),
                             Review(LabelledPod(), "CREATE", "Deployment")}) {
    json response = Answer(review);
    EXPECT_EQ(response["uid"], kUid);
    EXPECT_EQ(response["allowed"], true);
    EXPECT_FALSE(response.contains("patch"));
  }
  json apps = Review(LabelledPod());
  apps["request"]["kind"]["group"] = "apps";
  EXPECT_FALSE(Answer(apps).contains("patch"));
  json subresource = Review(LabelledPod());
  subresource["request"]["subResource"] = "ephemeralcontainers";
  EXPECT_FALSE(Answer(subresource).contains("patch"));
}

TEST_F(AdmissionHandlerTest, ResponseEchoesTheRequestUid) {
  AddServiceAccount("billing", "annotated-id");
  json review = Review(LabelledPod());
  review["request"]["uid"] = "another-uid";
  EXPECT_EQ(Answer(review)["uid"], "another-uid");
}

TEST_F(AdmissionHandlerTest, MalformedBodiesAreBadRequests) {
  json v1beta1 = Review(LabelledPod());
  v1beta1["apiVersion"] = "admission.k8s.io/v1beta1";
  json no_uid = Review(LabelledPod());
  no_uid["request"].erase("uid");
  json numeric_uid = Review(LabelledPod());
  numeric_uid["request"]["uid"] = 7;
  json no_object = Review(LabelledPod());
  no_object["request"].erase("object");
  json bad_namespace = Review(LabelledPod());
  bad_namespace["request"]["namespace"] = "../../secrets";
  for (const std::string& body :
       {std::string("not json"), std::string("{\"apiVersion\":"), std::string("[]"),
        json({{"kind", "AdmissionReview"}}).dump(), v1beta1.dump(), no_uid.dump(),
        numeric_uid.dump(), no_object.dump(), bad_namespace.dump(),
        std::string(100000, '[') + std::string(100000, ']')}) {
    http::Response response = Send(body);
    EXPECT_EQ(response.status, 400) << body.substr(0, 100);
    EXPECT_THAT(response.headers.Get("Content-Type"), Optional(StartsWith("text/plain")));
    EXPECT_LE(response.body.size(), 200u);
  }
}

TEST_F(AdmissionHandlerTest, OtherPathsAndMethodsAreRefusedBeforeTheBody) {
  json review = Review(LabelledPod());
  EXPECT_EQ(Send(review.dump(), "POST", "/mutate").status, 404);
  EXPECT_EQ(Send(review.dump(), "GET", "/").status, 404);
  http::Response get = Send("", "GET");
  EXPECT_EQ(get.status, 405);
  EXPECT_THAT(get.headers.Get("Allow"), Optional(std::string_view("POST")));

  http::Request head;
  head.method = "PUT";
  head.path = kMutatePodsPath;
  std::optional<http::Response> early = handler_.OnHeaders(head);
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(early->status, 405);
  head.method = "POST";
  EXPECT_FALSE(handler_.OnHeaders(head).has_value());
}

}  // namespace
}  // namespace coffer::op
