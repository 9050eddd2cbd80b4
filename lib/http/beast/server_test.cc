// The server over real sockets: HTTPS with the real client where it can say what we need, raw
// sockets where it cannot (malformed or pipelined requests).

#include "lib/http/beast/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/cpprest/client.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_certs.h"

namespace coffer::http {
namespace {

using ::coffer::testing::PollUntil;
using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;

class FnHandler : public Handler {
 public:
  std::function<Response(const Request&)> handle = [](const Request&) {
    return Response::Text(200, "ok");
  };
  std::function<std::optional<Response>(const Request&)> on_headers = [](const Request&) {
    return std::nullopt;
  };
  // When set, answers instead of `handle`, later and from another thread.
  std::function<void(std::function<void(Response)>)> answer_later;
  std::atomic<int> handled{0};

  std::optional<Response> OnHeaders(const Request& head) override { return on_headers(head); }
  void HandleAsync(const Request& request, std::function<void(Response)> respond) override {
    if (!answer_later) return Handler::HandleAsync(request, std::move(respond));
    ++handled;
    answer_later(std::move(respond));
  }
  Response Handle(const Request& request) override {
    ++handled;
    return handle(request);
  }
};

// A latch for handlers that must wait for the test.
class Latch {
 public:
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool Wait(std::chrono::seconds timeout = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return open_; });
  }
  bool is_open() {
    std::lock_guard<std::mutex> lock(mu_);
    return open_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

// Sends `bytes` on a plain connection and returns what arrives until the server closes it (or
// 10 s of silence).
std::string RawExchange(int port, const std::string& bytes) {
  int fd = Connect(port);
  if (fd < 0) return "connect failed";
  send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

// A keep-alive connection from `source` (an address on the loopback interface) that has sent
// one request: its descriptor and the start of what came back ("" when the server closed it
// instead of answering).
struct OpenConnection {
  int fd = -1;
  std::string first;
};
OpenConnection OpenFrom(int port, const char* source) {
  OpenConnection c;
  c.fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source, &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (bind(c.fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0 ||
      connect(c.fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
    c.first = "connect failed";
    return c;
  }
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  send(c.fd, request.data(), request.size(), MSG_NOSIGNAL);
  char buf[4096];
  ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
  if (n > 0) c.first.assign(buf, static_cast<size_t>(n));
  return c;
}

class ServerTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = {}, bool tls = true) {
    if (tls) options.tls = TlsFiles{pki_.server_cert, pki_.server_key};
    COFFER_ASSERT_OK_AND_ASSIGN(server_, beast::StartServer(options, handler_));
    if (tls) client_ = NewTestClient(pki_.ca_cert);
  }

  std::unique_ptr<Client> NewTestClient(const std::string& ca_file) {
    ClientOptions options;
    options.base_url = "https://127.0.0.1:" + std::to_string(server_->port());
    options.ca_file = ca_file;
    auto client = cpprest::NewClient(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  absl::StatusOr<ClientResponse> Send(std::string method, std::string path, std::string body = "",
                                      Headers headers = {}) {
    ClientRequest request;
    request.method = std::move(method);
    request.path_and_query = std::move(path);
    request.body = std::move(body);
    request.headers = std::move(headers);
    return client_->Send(request);
  }

  // Answers every request with a streamed body, writing `first` into it, and keeps the
  // stream for the test (AwaitStream).
  void ServeStreams(std::string first = "") {
    handler_.handle = [this, first](const Request&) {
      Response response;
      response.stream = [this, first](std::shared_ptr<ResponseStream> s) {
        if (!first.empty()) s->Write(first);
        std::lock_guard<std::mutex> lock(stream_mu_);
        stream_ = std::move(s);
      };
      return response;
    };
  }
  std::shared_ptr<ResponseStream> AwaitStream() {
    std::shared_ptr<ResponseStream> stream;
    EXPECT_TRUE(PollUntil([&] {
      std::lock_guard<std::mutex> lock(stream_mu_);
      stream = stream_;
      return stream != nullptr;
    }));
    return stream;
  }
  // Reads a streamed response to its end.
  absl::StatusOr<ClientResponse> ReadStream(std::string* received) {
    ClientRequest request;
    request.path_and_query = "/watch";
    return client_->Stream(
        request,
        [received](std::string_view piece) {
          received->append(piece);
          return true;
        },
        nullptr);
  }

  testing::TempDir dir_;
  testing::TestPki pki_ = testing::MakeTestPki(dir_);
  FnHandler handler_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;
  std::mutex stream_mu_;
  std::shared_ptr<ResponseStream> stream_;  // guarded by stream_mu_
};

TEST_F(ServerTest, PutAndGetRoundTripBodyAndHeaders) {
  std::mutex mu;
  std::map<std::string, std::string> store;
  handler_.handle = [&](const Request& request) {
    std::lock_guard<std::mutex> lock(mu);
    if (request.method == "PUT") {
      store[request.path] = request.body;
      Response response = Response::Text(201, "");
      response.headers.Add("X-Seen-Tag", std::string(request.headers.Get("x-tag").value_or("")));
      return response;
    }
    auto it = store.find(request.path);
    if (it == store.end()) return Response::Text(404, "none");
    return Response::Json(200, it->second);
  };
  Start();
  Headers headers;
  headers.Add("X-Tag", "blue");
  COFFER_ASSERT_OK_AND_ASSIGN(auto put, Send("PUT", "/secrets/db", R"({"value":"s3"})", headers));
  EXPECT_EQ(put.status, 201);
  EXPECT_THAT(put.headers.Get("X-Seen-Tag"), Optional(std::string_view("blue")));
  COFFER_ASSERT_OK_AND_ASSIGN(auto get, Send("GET", "/secrets/db"));
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, R"({"value":"s3"})");
  EXPECT_THAT(get.headers.Get("content-type"), Optional(HasSubstr("application/json")));
  COFFER_ASSERT_OK_AND_ASSIGN(auto missing, Send("GET", "/secrets/other"));
  EXPECT_EQ(missing.status, 404);
}

TEST_F(ServerTest, ClientReusesKeepAliveConnection) {
  std::mutex mu;
  std::set<std::string> peers;
  handler_.handle = [&](const Request& request) {
    std::lock_guard<std::mutex> lock(mu);
    peers.insert(request.remote_address);
    return Response::Text(200, "ok");
  };
  Start();
  constexpr int kRequests = 6;
  for (int i = 0; i < kRequests; ++i) COFFER_ASSERT_OK(Send("GET", "/ping"));
  EXPECT_THAT(*peers.begin(), ::testing::StartsWith("127.0.0.1:"));
  // cpprestsdk returns the connection to its pool a moment after the response completes, so
  // the next request sometimes opens another one; most must be reused.
  EXPECT_LE(peers.size(), static_cast<size_t>(kRequests / 2));
}

TEST_F(ServerTest, PipelinedRequestsOnOneConnectionAreAllAnswered) {
  Start({}, /*tls=*/false);
  std::string out = RawExchange(server_->port(),
                                "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                                "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(handler_.handled.load(), 2);
  size_t first = out.find("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos) << out;
  EXPECT_NE(out.find("HTTP/1.1 200", first + 1), std::string::npos) << out;
}

// Sends each of `requests` as a TLS record of its own, all of them in one TCP segment (corked),
// and returns what arrives until the server closes (or 10 s of silence). The server's
// certificate is not checked: the bytes are the point.
std::string TlsRawExchange(int port, const std::vector<std::string>& requests) {
  int fd = Connect(port);
  if (fd < 0) return "connect failed";
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(context);
  SSL_set_fd(ssl, fd);
  std::string out;
  if (SSL_connect(ssl) == 1) {
    int on = 1, off = 0;
    setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
    for (const std::string& request : requests) {
      SSL_write(ssl, request.data(), static_cast<int>(request.size()));
    }
    setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof(off));
    char buf[4096];
    for (int n; (n = SSL_read(ssl, buf, sizeof(buf))) > 0;) out.append(buf, static_cast<size_t>(n));
  } else {
    out = "handshake failed";
  }
  SSL_free(ssl);
  SSL_CTX_free(context);
  close(fd);
  return out;
}

// OpenSSL reads ahead: the second request's record arrives in the recv() that brought the
// first, and must be answered without waiting for more bytes from the client.
TEST_F(ServerTest, PipelinedRequestsInOneSegmentAreAllAnsweredOverTls) {
  Start();
  std::string out = TlsRawExchange(server_->port(),
                                   {"GET /a HTTP/1.1\r\nHost: x\r\n\r\n",
                                    "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"});
  EXPECT_EQ(handler_.handled.load(), 2);
  size_t first = out.find("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos) << out;
  EXPECT_NE(out.find("HTTP/1.1 200", first + 1), std::string::npos) << out;
}

// A body of many TLS records (and many reads from the socket) arrives whole, its answer of as
// many records goes back whole, and the server goes on serving.
TEST_F(ServerTest, LargeBodyArrivesWholeOverTls) {
  handler_.handle = [](const Request& request) { return Response::Text(200, request.body); };
  Start();
  std::string body;
  for (int i = 0; body.size() < 300 * 1024; ++i) body += std::to_string(i) + ",";
  COFFER_ASSERT_OK_AND_ASSIGN(auto put, Send("PUT", "/big", body));
  EXPECT_EQ(put.status, 200);
  EXPECT_TRUE(put.body == body) << put.body.size() << " bytes back of " << body.size();
  COFFER_ASSERT_OK_AND_ASSIGN(auto again, Send("PUT", "/big", "small"));
  EXPECT_EQ(again.body, "small");
}

TEST_F(ServerTest, QueryAndPathArrivePercentDecoded) {
  Request seen;
  handler_.handle = [&](const Request& request) {
    seen = request;
    return Response::Text(200, "ok");
  };
  Start();
  COFFER_ASSERT_OK(Send("GET", "/secrets/a%20b?api%2Dversion=7.4&x=1+2"));
  EXPECT_EQ(seen.path, "/secrets/a b");
  EXPECT_EQ(seen.target, "/secrets/a%20b?api%2Dversion=7.4&x=1+2");
  EXPECT_EQ(seen.query["api-version"], "7.4");
  EXPECT_EQ(seen.query["x"], "1 2");
}

TEST_F(ServerTest, InvalidPercentEncodingGets400) {
  Start({}, /*tls=*/false);
  EXPECT_THAT(RawExchange(server_->port(), "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n"),
              ::testing::StartsWith("HTTP/1.1 400"));
  EXPECT_EQ(handler_.handled.load(), 0);
}

TEST_F(ServerTest, ResponsesAreFramedExactly) {
  Start({}, /*tls=*/false);
  handler_.handle = [](const Request& request) {
    if (request.path == "/empty") return Response::Text(204, "");
    Response response = Response::Text(200, "hello");
    response.headers.Add("X-Forged", "a\r\nSet-Cookie: stolen=1");
    response.headers.Add("X-Fine", "yes");
    return response;
  };
  // Two keep-alive requests, then one asking to close: each answer is framed by its length,
  // a 204 has neither length nor body, and only the last says it closes.
  std::string out = RawExchange(server_->port(),
                                "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                                "GET /empty HTTP/1.1\r\nHost: x\r\n\r\n"
                                "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string ok =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nX-Fine: yes\r\n"
      "Content-Length: 5\r\n";
  EXPECT_EQ(out, ok + "\r\nhello" + "HTTP/1.1 204 No Content\r\n" +
                     "Content-Type: text/plain; charset=utf-8\r\n\r\n" + ok +
                     "Connection: close\r\n\r\nhello");
}

// The streamed head comes from the same writer as the buffered one: a header holding a line
// break is dropped there too, and the body is chunked.
TEST_F(ServerTest, StreamedResponseHeadIsFramedAndCheckedAsBufferedOnes) {
  Start({}, /*tls=*/false);
  handler_.handle = [](const Request&) {
    Response response;
    response.headers.Add("X-Forged", "a\r\nSet-Cookie: stolen=1");
    response.headers.Add("X-Fine", "yes");
    response.stream = [](std::shared_ptr<ResponseStream> s) {
      s->Write("one");
      s->Close();
    };
    return response;
  };
  EXPECT_EQ(RawExchange(server_->port(), "GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nX-Fine: yes\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n3\r\none\r\n0\r\n\r\n");
}

// 100 Continue answers exactly "Expect: 100-continue", not a prefix of it.
TEST_F(ServerTest, OnlyExactExpectContinueGetsAnInterimResponse) {
  Start({}, /*tls=*/false);
  handler_.handle = [](const Request& request) { return Response::Text(200, request.body); };
  const std::string head = "PUT /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                           "Content-Length: 2\r\nExpect: ";
  EXPECT_THAT(RawExchange(server_->port(), head + "100-Continue\r\n\r\nhi"),
              ::testing::StartsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK"));
  for (const char* partial : {"100", "100-cont"}) {
    std::string out = RawExchange(server_->port(), head + partial + "\r\n\r\nhi");
    EXPECT_THAT(out, ::testing::StartsWith("HTTP/1.1 200 OK")) << partial;
    EXPECT_THAT(out, ::testing::EndsWith("\r\n\r\nhi")) << partial;
  }
}

TEST_F(ServerTest, MalformedRequestLineGets400) {
  Start({}, /*tls=*/false);
  EXPECT_THAT(RawExchange(server_->port(), "THIS IS NOT HTTP\r\n\r\n"),
              ::testing::StartsWith("HTTP/1.1 400"));
  EXPECT_EQ(handler_.handled.load(), 0);
}

// Past either cap a new connection is closed before it is served; a place given back serves
// the next one.
TEST_F(ServerTest, ConnectionsPastTheCapsAreClosedAtOnce) {
  ServerOptions options;
  options.max_connections = 3;
  options.max_connections_per_address = 2;
  Start(options, /*tls=*/false);
  const int port = server_->port();
  std::vector<OpenConnection> open;
  open.push_back(OpenFrom(port, "127.0.0.1"));
  open.push_back(OpenFrom(port, "127.0.0.1"));
  EXPECT_THAT(open[0].first, ::testing::StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(open[1].first, ::testing::StartsWith("HTTP/1.1 200"));
  OpenConnection third_from_one = OpenFrom(port, "127.0.0.1");
  EXPECT_EQ(third_from_one.first, "");  // over the per-address cap
  close(third_from_one.fd);
  open.push_back(OpenFrom(port, "127.0.0.2"));
  EXPECT_THAT(open[2].first, ::testing::StartsWith("HTTP/1.1 200"));
  OpenConnection fourth = OpenFrom(port, "127.0.0.3");
  EXPECT_EQ(fourth.first, "");  // over the cap in all
  close(fourth.fd);
  close(open[0].fd);  // one place back, for 127.0.0.1
  EXPECT_TRUE(PollUntil([&] {
    OpenConnection again = OpenFrom(port, "127.0.0.1");
    close(again.fd);
    return again.first.rfind("HTTP/1.1 200", 0) == 0;
  }));
  for (std::size_t i = 1; i < open.size(); ++i) close(open[i].fd);
}

TEST_F(ServerTest, SilentConnectionIsClosedAfterIdleTimeout) {
  ServerOptions options;
  options.idle_timeout = absl::Milliseconds(200);
  Start(options, /*tls=*/false);
  absl::Time start = absl::Now();
  EXPECT_EQ(RawExchange(server_->port(), ""), "");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5)) << "RawExchange gives up after 10 s";
}

TEST_F(ServerTest, StalledRequestIsClosedAfterReadTimeout) {
  ServerOptions options;
  options.read_timeout = absl::Milliseconds(200);
  Start(options, /*tls=*/false);
  absl::Time start = absl::Now();
  EXPECT_EQ(RawExchange(server_->port(), "GET / HTTP/1.1\r\nHost: x\r\n"), "");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5)) << "RawExchange gives up after 10 s";
  EXPECT_EQ(handler_.handled.load(), 0);
}

TEST_F(ServerTest, StalledTlsHandshakeIsClosedAfterReadTimeout) {
  ServerOptions options;
  options.read_timeout = absl::Milliseconds(200);
  Start(options);
  absl::Time start = absl::Now();
  EXPECT_EQ(RawExchange(server_->port(), ""), "");  // TCP connects, no ClientHello follows
  EXPECT_LT(absl::Now() - start, absl::Seconds(5)) << "RawExchange gives up after 10 s";
}

// Timeouts bound reads and writes, not the handler: a slow answer still arrives over TLS.
TEST_F(ServerTest, HandlerSlowerThanTheReadTimeoutStillAnswers) {
  ServerOptions options;
  options.read_timeout = absl::Milliseconds(200);
  Start(options);
  std::thread answerer;
  handler_.answer_later = [&](std::function<void(Response)> respond) {
    answerer = std::thread([respond = std::move(respond)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(600));
      respond(Response::Text(200, "late but here"));
    });
  };
  absl::StatusOr<ClientResponse> response = Send("GET", "/slow");
  if (answerer.joinable()) answerer.join();
  COFFER_ASSERT_OK(response.status());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "late but here");
}

TEST_F(ServerTest, OversizedBodyGets413) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  Start(options);
  COFFER_ASSERT_OK_AND_ASSIGN(auto response, Send("PUT", "/big", std::string(4096, 'x')));
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(handler_.handled.load(), 0);
  COFFER_ASSERT_OK_AND_ASSIGN(auto small, Send("PUT", "/small", std::string(1024, 'x')));
  EXPECT_EQ(small.status, 200);
}

TEST_F(ServerTest, OversizedHeaderGets431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  Start(options);
  Headers headers;
  headers.Add("X-Big", std::string(4096, 'h'));
  COFFER_ASSERT_OK_AND_ASSIGN(auto response, Send("GET", "/", "", headers));
  EXPECT_EQ(response.status, 431);
  EXPECT_EQ(handler_.handled.load(), 0);
}

TEST_F(ServerTest, OnHeadersAnswers401WithoutWaitingForBody) {
  handler_.on_headers = [](const Request& head) -> std::optional<Response> {
    if (head.headers.Get("Authorization")) return std::nullopt;
    return Response::Text(401, "who are you");
  };
  ServerOptions options;
  options.read_timeout = absl::Seconds(60);  // longer than RawExchange waits
  Start(options, /*tls=*/false);
  // The promised body never comes: the answer must not wait for it.
  std::string out =
      RawExchange(server_->port(), "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
  EXPECT_THAT(out, ::testing::StartsWith("HTTP/1.1 401"));
  EXPECT_THAT(out, HasSubstr("who are you"));
  EXPECT_EQ(handler_.handled.load(), 0);
}

TEST_F(ServerTest, OnHeaders401ReachesClientStillUploading) {
  handler_.on_headers = [](const Request&) { return Response::Text(401, "no"); };
  ServerOptions options;
  options.max_body_bytes = 8 << 20;
  Start(options);
  // More than the socket buffers hold: the server must not reset the connection early.
  COFFER_ASSERT_OK_AND_ASSIGN(auto response, Send("PUT", "/x", std::string(6 << 20, 'b')));
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(handler_.handled.load(), 0);
}

TEST_F(ServerTest, ThrowingHandlerGets500AndServerKeepsServing) {
  handler_.handle = [](const Request& request) -> Response {
    if (request.path == "/throw") throw std::runtime_error("bug");
    return Response::Text(200, "fine");
  };
  Start();
  COFFER_ASSERT_OK_AND_ASSIGN(auto failed, Send("GET", "/throw"));
  EXPECT_EQ(failed.status, 500);
  COFFER_ASSERT_OK_AND_ASSIGN(auto next, Send("GET", "/ok"));
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "fine");
}

TEST_F(ServerTest, StreamedChunksReachClientBeforeStreamEnds) {
  std::mutex mu;
  std::shared_ptr<ResponseStream> stream;
  handler_.handle = [&](const Request&) {
    Response response;
    response.headers.Add("Content-Type", "application/json");
    response.stream = [&](std::shared_ptr<ResponseStream> s) {
      std::lock_guard<std::mutex> lock(mu);
      stream = std::move(s);
    };
    return response;
  };
  Start();
  std::atomic<bool> first_seen{false};
  std::atomic<bool> last_written{false};
  std::atomic<bool> first_seen_before_last{false};
  std::thread writer([&] {
    ASSERT_TRUE(PollUntil([&] {
      std::lock_guard<std::mutex> lock(mu);
      return stream != nullptr;
    }));
    EXPECT_TRUE(stream->Write("{\"n\":1}\n"));
    // The client must see the first chunk while the stream is still open.
    first_seen_before_last = PollUntil([&] { return first_seen.load(); });
    EXPECT_TRUE(stream->Write("{\"n\":2}\n"));
    last_written = true;
    stream->Close();
    EXPECT_FALSE(stream->Write("late")) << "writes after Close() fail";
  });
  std::string received;
  ClientRequest request;
  request.path_and_query = "/watch";
  auto response = client_->Stream(
      request,
      [&](std::string_view piece) {
        received.append(piece);
        if (received.find("\"n\":1") != std::string::npos) first_seen = true;
        return true;
      },
      nullptr);
  writer.join();
  COFFER_ASSERT_OK(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->headers.Get("Transfer-Encoding"), Optional(HasSubstr("chunked")));
  EXPECT_TRUE(first_seen_before_last.load());
  EXPECT_EQ(received, "{\"n\":1}\n{\"n\":2}\n");
}

// A watch may stay quiet for longer than the read timeout between two events: the write
// timeout of one chunk must not end the stream (over TLS, where the timeouts are our own).
TEST_F(ServerTest, QuietStreamOutlivesTheReadTimeout) {
  ServeStreams();
  ServerOptions options;
  options.read_timeout = absl::Milliseconds(200);
  Start(options);
  std::thread writer([&] {
    std::shared_ptr<ResponseStream> stream = AwaitStream();
    ASSERT_NE(stream, nullptr);
    EXPECT_TRUE(stream->Write("first\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(800));  // quiet: 4 read timeouts
    EXPECT_TRUE(stream->Write("second\n")) << "the stream was cut while quiet";
    stream->Close();
  });
  std::string received;
  auto response = ReadStream(&received);
  writer.join();
  COFFER_ASSERT_OK(response);
  EXPECT_EQ(received, "first\nsecond\n");
}

TEST_F(ServerTest, ShutdownFinishesInFlightRequestAndRefusesNewConnections) {
  Latch entered;
  Latch release;
  handler_.handle = [&](const Request& request) {
    if (request.path == "/slow") {
      entered.Open();
      release.Wait();
    }
    return Response::Text(200, "done");
  };
  Start();
  absl::StatusOr<ClientResponse> slow;
  std::thread slow_client([&] { slow = Send("GET", "/slow"); });
  ASSERT_TRUE(entered.Wait());
  std::thread shutdown([&] { server_->Shutdown(absl::Seconds(20)); });
  EXPECT_TRUE(PollUntil([&] {
    int fd = Connect(server_->port());
    if (fd >= 0) close(fd);
    return fd < 0;
  })) << "new connections are refused while draining";
  release.Open();
  slow_client.join();
  shutdown.join();
  COFFER_ASSERT_OK(slow);
  EXPECT_EQ(slow->status, 200);
  EXPECT_EQ(slow->body, "done");
  EXPECT_THAT(slow->headers.Get("Connection"), Optional(std::string_view("close")));
}

TEST_F(ServerTest, ShutdownClosesIdleKeepAliveConnectionsAtOnce) {
  Start();
  COFFER_ASSERT_OK(Send("GET", "/"));  // leaves a pooled keep-alive connection
  absl::Time start = absl::Now();
  server_->Shutdown(absl::Seconds(30));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(ServerTest, ShutdownEndsOpenStreams) {
  ServeStreams("hello");
  Start();
  std::shared_ptr<ResponseStream> stream;
  std::thread shutdown([&] {
    stream = AwaitStream();
    server_->Shutdown(absl::Seconds(20));
  });
  std::string received;
  auto response = ReadStream(&received);
  shutdown.join();
  COFFER_EXPECT_OK(response);
  EXPECT_EQ(received, "hello");
  ASSERT_NE(stream, nullptr);
  EXPECT_FALSE(stream->Write("more"));
}

TEST_F(ServerTest, ReplacedCertificateServesNewConnections) {
  testing::TestPki next = testing::MakeTestPki(dir_, {}, "next");
  TlsFiles files{dir_.File("live.pem"), dir_.File("live-key.pem")};
  std::filesystem::copy_file(pki_.server_cert, files.cert_file);
  std::filesystem::copy_file(pki_.server_key, files.key_file);
  ServerOptions options;
  options.tls = files;
  COFFER_ASSERT_OK_AND_ASSIGN(server_, beast::StartServer(options, handler_));
  ClientRequest request;
  request.path_and_query = "/";
  COFFER_ASSERT_OK(NewTestClient(pki_.ca_cert)->Send(request));
  EXPECT_THAT(NewTestClient(next.ca_cert)->Send(request), StatusIs(absl::StatusCode::kUnavailable));

  std::filesystem::copy_file(next.server_key, files.key_file,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(next.server_cert, files.cert_file,
                             std::filesystem::copy_options::overwrite_existing);
  // Each attempt is a new client, hence a new connection and handshake.
  EXPECT_TRUE(PollUntil([&] { return NewTestClient(next.ca_cert)->Send(request).ok(); }));
  EXPECT_THAT(NewTestClient(pki_.ca_cert)->Send(request), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ServerTest, PortInUseIsUnavailable) {
  ServerOptions options;
  FnHandler other;
  // A listener that does not set SO_REUSEPORT holds the port.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  options.port = ntohs(addr.sin_port);
  EXPECT_THAT(beast::StartServer(options, other), StatusIs(absl::StatusCode::kUnavailable));
  close(fd);
}

TEST_F(ServerTest, MissingCertificateIsInvalidArgument) {
  ServerOptions options;
  options.tls = TlsFiles{dir_.File("nope.pem"), pki_.server_key};
  EXPECT_THAT(beast::StartServer(options, handler_), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::http
