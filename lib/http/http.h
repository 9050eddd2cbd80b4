#ifndef COFFER_LIB_HTTP_HTTP_H_
#define COFFER_LIB_HTTP_HTTP_H_

// HTTP types shared by the server (lib/http/beast) and the client (lib/http/cpprest).
// Neither Boost nor cpprestsdk appears here, so callers compile quickly and the backends can be
// swapped.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coffer::http {

// Header names compare case-insensitively; order and repeats are kept.
class Headers {
 public:
  void Add(std::string name, std::string value) {
    entries_.emplace_back(std::move(name), std::move(value));
  }
  // Replaces every header of that name.
  void Set(std::string name, std::string value);
  std::optional<std::string_view> Get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

struct Request {
  std::string method;                        // "GET", "PUT", ...
  std::string target;                        // as sent: path and query, still percent-encoded
  std::string path;                          // percent-decoded path, without the query
  std::map<std::string, std::string> query;  // percent-decoded keys and values
  Headers headers;
  std::string body;
  std::string remote_address;  // the peer as "ip:port" ("[v6]:port")
};

// A response body sent in pieces (chunked transfer encoding). Thread-safe: a handler may keep
// the stream and write from any thread until it calls Close() or Write() returns false (the
// peer went away or the server is shutting down).
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual bool Write(std::string chunk) = 0;
  virtual void Close() = 0;
};

// The IP of a Request's remote_address ("ip:port" or "[v6]:port"), without port or brackets.
std::string PeerIp(std::string_view remote_address);
// What per-client limits count a Request's remote_address as: its IP, except that an IPv6 peer
// counts as its /64 (what one host or site usually holds, so that a block of addresses does not
// buy a block of allowances) and an IPv4 peer seen on a dual-stack listener ("::ffff:a.b.c.d")
// as its IPv4 address (not as one /64 that every IPv4 client would share).
std::string PeerSource(std::string_view remote_address);

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, `body` is ignored: the server sends the status and headers, then calls `stream`
  // with a stream for the body.
  std::function<void(std::shared_ptr<ResponseStream>)> stream;

  static Response Text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  static Response Json(int status, std::string body);
};

// Serves requests. Called on the server's I/O threads, concurrently; implementations must be
// thread-safe.
class Handler {
 public:
  virtual ~Handler() = default;
  // Called once the headers have arrived, before the body is read (`head.body` is empty).
  // A response returned here is sent at once and the body is discarded: this is how a request
  // without credentials gets its 401 before it uploads anything.
  virtual std::optional<Response> OnHeaders(const Request& head) {
    (void)head;
    return std::nullopt;
  }
  virtual Response Handle(const Request& request) = 0;

  // The body of an error the server itself answers (400 malformed request, 413 body too large,
  // 431 headers too large), so that those too come in the application's error format.
  virtual Response RenderError(int status, std::string_view message) {
    return Response::Text(status, std::string(message) + "\n");
  }

  // What servers call: serves a request whose response may come later and from any thread, so
  // that an I/O thread need not wait (e.g. for an fsync) while other connections are ready.
  // `respond` must be called exactly once; `request` stays valid until then. The default
  // answers at once with Handle().
  virtual void HandleAsync(const Request& request, std::function<void(Response)> respond) {
    respond(Handle(request));
  }
};

// Calls handler.HandleAsync and waits for its answer: the synchronous Handle of handlers whose
// real work is asynchronous.
Response HandleAndWait(Handler& handler, const Request& request);

// Percent-decoding for paths and query strings; '+' becomes ' ' only in query strings.
std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space);
std::map<std::string, std::string> ParseQuery(std::string_view query);

}  // namespace coffer::http

#endif  // COFFER_LIB_HTTP_HTTP_H_
