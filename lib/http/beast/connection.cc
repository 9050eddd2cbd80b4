#include "lib/http/beast/connection.h"

#include <strings.h>

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "lib/base/logging.h"
#include "lib/base/secret_bytes.h"
#include "lib/http/beast/tls_socket.h"

namespace coffer::http::beast {
namespace {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using tcp = net::ip::tcp;
using PlainStream = boost::beast::tcp_stream;
using TlsStream = TlsSocket;

constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr absl::Duration kMaxLinger = absl::Seconds(5);

// The peer went away or timed out: nothing to answer.
bool IsDisconnect(const error_code& ec) {
  if (ec.category() != bhttp::make_error_code(bhttp::error::bad_target).category()) return true;
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message;
}

std::string RemoteAddress(const tcp::socket& socket) {
  error_code ec;
  tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) return "";
  std::string address = endpoint.address().to_string();
  if (endpoint.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(endpoint.port());
}

int StatusOf(const Response& response) {
  return response.status >= 100 && response.status <= 999 ? response.status : 500;
}

bool Bodiless(int status) { return status / 100 == 1 || status == 204 || status == 304; }

// The one writer of response heads, buffered or streamed: the status line and the headers, then
// the framing of RFC 9112: a chunked body when `body_length` is nullopt, else Content-Length
// (none, and no body, for 1xx, 204 and 304); `Connection: close` when the connection ends.
std::string SerializeHead(const Response& response, bool keep_alive,
                          std::optional<std::size_t> body_length) {
  const int status = StatusOf(response);
  auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  std::string out;
  out.reserve(128 + (body_length ? *body_length : 0));
  out.append("HTTP/1.1 ")
      .append(std::to_string(status))
      .append(" ")
      .append(reason.data(), reason.size())
      .append("\r\n");
  for (const auto& [name, value] : response.headers.entries()) {
    // A line break in a header would let its value forge headers or a second response.
    if (name.find_first_of("\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      COFFER_LOG(kHttp, err, "dropped response header {} holding a line break", name);
      continue;
    }
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!body_length) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else if (!Bodiless(status)) {
    out.append("Content-Length: ").append(std::to_string(*body_length)).append("\r\n");
  }
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
  return out;
}

// A whole response with a body of known length in one buffer, so that a small response is one
// TLS record and one send.
std::string Serialize(const Response& response, bool keep_alive) {
  std::string out = SerializeHead(response, keep_alive, response.body.size());
  if (!Bodiless(StatusOf(response))) out.append(response.body);
  return out;
}

void Scrub(std::string& s) {
  internal::ZeroMemory(s.data(), s.size());
  s.clear();
}

template <class Stream>
Stream MakeStream(tcp::socket socket, net::ssl::context* tls) {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    return Stream(std::move(socket), tls->native_handle());
  } else {
    (void)tls;
    return Stream(std::move(socket));
  }
}

template <class Stream>
class ConnectionImpl final : public Connection {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  ConnectionImpl(tcp::socket socket, std::shared_ptr<net::ssl::context> tls, ConnectionEnv& env)
      : tls_(std::move(tls)),
        remote_(RemoteAddress(socket)),
        stream_(MakeStream<Stream>(std::move(socket), tls_.get())),
        env_(env),
        options_(*env.options) {}

  ~ConnectionImpl() override {
    if (admitted_) env_.limits->Release(http::PeerSource(remote_));
    env_.live.erase(this);
    if (response_stream_) response_stream_->MarkGone();
  }

  void Start() override {
    if (env_.limits != nullptr) {
      const std::string source = http::PeerSource(remote_);
      if (!env_.limits->Admit(source)) {
        env_.limits->NoteRefused(source);
        state_ = State::kClosed;
        Tcp().close();  // before any TLS or HTTP work
        return;
      }
      admitted_ = true;
    }
    env_.live.insert(this);
    if constexpr (kTls) {
      state_ = State::kHandshake;
      SetTimeout(options_.read_timeout);
      stream_.async_handshake([self = Self()](error_code ec) {
        if (ec) {
          COFFER_LOG(kHttp, debug, "TLS handshake with {} failed: {}", self->remote_, ec.message());
          return self->Close();
        }
        self->WaitForRequest();
      });
    } else {
      WaitForRequest();
    }
  }

  void BeginDrain() override {
    if (state_ == State::kIdle) return Close();
    if (state_ == State::kStreaming && response_stream_) FinishStream();
  }

  void ForceClose() override { Close(); }

  void QueueChunk(std::string encoded, bool last) override {
    if (state_ != State::kStreaming || last_chunk_queued_) return;
    chunks_.push_back(std::move(encoded));
    last_chunk_queued_ = last;
    if (!chunk_writing_) WriteNextChunk();
  }

 private:
  enum class State {
    kHandshake,
    kIdle,
    kReading,
    kHandling,
    kWriting,
    kStreaming,
    kClosing,
    kClosed
  };

  std::shared_ptr<ConnectionImpl> Self() {
    return std::static_pointer_cast<ConnectionImpl>(shared_from_this());
  }
  // The transport: beast::tcp_stream, or the TlsSocket itself (same timeout interface).
  auto& Tcp() { return boost::beast::get_lowest_layer(stream_); }
  bool Draining() const { return env_.draining->load(); }
  void SetTimeout(absl::Duration timeout) {
    Tcp().expires_after(std::chrono::microseconds(absl::ToInt64Microseconds(timeout)));
  }

  // Waits for the first byte of the next request under the idle timeout; the request itself
  // is then read under the read timeout.
  void WaitForRequest() {
    if (Draining()) return Close();
    if (buffer_.size() > 0) return ReadHeader();
    state_ = State::kIdle;
    SetTimeout(options_.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = Self()](error_code ec, size_t n) {
      if (ec) return self->Close();
      self->buffer_.commit(n);
      self->ReadHeader();
    });
  }

  void ReadHeader() {
    state_ = State::kReading;
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(options_.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(options_.max_body_bytes);
    SetTimeout(options_.read_timeout);
    request_bytes_ = 0;
    bhttp::async_read_header(stream_, buffer_, *parser_, [self = Self()](error_code ec, size_t n) {
      self->request_bytes_ += n;
      self->OnHeader(ec);
    });
  }

  // Answers a request that could not be read, or closes when there is nobody to answer.
  void SendReadError(const error_code& ec) {
    if (ec == bhttp::error::header_limit) {
      SendError(431, "The request headers are too large.");
    } else if (ec == bhttp::error::body_limit) {
      SendError(413, "The request body is too large.");
    } else if (!IsDisconnect(ec)) {
      SendError(400, "The request is malformed.");
    } else {
      Close();
    }
  }

  void OnHeader(const error_code& ec) {
    if (ec) return SendReadError(ec);
    if (!FillHead()) return SendError(400, "The request path is malformed.");
    std::optional<Response> early = Call([&] { return env_.handler->OnHeaders(request_); });
    if (early) {
      keep_alive_ = false;  // the body was not read
      return SendResponse(std::move(*early));
    }
    if (parser_->is_done()) return Dispatch();
    // Exactly 100-continue (RFC 9110 §10.1.1), not a prefix of it.
    auto expect = request_.headers.Get("Expect");
    if (expect && expect->size() == 12 && strncasecmp(expect->data(), "100-continue", 12) == 0) {
      SetTimeout(options_.read_timeout);
      net::async_write(stream_, net::buffer(kContinue, sizeof(kContinue) - 1),
                       [self = Self()](error_code ec, size_t) {
                         if (ec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  bool FillHead() {
    const auto& message = parser_->get();
    request_ = Request();
    request_.method = std::string(message.method_string());
    request_.target = std::string(message.target());
    request_.remote_address = remote_;
    std::string_view target = request_.target;
    std::size_t question = target.find('?');
    std::optional<std::string> path = PercentDecode(target.substr(0, question), false);
    if (!path || path->empty() || (*path)[0] != '/') return false;
    request_.path = std::move(*path);
    if (question != std::string_view::npos)
      request_.query = ParseQuery(target.substr(question + 1));
    for (const auto& field : message) {
      request_.headers.Add(std::string(field.name_string()), std::string(field.value()));
    }
    return true;
  }

  void ReadBody() {
    state_ = State::kReading;
    SetTimeout(options_.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, [self = Self()](error_code ec, size_t n) {
      self->request_bytes_ += n;
      if (ec) return self->SendReadError(ec);
      self->request_.body = std::move(self->parser_->get().body());
      self->Dispatch();
    });
  }

  // Hands the request to the handler, whose answer may come later from another thread: it is
  // posted back to this connection's I/O thread. Until then the thread serves other
  // connections, and the work guard keeps it from finishing while the answer is pending.
  void Dispatch() {
    keep_alive_ = parser_->keep_alive();
    state_ = State::kHandling;
    auto responder = std::make_shared<Responder>(Self(), env_.gate, stream_.get_executor());
    try {
      env_.handler->HandleAsync(
          request_, [responder](Response response) { responder->Send(std::move(response)); });
      return;
    } catch (const std::exception& e) {
      COFFER_LOG(kHttp, err, "handler threw on {} {}: {}", request_.method, request_.path,
                 e.what());
    } catch (...) {
      COFFER_LOG(kHttp, err, "handler threw on {} {}", request_.method, request_.path);
    }
    responder->Send(Response::Text(500, "internal error\n"));
  }

  // Delivers the handler's answer once, on the connection's thread.
  struct Responder {
    Responder(std::shared_ptr<ConnectionImpl> connection, std::shared_ptr<Gate> gate,
              typename Stream::executor_type executor)
        : connection(std::move(connection)),
          gate(std::move(gate)),
          guard(net::make_work_guard(executor)) {}
    void Send(Response response) {
      if (sent.exchange(true)) return;
      auto shared = std::make_shared<Response>(std::move(response));
      // The reference moves into the posted work, so that the connection is released on its
      // own thread, never on whichever thread called Send (an audit writer, say).
      gate->Post([self = std::move(connection), shared] { self->OnHandled(std::move(*shared)); });
      guard.reset();
    }
    std::shared_ptr<ConnectionImpl> connection;
    std::shared_ptr<Gate> gate;
    net::executor_work_guard<typename Stream::executor_type> guard;
    std::atomic<bool> sent{false};
  };

  void OnHandled(Response response) {
    if (state_ != State::kHandling) return;  // closed meanwhile (forced shutdown)
    SendResponse(std::move(response));
  }

  // Runs handler code; a throw is a bug in the handler, answered with 500.
  template <class F>
  auto Call(F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const std::exception& e) {
      COFFER_LOG(kHttp, err, "handler threw on {} {}: {}", request_.method, request_.path,
                 e.what());
    } catch (...) {
      COFFER_LOG(kHttp, err, "handler threw on {} {}", request_.method, request_.path);
    }
    return Response::Text(500, "internal error\n");
  }

  void SendError(int status, std::string_view message) {
    keep_alive_ = false;
    SendResponse(Call([&] { return env_.handler->RenderError(status, message); }));
  }

  void SendResponse(Response response) {
    if (response.stream) return SendStreamHead(std::move(response));
    if (Draining()) keep_alive_ = false;
    auto bytes = std::make_shared<std::string>(Serialize(response, keep_alive_));
    // Bodies may carry secret values: the plaintext copies here are zeroed once used.
    Scrub(response.body);
    Scrub(request_.body);
    state_ = State::kWriting;
    SetTimeout(options_.read_timeout);
    net::async_write(stream_, net::buffer(*bytes), [self = Self(), bytes](error_code ec, size_t) {
      Scrub(*bytes);
      internal::ZeroUnusedStack();  // what this exchange left on the stack (a value, measured)
      if (ec) return self->Close();
      self->ScrubReadBuffer();
      self->AfterResponse();
    });
  }

  // The read buffer held the request as received (a bearer token, a body with a secret
  // value). Once it is all consumed, the bytes it took are zeroed; pipelined bytes still unread
  // are left alone.
  void ScrubReadBuffer() {
    if (buffer_.size() != 0 || buffer_.capacity() == 0) return;
    auto storage = buffer_.prepare(std::min(request_bytes_, buffer_.capacity()));
    internal::ZeroMemory(storage.data(), storage.size());
  }

  void AfterResponse() {
    if (!keep_alive_) return LingeringClose();
    // Shutdown began while a keep-alive response was on its way: the peer will not close.
    if (Draining()) return Close();
    WaitForRequest();
  }

  // A streamed response ends the connection: while it lasts, the only read is WatchPeer().
  void SendStreamHead(Response response) {
    keep_alive_ = false;
    auto head = std::make_shared<std::string>(SerializeHead(response, false, std::nullopt));
    state_ = State::kStreaming;
    chunks_.clear();
    last_chunk_queued_ = false;
    SetTimeout(options_.read_timeout);
    net::async_write(
        stream_, net::buffer(*head),
        [self = Self(), head, start = std::move(response.stream)](error_code ec, size_t) {
          if (ec) return self->Close();
          self->Tcp().expires_never();  // a watch may be quiet for long; writes set their own
          self->WatchPeer();
          self->response_stream_ =
              std::make_shared<ChunkedResponseStream>(self->env_.gate, self->weak_from_this());
          bool started = self->Call([&] {
                               start(self->response_stream_);
                               return Response();
                             })
                             .status == 200;
          if (!started || self->Draining()) self->FinishStream();
        });
  }

  // Keeps the connection alive while the handler streams, and notices when the peer leaves so
  // that the handler's next Write() fails. Bytes from the peer are not expected and dropped.
  void WatchPeer() {
    DiscardSome([self = Self()](error_code ec, size_t) {
      if (ec) return self->Close();
      if (self->state_ == State::kStreaming) self->WatchPeer();
    });
  }

  // Reads and drops what the peer sends; below TLS, which has nothing more to say.
  template <class Handler>
  void DiscardSome(Handler&& handler) {
    if constexpr (kTls) {
      stream_.async_discard_some(net::buffer(discard_), std::forward<Handler>(handler));
    } else {
      Tcp().async_read_some(net::buffer(discard_), std::forward<Handler>(handler));
    }
  }

  // Ends the chunked body from the server side: the handler's later writes fail.
  void FinishStream() {
    response_stream_->MarkGone();
    QueueChunk(EncodeChunk(""), true);
  }

  void WriteNextChunk() {
    if (chunks_.empty()) {
      if (last_chunk_queued_) Close();
      return;
    }
    chunk_writing_ = true;
    SetTimeout(options_.read_timeout);
    net::async_write(stream_, net::buffer(chunks_.front()), [self = Self()](error_code ec, size_t) {
      self->chunk_writing_ = false;
      if (ec) return self->Close();
      self->chunks_.pop_front();
      self->WriteNextChunk();
    });
  }

  // Sends FIN and discards what the peer still sends (e.g. a body we did not want), so that
  // closing does not reset the connection before the peer has read our response.
  void LingeringClose() {
    state_ = State::kClosing;
    error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    SetTimeout(std::min(options_.read_timeout, kMaxLinger));
    Discard();
  }

  void Discard() {
    DiscardSome([self = Self()](error_code ec, size_t) {
      if (ec) return self->Close();
      self->Discard();
    });
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    if (response_stream_) response_stream_->MarkGone();
    error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    Tcp().close();
  }

  const std::shared_ptr<net::ssl::context> tls_;  // outlives stream_
  const std::string remote_;
  Stream stream_;
  ConnectionEnv& env_;
  const ServerOptions& options_;
  State state_ = State::kIdle;
  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request request_;
  bool keep_alive_ = false;
  bool admitted_ = false;  // holds a place in env_.limits
  std::size_t request_bytes_ = 0;  // of the current request, as the parser consumed them
  std::shared_ptr<ChunkedResponseStream> response_stream_;
  std::deque<std::string> chunks_;
  bool chunk_writing_ = false;
  bool last_chunk_queued_ = false;
  std::array<char, 4096> discard_{};
};

}  // namespace

std::shared_ptr<Connection> NewPlainConnection(tcp::socket socket, ConnectionEnv& env) {
  return std::make_shared<ConnectionImpl<PlainStream>>(std::move(socket), nullptr, env);
}

std::shared_ptr<Connection> NewTlsConnection(tcp::socket socket,
                                             std::shared_ptr<net::ssl::context> tls,
                                             ConnectionEnv& env) {
  return std::make_shared<ConnectionImpl<TlsStream>>(std::move(socket), std::move(tls), env);
}

}  // namespace coffer::http::beast
