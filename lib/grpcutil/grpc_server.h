#ifndef COFFER_LIB_GRPCUTIL_GRPC_SERVER_H_
#define COFFER_LIB_GRPCUTIL_GRPC_SERVER_H_

// Runs gRPC services on a unix socket (local administration, mode 0600) and/or on TCP with
// mutual TLS. gRPC headers stay in grpc_server.cc: callers only name grpc::Service and
// grpc::ServerContext, which are forward-declared here.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace grpc {
class Server;
class ServerContext;
class Service;
}  // namespace grpc

namespace coffer::grpcutil {

struct GrpcServerOptions {
  // Path of a unix socket, created with mode 0600. A stale socket file there (one nobody
  // listens on) is replaced; a live one is not. Empty: no unix socket.
  std::string unix_socket;
  // "host:port"; port 0 picks a free one (see GrpcServer::tcp_port). Empty: no TCP.
  std::string tcp_address;
  // PEM files, required with tcp_address: the server's certificate chain and key, and the CA
  // that client certificates must chain to (a client without one is refused).
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
};

// A running server. Thread-safe.
class GrpcServer {
 public:
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // The bound TCP port, or 0 without TCP.
  int tcp_port() const { return tcp_port_; }

  // Stops accepting calls, lets calls in flight finish until `deadline` has passed, then
  // cancels the rest and waits for them. Idempotent; the destructor calls it with no grace.
  void Shutdown(absl::Duration deadline);

 private:
  friend absl::StatusOr<std::unique_ptr<GrpcServer>> StartGrpcServer(
      const GrpcServerOptions& options, std::vector<grpc::Service*> services);
  GrpcServer(std::unique_ptr<grpc::Server> server, int tcp_port);

  const std::unique_ptr<grpc::Server> server_;
  const int tcp_port_;
  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

// Binds, then serves `services` (borrowed: they must outlive the server) from gRPC's thread
// pool. Errors: INVALID_ARGUMENT (no listener configured; TCP without certificate, key or
// client CA file; a file that cannot be read or holds no PEM; a path that is not a socket),
// UNAVAILABLE (an address cannot be bound, or the socket is in use by a live server).
absl::StatusOr<std::unique_ptr<GrpcServer>> StartGrpcServer(const GrpcServerOptions& options,
                                                            std::vector<grpc::Service*> services);

// Who is calling, for the audit trail: "unix" over the unix socket (whoever can open the
// 0600 socket), "cert:<subject CN>" for a mutual-TLS peer, "unknown" otherwise.
std::string CallerIdentity(grpc::ServerContext* context);

}  // namespace coffer::grpcutil

#endif  // COFFER_LIB_GRPCUTIL_GRPC_SERVER_H_
