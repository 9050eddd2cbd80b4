// StartServer over Boost.Beast: one single-threaded io_context per I/O thread, each with its own
// SO_REUSEPORT acceptor on the same address. A connection lives on one thread, so no locking is
// needed on the request path; which thread is chosen round-robin by whichever acceptor took it,
// since the kernel's hash of the peer address spreads a few dozen connections unevenly and the
// busiest thread then bounds the whole server.

#include "lib/http/beast/server.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "lib/base/clock.h"
#include "lib/base/logging.h"
#include "lib/base/status.h"
#include "lib/http/beast/connection.h"
#include "lib/http/beast/io_loop.h"
#include "lib/http/beast/tls_context.h"

namespace coffer::http {
namespace {

namespace net = boost::asio;
using boost::system::error_code;
using tcp = net::ip::tcp;
using ReusePort = net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// The cap on open connections: as configured, or what the file-descriptor limit leaves after
// 128 for the rest of the process (store, HSM, logs, outgoing calls).
std::size_t MaxConnections(const ServerOptions& options) {
  if (options.max_connections > 0) return options.max_connections;
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY) return 65536;
  return files.rlim_cur > 256 ? static_cast<std::size_t>(files.rlim_cur) - 128 : 128;
}

class BeastServer final : public Server {
 public:
  BeastServer(const ServerOptions& options, Handler& handler,
              std::unique_ptr<beast::ReloadingTlsContext> tls)
      : options_(options),
        handler_(handler),
        tls_(std::move(tls)),
        limits_(MaxConnections(options), options.max_connections_per_address) {}
  ~BeastServer() override { Shutdown(absl::ZeroDuration()); }

  absl::Status Bind();
  void StartThreads();
  int port() const override { return port_; }
  void Shutdown(absl::Duration drain) override;

 private:
  // Members are destroyed bottom-up: connections left in `ioc` deregister from `env`.
  struct Worker {
    beast::ConnectionEnv env;
    net::io_context ioc{1};
    net::steady_timer retry{ioc};
    std::optional<tcp::acceptor> acceptor;
    std::thread thread;
  };

  void Accept(Worker& worker);
  void Run(Worker& worker);
  // Runs `f` on each connection of the worker; on its I/O thread.
  template <class F>
  static void ForEachConnection(Worker& worker, F f);
  bool WaitForThreads(absl::Time deadline);

  const ServerOptions options_;
  Handler& handler_;
  const std::unique_ptr<beast::ReloadingTlsContext> tls_;
  beast::ConnectionLimits limits_;  // outlives the workers' connections
  std::atomic<bool> draining_{false};
  std::vector<std::unique_ptr<Worker>> workers_;  // fixed once the threads start
  std::atomic<std::size_t> next_worker_{0};       // the owner of the next connection
  int port_ = 0;
  absl::Mutex mu_;
  int running_threads_ ABSL_GUARDED_BY(mu_) = 0;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

absl::Status BeastServer::Bind() {
  error_code ec;
  net::ip::address address = net::ip::make_address(options_.host, ec);
  if (ec) return absl::InvalidArgumentError("host must be an IP address: " + options_.host);
  for (int i = 0; i < options_.threads; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->env.options = &options_;
    worker->env.handler = &handler_;
    worker->env.draining = &draining_;
    worker->env.gate = std::make_shared<beast::Gate>(worker->ioc.get_executor());
    worker->env.limits = &limits_;
    tcp::endpoint endpoint(address, static_cast<unsigned short>(i == 0 ? options_.port : port_));
    tcp::acceptor& acceptor = worker->acceptor.emplace(worker->ioc);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.set_option(ReusePort(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (!ec && i == 0) port_ = acceptor.local_endpoint(ec).port();
    if (ec) {
      return absl::UnavailableError("cannot listen on " + options_.host + ":" +
                                    std::to_string(endpoint.port()) + ": " + ec.message());
    }
    workers_.push_back(std::move(worker));
  }
  return absl::OkStatus();
}

void BeastServer::StartThreads() {
  {
    absl::MutexLock lock(&mu_);
    running_threads_ = static_cast<int>(workers_.size());
  }
  for (auto& worker : workers_) {
    Accept(*worker);
    worker->thread = std::thread([this, w = worker.get()] { Run(*w); });
  }
}

void BeastServer::Accept(Worker& worker) {
  Worker& owner = *workers_[next_worker_.fetch_add(1, std::memory_order_relaxed) % workers_.size()];
  worker.acceptor->async_accept(
      owner.ioc, [this, &worker, &owner](error_code ec, tcp::socket socket) {
        if (draining_.load() || ec == net::error::operation_aborted) return;
        if (ec) {
          // E.g. out of file descriptors: retry a little later rather than spin.
          COFFER_LOG(kHttp, warn, "accept failed: {}", ec.message());
          worker.retry.expires_after(std::chrono::milliseconds(50));
          worker.retry.async_wait([this, &worker](error_code wait_ec) {
            if (!wait_ec && !draining_.load()) Accept(worker);
          });
          return;
        }
        socket.set_option(tcp::no_delay(true), ec);
        std::shared_ptr<beast::Connection> connection =
            tls_ ? beast::NewTlsConnection(std::move(socket), tls_->Current(), owner.env)
                 : beast::NewPlainConnection(std::move(socket), owner.env);
        net::post(owner.ioc, [connection] { connection->Start(); });
        Accept(worker);
      });
}

void BeastServer::Run(Worker& worker) {
  pthread_setname_np(pthread_self(), "coffer-http");  // for top -H and perf
  // OpenSSL writes TLS records with write(2), which raises SIGPIPE on a connection the peer
  // closed. Blocked on this thread, the signal stays pending and write() returns EPIPE, which
  // the connection handles, whatever the embedding process does with SIGPIPE.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  beast::RunIoLoop(worker.ioc);
  absl::MutexLock lock(&mu_);
  --running_threads_;
}

template <class F>
void BeastServer::ForEachConnection(Worker& worker, F f) {
  std::vector<std::shared_ptr<beast::Connection>> live;
  for (beast::Connection* connection : worker.env.live)
    live.push_back(connection->shared_from_this());
  for (auto& connection : live) f(*connection);
}

bool BeastServer::WaitForThreads(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  // Runs under mu_, which Await holds.
  const auto done = [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return running_threads_ == 0; };
  return mu_.AwaitWithDeadline(absl::Condition(&done), deadline);
}

void BeastServer::Shutdown(absl::Duration drain) {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  draining_.store(true);
  absl::Time deadline = absl::Now() + drain;
  for (auto& worker : workers_) {
    // shutdown(2) on the listening socket refuses new connections at once, even while the
    // worker's thread is busy in a handler; the acceptor itself is closed on its thread.
    ::shutdown(worker->acceptor->native_handle(), SHUT_RDWR);
    net::post(worker->ioc, [w = worker.get()] {
      error_code ec;
      w->acceptor->close(ec);
      w->retry.cancel();
      ForEachConnection(*w, [](beast::Connection& c) { c.BeginDrain(); });
    });
  }
  if (!WaitForThreads(deadline)) {
    if (drain > absl::ZeroDuration()) {
      COFFER_LOG(kHttp, info, "drain deadline passed, closing remaining connections");
    }
    for (auto& worker : workers_) {
      net::post(worker->ioc, [w = worker.get()] {
        ForEachConnection(*w, [](beast::Connection& c) { c.ForceClose(); });
      });
    }
    if (!WaitForThreads(absl::Now() + absl::Seconds(1))) {
      for (auto& worker : workers_) worker->ioc.stop();
    }
  }
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
    worker->env.gate->Close();
  }
}

}  // namespace

namespace beast {

absl::StatusOr<std::unique_ptr<Server>> StartServer(const ServerOptions& options,
                                                    Handler& handler) {
  if (options.threads < 1 || options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError("threads must be >= 1 and port within 0..65535");
  }
  std::unique_ptr<beast::ReloadingTlsContext> tls;
  if (options.tls) {
    COFFER_ASSIGN_OR_RETURN(
        tls, beast::ReloadingTlsContext::Create(*options.tls, Clock::Real(), absl::Seconds(1),
                                                options.certificates));
  }
  auto server = std::make_unique<BeastServer>(options, handler, std::move(tls));
  COFFER_RETURN_IF_ERROR(server->Bind());
  server->StartThreads();
  COFFER_LOG(kHttp, info, "listening on {}:{} ({} threads, {})", options.host, server->port(),
             options.threads, options.tls ? "https" : "http");
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace beast
}  // namespace coffer::http
