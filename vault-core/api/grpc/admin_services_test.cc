// The admin API end to end: real services over a memory store and the software key store,
// served on a unix socket in a temp dir and called through a real gRPC channel.
#include "vault-core/api/grpc/admin_services.h"

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <chrono>
#include <tuple>

#include "coffer/admin/v1/admin.grpc.pb.h"
#include "gmock/gmock.h"
#include "lib/base/fake_clock.h"
#include "lib/grpcutil/grpc_server.h"
#include "lib/grpcutil/grpc_status.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_certs.h"
#include "vault-core/audit/memory_audit_log.h"
#include "vault-core/envelope/vault_keys.h"
#include "vault-core/service/testing/services_fixture.h"

namespace coffer::api::admin {
namespace {

namespace pb = ::coffer::admin::v1;
using ::coffer::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Code = absl::StatusCode;

constexpr char kTenant[] = "6f1c2d7e-0000-4000-8000-00000000c0ff";

// One unary call with a deadline, its grpc::Status turned back into an absl::Status.
template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> Call(Stub& stub,
                              grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                           Response*),
                              const Request& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  Response response;
  grpc::Status status = (stub.*method)(&context, request, &response);
  if (!status.ok()) return grpcutil::FromGrpcStatus(status);
  return response;
}

pb::CreateVaultRequest NewVault(const std::string& name, const std::string& hostname) {
  pb::CreateVaultRequest request;
  request.set_name(name);
  request.add_hostnames(hostname);
  return request;
}

template <typename Request>
Request Named(const std::string& name) {
  Request request;
  request.set_name(name);
  return request;
}

class AdminServicesTest : public service::ServicesFixture {
 protected:
  AdminServicesTest()
      : audit_(clock_),
        admin_(*vaults_, secrets_, key_service_, *principals_, clusters_, *policies_, audit_,
               {kTenant, "https://login.coffer.test", "1.2.3", "-----BEGIN CERTIFICATE-----",
                [this](const std::vector<std::string>& names) {
                  // Stands in for ServingCertificates::IssueFor (tested with it): a
                  // certificate named after the first name, valid a day.
                  return crypto::NewCertificateAuthority(names.at(0), clock_.Now(),
                                                         absl::Hours(24));
                }},
               8443) {}

  void SetUp() override {
    socket_ = dir_.File("admin.sock");
    grpcutil::GrpcServerOptions options;
    options.unix_socket = socket_;
    auto server = grpcutil::StartGrpcServer(options, admin_.services());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto channel = grpc::CreateChannel("unix:" + socket_, grpc::InsecureChannelCredentials());
    vault_admin_ = pb::VaultAdmin::NewStub(channel);
    principal_admin_ = pb::PrincipalAdmin::NewStub(channel);
    policy_admin_ = pb::PolicyAdmin::NewStub(channel);
    installation_admin_ = pb::InstallationAdmin::NewStub(channel);
  }

  absl::StatusOr<pb::Vault> CreateVault(const pb::CreateVaultRequest& request) {
    return Call(*vault_admin_, &pb::VaultAdmin::Stub::CreateVault, request);
  }
  absl::StatusOr<pb::Vault> GetVault(const std::string& name) {
    return Call(*vault_admin_, &pb::VaultAdmin::Stub::GetVault, Named<pb::GetVaultRequest>(name));
  }
  absl::StatusOr<pb::ListVaultsResponse> ListVaults(bool include_deleted) {
    pb::ListVaultsRequest request;
    request.set_include_deleted(include_deleted);
    return Call(*vault_admin_, &pb::VaultAdmin::Stub::ListVaults, request);
  }
  absl::StatusOr<pb::Principal> CreatePrincipal(const std::string& display_name) {
    pb::CreatePrincipalRequest request;
    request.set_display_name(display_name);
    return Call(*principal_admin_, &pb::PrincipalAdmin::Stub::CreatePrincipal, request);
  }
  absl::StatusOr<pb::Principal> GetPrincipal(const std::string& object_id) {
    pb::GetPrincipalRequest request;
    request.set_object_id(object_id);
    return Call(*principal_admin_, &pb::PrincipalAdmin::Stub::GetPrincipal, request);
  }
  absl::StatusOr<pb::AddClientSecretResponse> AddClientSecret(const std::string& object_id) {
    pb::AddClientSecretRequest request;
    request.set_object_id(object_id);
    return Call(*principal_admin_, &pb::PrincipalAdmin::Stub::AddClientSecret, request);
  }
  absl::StatusOr<pb::AccessPolicy> SetPolicy(const std::string& vault, const std::string& object_id,
                                             std::vector<std::string> secrets) {
    pb::SetAccessPolicyRequest request;
    request.set_vault(vault);
    request.mutable_policy()->set_object_id(object_id);
    for (auto& s : secrets) request.mutable_policy()->add_secrets(s);
    return Call(*policy_admin_, &pb::PolicyAdmin::Stub::SetAccessPolicy, request);
  }
  absl::StatusOr<pb::ListAccessPoliciesResponse> ListPolicies(const std::string& vault) {
    pb::ListAccessPoliciesRequest request;
    request.set_vault(vault);
    return Call(*policy_admin_, &pb::PolicyAdmin::Stub::ListAccessPolicies, request);
  }
  absl::Status RemovePolicy(const std::string& vault, const std::string& object_id) {
    pb::RemoveAccessPolicyRequest request;
    request.set_vault(vault);
    request.set_object_id(object_id);
    return Call(*policy_admin_, &pb::PolicyAdmin::Stub::RemoveAccessPolicy, request).status();
  }
  absl::StatusOr<pb::Installation> GetInstallation() {
    return Call(*installation_admin_, &pb::InstallationAdmin::Stub::GetInstallation,
                pb::GetInstallationRequest());
  }

  service::ClusterService clusters_{*cached_, keys_, clock_, {}};
  audit::MemoryAuditLog audit_;
  AdminServices admin_;
  std::string socket_;
  std::unique_ptr<grpcutil::GrpcServer> server_;
  std::unique_ptr<pb::VaultAdmin::Stub> vault_admin_;
  std::unique_ptr<pb::PrincipalAdmin::Stub> principal_admin_;
  std::unique_ptr<pb::PolicyAdmin::Stub> policy_admin_;
  std::unique_ptr<pb::InstallationAdmin::Stub> installation_admin_;
};

TEST_F(AdminServicesTest, VaultLivesThroughCreateDeleteRecoverAndPurge) {
  COFFER_ASSERT_OK_AND_ASSIGN(pb::Vault created,
                              CreateVault(NewVault("prod", "prod.vault.coffer.test")));
  EXPECT_EQ(created.name(), "prod");
  EXPECT_FALSE(created.id().empty());
  EXPECT_EQ(created.soft_delete_retention_days(), 90);
  EXPECT_EQ(created.sku(), pb::SKU_STANDARD);
  EXPECT_EQ(created.uri(), "https://prod.vault.coffer.test:8443");
  EXPECT_EQ(created.created_unix(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_EQ(created.deleted_unix(), 0);
  COFFER_ASSERT_OK_AND_ASSIGN(pb::Vault got, GetVault("prod"));
  EXPECT_EQ(got.id(), created.id());
  EXPECT_THAT(
      Call(*vault_admin_, &pb::VaultAdmin::Stub::PurgeVault, Named<pb::PurgeVaultRequest>("prod")),
      StatusIs(Code::kFailedPrecondition));

  COFFER_ASSERT_OK_AND_ASSIGN(pb::Vault deleted,
                              Call(*vault_admin_, &pb::VaultAdmin::Stub::DeleteVault,
                                   Named<pb::DeleteVaultRequest>("prod")));
  EXPECT_NE(deleted.deleted_unix(), 0);
  EXPECT_EQ(ListVaults(false)->vaults_size(), 0);
  EXPECT_EQ(ListVaults(true)->vaults_size(), 1);
  COFFER_ASSERT_OK_AND_ASSIGN(pb::Vault recovered,
                              Call(*vault_admin_, &pb::VaultAdmin::Stub::RecoverVault,
                                   Named<pb::RecoverVaultRequest>("prod")));
  EXPECT_EQ(recovered.deleted_unix(), 0);
  EXPECT_EQ(ListVaults(false)->vaults_size(), 1);

  COFFER_ASSERT_OK(Call(*vault_admin_, &pb::VaultAdmin::Stub::DeleteVault,
                        Named<pb::DeleteVaultRequest>("prod")));
  COFFER_ASSERT_OK(
      Call(*vault_admin_, &pb::VaultAdmin::Stub::PurgeVault, Named<pb::PurgeVaultRequest>("prod")));
  EXPECT_THAT(GetVault("prod"), StatusIs(Code::kNotFound));
  EXPECT_EQ(ListVaults(true)->vaults_size(), 0);
}

TEST_F(AdminServicesTest, BadVaultRequestsAreRefused) {
  COFFER_ASSERT_OK(CreateVault(NewVault("prod", "prod.vault.coffer.test")));
  EXPECT_THAT(CreateVault(NewVault("prod", "other.vault.coffer.test")),
              StatusIs(Code::kAlreadyExists));
  EXPECT_THAT(CreateVault(NewVault("dev", "not a hostname!")), StatusIs(Code::kInvalidArgument));
  pb::CreateVaultRequest bad_sku = NewVault("dev", "dev.vault.coffer.test");
  bad_sku.set_sku(static_cast<pb::Sku>(7));
  EXPECT_THAT(CreateVault(bad_sku), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(GetVault("nope"), StatusIs(Code::kNotFound));
}

TEST_F(AdminServicesTest, UpdateVaultChangesOnlyTheMaskedFields) {
  COFFER_ASSERT_OK(CreateVault(NewVault("prod", "prod.vault.coffer.test")));
  pb::UpdateVaultRequest update;
  update.set_name("prod");
  update.add_hostnames("ignored.vault.coffer.test");
  update.set_sku(pb::SKU_PREMIUM);
  update.add_update_mask("sku");
  COFFER_ASSERT_OK_AND_ASSIGN(pb::Vault updated,
                              Call(*vault_admin_, &pb::VaultAdmin::Stub::UpdateVault, update));
  EXPECT_EQ(updated.sku(), pb::SKU_PREMIUM);
  EXPECT_THAT(updated.hostnames(), ElementsAre("prod.vault.coffer.test"));
  EXPECT_FALSE(updated.purge_protection());

  update.add_update_mask("hostnames");
  COFFER_ASSERT_OK_AND_ASSIGN(updated,
                              Call(*vault_admin_, &pb::VaultAdmin::Stub::UpdateVault, update));
  EXPECT_THAT(updated.hostnames(), ElementsAre("ignored.vault.coffer.test"));
  EXPECT_EQ(updated.uri(), "https://ignored.vault.coffer.test:8443");

  update.add_update_mask("retention");
  EXPECT_THAT(Call(*vault_admin_, &pb::VaultAdmin::Stub::UpdateVault, update),
              StatusIs(Code::kInvalidArgument, HasSubstr("retention")));
  update.clear_update_mask();
  EXPECT_THAT(Call(*vault_admin_, &pb::VaultAdmin::Stub::UpdateVault, update),
              StatusIs(Code::kInvalidArgument));
}

TEST_F(AdminServicesTest, VaultUriLeavesOutPort443) {
  AdminServices on_443(*vaults_, secrets_, key_service_, *principals_, clusters_, *policies_,
                       audit_, {}, 443);
  grpcutil::GrpcServerOptions options;
  options.unix_socket = dir_.File("443.sock");
  COFFER_ASSERT_OK_AND_ASSIGN(auto server, grpcutil::StartGrpcServer(options, on_443.services()));
  auto stub = pb::VaultAdmin::NewStub(
      grpc::CreateChannel("unix:" + options.unix_socket, grpc::InsecureChannelCredentials()));
  COFFER_ASSERT_OK_AND_ASSIGN(pb::Vault vault, Call(*stub, &pb::VaultAdmin::Stub::CreateVault,
                                                    NewVault("prod", "prod.vault.coffer.test")));
  EXPECT_EQ(vault.uri(), "https://prod.vault.coffer.test");
}

TEST_F(AdminServicesTest, ResolveObjectsSaysWhatAReaderWouldGetWithoutValues) {
  COFFER_ASSERT_OK(CreateVault(NewVault("prod", "prod.vault.coffer.test")).status());
  COFFER_ASSERT_OK_AND_ASSIGN(domain::Vault vault, vaults_->Get("prod"));
  COFFER_ASSERT_OK_AND_ASSIGN(domain::Secret v1, secrets_.Set(vault, "db", SecretBytes("one"), {}));
  COFFER_ASSERT_OK_AND_ASSIGN(domain::Secret v2, secrets_.Set(vault, "db", SecretBytes("two"), {}));
  domain::SecretUpdate disable;
  disable.enabled = false;
  COFFER_ASSERT_OK(secrets_.Update(vault, "db", v2.properties.version, disable).status());
  domain::CertificatePolicy policy;
  policy.subject = "CN=tls.example";
  policy.kty = "EC";
  policy.crv = "P-256";
  COFFER_ASSERT_OK(certificate_service_.Create(vault, "tls", policy, {}).status());
  COFFER_ASSERT_OK_AND_ASSIGN(domain::Certificate tls, certificate_service_.Get(vault, "tls", ""));
  domain::KeySpec spec;
  spec.type = domain::KeyType::kEc;
  COFFER_ASSERT_OK_AND_ASSIGN(domain::Key key, key_service_.Create(vault, "signing", spec, false, {}));
  pb::ResolveObjectsRequest request;
  request.set_vault("prod");
  for (auto [type, name, version] :
       {std::tuple{"secret", "db", ""}, std::tuple{"secret", "db", v2.properties.version.c_str()},
        std::tuple{"secret", "nope", ""}, std::tuple{"certificate", "tls", ""},
        std::tuple{"certificate", "db", ""}, std::tuple{"key", "signing", ""},
        std::tuple{"blob", "db", ""}}) {
    pb::ObjectRef* ref = request.add_objects();
    ref->set_type(type);
    ref->set_name(name);
    ref->set_version(version);
  }
  COFFER_ASSERT_OK_AND_ASSIGN(
      pb::ResolveObjectsResponse resolved,
      Call(*vault_admin_, &pb::VaultAdmin::Stub::ResolveObjects, request));
  ASSERT_EQ(resolved.objects_size(), 7);
  EXPECT_TRUE(resolved.objects(0).resolvable());  // latest is disabled: the one before it
  EXPECT_EQ(resolved.objects(0).version(), v1.properties.version);
  EXPECT_FALSE(resolved.objects(1).resolvable());
  EXPECT_THAT(resolved.objects(1).reason(), HasSubstr("is disabled"));
  EXPECT_THAT(resolved.objects(2).reason(), HasSubstr("does not exist"));
  EXPECT_TRUE(resolved.objects(3).resolvable());  // through its secret, of the same version
  EXPECT_EQ(resolved.objects(3).version(), tls.properties.version);
  EXPECT_THAT(resolved.objects(4).reason(), HasSubstr("is not a certificate's"));
  EXPECT_TRUE(resolved.objects(5).resolvable());
  EXPECT_EQ(resolved.objects(5).version(), key.properties.version);
  EXPECT_THAT(resolved.objects(6).reason(), HasSubstr("no objects of type blob"));
  EXPECT_EQ(resolved.DebugString().find("one"), std::string::npos);  // never a value
  request.set_vault("elsewhere");
  EXPECT_THAT(Call(*vault_admin_, &pb::VaultAdmin::Stub::ResolveObjects, request),
              StatusIs(Code::kNotFound));
}

TEST_F(AdminServicesTest, ClientSecretValueIsShownOnceAndNeverAgain) {
  COFFER_ASSERT_OK_AND_ASSIGN(pb::Principal app, CreatePrincipal("app"));
  EXPECT_EQ(app.display_name(), "app");
  EXPECT_FALSE(app.client_id().empty());
  COFFER_ASSERT_OK_AND_ASSIGN(pb::AddClientSecretResponse added, AddClientSecret(app.object_id()));
  const std::string value = added.value();
  ASSERT_EQ(value.size(), 40u);
  EXPECT_EQ(added.secret().hint(), value.substr(0, 3));
  COFFER_EXPECT_OK(principals_->Authenticate(app.client_id(), SecretBytes(value)));

  COFFER_ASSERT_OK_AND_ASSIGN(pb::Principal got, GetPrincipal(app.object_id()));
  ASSERT_EQ(got.secrets_size(), 1);
  EXPECT_EQ(got.secrets(0).id(), added.secret().id());
  EXPECT_EQ(got.secrets(0).hint(), value.substr(0, 3));
  EXPECT_THAT(got.SerializeAsString(), Not(HasSubstr(value)));
  COFFER_ASSERT_OK_AND_ASSIGN(auto listed,
                              Call(*principal_admin_, &pb::PrincipalAdmin::Stub::ListPrincipals,
                                   pb::ListPrincipalsRequest()));
  ASSERT_EQ(listed.principals_size(), 1);
  EXPECT_THAT(listed.SerializeAsString(), Not(HasSubstr(value)));
  for (const auto& record : audit_.records()) {
    EXPECT_THAT(record.object + record.result + record.operation + record.vault,
                Not(HasSubstr(value)));
  }

  pb::RemoveClientSecretRequest remove;
  remove.set_object_id(app.object_id());
  remove.set_secret_id(added.secret().id());
  COFFER_ASSERT_OK(Call(*principal_admin_, &pb::PrincipalAdmin::Stub::RemoveClientSecret, remove));
  EXPECT_EQ(GetPrincipal(app.object_id())->secrets_size(), 0);
  pb::DeletePrincipalRequest del;
  del.set_object_id(app.object_id());
  COFFER_ASSERT_OK(Call(*principal_admin_, &pb::PrincipalAdmin::Stub::DeletePrincipal, del));
  EXPECT_THAT(GetPrincipal(app.object_id()), StatusIs(Code::kNotFound));
  EXPECT_THAT(AddClientSecret(app.object_id()), StatusIs(Code::kNotFound));
}

TEST_F(AdminServicesTest, ManagedIdentitiesAreCreatedOnceFoundListedAndDeleted) {
  pb::CreateManagedIdentityRequest create;
  create.mutable_service_account()->set_cluster("prod-cluster");
  create.mutable_service_account()->set_namespace_("team-a");
  create.mutable_service_account()->set_name("billing");
  COFFER_ASSERT_OK_AND_ASSIGN(
      pb::Principal identity,
      Call(*principal_admin_, &pb::PrincipalAdmin::Stub::CreateManagedIdentity, create));
  EXPECT_EQ(identity.kind(), pb::PRINCIPAL_KIND_MANAGED_IDENTITY);
  EXPECT_EQ(identity.service_account().namespace_(), "team-a");
  COFFER_ASSERT_OK_AND_ASSIGN(
      pb::Principal again,
      Call(*principal_admin_, &pb::PrincipalAdmin::Stub::CreateManagedIdentity, create));
  EXPECT_EQ(again.object_id(), identity.object_id());
  pb::FindManagedIdentityRequest find;
  *find.mutable_service_account() = create.service_account();
  COFFER_ASSERT_OK_AND_ASSIGN(
      pb::Principal found,
      Call(*principal_admin_, &pb::PrincipalAdmin::Stub::FindManagedIdentity, find));
  EXPECT_EQ(found.object_id(), identity.object_id());
  COFFER_ASSERT_OK(CreatePrincipal("app").status());

  pb::ListPrincipalsRequest managed_only;
  managed_only.set_kind(pb::PRINCIPAL_KIND_MANAGED_IDENTITY);
  COFFER_ASSERT_OK_AND_ASSIGN(
      auto listed,
      Call(*principal_admin_, &pb::PrincipalAdmin::Stub::ListPrincipals, managed_only));
  ASSERT_EQ(listed.principals_size(), 1);
  EXPECT_EQ(listed.principals(0).object_id(), identity.object_id());
  COFFER_ASSERT_OK_AND_ASSIGN(auto all,
                              Call(*principal_admin_, &pb::PrincipalAdmin::Stub::ListPrincipals,
                                   pb::ListPrincipalsRequest()));
  EXPECT_EQ(all.principals_size(), 2);
  EXPECT_THAT(AddClientSecret(identity.object_id()), StatusIs(Code::kFailedPrecondition));

  pb::DeletePrincipalRequest del;
  del.set_object_id(identity.object_id());
  COFFER_ASSERT_OK(Call(*principal_admin_, &pb::PrincipalAdmin::Stub::DeletePrincipal, del));
  EXPECT_THAT(Call(*principal_admin_, &pb::PrincipalAdmin::Stub::FindManagedIdentity, find),
              StatusIs(Code::kNotFound));
  create.mutable_service_account()->set_namespace_("Team_A");
  EXPECT_THAT(Call(*principal_admin_, &pb::PrincipalAdmin::Stub::CreateManagedIdentity, create),
              StatusIs(Code::kInvalidArgument));
}

TEST_F(AdminServicesTest, AccessPoliciesAreSetListedAndRemovedByVaultName) {
  COFFER_ASSERT_OK_AND_ASSIGN(pb::Vault vault,
                              CreateVault(NewVault("prod", "prod.vault.coffer.test")));
  COFFER_ASSERT_OK_AND_ASSIGN(pb::Principal app, CreatePrincipal("app"));
  COFFER_ASSERT_OK_AND_ASSIGN(pb::AccessPolicy set,
                              SetPolicy("prod", app.object_id(), {"Get", "list"}));
  EXPECT_THAT(set.secrets(), ElementsAre("get", "list"));
  EXPECT_TRUE(testing::PollUntil([&] {
    return *policies_->Allowed(vault.id(), app.object_id(), domain::ObjectKind::kSecrets, "get");
  }));
  COFFER_ASSERT_OK_AND_ASSIGN(auto listed, ListPolicies("prod"));
  ASSERT_EQ(listed.policies_size(), 1);
  EXPECT_EQ(listed.policies(0).object_id(), app.object_id());
  EXPECT_THAT(listed.policies(0).secrets(), ElementsAre("get", "list"));

  EXPECT_THAT(SetPolicy("prod", app.object_id(), {"get", "fly"}),
              StatusIs(Code::kInvalidArgument, HasSubstr("fly")));
  EXPECT_THAT(SetPolicy("nope", app.object_id(), {"get"}), StatusIs(Code::kNotFound));
  EXPECT_THAT(SetPolicy("prod", "", {"get"}), StatusIs(Code::kInvalidArgument));

  COFFER_ASSERT_OK(RemovePolicy("prod", app.object_id()));
  EXPECT_THAT(RemovePolicy("prod", app.object_id()), StatusIs(Code::kNotFound));
  EXPECT_EQ(ListPolicies("prod")->policies_size(), 0);
}

// As Azure Key Vault: 1024 principals' policies per vault; a full vault says so, and changing a
// policy it holds, or adding one after a removal, still works.
TEST_F(AdminServicesTest, AVaultHoldsTheAccessPoliciesOf1024PrincipalsAtMost) {
  COFFER_ASSERT_OK(CreateVault(NewVault("prod", "prod.vault.coffer.test")));
  for (int i = 0; i < 1024; ++i) COFFER_ASSERT_OK(SetPolicy("prod", "p" + std::to_string(i), {"get"}));
  EXPECT_THAT(SetPolicy("prod", "one-more", {"get"}),
              StatusIs(Code::kResourceExhausted, HasSubstr("remove one first")));
  EXPECT_EQ(ListPolicies("prod")->policies_size(), 1024);
  COFFER_EXPECT_OK(SetPolicy("prod", "p0", {"get", "list"}));
  COFFER_ASSERT_OK(RemovePolicy("prod", "p1"));
  COFFER_EXPECT_OK(SetPolicy("prod", "one-more", {"get"}));
}

// A deleted vault takes no new grant, but a grant withdrawn while it is deleted stays withdrawn
// when it is recovered (the operator revokes the grants of deleted AccessPolicies this way).
TEST_F(AdminServicesTest, DeletedVaultTakesNoGrantButLosesWithdrawnOnes) {
  COFFER_ASSERT_OK(CreateVault(NewVault("prod", "prod.vault.coffer.test")));
  COFFER_ASSERT_OK(SetPolicy("prod", "app", {"get"}));
  COFFER_ASSERT_OK(Call(*vault_admin_, &pb::VaultAdmin::Stub::DeleteVault,
                        Named<pb::DeleteVaultRequest>("prod")));
  EXPECT_THAT(SetPolicy("prod", "app", {"all"}), StatusIs(Code::kFailedPrecondition));
  COFFER_ASSERT_OK(RemovePolicy("prod", "app"));
  COFFER_ASSERT_OK(Call(*vault_admin_, &pb::VaultAdmin::Stub::RecoverVault,
                        Named<pb::RecoverVaultRequest>("prod")));
  EXPECT_EQ(ListPolicies("prod")->policies_size(), 0);
}

TEST_F(AdminServicesTest, InstallationTellsClientsWhereToGetTokens) {
  COFFER_ASSERT_OK_AND_ASSIGN(pb::Installation installation, GetInstallation());
  EXPECT_EQ(installation.tenant_id(), kTenant);
  EXPECT_EQ(installation.authority_url(), "https://login.coffer.test");
  EXPECT_EQ(installation.version(), "1.2.3");
  EXPECT_EQ(installation.ca_certificate_pem(), "-----BEGIN CERTIFICATE-----");
}

TEST_F(AdminServicesTest, ServingCertificatesAreIssuedAndAudited) {
  pb::IssueServingCertificateRequest request;
  request.add_dns_names("hook.coffer-system.svc");
  COFFER_ASSERT_OK_AND_ASSIGN(
      pb::ServingCertificate issued,
      Call(*installation_admin_, &pb::InstallationAdmin::Stub::IssueServingCertificate, request));
  EXPECT_THAT(issued.certificate_chain_pem(), HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(issued.private_key_pem(), HasSubstr("BEGIN PRIVATE KEY"));
  EXPECT_EQ(issued.not_after_unix(), absl::ToUnixSeconds(clock_.Now() + absl::Hours(24)));
  EXPECT_EQ(issued.ca_certificate_pem(), "-----BEGIN CERTIFICATE-----");  // the installation's
  auto records = audit_.records();
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.back().operation, "AdminServingCertificateIssue");
  EXPECT_EQ(records.back().object, "hook.coffer-system.svc");
  EXPECT_EQ(records.back().result, "OK");
}

TEST_F(AdminServicesTest, EveryCallIsAuditedWithCallerOperationAndResult) {
  COFFER_ASSERT_OK(CreateVault(NewVault("prod", "prod.vault.coffer.test")));
  EXPECT_THAT(GetVault("nope"), StatusIs(Code::kNotFound));
  COFFER_ASSERT_OK_AND_ASSIGN(pb::Principal app, CreatePrincipal("app"));
  COFFER_ASSERT_OK(SetPolicy("prod", app.object_id(), {"get"}));
  COFFER_ASSERT_OK(GetInstallation());
  auto records = audit_.records();
  ASSERT_EQ(records.size(), 5u);
  std::vector<std::string> operations;
  for (const auto& record : records) {
    operations.push_back(record.operation);
    EXPECT_EQ(record.principal, "unix");
    EXPECT_FALSE(record.request_id.empty());
  }
  EXPECT_THAT(operations, ElementsAre("AdminVaultCreate", "AdminVaultGet", "AdminPrincipalCreate",
                                      "AdminAccessPolicySet", "AdminInstallationGet"));
  EXPECT_EQ(records[0].vault, "prod");
  EXPECT_EQ(records[0].result, "OK");
  EXPECT_EQ(records[1].vault, "nope");
  EXPECT_EQ(records[1].result, "NOT_FOUND");
  EXPECT_EQ(records[2].object, "principals/" + app.object_id());
  EXPECT_EQ(records[3].vault, "prod");
  EXPECT_EQ(records[3].object, "principals/" + app.object_id());
}

TEST_F(AdminServicesTest, FailedAuditWriteFailsTheCall) {
  COFFER_ASSERT_OK_AND_ASSIGN(pb::Principal app, CreatePrincipal("app"));
  audit_.FailWith(absl::UnavailableError("disk full"));
  EXPECT_THAT(CreateVault(NewVault("prod", "prod.vault.coffer.test")),
              StatusIs(Code::kUnavailable));
  EXPECT_THAT(GetVault("nope"), StatusIs(Code::kUnavailable));
  EXPECT_THAT(AddClientSecret(app.object_id()), StatusIs(Code::kUnavailable));
  EXPECT_THAT(GetInstallation(), StatusIs(Code::kUnavailable));
  audit_.FailWith(absl::OkStatus());
  COFFER_EXPECT_OK(GetInstallation());
}

TEST_F(AdminServicesTest, SocketIsOwnerOnly) {
  struct stat st;
  ASSERT_EQ(stat(socket_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AdminServicesTest, MutualTlsCallerIsAuditedByCertificateName) {
  testing::TestPki pki = testing::MakeTestPki(dir_);
  grpcutil::GrpcServerOptions options;
  options.tcp_address = "127.0.0.1:0";
  options.cert_file = pki.server_cert;
  options.key_file = pki.server_key;
  options.client_ca_file = pki.ca_cert;
  COFFER_ASSERT_OK_AND_ASSIGN(auto server, grpcutil::StartGrpcServer(options, admin_.services()));
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = testing::ReadFileOrDie(pki.ca_cert);
  ssl.pem_cert_chain = testing::ReadFileOrDie(pki.client_cert);
  ssl.pem_private_key = testing::ReadFileOrDie(pki.client_key);
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  auto stub = pb::InstallationAdmin::NewStub(grpc::CreateCustomChannel(
      "127.0.0.1:" + std::to_string(server->tcp_port()), grpc::SslCredentials(ssl), args));
  COFFER_ASSERT_OK(
      Call(*stub, &pb::InstallationAdmin::Stub::GetInstallation, pb::GetInstallationRequest()));
  auto records = audit_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].principal, "cert:coffer-test-client");
  EXPECT_EQ(records[0].operation, "AdminInstallationGet");
}

}  // namespace
}  // namespace coffer::api::admin
