#ifndef COFFER_OPERATOR_CONTROLLER_SHARED_VAULT_READS_H_
#define COFFER_OPERATOR_CONTROLLER_SHARED_VAULT_READS_H_

// Reads of vault objects as a ServiceAccount's managed identity, for SecretSyncs. The operator
// holds no rights of its own in a vault: it requests a short-lived token for the ServiceAccount
// (TokenRequest, not bound to a pod) and signs in with it, so the vault decides every read.
//
// Shared, never across identities: a signed-in session is kept per (vault URL, client id,
// ServiceAccount) until shortly before its token expires, and an object read is kept per
// (vault URL, client id, ServiceAccount, object, requested version) for a short while, so that
// SecretSyncs refreshed together cost one read of each object, not one each. Failures are not
// kept: a grant given a moment later takes effect at the next read. Values are wiped when they
// leave the cache (SecretBytes); neither values nor tokens are ever logged.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "lib/kube/kube_client.h"
#include "lib/vaultclient/workload_vault.h"

namespace coffer::op {

struct SharedVaultReadsOptions {
  std::string audience = "api://coffer";  // of the requested tokens
  std::int64_t token_seconds = 600;       // the TokenRequest's expirationSeconds
  // A session is dropped this long before its token expires, so that the vault never sees a
  // token about to lapse (the client re-exchanges it when its access token runs out).
  absl::Duration token_margin = absl::Seconds(60);
  // How long an object read is shared (each caller may ask for less: its refresh interval).
  absl::Duration read_ttl = absl::Seconds(30);
  std::size_t max_reads = 10000;    // cached object reads; the oldest go first
  std::size_t max_sessions = 1000;  // signed-in identities; the oldest go first
};

// Who reads: the ServiceAccount and the managed identity its AccessPolicies name.
struct ReadIdentity {
  std::string vault_url;
  std::string client_id;
  std::string ns;               // the ServiceAccount's namespace
  std::string service_account;  // its name

  std::string String() const { return ns + "/" + service_account; }
};

// Thread-safe. Concurrent callers wanting the same session or object wait for one sign-in or
// read instead of making their own.
class SharedVaultReads {
 public:
  SharedVaultReads(kube::KubeClient& kube, vaultclient::Vault& vault, Clock& clock,
                   SharedVaultReadsOptions options);
  ~SharedVaultReads();

  // Signs `who` in (or finds its session). Errors say what a person must fix:
  // NOT_FOUND: the ServiceAccount does not exist. PERMISSION_DENIED: the operator may not
  // request tokens for it (RBAC: create serviceaccounts/token). UNAUTHENTICATED: the vault's
  // token service refused the token as that client id. Anything else (UNAVAILABLE, ...) is
  // worth retrying.
  absl::Status SignIn(const ReadIdentity& who);

  // A secret (or a certificate's secret) as `who` reads it: the cached read when one is no older
  // than both `max_age` and the read TTL, else a read through `who`'s session (signing in first
  // when needed: errors as SignIn's). The vault's errors otherwise: PERMISSION_DENIED (not
  // granted, or the version is disabled), NOT_FOUND, FAILED_PRECONDITION (no usable version).
  absl::StatusOr<vaultclient::FetchedObject> ReadSecret(const ReadIdentity& who,
                                                        const std::string& name,
                                                        const std::string& version,
                                                        absl::Duration max_age);

  struct Counters {
    std::uint64_t reads = 0;     // reads sent to the vault
    std::uint64_t hits = 0;      // reads answered from the cache
    std::uint64_t sign_ins = 0;  // tokens requested and exchanged
  };
  Counters counters() const;

 private:
  struct Session;
  struct Read;

  absl::StatusOr<std::shared_ptr<vaultclient::VaultSession>> SessionOf(const ReadIdentity& who);
  absl::StatusOr<std::unique_ptr<vaultclient::VaultSession>> NewSession(const ReadIdentity& who,
                                                                        absl::Time* expires);
  // Drops the session under `session_key` if it is still `session` (not a fresh one another
  // caller made meanwhile).
  void Forget(const std::string& session_key, const vaultclient::VaultSession* session);
  // Drops reads older than read_ttl, so values do not outlive their use.
  void DropExpiredReads() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  template <typename Entry>
  void Evict(std::map<std::string, std::shared_ptr<Entry>>& entries, std::size_t max)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  kube::KubeClient& kube_;
  vaultclient::Vault& vault_;
  Clock& clock_;
  const SharedVaultReadsOptions options_;

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Session>> sessions_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<Read>> reads_ ABSL_GUARDED_BY(mu_);
  Counters counters_ ABSL_GUARDED_BY(mu_);
  std::uint64_t next_order_ ABSL_GUARDED_BY(mu_) = 0;  // insertion sequence, for eviction
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_CONTROLLER_SHARED_VAULT_READS_H_
