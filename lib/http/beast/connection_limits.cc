#include "lib/http/beast/connection_limits.h"

#include "lib/base/logging.h"

namespace coffer::http::beast {

bool ConnectionLimits::Admit(const std::string& address) {
  absl::MutexLock lock(&mu_);
  if (total_ >= max_total_) return false;
  std::size_t& mine = per_address_[address];
  if (mine >= max_per_address_) {
    if (mine == 0) per_address_.erase(address);  // a cap of zero: nothing kept
    return false;
  }
  ++mine;
  ++total_;
  return true;
}

void ConnectionLimits::Release(const std::string& address) {
  absl::MutexLock lock(&mu_);
  auto it = per_address_.find(address);
  if (it == per_address_.end()) return;
  --total_;
  if (--it->second == 0) per_address_.erase(it);
}

void ConnectionLimits::NoteRefused(const std::string& address) {
  int64_t held_back = 0;
  if (!refusal_log_.Admit("cap", &held_back)) return;
  COFFER_LOG(kHttp, warn,
             "connection from {} closed: at the cap of {} connections in all or {} from one "
             "address ({} more closed since the last line)",
             address.substr(0, 64), max_total_, max_per_address_, held_back);
}

std::size_t ConnectionLimits::total() const {
  absl::MutexLock lock(&mu_);
  return total_;
}

}  // namespace coffer::http::beast
