#include "vault-core/server/vault_server.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lib/base/logging.h"
#include "lib/base/secret_bytes.h"
#include "lib/base/status.h"
#include "lib/http/beast/server.h"
#include "vault-core/audit/file_audit_log.h"
#include "vault-core/server/audit_anchor_keeper.h"
#include "vault-core/server/audit_signer.h"
#include "vault-core/crypto/x509.h"
#include "vault-core/server/admin_server.h"
#include "vault-core/server/backends.h"
#include "vault-core/server/installation.h"
#include "vault-core/storage/cached_store.h"

namespace coffer::server {
namespace {

constexpr std::size_t kMaxPemFile = 1 << 20;

// A PEM file read straight into SecretBytes (a key must leave no copy behind), up to 1 MiB.
absl::StatusOr<SecretBytes> ReadPemFile(const std::string& key, const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::FailedPreconditionError(key + ": cannot read " + path + ": " +
                                         std::strerror(errno));
  }
  std::optional<SecretBytes> data = ReadSecretFd(fd, kMaxPemFile);
  const int err = errno;
  close(fd);
  if (!data) {
    return absl::FailedPreconditionError(key + ": cannot read " + path + ": " + std::strerror(err));
  }
  if (data->size() > kMaxPemFile) {
    return absl::FailedPreconditionError(key + ": " + path + " is too large");
  }
  return *std::move(data);
}

// The CA named by http.tls.ca_cert_file and ca_key_file, if any (read once, at start).
absl::StatusOr<std::optional<crypto::CertificateAndKey>> LoadIssuer(const VaultConfig::Http& http) {
  if (http.ca_cert_file.empty()) return std::nullopt;
  COFFER_ASSIGN_OR_RETURN(SecretBytes cert,
                          ReadPemFile("http.tls.ca_cert_file", http.ca_cert_file));
  COFFER_ASSIGN_OR_RETURN(SecretBytes key, ReadPemFile("http.tls.ca_key_file", http.ca_key_file));
  absl::StatusOr<crypto::CertificateAndKey> ca =
      crypto::ReadCertificateAuthority(cert.reveal(), key);
  if (!ca.ok()) {
    return absl::InvalidArgumentError("http.tls.ca_cert_file, ca_key_file: " +
                                      std::string(ca.status().message()));
  }
  return *std::move(ca);
}

audit::FileAuditLogOptions AuditLogOptions(const VaultConfig& config,
                                           audit::CheckpointSigner* signer,
                                           audit::LineShipper* shipper) {
  audit::FileAuditLogOptions options;
  options.shipper = shipper;
  options.signer = config.audit.checkpoint_every > absl::ZeroDuration() ? signer : nullptr;
  options.checkpoint_every = config.audit.checkpoint_every;
  options.replica = config.replica;
  options.rotate_bytes = config.audit.rotate_bytes;
  options.rotate_every = config.audit.rotate_every;
  options.retain = config.audit.retain;
  return options;
}

}  // namespace

absl::StatusOr<std::unique_ptr<VaultServer>> VaultServer::Start(const VaultConfig& config) {
  std::unique_ptr<VaultServer> server(new VaultServer());
  server->config_ = config;
  COFFER_RETURN_IF_ERROR(server->OpenBackends());
  COFFER_RETURN_IF_ERROR(server->BuildServices());
  COFFER_RETURN_IF_ERROR(server->StartFrontends());
  COFFER_LOG(kVault, info, "serving {} on {}:{} (storage: {}, hsm: {}); tenant {}, authority {}",
             config.http.plaintext ? "HTTP" : "HTTPS", config.http.host, server->port(),
             config.storage.backend, server->keystore_->kind(), server->authority_.tenant_id,
             server->authority_.url);
  return server;
}

absl::Status VaultServer::OpenBackends() {
  // The HSM first: a wrong PIN or missing token must not leave a new database file behind.
  COFFER_ASSIGN_OR_RETURN(keystore_, OpenKeyStore(config_.hsm));
  COFFER_ASSIGN_OR_RETURN(OpenedStore opened, OpenStore(config_.storage, config_.replica));
  store_ = std::move(opened.store);
  COFFER_ASSIGN_OR_RETURN(cache_, storage::CachedStore::Create(*store_));
  audit_signer_ = std::make_unique<KeyStoreCheckpointSigner>(*keystore_);
  if (!config_.audit.ship.empty()) {
    COFFER_ASSIGN_OR_RETURN(audit_shipper_, audit::LineShipper::Start(config_.audit.ship));
  }
  COFFER_ASSIGN_OR_RETURN(
      auto audit, audit::FileAuditLog::Open(
                      config_.audit.path, Clock::Real(),
                      AuditLogOptions(config_, audit_signer_.get(), audit_shipper_.get())));
  const audit::FileAuditLog& file_audit = *audit;
  audit_ = std::move(audit);
  COFFER_ASSIGN_OR_RETURN(authority_.tenant_id,
                          BindInstallation(*store_, keystore_->master_key_id()));
  // A log cut back or replaced while the vault was stopped is refused before anything is served.
  COFFER_RETURN_IF_ERROR(CheckAuditAnchor(*store_, config_.replica, config_.audit.path,
                                          file_audit, config_.audit.accepted_lost_through));
  if (AuditLogIsAnchored(config_.audit.path)) {
    anchor_ =
        std::make_unique<AuditAnchorKeeper>(*store_, file_audit, AuditAnchorKey(config_.replica));
  }
  leadership_ = opened.elect();
  authority_.url = config_.identity.authority_url;
  authority_.token_lifetime = config_.identity.token_lifetime;
  return absl::OkStatus();
}

absl::Status VaultServer::BuildServices() {
  Clock& clock = Clock::Real();
  storage::Store& store = *cache_;
  keys_ = std::make_unique<envelope::VaultKeys>(*keystore_, store, clock);
  COFFER_ASSIGN_OR_RETURN(std::optional<crypto::CertificateAndKey> issuer,
                          LoadIssuer(config_.http));
  COFFER_ASSIGN_OR_RETURN(
      certificates_, service::ServingCertificates::Create(store, *keys_, clock, std::move(issuer)));
  COFFER_ASSIGN_OR_RETURN(ca_certificate_pem_, certificates_->CaCertificate());
  sni_ = std::make_unique<SniCertificates>(*certificates_);
  COFFER_ASSIGN_OR_RETURN(vaults_,
                          service::VaultService::Create(store, *keys_, clock, certificates_.get()));
  secrets_ = std::make_unique<service::SecretService>(store, *keys_, clock);
  vault_keys_ = std::make_unique<service::KeyService>(store, *keys_, *keystore_, clock);
  vault_certificates_ =
      std::make_unique<service::CertificateService>(store, *keys_, *vault_keys_, clock);
  COFFER_ASSIGN_OR_RETURN(policies_, service::PolicyService::Create(store));
  COFFER_ASSIGN_OR_RETURN(principals_, service::PrincipalService::Create(store, clock));
  signer_ = std::make_unique<identity::TokenSigner>(*keystore_, clock);
  verifier_ = std::make_unique<identity::TokenVerifier>(keystore_->signing_public_key(),
                                                        authority_.issuer(), clock);
  std::vector<identity::TrustedCluster> clusters;
  std::vector<service::ClusterService::Reserved> configured;
  for (const auto& [name, cluster] : config_.identity.clusters) {
    configured.push_back({name, cluster.issuer});
    auto reviewer = NewTokenReviewer(cluster, clock);
    if (!reviewer.ok()) {
      return absl::InvalidArgumentError("identity.clusters." + name + ": " +
                                        std::string(reviewer.status().message()));
    }
    clusters.push_back({name, cluster.issuer, cluster.audience, reviewer->get()});
    reviewers_.push_back(*std::move(reviewer));
  }
  clusters_ =
      std::make_unique<service::ClusterService>(store, *keys_, clock, std::move(configured));
  stored_clusters_ = std::make_unique<StoredClusters>(*clusters_, clock);
  tokens_ =
      std::make_unique<api::rest::TokenApi>(authority_, *signer_, *principals_, *vaults_, *audit_,
                                            clock, std::move(clusters), stored_clusters_.get());
  data_plane_ = std::make_unique<api::rest::DataPlane>(
      api::rest::DataPlaneDeps{*vaults_, *secrets_, *vault_keys_, *vault_certificates_,
                               *policies_, *principals_, *verifier_, *tokens_, *audit_},
      authority_, config_.http.plaintext ? "http" : "https");
  // A write waits for its commit (an fsync, or a round trip through etcd's leader): enough
  // threads that the writes of 64 connections are in flight together, for the store to commit
  // in batches, while the I/O threads go on reading.
  writers_ = std::make_unique<WorkerPool>(64);
  handler_ = std::make_unique<OpsHandler>(*store_, *keystore_, metrics_, *data_plane_,
                                          Clock::Real(), writers_.get(), audit_.get());
  return absl::OkStatus();
}

absl::Status VaultServer::StartFrontends() {
  http::ServerOptions options;
  options.host = config_.http.host;
  options.port = config_.http.port;
  options.threads = config_.http.threads;
  if (!config_.http.plaintext) {
    options.tls = http::TlsFiles{config_.http.cert_file, config_.http.key_file};
    options.certificates = sni_.get();
  }
  options.max_header_bytes = static_cast<std::size_t>(config_.http.max_header_bytes);
  options.max_body_bytes = static_cast<std::size_t>(config_.http.max_body_bytes);
  options.max_connections = static_cast<std::size_t>(config_.http.max_connections);
  options.max_connections_per_address =
      static_cast<std::size_t>(config_.http.max_connections_per_address);
  COFFER_ASSIGN_OR_RETURN(http_, http::beast::StartServer(options, *handler_));
  COFFER_ASSIGN_OR_RETURN(
      admin_,
      AdminServer::Start(config_.admin, *vaults_, *secrets_, *vault_keys_, *principals_, *clusters_, *policies_,
                         *audit_, authority_, http_->port(), *certificates_,
                         ca_certificate_pem_));
  purger_ = std::make_unique<Purger>(*vaults_, *secrets_, Clock::Real(), config_.purge_interval,
                                     certificates_.get(), vault_keys_.get(), audit_.get(),
                                     vault_certificates_.get(), leadership_.get());
  return absl::OkStatus();
}

VaultServer::~VaultServer() { Shutdown(); }

void VaultServer::Shutdown() {
  if (http_ == nullptr) return;
  COFFER_LOG(kVault, info, "shutting down: draining for up to {}",
             absl::FormatDuration(config_.http.drain_timeout));
  http_->Shutdown(config_.http.drain_timeout);
  if (writers_ != nullptr) writers_->Stop();  // what is still queued runs, then its threads go
  tokens_->Stop();
  admin_.reset();
  purger_.reset();
  anchor_.reset();  // records where the log stands now; the last batches may follow it
  // Drain the audit log while the HTTP server's objects still exist: its queued callbacks
  // answer (or drop) responses of connections the server owns.
  audit_.reset();
  http_.reset();
  COFFER_LOG(kVault, info, "stopped");
}

}  // namespace coffer::server
