// The operator end to end, as a cluster user meets it: the Kubernetes API stand-in, a real
// coffer-vault (SQLite, SoftHSM2, TLS), real coffer-operator processes, and real kubectl applying
// the CRDs and objects. A service principal's secret reads are granted and revoked through
// AccessPolicies; KeyVault deletion soft-deletes; the operator is restarted mid-way and run as
// two replicas whose leader is killed.
#include <signal.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/cpprest/client.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/vaultclient/admin_client.h"
#include "lib/vaultclient/data_plane_client.h"
#include "tests/e2e/cluster_harness.h"

namespace coffer {
namespace {

namespace v1 = ::coffer::admin::v1;
using ::coffer::testing::PollUntil;
using ::testing::HasSubstr;

class OperatorE2eTest : public testing::ClusterHarnessTest {
 protected:
  // What a pod trusting only ConfigMap coffer-ca sees at the vault's Service name: the
  // certificate the vault issued for that name (chosen by SNI), and nothing for other names.
  void ExpectServedWithCertificateFromCofferCa(const std::string& host) {
    std::string ca = Jsonpath("configmap", "coffer-ca", "{.data.ca\\.crt}");
    ASSERT_THAT(ca, HasSubstr("BEGIN CERTIFICATE"));
    std::string ca_file = dir_.File("coffer-ca.pem");
    std::ofstream(ca_file) << ca;
    http::ClientOptions options;
    options.base_url = "https://127.0.0.1:" + std::to_string(port_);
    options.ca_file = ca_file;
    COFFER_ASSERT_OK_AND_ASSIGN(auto client, http::cpprest::NewClient(options));
    for (const std::string& name : {host, std::string("unknown.team-a.svc")}) {
      http::ClientRequest request;
      request.path_and_query = "/healthz";
      request.headers.Add("Host", name);  // the client's SNI and the name it verifies
      absl::StatusOr<http::ClientResponse> response = client->Send(request);
      if (name == host) {
        ASSERT_TRUE(response.ok()) << response.status();
        EXPECT_EQ(response->status, 200);
      } else {
        EXPECT_FALSE(response.ok());  // the default certificate: not from coffer-ca
      }
    }
  }
};

TEST_F(OperatorE2eTest, GrantReadRevokeAndSoftDeleteThroughKubectl) {
  auto op = StartOperator("op-1");
  Apply("kv", KeyVaultYaml());
  ASSERT_TRUE(PollUntil([&] { return Ready("kv", "prod"); })) << op->Log();
  EXPECT_EQ(Jsonpath("kv", "prod", "{.status.vaultUri}"), "https://prod.team-a.svc");
  testing::RunResult table = Kubectl({"get", "kv", "-n", "team-a"});
  EXPECT_THAT(table.output, HasSubstr("team-a-prod   https://prod.team-a.svc   standard   True"));
  v1::GetVaultRequest get;
  get.set_name("team-a-prod");
  COFFER_ASSERT_OK_AND_ASSIGN(v1::Vault vault, admin_->GetVault(get));
  EXPECT_THAT(vault.hostnames(), ::testing::Contains("prod.team-a.svc"));
  EXPECT_EQ(Jsonpath("svc", "prod", "{.spec.ports[0].targetPort}"), std::to_string(port_));
  ExpectServedWithCertificateFromCofferCa("prod.team-a.svc");

  std::string principal_id;
  vaultclient::DataPlaneCredentials reader = NewPrincipal(*admin_, "reader", &principal_id);
  auto client = DataPlane("prod.vault.coffer.test", reader);
  ASSERT_NE(client, nullptr);
  EXPECT_THAT(client->GetSecret("db"), testing::StatusIs(absl::StatusCode::kPermissionDenied));
  Apply("grant",
        PolicyYaml("reader", "{principal: {objectId: " + principal_id + "}}", "get, set"));
  ASSERT_TRUE(PollUntil([&] { return Ready("kvap", "reader"); })) << op->Log();
  COFFER_ASSERT_OK(client->SetSecret("db", SecretBytes("s3cret")).status());
  COFFER_ASSERT_OK_AND_ASSIGN(vaultclient::Secret secret, client->GetSecret("db"));
  EXPECT_EQ(secret.value.reveal(), "s3cret");

  ASSERT_EQ(Kubectl({"delete", "kvap", "reader", "-n", "team-a"}).exit_code, 0);
  ASSERT_TRUE(PollUntil([&] { return Gone("kvap", "reader"); })) << op->Log();
  EXPECT_THAT(client->GetSecret("db"), testing::StatusIs(absl::StatusCode::kPermissionDenied));

  ASSERT_EQ(Kubectl({"delete", "kv", "prod", "-n", "team-a"}).exit_code, 0);
  ASSERT_TRUE(PollUntil([&] { return Gone("kv", "prod"); })) << op->Log();
  COFFER_ASSERT_OK_AND_ASSIGN(vault, admin_->GetVault(get));
  EXPECT_NE(vault.deleted_unix(), 0);  // soft-deleted: recoverable for 7 days
  EXPECT_TRUE(PollUntil([&] { return Gone("svc", "prod"); }));  // owned, collected
}

TEST_F(OperatorE2eTest, ServiceAccountPolicyMakesAManagedIdentityAndSurvivesRestarts) {
  auto op = StartOperator("op-1");
  Apply("kv", KeyVaultYaml());
  ASSERT_TRUE(PollUntil([&] { return Ready("kv", "prod"); })) << op->Log();
  EXPECT_EQ(op->Stop(SIGKILL), -SIGKILL);
  Apply("billing", PolicyYaml("billing", "{serviceAccount: {name: billing}}", "get"));
  EXPECT_FALSE(Ready("kvap", "billing"));  // nobody is reconciling
  op = StartOperator("op-1");
  ASSERT_TRUE(PollUntil([&] { return Ready("kvap", "billing"); })) << op->Log();
  v1::FindManagedIdentityRequest find;
  find.mutable_service_account()->set_cluster("e2e");
  find.mutable_service_account()->set_namespace_("team-a");
  find.mutable_service_account()->set_name("billing");
  COFFER_ASSERT_OK_AND_ASSIGN(v1::Principal identity, admin_->FindManagedIdentity(find));
  EXPECT_EQ(Jsonpath("kvap", "billing", "{.status.principalObjectId}"), identity.object_id());

  // A grant removed behind the operator's back comes back with the next resync.
  v1::RemoveAccessPolicyRequest remove;
  remove.set_vault("team-a-prod");
  remove.set_object_id(identity.object_id());
  COFFER_ASSERT_OK(admin_->RemoveAccessPolicy(remove).status());
  v1::ListAccessPoliciesRequest list;
  list.set_vault("team-a-prod");
  EXPECT_TRUE(PollUntil([&] {
    auto policies = admin_->ListAccessPolicies(list);
    return policies.ok() && policies->policies_size() == 1;
  })) << op->Log();
}

// Both ways of checking a cluster's tokens (its TokenReview, or its published keys and
// lookups), for a cluster trusted in the configuration file and one trusted through the admin
// API ("admin-...").
class ManagedIdentityE2eTest : public testing::ClusterHarnessTest,
                               public ::testing::WithParamInterface<std::string> {
 protected:
  bool ThroughAdminApi() const { return GetParam().rfind("admin-", 0) == 0; }
  std::string Verify() const { return ThroughAdminApi() ? GetParam().substr(6) : GetParam(); }
  bool TrustClusterInConfig() override { return !ThroughAdminApi(); }
  std::vector<std::string> ExtraVaultArgs() override {
    if (ThroughAdminApi()) return {};
    return {"--set", "identity.clusters.e2e.verify=" + Verify()};
  }
  void SetUp() override {
    ClusterHarnessTest::SetUp();
    if (!HasFatalFailure() && ThroughAdminApi()) TrustClusterThroughAdminApi(Verify());
  }
};

INSTANTIATE_TEST_SUITE_P(Verify, ManagedIdentityE2eTest,
                         ::testing::Values("tokenreview", "jwks", "admin-tokenreview",
                                           "admin-jwks"));

// What WorkloadIdentityCredential does: the pod's projected token (here minted by kubectl
// create token, as kubelet would) as client_assertion, the managed identity's client id.
TEST_P(ManagedIdentityE2eTest, LogsInWithItsServiceAccountToken) {
  auto probe = Client();

  v1::CreateVaultRequest create;
  create.set_name("idvault");
  create.add_hostnames("id.vault.coffer.test");
  COFFER_ASSERT_OK(admin_->CreateVault(create).status());
  std::string writer_id;
  vaultclient::DataPlaneCredentials writer = NewPrincipal(*admin_, "writer", &writer_id);
  v1::SetAccessPolicyRequest grant;
  grant.set_vault("idvault");
  grant.mutable_policy()->set_object_id(writer_id);
  grant.mutable_policy()->add_secrets("set");
  COFFER_ASSERT_OK(admin_->SetAccessPolicy(grant).status());
  COFFER_ASSERT_OK(
      DataPlane("id.vault.coffer.test", writer)->SetSecret("db", SecretBytes("s3cret")).status());
  ASSERT_EQ(Kubectl({"create", "serviceaccount", "billing", "-n", "team-a"}).exit_code, 0);
  v1::CreateManagedIdentityRequest identity;
  identity.mutable_service_account()->set_cluster("e2e");
  identity.mutable_service_account()->set_namespace_("team-a");
  identity.mutable_service_account()->set_name("billing");
  COFFER_ASSERT_OK_AND_ASSIGN(v1::Principal billing, admin_->CreateManagedIdentity(identity));
  grant.mutable_policy()->set_object_id(billing.object_id());
  grant.mutable_policy()->clear_secrets();
  grant.mutable_policy()->add_secrets("get");
  COFFER_ASSERT_OK(admin_->SetAccessPolicy(grant).status());
  testing::RunResult minted =
      Kubectl({"create", "token", "billing", "-n", "team-a", "--audience", "api://coffer"});
  ASSERT_EQ(minted.exit_code, 0) << minted.output;
  std::string pod_token = minted.output.substr(0, minted.output.find_first_of("\r\n"));

  auto tenant = admin_->GetInstallation({});
  ASSERT_TRUE(tenant.ok());
  auto login = [&]() {
    http::ClientRequest request;
    request.method = "POST";
    request.path_and_query = "/" + tenant->tenant_id() + "/oauth2/v2.0/token";
    request.headers.Add("Content-Type", "application/x-www-form-urlencoded");
    request.body = "grant_type=client_credentials&client_id=" + billing.client_id() +
                   "&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                   "&client_assertion=" +
                   pod_token + "&scope=https://vault.coffer.test/.default";
    return probe->Send(request);
  };
  absl::StatusOr<http::ClientResponse> issued = login();
  ASSERT_TRUE(issued.ok()) << issued.status();
  ASSERT_EQ(issued->status, 200) << issued->body;
  std::string access = issued->body.substr(issued->body.find("\"access_token\":\"") + 16);
  access = access.substr(0, access.find('"'));
  http::ClientRequest read;
  read.path_and_query = "/secrets/db/?api-version=7.6";
  read.headers.Add("Host", "id.vault.coffer.test");
  read.headers.Add("Authorization", "Bearer " + access);
  absl::StatusOr<http::ClientResponse> secret = probe->Send(read);
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(secret->status, 200) << secret->body;
  EXPECT_THAT(secret->body, HasSubstr("s3cret"));

  // A token for another audience (kubectl's default: the cluster's own) is refused.
  const std::string good_token = pod_token;
  testing::RunResult default_audience = Kubectl({"create", "token", "billing", "-n", "team-a"});
  ASSERT_EQ(default_audience.exit_code, 0);
  pod_token = default_audience.output.substr(0, default_audience.output.find_first_of("\r\n"));
  issued = login();
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->status, 401) << issued->body;
  EXPECT_THAT(issued->body, HasSubstr("AADSTS700212"));
  // A token bound to a pod (what kubelet projects) works while the pod lives, and not after.
  Apply("web", R"(apiVersion: v1
kind: Pod
metadata: {name: web, namespace: team-a}
spec:
  serviceAccountName: billing
  containers: [{name: app, image: registry.invalid/app}]
)");
  testing::RunResult bound =
      Kubectl({"create", "token", "billing", "-n", "team-a", "--audience", "api://coffer",
               "--bound-object-kind", "Pod", "--bound-object-name", "web"});
  ASSERT_EQ(bound.exit_code, 0) << bound.output;
  pod_token = bound.output.substr(0, bound.output.find_first_of("\r\n"));
  issued = login();
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->status, 200) << issued->body;
  // The same token with its signature changed: not the cluster's.
  const std::string bound_token = pod_token;
  pod_token[pod_token.size() - 4] = pod_token[pod_token.size() - 4] == 'A' ? 'B' : 'A';
  issued = login();
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->status, 401) << issued->body;
  EXPECT_THAT(issued->body, HasSubstr("AADSTS70021"));
  pod_token = bound_token;
  ASSERT_EQ(Kubectl({"delete", "pod", "web", "-n", "team-a"}).exit_code, 0);
  issued = login();
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->status, 401) << issued->body;
  EXPECT_THAT(issued->body, HasSubstr("AADSTS70021"));
  // The service account goes: its tokens stop working at the next exchange.
  pod_token = good_token;
  ASSERT_EQ(Kubectl({"delete", "serviceaccount", "billing", "-n", "team-a"}).exit_code, 0);
  issued = login();
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->status, 401) << issued->body;
  EXPECT_THAT(issued->body, HasSubstr("AADSTS70021"));
  if (Verify() == "jwks") {  // the keys came from the cluster's discovery document
    EXPECT_THAT(vault_->Log(), HasSubstr("signing key(s) of issuer"));
  }
  if (GetParam() == "admin-tokenreview") {
    // Untrusted through the admin API: within the vault's 5 s reload, the issuer is unknown.
    pod_token = good_token;
    ASSERT_EQ(Kubectl({"create", "serviceaccount", "billing", "-n", "team-a"}).exit_code, 0);
    admin::v1::RemoveTrustedClusterRequest remove;
    remove.set_name("e2e");
    COFFER_ASSERT_OK(admin_->RemoveTrustedCluster(remove).status());
    EXPECT_TRUE(PollUntil([&] {
      absl::StatusOr<http::ClientResponse> refused = login();
      return refused.ok() && refused->body.find("AADSTS700211") != std::string::npos;
    }));
  }
}

TEST_F(OperatorE2eTest, TwoReplicasOneLeaderAndTheOtherTakesOver) {
  auto a = StartOperator("op-a", /*leader_elect=*/true);
  ASSERT_TRUE(PollUntil([&] {
    return Jsonpath("lease", "coffer-operator", "{.spec.holderIdentity}") == "op-a";
  })) << a->Log();
  auto b = StartOperator("op-b", /*leader_elect=*/true);
  Apply("kv", KeyVaultYaml());
  ASSERT_TRUE(PollUntil([&] { return Ready("kv", "prod"); })) << a->Log();
  EXPECT_THAT(b->Log(), ::testing::Not(HasSubstr("leading")));
  EXPECT_EQ(a->Stop(SIGKILL), -SIGKILL);  // no lease release: b waits for it to expire
  ASSERT_TRUE(PollUntil(
      [&] { return Jsonpath("lease", "coffer-operator", "{.spec.holderIdentity}") == "op-b"; },
      std::chrono::seconds(40)))
      << b->Log();
  Apply("billing", PolicyYaml("billing", "{serviceAccount: {name: billing}}", "get"));
  EXPECT_TRUE(PollUntil([&] { return Ready("kvap", "billing"); })) << b->Log();
}

}  // namespace
}  // namespace coffer
