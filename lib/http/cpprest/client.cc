// NewClient over cpprestsdk's http_client. This is the only file that includes cpprestsdk (one
// inclusion costs ~14 s of compile time), so that swapping the library stays cheap.

#include "lib/http/cpprest/client.h"

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <strings.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "lib/base/logging.h"
#include "lib/base/status.h"

namespace coffer::http {
namespace {

namespace ssl = boost::asio::ssl;
using web::http::client::http_client;
using web::http::client::http_client_config;

constexpr std::chrono::milliseconds kCancelPoll(20);
constexpr std::size_t kMaxPiece = 64 * 1024;

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using CertList = std::vector<X509Ptr>;

absl::StatusOr<std::shared_ptr<const CertList>> ReadCaFile(const std::string& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), &BIO_free);
  if (bio == nullptr) return absl::InvalidArgumentError("cannot read CA file " + path);
  auto certs = std::make_shared<CertList>();
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs->emplace_back(cert);
  }
  if (certs->empty()) return absl::InvalidArgumentError("no PEM certificate in " + path);
  return certs;
}

// Runs code that may throw cpprestsdk or std exceptions and says what the caller should do.
template <class F>
absl::Status Guard(F&& f) {
  try {
    f();
    return absl::OkStatus();
  } catch (const web::http::http_exception& e) {
    std::error_code code = e.error_code();
    if (code == std::errc::timed_out) return absl::DeadlineExceededError(e.what());
    if (code == std::errc::operation_canceled) return absl::CancelledError(e.what());
    return absl::UnavailableError(e.what());
  } catch (const pplx::task_canceled& e) {
    return absl::CancelledError("request cancelled");
  } catch (const web::uri_exception& e) {
    return absl::InvalidArgumentError(std::string("bad URL: ") + e.what());
  } catch (const std::exception& e) {
    return absl::UnavailableError(e.what());
  } catch (...) {
    return absl::UnavailableError("unknown error from the HTTP client");
  }
}

// Waits for a task while polling `cancel`; on cancellation it triggers `source`, which makes
// cpprestsdk close the connection. The continuation observes every outcome: an unobserved
// pplx exception terminates the process.
template <class T>
absl::StatusOr<T> Await(const pplx::task<T>& task, const Cancellation* cancel,
                        pplx::cancellation_token_source& source) {
  struct Outcome {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::optional<T> value;
    absl::Status status;
  };
  auto outcome = std::make_shared<Outcome>();
  task.then([outcome](pplx::task<T> finished) {
    std::optional<T> value;
    absl::Status status = Guard([&] { value.emplace(finished.get()); });
    std::lock_guard<std::mutex> lock(outcome->mu);
    outcome->value = std::move(value);
    outcome->status = status;
    outcome->done = true;
    outcome->cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(outcome->mu);
  // Checked before each wait too: a stream that never pauses must still stop.
  while (cancel == nullptr || !cancel->cancelled()) {
    if (outcome->cv.wait_for(lock, kCancelPoll, [&] { return outcome->done; })) break;
  }
  if (cancel != nullptr && cancel->cancelled()) {
    source.cancel();
    return absl::CancelledError("request cancelled");
  }
  COFFER_RETURN_IF_ERROR(outcome->status);
  return std::move(*outcome->value);
}

class CpprestClient final : public Client {
 public:
  explicit CpprestClient(std::unique_ptr<http_client> client) : client_(std::move(client)) {}

  absl::StatusOr<ClientResponse> Send(const ClientRequest& request) override {
    web::http::http_request message;
    COFFER_RETURN_IF_ERROR(Guard([&] { message = ToMessage(request); }));
    ClientResponse out;
    COFFER_RETURN_IF_ERROR(Guard([&] {
      web::http::http_response response = client_->request(message).get();
      CopyHead(response, out);
      std::vector<unsigned char> body = response.extract_vector().get();
      out.body.assign(body.begin(), body.end());
    }));
    return out;
  }

  absl::StatusOr<ClientResponse> Stream(const ClientRequest& request,
                                        const std::function<bool(std::string_view)>& on_data,
                                        const Cancellation* cancel) override {
    web::http::http_request message;
    COFFER_RETURN_IF_ERROR(Guard([&] { message = ToMessage(request); }));
    pplx::cancellation_token_source source;
    COFFER_ASSIGN_OR_RETURN(web::http::http_response response,
                            Await(client_->request(message, source.get_token()), cancel, source));
    ClientResponse out;
    CopyHead(response, out);
    concurrency::streams::streambuf<uint8_t> body = response.body().streambuf();
    std::string piece;
    for (;;) {
      // bumpc() completes as soon as one byte (or the end) is there; the rest of what has
      // arrived is then taken without waiting.
      COFFER_ASSIGN_OR_RETURN(int first, Await(body.bumpc(), cancel, source));
      if (first == concurrency::streams::char_traits<uint8_t>::eof()) break;
      piece.assign(1, static_cast<char>(first));
      COFFER_RETURN_IF_ERROR(Guard([&] {
        std::size_t available = std::min(body.in_avail(), kMaxPiece);
        if (available == 0) return;
        piece.resize(1 + available);
        std::size_t got = body.getn(reinterpret_cast<uint8_t*>(&piece[1]), available).get();
        piece.resize(1 + got);
      }));
      if (!on_data(piece)) {
        source.cancel();  // the rest of the body is not wanted: drop the connection
        break;
      }
    }
    return out;
  }

 private:
  static web::http::http_request ToMessage(const ClientRequest& request) {
    web::http::http_request message(request.method);
    message.set_request_uri(web::uri(request.path_and_query));
    std::string content_type = "application/octet-stream";
    for (const auto& [name, value] : request.headers.entries()) {
      if (strcasecmp(name.c_str(), "Content-Type") == 0) {
        content_type = value;
      } else {
        message.headers().add(name, value);
      }
    }
    if (!request.body.empty()) {
      message.set_body(concurrency::streams::bytestream::open_istream(request.body),
                       request.body.size(), content_type);
    } else if (request.headers.Get("Content-Type")) {
      message.headers().set_content_type(content_type);
    }
    return message;
  }

  static void CopyHead(const web::http::http_response& response, ClientResponse& out) {
    out.status = response.status_code();
    for (const auto& [name, value] : response.headers()) out.headers.Add(name, value);
  }

  const std::unique_ptr<http_client> client_;
};

// Replaces the system trust store with the given CAs, and adds the client certificate.
void ConfigureTls(ssl::context& context, const std::shared_ptr<const CertList>& cas,
                  const ClientOptions& options) {
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  if (cas != nullptr) {
    X509_STORE* store = X509_STORE_new();
    for (const auto& cert : *cas) X509_STORE_add_cert(store, cert.get());
    SSL_CTX_set_cert_store(context.native_handle(), store);  // takes ownership
  }
  if (!options.client_cert_file.empty()) {
    boost::system::error_code ec;
    context.use_certificate_chain_file(options.client_cert_file, ec);
    if (!ec) context.use_private_key_file(options.client_key_file, ssl::context::pem, ec);
    if (ec) COFFER_LOG(kHttp, warn, "cannot load client certificate: {}", ec.message());
  }
}

absl::Status CheckClientCertificate(const ClientOptions& options) {
  if (options.client_cert_file.empty() != options.client_key_file.empty()) {
    return absl::InvalidArgumentError("client_cert_file and client_key_file go together");
  }
  if (options.client_cert_file.empty()) return absl::OkStatus();
  ssl::context context(ssl::context::tls_client);
  boost::system::error_code ec;
  context.use_certificate_chain_file(options.client_cert_file, ec);
  if (!ec) context.use_private_key_file(options.client_key_file, ssl::context::pem, ec);
  if (!ec && SSL_CTX_check_private_key(context.native_handle()) != 1) {
    return absl::InvalidArgumentError("client key does not match " + options.client_cert_file);
  }
  if (ec) return absl::InvalidArgumentError("cannot load client certificate: " + ec.message());
  return absl::OkStatus();
}

}  // namespace

namespace cpprest {

absl::StatusOr<std::unique_ptr<Client>> NewClient(const ClientOptions& options) {
  std::shared_ptr<const CertList> cas;
  if (!options.ca_file.empty()) {
    COFFER_ASSIGN_OR_RETURN(cas, ReadCaFile(options.ca_file));
  }
  COFFER_RETURN_IF_ERROR(CheckClientCertificate(options));
  http_client_config config;
  config.set_timeout(std::chrono::microseconds(absl::ToInt64Microseconds(options.timeout)));
  config.set_validate_certificates(true);
  config.set_ssl_context_callback(
      [cas, options](ssl::context& context) { ConfigureTls(context, cas, options); });
  std::unique_ptr<http_client> client;
  absl::Status status = Guard([&] {
    web::uri base(options.base_url);
    if (base.scheme() != "http" && base.scheme() != "https") {
      throw web::uri_exception("scheme must be http or https");
    }
    client = std::make_unique<http_client>(base, config);
  });
  if (!status.ok()) return absl::InvalidArgumentError(std::string(status.message()));
  return std::unique_ptr<Client>(std::make_unique<CpprestClient>(std::move(client)));
}

}  // namespace cpprest
}  // namespace coffer::http
