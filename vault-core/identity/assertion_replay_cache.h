#ifndef COFFER_VAULT_CORE_IDENTITY_ASSERTION_REPLAY_CACHE_H_
#define COFFER_VAULT_CORE_IDENTITY_ASSERTION_REPLAY_CACHE_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace coffer::identity {

// The certificate assertions that were accepted, by client id and jti, so that another
// assertion cannot reuse an accepted one's jti while that one is still remembered.
//
// Not single use, by design: the identical assertion may come back. MSAL caches its assertion
// and sends the same JWT, jti included, for ten minutes (another scope, a CAE claims request,
// a retry), as Entra ID accepts; refusing it would break those clients. What conflicts is a
// different assertion (another digest) under an accepted (client id, jti).
//
// Entries are keyed by SHA-256(len(client_id) || client_id || jti), so an entry costs the same
// whatever the client sends. At most `capacity` are held: room is made by dropping the expired
// entries, then those that would be forgotten first. Thread-safe.
class AssertionReplayCache {
 public:
  static constexpr size_t kDefaultCapacity = 50000;

  explicit AssertionReplayCache(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // Whether an assertion other than `assertion_digest` (the SHA-256 of the whole JWT) was
  // accepted for `client_id` with `jti`. There is no clock here: an entry stops conflicting once
  // a later Remember's `now` has passed its `forget_after`.
  bool Conflicts(std::string_view client_id, std::string_view jti,
                 std::string_view assertion_digest) const;

  // Records an accepted assertion until `forget_after` (its exp, plus the clock skew the caller
  // allows); only call it once the signature has been verified, or strangers could claim jtis.
  // Drops every entry whose `forget_after` is not after `now`. An entry already held for the
  // (client_id, jti) is kept as it is.
  void Remember(std::string_view client_id, std::string_view jti, std::string_view assertion_digest,
                absl::Time forget_after, absl::Time now);

  size_t size() const;

 private:
  using ByExpiry = std::multimap<absl::Time, std::string>;
  struct Entry {
    std::string assertion_digest;
    ByExpiry::iterator expiry_position;
  };

  void EraseLocked(ByExpiry::iterator position) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  ByExpiry by_expiry_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coffer::identity

#endif  // COFFER_VAULT_CORE_IDENTITY_ASSERTION_REPLAY_CACHE_H_
