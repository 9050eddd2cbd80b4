#include "vault-core/keystore/pkcs11/session_pool.h"

#include "lib/base/logging.h"
#include "vault-core/keystore/pkcs11/ck_rv.h"

namespace coffer::keystore {

SessionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), session_(std::move(other.session_)), broken_(other.broken_) {
  other.pool_ = nullptr;
}

SessionPool::Lease::~Lease() {
  if (pool_ != nullptr && session_ != nullptr) pool_->Release(std::move(session_), broken_);
}

absl::Status SessionPool::Lease::Check(CK_RV rv, std::string_view what) {
  absl::Status status = CkrToStatus(rv, what);
  if (absl::IsUnavailable(status)) broken_ = true;
  return status;
}

SessionPool::SessionPool(Opener opener, size_t max_sessions, std::unique_ptr<Session> first)
    : opener_(std::move(opener)), max_sessions_(max_sessions < 1 ? 1 : max_sessions) {
  if (first != nullptr) {
    idle_.push_back(std::move(first));
    open_ = 1;
  }
}

absl::StatusOr<SessionPool::Lease> SessionPool::Acquire() {
  {
    absl::MutexLock lock(&mutex_);
    const std::uint64_t ticket = next_ticket_++;
    const auto may_proceed = [this, ticket]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return MayProceed(ticket);
    };
    mutex_.Await(absl::Condition(&may_proceed));
    ++serving_;
    if (!idle_.empty()) {
      std::unique_ptr<Session> session = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(session));
    }
    ++open_;  // reserve the slot; the device call happens outside the lock
  }
  absl::StatusOr<std::unique_ptr<Session>> session = opener_();
  if (!session.ok()) {
    absl::MutexLock lock(&mutex_);
    --open_;
    return session.status();
  }
  return Lease(this, std::move(session).value());
}

std::size_t SessionPool::Waiting() const {
  absl::MutexLock lock(&mutex_);
  return static_cast<std::size_t>(next_ticket_ - serving_);
}

bool SessionPool::MayProceed(std::uint64_t ticket) const {
  return ticket == serving_ && (!idle_.empty() || open_ < max_sessions_);
}

void SessionPool::Release(std::unique_ptr<Session> session, bool broken) {
  if (broken) {
    COFFER_LOG(kHsm, warn, "dropping a PKCS#11 session after a device error; will reopen");
    session.reset();  // close outside the lock
    absl::MutexLock lock(&mutex_);
    --open_;
    return;
  }
  absl::MutexLock lock(&mutex_);
  idle_.push_back(std::move(session));
}

}  // namespace coffer::keystore
