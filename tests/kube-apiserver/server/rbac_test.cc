// RBAC for service-account tokens: what a component running as its ServiceAccount may do.
#include "tests/kube-apiserver/server/rbac.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "tests/kube-apiserver/server/kube_api_handler.h"

namespace coffer::kube::standin {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

TEST(RequestAttributesTest, NamesVerbResourceAndScopeAsTheRealServerDoes) {
  RequestAttributes get =
      AttributesOf("GET", "/apis/coffer.dev/v1alpha1/namespaces/a/keyvaults/kv", false);
  EXPECT_TRUE(get.resource_request);
  EXPECT_EQ(get.verb, "get");
  EXPECT_EQ(get.group, "coffer.dev");
  EXPECT_EQ(get.resource, "keyvaults");
  EXPECT_EQ(get.ns, "a");
  EXPECT_EQ(get.name, "kv");
  EXPECT_EQ(AttributesOf("GET", "/apis/coffer.dev/v1alpha1/keyvaults", false).verb, "list");
  EXPECT_EQ(AttributesOf("GET", "/apis/coffer.dev/v1alpha1/keyvaults", true).verb, "watch");
  RequestAttributes status =
      AttributesOf("PUT", "/apis/coffer.dev/v1alpha1/namespaces/a/keyvaults/kv/status", false);
  EXPECT_EQ(status.verb, "update");
  EXPECT_EQ(status.subresource, "status");
  RequestAttributes token =
      AttributesOf("POST", "/api/v1/namespaces/a/serviceaccounts/sa/token", false);
  EXPECT_EQ(token.verb, "create");
  EXPECT_EQ(token.resource, "serviceaccounts");
  EXPECT_EQ(token.subresource, "token");
  RequestAttributes ns = AttributesOf("GET", "/api/v1/namespaces/a", false);
  EXPECT_EQ(ns.resource, "namespaces");
  EXPECT_EQ(ns.name, "a");
  EXPECT_EQ(ns.ns, "");
  EXPECT_FALSE(AttributesOf("GET", "/version", false).resource_request);
}

// Through the handler: a ServiceAccount's token against Roles and bindings made with the
// admin token.
class RbacTest : public ::testing::Test {
 protected:
  RbacTest() {
    Admin("POST", "/api/v1/namespaces", {{"metadata", {{"name", "team-a"}}}});
    Admin("POST", "/api/v1/namespaces/default/serviceaccounts", {{"metadata", {{"name", "app"}}}});
    token_ = json::parse(Call("POST", "/api/v1/namespaces/default/serviceaccounts/app/token",
                              {{"spec", json::object()}}, "admin-token")
                             .body)["status"]["token"];
  }
  http::Response Call(const std::string& method, const std::string& path, const json& body,
                      const std::string& token) {
    http::Request request;
    request.method = method;
    request.path = path;
    request.target = path;
    if (!body.is_null()) request.body = body.dump();
    request.headers.Add("Authorization", "Bearer " + token);
    request.headers.Add("Content-Type", "application/json");
    return handler_.Handle(request);
  }
  void Admin(const std::string& method, const std::string& path, const json& body) {
    http::Response response = Call(method, path, body, "admin-token");
    ASSERT_LT(response.status, 300) << path << ": " << response.body;
  }
  int AsApp(const std::string& method, const std::string& path, const json& body = nullptr) {
    last_ = Call(method, path, body, token_);
    return last_.status;
  }
  void Grant(const std::string& kind, const std::string& ns, const json& rules) {
    const std::string base =
        "/apis/rbac.authorization.k8s.io/v1/" + (ns.empty() ? "" : "namespaces/" + ns + "/");
    const std::string role_kind = kind == "RoleBinding" && !ns.empty() ? "Role" : "ClusterRole";
    const std::string name = "r" + std::to_string(++grants_);
    Admin("POST", base + (role_kind == "Role" ? "roles" : "clusterroles"),
          {{"metadata", {{"name", name}}}, {"rules", rules}});
    Admin(
        "POST", base + (kind == "RoleBinding" ? "rolebindings" : "clusterrolebindings"),
        {{"metadata", {{"name", name}}},
         {"roleRef",
          {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", role_kind}, {"name", name}}},
         {"subjects", {{{"kind", "ServiceAccount"}, {"name", "app"}, {"namespace", "default"}}}}});
  }

  FakeClock clock_;
  KubeApiHandler handler_{clock_, "admin-token", "127.0.0.1:6443"};
  std::string token_;
  http::Response last_;
  int grants_ = 0;
};

TEST_F(RbacTest, NothingIsAllowedThatNoRuleAllows) {
  EXPECT_EQ(AsApp("GET", "/api/v1"), 200);  // discovery
  EXPECT_EQ(AsApp("GET", "/api/v1/namespaces/default/configmaps"), 403);
  json status = json::parse(last_.body);
  EXPECT_EQ(status["reason"], "Forbidden");
  EXPECT_EQ(status["message"],
            "configmaps is forbidden: User \"system:serviceaccount:default:app\" cannot list "
            "resource \"configmaps\" in API group \"\" in the namespace \"default\"");
  EXPECT_EQ(AsApp("GET", "/apis/storage.k8s.io/v1/csidrivers/x"), 403);
  EXPECT_THAT(json::parse(last_.body)["message"].get<std::string>(),
              HasSubstr("csidrivers \"x\" is forbidden: User \"system:serviceaccount:default:app\""
                        " cannot get resource \"csidrivers\" in API group \"storage.k8s.io\" at "
                        "the cluster scope"));
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/default/configmaps", nullptr, "forged").status, 401);
}

TEST_F(RbacTest, ClusterRolesGrantEverywhereRolesOnlyInTheirNamespace) {
  Grant("ClusterRoleBinding", "",
        {{{"apiGroups", {""}}, {"resources", {"configmaps"}}, {"verbs", {"get", "list"}}}});
  Grant("RoleBinding", "team-a",
        {{{"apiGroups", {""}}, {"resources", {"services"}}, {"verbs", {"create"}}}});
  EXPECT_EQ(AsApp("GET", "/api/v1/namespaces/team-a/configmaps"), 200);
  EXPECT_EQ(AsApp("GET", "/api/v1/configmaps"), 200);
  EXPECT_EQ(AsApp("DELETE", "/api/v1/namespaces/team-a/configmaps/x"), 403);
  json service = {{"metadata", {{"name", "s"}}}, {"spec", {{"ports", {{{"port", 443}}}}}}};
  EXPECT_EQ(AsApp("POST", "/api/v1/namespaces/team-a/services", service), 201);
  EXPECT_EQ(AsApp("POST", "/api/v1/namespaces/default/services", service), 403);
}

TEST_F(RbacTest, SubresourcesAndResourceNamesAreTheirOwnRules) {
  Grant("ClusterRoleBinding", "",
        {{{"apiGroups", {"coordination.k8s.io"}},
          {"resources", {"leases"}},
          {"verbs", {"get", "update"}},
          {"resourceNames", {"mine"}}},
         {{"apiGroups", {""}}, {"resources", {"pods/status"}}, {"verbs", {"update"}}}});
  // Allowed (then not found, or a bad body), or refused.
  EXPECT_EQ(AsApp("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/mine"), 404);
  EXPECT_EQ(AsApp("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/theirs"), 403);
  EXPECT_EQ(AsApp("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases"), 403);
  EXPECT_EQ(AsApp("PUT", "/api/v1/namespaces/default/pods/p/status", json::object()), 400);
  EXPECT_EQ(AsApp("PUT", "/api/v1/namespaces/default/pods/p", json::object()), 403);
}

}  // namespace
}  // namespace coffer::kube::standin
