#include "vault-core/identity/token_cache.h"

namespace coffer::identity {

std::optional<AccessTokenClaims> VerifiedTokenCache::Find(const std::string& token) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(token);
  if (it == entries_.end()) return std::nullopt;
  return it->second.claims;
}

void VerifiedTokenCache::Insert(const std::string& token, const AccessTokenClaims& claims,
                                absl::Time useless_before) {
  if (capacity_ == 0) return;
  absl::MutexLock lock(&mu_);
  if (entries_.count(token) != 0) return;
  while (!by_expiry_.empty() && by_expiry_.begin()->first < useless_before) {
    EraseLocked(by_expiry_.begin());
  }
  while (entries_.size() >= capacity_) EraseLocked(by_expiry_.begin());
  auto position = by_expiry_.emplace(claims.expires, token);
  entries_.emplace(token, Entry{claims, position});
}

size_t VerifiedTokenCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

void VerifiedTokenCache::EraseLocked(ByExpiry::iterator position) {
  entries_.erase(position->second);
  by_expiry_.erase(position);
}

}  // namespace coffer::identity
