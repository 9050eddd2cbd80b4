#ifndef COFFER_LIB_HTTP_BEAST_TLS_SOCKET_H_
#define COFFER_LIB_HTTP_BEAST_TLS_SOCKET_H_

// The server side of TLS over a TCP socket, with OpenSSL reading and writing the socket itself.
//
// asio::ssl::stream keeps OpenSSL behind a pair of memory BIOs: every record is copied through
// them and takes a chain of composed operations, which here cost more per request than the
// TLS cryptography (docs/decisions.md). Here OpenSSL owns the non-blocking descriptor
// (SSL_set_fd); when it wants the socket readable or writable, the operation waits for that on
// the io_context's reactor and tries again. A record is one recv() or send().
//
// It is an AsyncReadStream and AsyncWriteStream for Beast and asio::async_write, with the
// timeout interface of beast::tcp_stream (expires_after, expires_never): an operation still
// pending at the deadline ends with beast::error::timeout and the socket is closed.
// Used on its io_context's thread only, like every connection. Completions are always posted,
// never run inside the call that started the operation.

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <utility>

namespace coffer::http::beast {

class TlsSocket {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using error_code = boost::system::error_code;

  TlsSocket(boost::asio::ip::tcp::socket socket, SSL_CTX* ctx)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), ssl_(SSL_new(ctx)) {
    error_code ec;
    socket_.non_blocking(true, ec);
    if (ssl_ != nullptr) {
      SSL_set_fd(ssl_, static_cast<int>(socket_.native_handle()));
      SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
      SSL_set_accept_state(ssl_);
    }
  }
  ~TlsSocket() {
    if (ssl_ != nullptr) SSL_free(ssl_);
  }
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  executor_type get_executor() { return socket_.get_executor(); }
  boost::asio::ip::tcp::socket& socket() { return socket_; }

  // The deadline of the operations started from now on, in each direction; as with
  // beast::tcp_stream, one already pending keeps its own, and an idle connection has none.
  void expires_after(std::chrono::steady_clock::duration timeout) {
    next_deadline_ = Clock::now() + timeout;
  }
  void expires_never() { next_deadline_ = Clock::time_point::max(); }

  void close() {
    error_code ec;
    timer_.cancel();
    socket_.close(ec);
  }

  template <class Handler>
  void async_handshake(Handler&& handler) {
    Start(
        kRead,
        [](SSL* ssl, std::size_t* n) {
          *n = 0;
          return SSL_do_handshake(ssl);
        },
        [h = std::forward<Handler>(handler)](error_code ec, std::size_t) mutable { h(ec); });
  }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    boost::asio::mutable_buffer b = FirstNonEmpty<boost::asio::mutable_buffer>(buffers);
    Start(
        kRead, [b](SSL* ssl, std::size_t* n) { return SSL_read_ex(ssl, b.data(), b.size(), n); },
        std::forward<Handler>(handler), b.size() == 0);
  }

  // Reads bytes as they arrive, without TLS: for what a peer still sends once nothing more
  // from it will be read (a body after the answer that ends the connection), so that OpenSSL
  // never tries to answer on a half-closed socket. Under the read deadline.
  template <class MutableBuffers, class Handler>
  void async_discard_some(const MutableBuffers& buffers, Handler&& handler) {
    Arm(kRead);
    socket_.async_read_some(
        buffers, [this, h = std::forward<Handler>(handler)](error_code ec, std::size_t n) mutable {
          deadline_[kRead] = Clock::time_point::max();
          h(ec && timed_out_ ? Timeout() : ec, n);
        });
  }

  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    boost::asio::const_buffer b = FirstNonEmpty<boost::asio::const_buffer>(buffers);
    Start(
        kWrite, [b](SSL* ssl, std::size_t* n) { return SSL_write_ex(ssl, b.data(), b.size(), n); },
        std::forward<Handler>(handler), b.size() == 0);
  }

 private:
  template <class Buffer, class Buffers>
  static Buffer FirstNonEmpty(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      Buffer b(*it);
      if (b.size() > 0) return b;
    }
    return Buffer();
  }

  using Clock = std::chrono::steady_clock;
  enum Direction { kRead, kWrite };

  // An operation in direction `d` begins under the current deadline.
  void Arm(Direction d) {
    deadline_[d] = next_deadline_;
    if (deadline_[d] != Clock::time_point::max() && (!timer_armed_ || deadline_[d] < armed_for_)) {
      ArmTimer(deadline_[d]);
    }
  }

  template <class Call, class Handler>
  void Start(Direction d, Call call, Handler&& handler, bool nothing_to_do = false) {
    Arm(d);
    if (nothing_to_do) return Complete(d, std::forward<Handler>(handler), error_code(), 0);
    Attempt(d, std::move(call), std::forward<Handler>(handler));
  }

  // Runs the OpenSSL call; completes, or waits for the socket state it asks for and retries.
  template <class Call, class Handler>
  void Attempt(Direction d, Call call, Handler&& handler) {
    if (ssl_ == nullptr || !socket_.is_open()) {
      return Complete(d, std::forward<Handler>(handler), timed_out_ ? Timeout() : Aborted(), 0);
    }
    ERR_clear_error();
    std::size_t n = 0;
    int rc = call(ssl_, &n);
    if (rc == 1) return Complete(d, std::forward<Handler>(handler), error_code(), n);
    int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      auto wait = err == SSL_ERROR_WANT_READ ? boost::asio::ip::tcp::socket::wait_read
                                             : boost::asio::ip::tcp::socket::wait_write;
      // `this` outlives the wait: the handler keeps the connection that owns this socket.
      socket_.async_wait(wait, [this, d, call = std::move(call),
                                h = std::forward<Handler>(handler)](error_code ec) mutable {
        if (ec) return Complete(d, std::move(h), timed_out_ ? Timeout() : ec, 0);
        Attempt(d, std::move(call), std::move(h));
      });
      return;
    }
    Complete(d, std::forward<Handler>(handler), Failure(err), 0);
  }

  // Never success: a failed call with an empty error queue still fails.
  static error_code Failure(int err) {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && code == 0)) {
      return boost::asio::error::eof;  // closed by the peer, with or without close_notify
    }
    if (code == 0) return boost::asio::ssl::error::unexpected_result;
    return error_code(static_cast<int>(code), boost::asio::error::get_ssl_category());  // 31 bits
  }

  template <class Handler>
  void Complete(Direction d, Handler&& handler, error_code ec, std::size_t n) {
    deadline_[d] = Clock::time_point::max();
    boost::asio::post(socket_.get_executor(),
                      boost::beast::bind_front_handler(std::forward<Handler>(handler), ec, n));
  }

  // One timer wait at a time for the earliest pending deadline; a later deadline is picked up
  // when it fires, an earlier one re-arms it.
  void ArmTimer(Clock::time_point when) {
    timer_armed_ = true;
    armed_for_ = when;
    timer_.expires_at(when);
    timer_.async_wait([this, alive = std::weak_ptr<void>(alive_)](error_code ec) {
      // A cancelled wait, or one that completed just before this object was destroyed: a
      // handler already queued runs anyway, so it checks that the object is still there.
      if (ec || alive.expired()) return;
      timer_armed_ = false;
      Clock::time_point earliest = std::min(deadline_[kRead], deadline_[kWrite]);
      if (earliest == Clock::time_point::max() || !socket_.is_open()) return;
      if (Clock::now() < earliest) return ArmTimer(earliest);
      timed_out_ = true;
      error_code ignored;
      socket_.close(ignored);  // pending waits end with operation_aborted: reported as timeout
    });
  }

  static error_code Aborted() { return boost::asio::error::operation_aborted; }
  error_code Timeout() const { return boost::beast::error::timeout; }

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  SSL* ssl_;
  const std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // see ArmTimer
  Clock::time_point next_deadline_ = Clock::time_point::max();
  Clock::time_point deadline_[2] = {Clock::time_point::max(), Clock::time_point::max()};
  Clock::time_point armed_for_;
  bool timer_armed_ = false;
  bool timed_out_ = false;
};

}  // namespace coffer::http::beast

#endif  // COFFER_LIB_HTTP_BEAST_TLS_SOCKET_H_
