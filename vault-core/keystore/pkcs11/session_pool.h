#ifndef COFFER_VAULT_CORE_KEYSTORE_PKCS11_SESSION_POOL_H_
#define COFFER_VAULT_CORE_KEYSTORE_PKCS11_SESSION_POOL_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "vault-core/keystore/pkcs11/session.h"

namespace coffer::keystore {

// Up to `max_sessions` logged-in sessions, one per concurrent caller: PKCS#11 runs one operation
// at a time per session, and SoftHSM serialises everything on a session behind one lock. A caller
// beyond the limit waits for a session to come back, in arrival order: a mutex's wake-ups favour
// whoever comes last, which left some callers waiting tens of milliseconds under load while
// others passed them (bench/README.md, "Keys"). A session that failed at the device level
// is closed rather than returned, and a fresh one is opened on the next Acquire, so the pool heals
// after an HSM restart. Thread-safe.
class SessionPool {
 public:
  // Opens a session ready for use (logged in); called outside the pool's lock.
  using Opener = std::function<absl::StatusOr<std::unique_ptr<Session>>()>;

  // A borrowed session; goes back to the pool when destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();

    Session& session() { return *session_; }
    Session* operator->() { return session_.get(); }

    // CkrToStatus(rv, what); an UNAVAILABLE result also marks the session broken.
    absl::Status Check(CK_RV rv, std::string_view what);
    void MarkBroken() { broken_ = true; }

   private:
    friend class SessionPool;
    Lease(SessionPool* pool, std::unique_ptr<Session> session)
        : pool_(pool), session_(std::move(session)) {}

    SessionPool* pool_;
    std::unique_ptr<Session> session_;
    bool broken_ = false;
  };

  // `first` is an already-open session (the one that logged in during setup); it joins the pool.
  SessionPool(Opener opener, size_t max_sessions, std::unique_ptr<Session> first);
  ~SessionPool() = default;
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  // Waits while all sessions are leased. Errors: those of the Opener (UNAVAILABLE mostly).
  absl::StatusOr<Lease> Acquire();
  // Callers waiting in Acquire now: how far the HSM is behind its callers.
  std::size_t Waiting() const;

 private:
  // Whether the caller holding `ticket` may take a session now.
  bool MayProceed(std::uint64_t ticket) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void Release(std::unique_ptr<Session> session, bool broken);

  const Opener opener_;
  const size_t max_sessions_;
  mutable absl::Mutex mutex_;
  std::vector<std::unique_ptr<Session>> idle_ ABSL_GUARDED_BY(mutex_);
  size_t open_ ABSL_GUARDED_BY(mutex_) = 0;  // idle and leased
  std::uint64_t next_ticket_ ABSL_GUARDED_BY(mutex_) = 0;  // the next caller's turn
  std::uint64_t serving_ ABSL_GUARDED_BY(mutex_) = 0;      // the turn whose caller goes next
};

}  // namespace coffer::keystore

#endif  // COFFER_VAULT_CORE_KEYSTORE_PKCS11_SESSION_POOL_H_
