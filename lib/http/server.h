#ifndef COFFER_LIB_HTTP_SERVER_H_
#define COFFER_LIB_HTTP_SERVER_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/base/secret_bytes.h"
#include "lib/http/http.h"

namespace coffer::http {

struct TlsFiles {
  std::string cert_file;  // PEM chain, leaf first
  std::string key_file;   // PEM private key
};

// A certificate chain (leaf first) and its private key, in PEM.
struct ServingCertificate {
  std::string chain_pem;
  SecretBytes key_pem;
};

// Certificates chosen by the name a TLS client asks for (SNI), e.g. one per vault hostname.
// Called on I/O threads during handshakes: must answer from memory, and be thread-safe.
class CertificateSource {
 public:
  virtual ~CertificateSource() = default;
  // `server_name` arrives lower-cased and at most 253 bytes long. nullopt: the server
  // presents its default certificate (ServerOptions::tls).
  virtual std::optional<ServingCertificate> For(std::string_view server_name) = 0;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 picks a free port; see Server::port()
  int threads = 2;
  // Without TLS the server speaks plain HTTP (tests, or behind a TLS-terminating proxy).
  // With TLS: TLS 1.2 or newer; the files are re-read when they change on disk.
  std::optional<TlsFiles> tls;
  // With tls: names the configured certificate does not cover, and this source knows, get
  // their own certificate. Must outlive the server.
  CertificateSource* certificates = nullptr;
  std::size_t max_header_bytes = 16 * 1024;  // beyond: 431
  std::size_t max_body_bytes = 1024 * 1024;  // beyond: 413
  // Open connections in all, and from one peer address; one more is closed as soon as it is
  // accepted. 0 for max_connections: the process's file-descriptor limit less 128 for the
  // rest of the process.
  std::size_t max_connections = 0;
  std::size_t max_connections_per_address = 512;
  absl::Duration idle_timeout = absl::Seconds(60);
  absl::Duration read_timeout = absl::Seconds(30);
};

// A plain-HTTP listener on "HOST:PORT" or "[IPV6]:PORT" (an ops endpoint such as /metrics),
// one thread. INVALID_ARGUMENT for anything else.
absl::StatusOr<ServerOptions> ListenOn(std::string_view address);

// A running HTTP(S) server. Thread-safe. A backend starts it (http::beast::StartServer).
class Server {
 public:
  virtual ~Server() = default;  // Shutdown(absl::ZeroDuration()) if still running

  // The port actually bound (useful with port 0).
  virtual int port() const = 0;

  // Stops accepting, lets requests in flight finish for up to `drain`, closes idle keep-alive
  // connections, then closes the rest and joins the I/O threads. Idempotent.
  virtual void Shutdown(absl::Duration drain) = 0;
};

}  // namespace coffer::http

#endif  // COFFER_LIB_HTTP_SERVER_H_
