#ifndef COFFER_LIB_HTTP_CLIENT_H_
#define COFFER_LIB_HTTP_CLIENT_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/http/http.h"

namespace coffer::http {

struct ClientOptions {
  std::string base_url;          // "https://host:port" (a path prefix is allowed)
  std::string ca_file;           // PEM bundle to trust instead of the system store; optional
  std::string client_cert_file;  // PEM, for mutual TLS; optional
  std::string client_key_file;
  absl::Duration timeout = absl::Seconds(30);  // per request; streams: per silence
};

struct ClientRequest {
  std::string method = "GET";
  std::string path_and_query;  // appended to base_url; already percent-encoded
  Headers headers;
  std::string body;
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;  // empty for streamed requests
};

// Lets another thread end a streamed request.
class Cancellation {
 public:
  void Cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }

 private:
  std::atomic<bool> cancelled_{false};
};

// An HTTP(S) client bound to one base URL. Thread-safe; connections are reused.
// Errors: UNAVAILABLE (cannot connect, TLS failure, reset), DEADLINE_EXCEEDED (timeout),
// CANCELLED. An HTTP error status is not an error here: it is in ClientResponse::status.
class Client {
 public:
  virtual ~Client() = default;

  virtual absl::StatusOr<ClientResponse> Send(const ClientRequest& request) = 0;

  // Sends the request and hands the body to `on_data` piece by piece as it arrives (a
  // Kubernetes watch). Returns when the body ends, `on_data` returns false, or `cancel` fires;
  // the returned response carries status and headers.
  virtual absl::StatusOr<ClientResponse> Stream(
      const ClientRequest& request, const std::function<bool(std::string_view)>& on_data,
      const Cancellation* cancel) = 0;
};

// Makes a Client. Libraries that speak HTTP take one of these rather than naming a backend;
// the binary's main() passes a backend's constructor (http::cpprest::NewClient), tests a fake.
// Errors: INVALID_ARGUMENT (bad URL, unreadable CA or client certificate).
using ClientFactory =
    std::function<absl::StatusOr<std::unique_ptr<Client>>(const ClientOptions& options)>;

}  // namespace coffer::http

#endif  // COFFER_LIB_HTTP_CLIENT_H_
