// The client against the real server (lib/http/beast) and, for mutual TLS, `openssl s_server`.

#include "lib/http/cpprest/client.h"

#include <sys/socket.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/beast/server.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_certs.h"

namespace coffer::http {
namespace {

using ::coffer::testing::PollUntil;
using ::coffer::testing::StatusIs;

class FnHandler : public Handler {
 public:
  std::function<Response(const Request&)> handle = [](const Request&) {
    return Response::Text(200, "ok");
  };
  Response Handle(const Request& request) override { return handle(request); }
};

class ClientTest : public ::testing::Test {
 protected:
  void StartTlsServer(const testing::TestPki& pki) {
    ServerOptions options;
    options.tls = TlsFiles{pki.server_cert, pki.server_key};
    COFFER_ASSERT_OK_AND_ASSIGN(server_, beast::StartServer(options, handler_));
  }
  ClientOptions Options(const std::string& ca_file) {
    ClientOptions options;
    options.base_url = "https://127.0.0.1:" + std::to_string(server_ ? server_->port() : 1);
    options.ca_file = ca_file;
    return options;
  }

  testing::TempDir dir_;
  testing::TestPki pki_ = testing::MakeTestPki(dir_);
  FnHandler handler_;
  std::unique_ptr<Server> server_;
};

TEST_F(ClientTest, ServerWithCertificateFromAnotherCaIsUnavailable) {
  testing::TestPki other = testing::MakeTestPki(dir_, {}, "other");
  StartTlsServer(other);
  COFFER_ASSERT_OK_AND_ASSIGN(auto client, cpprest::NewClient(Options(pki_.ca_cert)));
  EXPECT_THAT(client->Send(ClientRequest()), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ClientTest, HostnameIsVerified) {
  // Right CA, but the certificate does not name 127.0.0.2.
  ServerOptions any_host;
  any_host.host = "0.0.0.0";
  any_host.tls = TlsFiles{pki_.server_cert, pki_.server_key};
  COFFER_ASSERT_OK_AND_ASSIGN(auto wide, beast::StartServer(any_host, handler_));
  ClientOptions options = Options(pki_.ca_cert);
  options.base_url = "https://127.0.0.2:" + std::to_string(wide->port());
  COFFER_ASSERT_OK_AND_ASSIGN(auto client, cpprest::NewClient(options));
  EXPECT_THAT(client->Send(ClientRequest()), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ClientTest, ClosedPortIsUnavailable) {
  int port = testing::PickFreePort();
  ClientOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(port);
  COFFER_ASSERT_OK_AND_ASSIGN(auto client, cpprest::NewClient(options));
  EXPECT_THAT(client->Send(ClientRequest()), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ClientTest, SlowServerGivesDeadlineExceeded) {
  // Shared: the handler may still be polling it after the test body returns.
  auto release = std::make_shared<std::atomic<bool>>(false);
  handler_.handle = [release](const Request&) {
    PollUntil([&] { return release->load(); });
    return Response::Text(200, "late");
  };
  StartTlsServer(pki_);
  ClientOptions options = Options(pki_.ca_cert);
  options.timeout = absl::Milliseconds(300);
  COFFER_ASSERT_OK_AND_ASSIGN(auto client, cpprest::NewClient(options));
  EXPECT_THAT(client->Send(ClientRequest()), StatusIs(absl::StatusCode::kDeadlineExceeded));
  *release = true;
}

class NeverEndingStream : public ClientTest {
 protected:
  void SetUp() override {
    handler_.handle = [this](const Request&) {
      Response response;
      response.stream = [this](std::shared_ptr<ResponseStream> stream) {
        writer_ = std::thread([this, stream] {
          while (stream->Write("{\"type\":\"MODIFIED\"}\n")) {
            ++writes_;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));  // pacing, not waiting
          }
          writer_done_ = true;
        });
      };
      return response;
    };
    StartTlsServer(pki_);
  }
  void TearDown() override {
    server_->Shutdown(absl::ZeroDuration());
    if (writer_.joinable()) writer_.join();
  }

  std::thread writer_;
  std::atomic<int> writes_{0};
  std::atomic<bool> writer_done_{false};
};

TEST_F(NeverEndingStream, CancellationStopsStreamAndServerSeesPeerGone) {
  COFFER_ASSERT_OK_AND_ASSIGN(auto client, cpprest::NewClient(Options(pki_.ca_cert)));
  Cancellation cancel;
  std::atomic<int> pieces{0};
  std::thread canceller([&] {
    EXPECT_TRUE(PollUntil([&] { return pieces.load() >= 3; }));
    cancel.Cancel();
  });
  ClientRequest request;
  request.path_and_query = "/watch";
  auto result = client->Stream(
      request,
      [&](std::string_view) {
        ++pieces;
        return true;
      },
      &cancel);
  canceller.join();
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_TRUE(PollUntil([&] { return writer_done_.load(); }))
      << "the server's Write() returns false once the client is gone";
}

TEST_F(NeverEndingStream, OnDataReturningFalseEndsStreamWithResponse) {
  COFFER_ASSERT_OK_AND_ASSIGN(auto client, cpprest::NewClient(Options(pki_.ca_cert)));
  std::string received;
  ClientRequest request;
  request.path_and_query = "/watch";
  auto result = client->Stream(
      request,
      [&](std::string_view piece) {
        received.append(piece);
        return received.size() < 100;
      },
      nullptr);
  COFFER_ASSERT_OK(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_THAT(received, ::testing::StartsWith("{\"type\":\"MODIFIED\"}\n"));
  EXPECT_TRUE(PollUntil([&] { return writer_done_.load(); }));
}

TEST_F(ClientTest, ClientCertificateIsSentForMutualTls) {
  int port = testing::PickFreePort();
  // -Verify fails the handshake of a client without a certificate from this CA.
  testing::Subprocess server(
      {"openssl", "s_server", "-accept", std::to_string(port), "-cert", pki_.server_cert, "-key",
       pki_.server_key, "-CAfile", pki_.ca_cert, "-Verify", "1", "-verify_return_error", "-www"},
      dir_.File("s_server.log"));
  ASSERT_TRUE(server.Start());
  ClientOptions options;
  options.base_url = "https://127.0.0.1:" + std::to_string(port);
  options.ca_file = pki_.ca_cert;
  COFFER_ASSERT_OK_AND_ASSIGN(auto anonymous, cpprest::NewClient(options));
  options.client_cert_file = pki_.client_cert;
  options.client_key_file = pki_.client_key;
  COFFER_ASSERT_OK_AND_ASSIGN(auto client, cpprest::NewClient(options));
  absl::StatusOr<ClientResponse> response;
  ASSERT_TRUE(PollUntil([&] {
    response = client->Send(ClientRequest());
    return response.ok();
  })) << response.status()
      << "\n"
      << server.Log();
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->body, ::testing::HasSubstr("coffer-test-client")) << "s_server shows "
                                                                             "the peer cert";
  EXPECT_THAT(anonymous->Send(ClientRequest()), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ClientTest, UnreadableCaFileIsInvalidArgument) {
  ClientOptions options;
  options.base_url = "https://127.0.0.1:1";
  options.ca_file = dir_.File("missing.pem");
  EXPECT_THAT(cpprest::NewClient(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ClientTest, ClientKeyNotMatchingCertificateIsInvalidArgument) {
  ClientOptions options;
  options.base_url = "https://127.0.0.1:1";
  options.client_cert_file = pki_.client_cert;
  options.client_key_file = pki_.server_key;
  EXPECT_THAT(cpprest::NewClient(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ClientTest, BadBaseUrlIsInvalidArgument) {
  ClientOptions options;
  options.base_url = "ftp://example";
  EXPECT_THAT(cpprest::NewClient(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::http
