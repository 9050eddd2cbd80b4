#include "lib/grpcutil/grpc_server.h"

#include <errno.h>
#include <grpc/grpc_security_constants.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status.h"
#include "lib/grpcutil/pem_file.h"

namespace coffer::grpcutil {
namespace {

// Whether a server is accepting connections on the socket at `path`.
bool SocketIsLive(const sockaddr_un& address) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool live = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return live;
}

// Removes a stale socket file left by a server that did not shut down cleanly, refusing to
// take over a live socket or to delete anything that is not a socket.
absl::Status PrepareUnixSocketPath(const std::string& path) {
  sockaddr_un address{};
  if (path.size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("unix socket path too long: ", path));
  }
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("cannot stat ", path, ": ", std::strerror(errno)));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, " exists and is not a socket"));
  }
  if (SocketIsLive(address)) {
    return absl::UnavailableError(absl::StrCat(path, " is in use by a running server"));
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::UnavailableError(
        absl::StrCat("cannot remove the stale socket ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MutualTlsCredentials(
    const GrpcServerOptions& options) {
  if (options.cert_file.empty() || options.key_file.empty() || options.client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "the TCP listener needs a certificate, a key and a client CA file (mutual TLS)");
  }
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  COFFER_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPemFile(options.client_ca_file, "client CA"));
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  COFFER_ASSIGN_OR_RETURN(pair.private_key, ReadPemFile(options.key_file, "key"));
  COFFER_ASSIGN_OR_RETURN(pair.cert_chain, ReadPemFile(options.cert_file, "certificate"));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  return grpc::SslServerCredentials(ssl);
}

// Binds and starts with a umask that makes the unix socket 0600 from the moment it exists.
// The umask is process-wide, so files other threads create meanwhile are at most stricter.
std::unique_ptr<grpc::Server> BuildAndStartPrivately(grpc::ServerBuilder& builder) {
  mode_t previous = umask(0177);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  umask(previous);
  return server;
}

}  // namespace

GrpcServer::GrpcServer(std::unique_ptr<grpc::Server> server, int tcp_port)
    : server_(std::move(server)), tcp_port_(tcp_port) {}

GrpcServer::~GrpcServer() { Shutdown(absl::ZeroDuration()); }

void GrpcServer::Shutdown(absl::Duration deadline) {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return;
  shut_down_ = true;
  server_->Shutdown(absl::ToChronoTime(absl::Now() + deadline));
  server_->Wait();
}

absl::StatusOr<std::unique_ptr<GrpcServer>> StartGrpcServer(const GrpcServerOptions& options,
                                                            std::vector<grpc::Service*> services) {
  if (options.unix_socket.empty() && options.tcp_address.empty()) {
    return absl::InvalidArgumentError("a gRPC server needs a unix socket or a TCP address");
  }
  grpc::ServerBuilder builder;
  // Without this a second server (any process of the same user) could bind the same port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (!options.unix_socket.empty()) {
    COFFER_RETURN_IF_ERROR(PrepareUnixSocketPath(options.unix_socket));
    builder.AddListeningPort("unix:" + options.unix_socket, grpc::InsecureServerCredentials());
  }
  int tcp_port = 0;
  if (!options.tcp_address.empty()) {
    COFFER_ASSIGN_OR_RETURN(auto credentials, MutualTlsCredentials(options));
    builder.AddListeningPort(options.tcp_address, credentials, &tcp_port);
  }
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = BuildAndStartPrivately(builder);
  if (server == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot start the gRPC server on ",
                     options.unix_socket.empty() ? "" : "unix:" + options.unix_socket,
                     options.unix_socket.empty() || options.tcp_address.empty() ? "" : " and ",
                     options.tcp_address, " (address in use or not bindable?)"));
  }
  auto running = std::unique_ptr<GrpcServer>(new GrpcServer(std::move(server), tcp_port));
  if (!options.unix_socket.empty() && chmod(options.unix_socket.c_str(), 0600) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot chmod ", options.unix_socket, ": ", std::strerror(errno)));
  }
  return running;
}

std::string CallerIdentity(grpc::ServerContext* context) {
  std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    std::vector<grpc::string_ref> names = auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME);
    if (!names.empty()) return "cert:" + std::string(names.front().data(), names.front().size());
  }
  if (absl::StartsWith(context->peer(), "unix:")) return "unix";
  return "unknown";
}

}  // namespace coffer::grpcutil
