#include "lib/http/beast/response_stream.h"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <utility>

#include "lib/base/logging.h"

namespace coffer::http::beast {

bool Gate::Post(std::function<void()> work) {
  absl::MutexLock lock(&mu_);
  if (!open_) return false;
  pending_.push_back(std::move(work));
  if (pending_.size() == 1) {
    boost::asio::post(executor_, [self = shared_from_this()] { self->RunPending(); });
  }
  return true;
}

void Gate::RunPending() {
  std::vector<std::function<void()>> work;
  {
    absl::MutexLock lock(&mu_);
    work.swap(pending_);
  }
  // One item's failure must not cost the others their turn.
  for (auto& w : work) {
    try {
      w();
    } catch (const std::exception& e) {
      COFFER_LOG(kHttp, err, "posted work threw: {}", e.what());
    } catch (...) {
      COFFER_LOG(kHttp, err, "posted work threw an exception of unknown type");
    }
  }
}

void Gate::Close() {
  std::vector<std::function<void()>> dropped;  // released outside the lock
  absl::MutexLock lock(&mu_);
  open_ = false;
  // Work that will never run may hold what holds this gate (a connection and its stream).
  dropped.swap(pending_);
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
  absl::MutexLock lock(&mu_);
  if (!open_) return false;
  if (chunk.empty()) return true;  // an empty chunk would end the body
  return PostLocked(EncodeChunk(chunk), false);
}

void ChunkedResponseStream::Close() {
  absl::MutexLock lock(&mu_);
  if (!open_) return;
  PostLocked(EncodeChunk(""), true);
  open_ = false;
}

void ChunkedResponseStream::MarkGone() {
  absl::MutexLock lock(&mu_);
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
