#ifndef COFFER_VAULT_CORE_IDENTITY_TOKEN_CACHE_H_
#define COFFER_VAULT_CORE_IDENTITY_TOKEN_CACHE_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "vault-core/identity/access_token.h"

namespace coffer::identity {

// Claims of tokens whose signature and issuer were already checked, keyed by the token's SHA-256,
// so that a client reusing its token costs a map lookup instead of an ECDSA verification. It holds
// at most `capacity` entries: room is made by dropping the entries that expire first (the expired
// ones, then those closest to expiry: with one token lifetime for all, that is the oldest). It
// never decides validity: callers check times and audience on every hit. Thread-safe.
class VerifiedTokenCache {
 public:
  explicit VerifiedTokenCache(size_t capacity) : capacity_(capacity) {}

  std::optional<AccessTokenClaims> Find(const std::string& token) const;
  // Entries expiring before `useless_before` are dropped first when room is needed.
  void Insert(const std::string& token, const AccessTokenClaims& claims, absl::Time useless_before);
  size_t size() const;

 private:
  using ByExpiry = std::multimap<absl::Time, std::string>;
  struct Entry {
    AccessTokenClaims claims;
    ByExpiry::iterator expiry_position;
  };

  void EraseLocked(ByExpiry::iterator position) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  ByExpiry by_expiry_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coffer::identity

#endif  // COFFER_VAULT_CORE_IDENTITY_TOKEN_CACHE_H_
