#include "vault-core/identity/assertion_replay_cache.h"

#include <cstdint>

#include "vault-core/crypto/digest.h"

namespace coffer::identity {
namespace {

std::string CacheKey(std::string_view client_id, std::string_view jti) {
  // The length prefix keeps ("ab", "c") and ("a", "bc") apart.
  std::string input(8, '\0');
  uint64_t size = client_id.size();
  for (int i = 7; i >= 0; --i, size >>= 8) input[i] = static_cast<char>(size & 0xff);
  input.append(client_id);
  input.append(jti);
  return crypto::Sha256(input);
}

}  // namespace

bool AssertionReplayCache::Conflicts(std::string_view client_id, std::string_view jti,
                                     std::string_view assertion_digest) const {
  const std::string key = CacheKey(client_id, jti);
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  return it != entries_.end() && it->second.assertion_digest != assertion_digest;
}

void AssertionReplayCache::Remember(std::string_view client_id, std::string_view jti,
                                    std::string_view assertion_digest, absl::Time forget_after,
                                    absl::Time now) {
  if (capacity_ == 0) return;
  const std::string key = CacheKey(client_id, jti);
  absl::MutexLock lock(&mu_);
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) EraseLocked(by_expiry_.begin());
  if (forget_after <= now || entries_.count(key) != 0) return;
  while (entries_.size() >= capacity_) EraseLocked(by_expiry_.begin());
  auto position = by_expiry_.emplace(forget_after, key);
  entries_.emplace(key, Entry{std::string(assertion_digest), position});
}

size_t AssertionReplayCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

void AssertionReplayCache::EraseLocked(ByExpiry::iterator position) {
  entries_.erase(position->second);
  by_expiry_.erase(position);
}

}  // namespace coffer::identity
