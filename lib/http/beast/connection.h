#ifndef COFFER_LIB_HTTP_BEAST_CONNECTION_H_
#define COFFER_LIB_HTTP_BEAST_CONNECTION_H_

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <unordered_set>

#include "lib/http/beast/connection_limits.h"
#include "lib/http/beast/response_stream.h"
#include "lib/http/server.h"

namespace coffer::http::beast {

class Connection;

// What the connections of one I/O thread share. `live` is touched only on that thread (or
// after it was joined).
struct ConnectionEnv {
  const ServerOptions* options = nullptr;
  Handler* handler = nullptr;
  const std::atomic<bool>* draining = nullptr;
  std::shared_ptr<Gate> gate;
  ConnectionLimits* limits = nullptr;  // shared by the server's I/O threads
  std::unordered_set<Connection*> live;
};

// One accepted HTTP/1.1 connection (plain or TLS), served on the I/O thread that accepted it.
// All methods run on that thread. It keeps itself alive through its pending operations.
class Connection : public ChunkSink, public std::enable_shared_from_this<Connection> {
 public:
  ~Connection() override = default;
  virtual void Start() = 0;
  // Closes the connection if it waits for a request, ends a streamed response, and lets a
  // request in progress finish with `Connection: close`.
  virtual void BeginDrain() = 0;
  virtual void ForceClose() = 0;
};

std::shared_ptr<Connection> NewPlainConnection(boost::asio::ip::tcp::socket socket,
                                               ConnectionEnv& env);
std::shared_ptr<Connection> NewTlsConnection(boost::asio::ip::tcp::socket socket,
                                             std::shared_ptr<boost::asio::ssl::context> tls,
                                             ConnectionEnv& env);

}  // namespace coffer::http::beast

#endif  // COFFER_LIB_HTTP_BEAST_CONNECTION_H_
