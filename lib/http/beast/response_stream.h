#ifndef COFFER_LIB_HTTP_BEAST_RESPONSE_STREAM_H_
#define COFFER_LIB_HTTP_BEAST_RESPONSE_STREAM_H_

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lib/http/http.h"

namespace coffer::http::beast {

// Lets other threads post work to one I/O thread until the server closes the gate, which it
// does before it destroys the io_context. Work runs in the order posted. Posts that arrive
// while earlier ones still wait share one wake-up of the I/O thread (the audit writer answers
// a whole group of requests at once). Thread-safe.
class Gate : public std::enable_shared_from_this<Gate> {
 public:
  explicit Gate(boost::asio::io_context::executor_type executor) : executor_(executor) {}
  // False once closed: the work is dropped.
  bool Post(std::function<void()> work);
  void Close();

 private:
  void RunPending();

  const boost::asio::io_context::executor_type executor_;
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = true;
  std::vector<std::function<void()>> pending_ ABSL_GUARDED_BY(mu_);
};

// The connection side of a streamed response; implemented by Connection.
class ChunkSink {
 public:
  virtual ~ChunkSink() = default;
  // On the connection's I/O thread: queues an already encoded chunk; `last` ends the body.
  virtual void QueueChunk(std::string encoded, bool last) = 0;
};

// The ResponseStream handed to a handler. Write() and Close() may be called from any thread:
// they encode the chunk and post it, in call order, to the connection's I/O thread.
class ChunkedResponseStream final : public ResponseStream {
 public:
  ChunkedResponseStream(std::shared_ptr<Gate> gate, std::weak_ptr<ChunkSink> sink)
      : gate_(std::move(gate)), sink_(std::move(sink)) {}

  bool Write(std::string chunk) override;
  void Close() override;
  // Called by the connection (peer gone, shutdown, body ended): later writes return false.
  void MarkGone();

 private:
  bool PostLocked(std::string encoded, bool last) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::shared_ptr<Gate> gate_;
  const std::weak_ptr<ChunkSink> sink_;
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = true;
};

// "<hex size>\r\n<data>\r\n"; the empty chunk is the terminator "0\r\n\r\n".
std::string EncodeChunk(std::string_view data);

}  // namespace coffer::http::beast

#endif  // COFFER_LIB_HTTP_BEAST_RESPONSE_STREAM_H_
