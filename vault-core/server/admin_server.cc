#include "vault-core/server/admin_server.h"

#include "lib/base/logging.h"
#include "lib/base/status.h"
#include "lib/grpcutil/grpc_server.h"
#include "vault-core/api/grpc/admin_services.h"
#include "vault-core/server/version.h"

namespace coffer::server {

struct AdminServer::Impl {
  std::unique_ptr<api::admin::AdminServices> services;
  std::unique_ptr<grpcutil::GrpcServer> server;
};

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(
    const VaultConfig::Admin& config, service::VaultService& vaults,
    service::SecretService& secrets, service::KeyService& keys,
    service::PrincipalService& principals,
    service::ClusterService& clusters, service::PolicyService& policies, audit::AuditLog& audit,
    const api::rest::Authority& authority, int https_port, service::ServingCertificates& certificates,
    std::string ca_certificate_pem) {
  auto impl = std::make_unique<Impl>();
  impl->services = std::make_unique<api::admin::AdminServices>(
      vaults, secrets, keys, principals, clusters, policies, audit,
      api::admin::Installation{
          authority.tenant_id, authority.url, kVersion, std::move(ca_certificate_pem),
          [&certificates](const std::vector<std::string>& names) {
            return certificates.IssueFor(names);
          }},
      https_port);
  grpcutil::GrpcServerOptions options;
  options.unix_socket = config.socket;
  options.tcp_address = config.tcp_address;
  options.cert_file = config.cert_file;
  options.key_file = config.key_file;
  options.client_ca_file = config.client_ca_file;
  COFFER_ASSIGN_OR_RETURN(impl->server,
                          grpcutil::StartGrpcServer(options, impl->services->services()));
  if (!config.socket.empty()) COFFER_LOG(kVault, info, "admin API on unix:{}", config.socket);
  if (!config.tcp_address.empty()) {
    COFFER_LOG(kVault, info, "admin API on {} (mutual TLS), port {}", config.tcp_address,
               impl->server->tcp_port());
  }
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

AdminServer::AdminServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AdminServer::~AdminServer() {
  // The server first: no call may reach the services while they go.
  impl_->server->Shutdown(absl::Seconds(5));
  impl_->server.reset();
}

int AdminServer::tcp_port() const { return impl_->server->tcp_port(); }

}  // namespace coffer::server
