// The only file of lib/vaultclient that includes gRPC (one inclusion costs ~8 s to compile).
#include "lib/vaultclient/admin_client.h"

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "coffer/admin/v1/admin.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "lib/base/status.h"

namespace coffer::vaultclient {

namespace v1 = ::coffer::admin::v1;

struct AdminClient::Stubs {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::VaultAdmin::Stub> vaults;
  std::unique_ptr<v1::PrincipalAdmin::Stub> principals;
  std::unique_ptr<v1::PolicyAdmin::Stub> policies;
  std::unique_ptr<v1::ClusterAdmin::Stub> clusters;
  std::unique_ptr<v1::InstallationAdmin::Stub> installation;
};

namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  if (in) contents << in.rdbuf();
  if (!in || contents.str().empty()) {
    return absl::InvalidArgumentError(std::string("cannot read the ") + what + " '" + path + "'");
  }
  return contents.str();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> TlsCredentials(
    const AdminTarget& target) {
  if (target.ca_file.empty() || target.cert_file.empty() || target.key_file.empty()) {
    return absl::InvalidArgumentError(
        "the admin API over TCP needs a CA file, a client certificate and its key (mutual TLS)");
  }
  grpc::SslCredentialsOptions options;
  COFFER_ASSIGN_OR_RETURN(options.pem_root_certs, ReadFile(target.ca_file, "CA file"));
  COFFER_ASSIGN_OR_RETURN(options.pem_cert_chain,
                          ReadFile(target.cert_file, "client certificate file"));
  COFFER_ASSIGN_OR_RETURN(options.pem_private_key, ReadFile(target.key_file, "client key file"));
  return grpc::SslCredentials(options);
}

}  // namespace

AdminClient::AdminClient(std::string target, std::unique_ptr<Stubs> stubs)
    : target_(std::move(target)), stubs_(std::move(stubs)) {}

AdminClient::~AdminClient() = default;

absl::StatusOr<std::unique_ptr<AdminClient>> AdminClient::Connect(const AdminTarget& target) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::string address;
  if (!target.tcp_address.empty()) {
    COFFER_ASSIGN_OR_RETURN(credentials, TlsCredentials(target));
    address = target.tcp_address;
  } else {
    if (target.unix_socket.empty()) {
      return absl::InvalidArgumentError("no admin API address: give a unix socket or host:port");
    }
    address = "unix:" + target.unix_socket;
    struct stat info;
    if (stat(target.unix_socket.c_str(), &info) != 0 || !S_ISSOCK(info.st_mode)) {
      return absl::UnavailableError("cannot reach the admin API at " + address +
                                    ": no such socket");
    }
    credentials = grpc::InsecureChannelCredentials();
  }
  auto stubs = std::make_unique<Stubs>();
  stubs->channel = grpc::CreateChannel(address, credentials);
  stubs->vaults = v1::VaultAdmin::NewStub(stubs->channel);
  stubs->principals = v1::PrincipalAdmin::NewStub(stubs->channel);
  stubs->policies = v1::PolicyAdmin::NewStub(stubs->channel);
  stubs->installation = v1::InstallationAdmin::NewStub(stubs->channel);
  stubs->clusters = v1::ClusterAdmin::NewStub(stubs->channel);
  return std::unique_ptr<AdminClient>(new AdminClient(address, std::move(stubs)));
}

namespace {

// One unary call with the deadline, its status converted code for code.
template <class Stub, class Request, class Response>
absl::StatusOr<Response> Invoke(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
                                Stub& stub, grpc::Channel& channel, const std::string& target,
                                const Request& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(AdminClient::kDeadline));
  Response response;
  grpc::Status status = (stub.*method)(&context, request, &response);
  if (status.ok()) return response;
  auto code = static_cast<absl::StatusCode>(status.error_code());
  // UNAVAILABLE from a channel that never connected is about reaching the server, not about
  // what the server said.
  if (code == absl::StatusCode::kUnavailable && channel.GetState(false) != GRPC_CHANNEL_READY) {
    return absl::UnavailableError("cannot reach the admin API at " + target + ": " +
                                  status.error_message());
  }
  return absl::Status(code, status.error_message());
}

}  // namespace

#define COFFER_ADMIN_CALL(stub, Service, Method, Request, Response)                           \
  absl::StatusOr<Response> AdminClient::Method(const Request& request) {                      \
    return Invoke(&Service::Stub::Method, *stubs_->stub, *stubs_->channel, target_, request); \
  }

COFFER_ADMIN_CALL(clusters, v1::ClusterAdmin, SetTrustedCluster, v1::SetTrustedClusterRequest,
                  v1::TrustedCluster)
COFFER_ADMIN_CALL(clusters, v1::ClusterAdmin, ListTrustedClusters,
                  v1::ListTrustedClustersRequest, v1::ListTrustedClustersResponse)
COFFER_ADMIN_CALL(clusters, v1::ClusterAdmin, RemoveTrustedCluster,
                  v1::RemoveTrustedClusterRequest, v1::RemoveTrustedClusterResponse)
COFFER_ADMIN_CALL(vaults, v1::VaultAdmin, CreateVault, v1::CreateVaultRequest, v1::Vault)
COFFER_ADMIN_CALL(vaults, v1::VaultAdmin, GetVault, v1::GetVaultRequest, v1::Vault)
COFFER_ADMIN_CALL(vaults, v1::VaultAdmin, ListVaults, v1::ListVaultsRequest, v1::ListVaultsResponse)
COFFER_ADMIN_CALL(vaults, v1::VaultAdmin, UpdateVault, v1::UpdateVaultRequest, v1::Vault)
COFFER_ADMIN_CALL(vaults, v1::VaultAdmin, DeleteVault, v1::DeleteVaultRequest, v1::Vault)
COFFER_ADMIN_CALL(vaults, v1::VaultAdmin, RecoverVault, v1::RecoverVaultRequest, v1::Vault)
COFFER_ADMIN_CALL(vaults, v1::VaultAdmin, PurgeVault, v1::PurgeVaultRequest, v1::PurgeVaultResponse)
COFFER_ADMIN_CALL(vaults, v1::VaultAdmin, ResolveObjects, v1::ResolveObjectsRequest,
                  v1::ResolveObjectsResponse)
COFFER_ADMIN_CALL(principals, v1::PrincipalAdmin, CreatePrincipal, v1::CreatePrincipalRequest,
                  v1::Principal)
COFFER_ADMIN_CALL(principals, v1::PrincipalAdmin, CreateManagedIdentity,
                  v1::CreateManagedIdentityRequest, v1::Principal)
COFFER_ADMIN_CALL(principals, v1::PrincipalAdmin, FindManagedIdentity,
                  v1::FindManagedIdentityRequest, v1::Principal)
COFFER_ADMIN_CALL(principals, v1::PrincipalAdmin, GetPrincipal, v1::GetPrincipalRequest,
                  v1::Principal)
COFFER_ADMIN_CALL(principals, v1::PrincipalAdmin, ListPrincipals, v1::ListPrincipalsRequest,
                  v1::ListPrincipalsResponse)
COFFER_ADMIN_CALL(principals, v1::PrincipalAdmin, DeletePrincipal, v1::DeletePrincipalRequest,
                  v1::DeletePrincipalResponse)
COFFER_ADMIN_CALL(principals, v1::PrincipalAdmin, AddClientSecret, v1::AddClientSecretRequest,
                  v1::AddClientSecretResponse)
COFFER_ADMIN_CALL(principals, v1::PrincipalAdmin, RemoveClientSecret, v1::RemoveClientSecretRequest,
                  v1::RemoveClientSecretResponse)
COFFER_ADMIN_CALL(principals, v1::PrincipalAdmin, AddClientCertificate,
                  v1::AddClientCertificateRequest, v1::AddClientCertificateResponse)
COFFER_ADMIN_CALL(principals, v1::PrincipalAdmin, RemoveClientCertificate,
                  v1::RemoveClientCertificateRequest, v1::RemoveClientCertificateResponse)
COFFER_ADMIN_CALL(policies, v1::PolicyAdmin, SetAccessPolicy, v1::SetAccessPolicyRequest,
                  v1::AccessPolicy)
COFFER_ADMIN_CALL(policies, v1::PolicyAdmin, RemoveAccessPolicy, v1::RemoveAccessPolicyRequest,
                  v1::RemoveAccessPolicyResponse)
COFFER_ADMIN_CALL(policies, v1::PolicyAdmin, ListAccessPolicies, v1::ListAccessPoliciesRequest,
                  v1::ListAccessPoliciesResponse)
COFFER_ADMIN_CALL(installation, v1::InstallationAdmin, GetInstallation, v1::GetInstallationRequest,
                  v1::Installation)
COFFER_ADMIN_CALL(installation, v1::InstallationAdmin, IssueServingCertificate,
                  v1::IssueServingCertificateRequest, v1::ServingCertificate)

#undef COFFER_ADMIN_CALL

}  // namespace coffer::vaultclient
