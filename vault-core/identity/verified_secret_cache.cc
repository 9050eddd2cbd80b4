#include "vault-core/identity/verified_secret_cache.h"

#include <cstdint>

#include "vault-core/crypto/digest.h"
#include "vault-core/identity/client_secret.h"

namespace coffer::identity {
namespace {

std::string CacheKey(std::string_view client_id, const SecretBytes& secret) {
  // The length prefix keeps ("ab", "c") and ("a", "bc") apart.
  std::string input(8, '\0');
  uint64_t size = client_id.size();
  for (int i = 7; i >= 0; --i, size >>= 8) input[i] = static_cast<char>(size & 0xff);
  input.append(client_id);
  input.append(secret.reveal());
  std::string key = crypto::Sha256(input);
  internal::ZeroMemory(input.data(), input.size());
  return key;
}

}  // namespace

std::optional<size_t> VerifiedSecretCache::Remembered(
    std::string_view client_id, const SecretBytes& secret,
    const std::vector<std::string>& candidates) {
  if (std::optional<std::string> known = Lookup(CacheKey(client_id, secret))) {
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i] == *known) return i;
    }
  }
  return std::nullopt;  // never proved, or the hash it matched is gone (rotated or deleted)
}

std::optional<size_t> VerifiedSecretCache::Match(std::string_view client_id,
                                                 const SecretBytes& secret,
                                                 const std::vector<std::string>& candidates) {
  if (std::optional<size_t> known = Remembered(client_id, secret, candidates)) return known;
  if (candidates.empty()) {
    // The same work as one real candidate, against a hash no secret is known to match.
    static const std::string* const kNobody = new std::string(HashClientSecret(NewClientSecret()));
    VerifyClientSecret(secret, *kNobody);
    return std::nullopt;
  }
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (VerifyClientSecret(secret, candidates[i])) {
      Remember(CacheKey(client_id, secret), candidates[i]);
      return i;
    }
  }
  return std::nullopt;
}

bool VerifiedSecretCache::Verify(std::string_view client_id, const SecretBytes& secret,
                                 std::string_view encoded) {
  return Match(client_id, secret, {std::string(encoded)}).has_value();
}

size_t VerifiedSecretCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

std::optional<std::string> VerifiedSecretCache::Lookup(const std::string& key) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.encoded;
}

void VerifiedSecretCache::Remember(const std::string& key, const std::string& encoded) {
  if (capacity_ == 0) return;
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  if (entries_.size() >= capacity_ && entries_.count(key) == 0) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->second.expires <= now ? entries_.erase(it) : std::next(it);
    }
    // Still full of live entries: drop an arbitrary one; it only costs that client one slow hash.
    if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
  }
  entries_[key] = Entry{encoded, now + ttl_};
}

}  // namespace coffer::identity
