#ifndef COFFER_VAULT_CORE_IDENTITY_VERIFIED_SECRET_CACHE_H_
#define COFFER_VAULT_CORE_IDENTITY_VERIFIED_SECRET_CACHE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "lib/base/secret_bytes.h"

namespace coffer::identity {

// Remembers which stored hash a client id and secret last matched, so that a client asking for
// tokens again does not pay a full scrypt (VerifyClientSecret) each time. A remembered match
// counts only while that same encoded hash is still among the candidates, so a rotated, deleted
// or replaced secret stops matching at once; entries also lapse after `ttl`. Failed attempts are
// never remembered: a wrong secret always costs the full hash.
//
// Entries are keyed by SHA-256(len(client_id) || client_id || secret). A fast hash of the secret
// is acceptable here only because client secrets are ~241-bit random strings (NewClientSecret).
// Thread-safe; the slow hash runs outside the lock.
class VerifiedSecretCache {
 public:
  static constexpr absl::Duration kDefaultTtl = absl::Minutes(10);
  static constexpr size_t kDefaultCapacity = 10000;

  explicit VerifiedSecretCache(Clock& clock, absl::Duration ttl = kDefaultTtl,
                               size_t capacity = kDefaultCapacity)
      : clock_(clock), ttl_(ttl), capacity_(capacity) {}

  // The index in `candidates` (encoded hashes of the principal's current, unexpired secrets) that
  // `secret` matches, or nullopt when it matches none. With no candidates at all (an unknown
  // client id, or one without a live secret) it still pays one full hash, so that how long the
  // answer takes does not tell a stranger whether the client id exists.
  std::optional<size_t> Match(std::string_view client_id, const SecretBytes& secret,
                              const std::vector<std::string>& candidates);
  // Match() from what is remembered alone, with no slow hash: a client that proved this secret
  // lately. nullopt says nothing either way.
  std::optional<size_t> Remembered(std::string_view client_id, const SecretBytes& secret,
                                   const std::vector<std::string>& candidates);

  // Match() for a single stored hash.
  bool Verify(std::string_view client_id, const SecretBytes& secret, std::string_view encoded);

  size_t size() const;

 private:
  struct Entry {
    std::string encoded;  // the hash the secret matched
    absl::Time expires;
  };

  std::optional<std::string> Lookup(const std::string& key);
  void Remember(const std::string& key, const std::string& encoded);

  Clock& clock_;
  const absl::Duration ttl_;
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coffer::identity

#endif  // COFFER_VAULT_CORE_IDENTITY_VERIFIED_SECRET_CACHE_H_
