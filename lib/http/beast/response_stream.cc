#include "lib/http/beast/response_stream.h"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <utility>

namespace coffer::http::beast {

bool Gate::Post(std::function<void()> work) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!open_) return false;
  boost::asio::post(executor_, std::move(work));
  return true;
}

void Gate::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  open_ = false;
}

std::string EncodeChunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  std::string out(size);
  out.append(data);
  out.append("\r\n");
  return out;
}

bool ChunkedResponseStream::Write(std::string chunk) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!open_) return false;
  if (chunk.empty()) return true;  // an empty chunk would end the body
  return PostLocked(EncodeChunk(chunk), false);
}

void ChunkedResponseStream::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!open_) return;
  PostLocked(EncodeChunk(""), true);
  open_ = false;
}

void ChunkedResponseStream::MarkGone() {
  std::lock_guard<std::mutex> lock(mu_);
  open_ = false;
}

bool ChunkedResponseStream::PostLocked(std::string encoded, bool last) {
  bool posted = gate_->Post([sink = sink_, encoded = std::move(encoded), last]() mutable {
    if (auto live = sink.lock()) live->QueueChunk(std::move(encoded), last);
  });
  if (!posted) open_ = false;
  return posted;
}

}  // namespace coffer::http::beast
