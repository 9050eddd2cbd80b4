#include "operator/controller/shared_vault_reads.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "lib/kube/token_calls.h"

namespace coffer::op {
namespace {

vaultclient::FetchedObject Copy(const vaultclient::FetchedObject& o) {
  return {o.version, SecretBytes(o.value.reveal()), o.content_type};
}

std::string SessionKey(const ReadIdentity& who) {
  return who.vault_url + "\n" + who.client_id + "\n" + who.ns + "/" + who.service_account;
}

// The token is copied into SecretBytes at once; the plain string it came in is wiped.
void Wipe(std::string& s) {
  std::fill(s.begin(), s.end(), '\0');
  s.clear();
}

}  // namespace

// An entry is `loading` while its first caller signs in or reads; others wait for that.
struct SharedVaultReads::Session {
  bool loading = true;
  std::uint64_t order = 0;  // insertion sequence: the smallest is evicted first
  absl::Time expires = absl::InfinitePast();
  absl::Status error;
  std::shared_ptr<vaultclient::VaultSession> session;  // shared with readers still using it
};

struct SharedVaultReads::Read {
  bool loading = true;
  std::uint64_t order = 0;
  absl::Time fetched = absl::InfinitePast();
  absl::Status error;
  vaultclient::FetchedObject object;
};

SharedVaultReads::SharedVaultReads(kube::KubeClient& kube, vaultclient::Vault& vault, Clock& clock,
                                   SharedVaultReadsOptions options)
    : kube_(kube), vault_(vault), clock_(clock), options_(std::move(options)) {}

SharedVaultReads::~SharedVaultReads() = default;

template <typename Entry>
void SharedVaultReads::Evict(std::map<std::string, std::shared_ptr<Entry>>& entries,
                             std::size_t max) {
  while (entries.size() > max) {
    auto oldest = entries.end();
    for (auto it = entries.begin(); it != entries.end(); ++it) {
      if (!it->second->loading &&
          (oldest == entries.end() || it->second->order < oldest->second->order)) {
        oldest = it;
      }
    }
    if (oldest == entries.end()) return;  // every entry is in flight
    entries.erase(oldest);  // a caller still holding it keeps it alive; the value is wiped after
  }
}

absl::StatusOr<std::unique_ptr<vaultclient::VaultSession>> SharedVaultReads::NewSession(
    const ReadIdentity& who, absl::Time* expires) {
  const std::string sa = "ServiceAccount " + who.String();
  absl::StatusOr<kube::IssuedToken> issued =
      kube::RequestToken(kube_, who.ns, who.service_account, {options_.audience},
                         options_.token_seconds, std::nullopt);
  if (absl::IsNotFound(issued.status())) return absl::NotFoundError(sa + " does not exist");
  if (absl::IsPermissionDenied(issued.status())) {
    return absl::PermissionDeniedError("the operator may not request a token for " + sa + ": " +
                                       std::string(issued.status().message()));
  }
  if (!issued.ok()) {
    return absl::Status(issued.status().code(), "requesting a token for " + sa + ": " +
                                                    std::string(issued.status().message()));
  }
  const SecretBytes token(issued->token);
  Wipe(issued->token);
  const absl::Time issued_until = issued->expiration == absl::InfinitePast()
                                      ? clock_.Now() + absl::Seconds(options_.token_seconds)
                                      : issued->expiration;
  *expires = issued_until - options_.token_margin;
  absl::StatusOr<std::unique_ptr<vaultclient::VaultSession>> session =
      vault_.SignIn(who.vault_url, who.client_id, token);
  if (session.ok()) return session;
  const absl::Status& error = session.status();
  const std::string why = "the vault at " + who.vault_url + " refused " + sa + " as client id " +
                          who.client_id + ": " + std::string(error.message());
  if (absl::IsUnauthenticated(error) || absl::IsPermissionDenied(error) ||
      absl::IsNotFound(error) || absl::IsInvalidArgument(error)) {
    return absl::UnauthenticatedError(why);
  }
  return absl::Status(error.code(), "signing in to " + who.vault_url + " as " + sa + ": " +
                                        std::string(error.message()));
}

absl::StatusOr<std::shared_ptr<vaultclient::VaultSession>> SharedVaultReads::SessionOf(
    const ReadIdentity& who) {
  const std::string key = SessionKey(who);
  std::shared_ptr<Session> entry;
  {
    absl::MutexLock lock(&mu_);
    auto it = sessions_.find(key);
    if (it != sessions_.end() && !it->second->loading && it->second->expires <= clock_.Now()) {
      sessions_.erase(it);
      it = sessions_.end();
    }
    if (it != sessions_.end()) {
      entry = it->second;
      mu_.Await(absl::Condition(
          +[](Session* s) { return !s->loading; }, entry.get()));
      if (!entry->error.ok()) return entry->error;
      return entry->session;
    }
    entry = std::make_shared<Session>();
    entry->order = ++next_order_;
    sessions_[key] = entry;
    Evict(sessions_, options_.max_sessions);
    ++counters_.sign_ins;
  }
  absl::Time expires;
  absl::StatusOr<std::unique_ptr<vaultclient::VaultSession>> made = NewSession(who, &expires);
  absl::MutexLock lock(&mu_);
  entry->loading = false;
  if (made.ok()) {
    entry->session = std::move(*made);
    entry->expires = expires;
    return entry->session;
  }
  entry->error = made.status();
  auto it = sessions_.find(key);
  if (it != sessions_.end() && it->second == entry) sessions_.erase(it);  // the next one retries
  return entry->error;
}

absl::Status SharedVaultReads::SignIn(const ReadIdentity& who) { return SessionOf(who).status(); }

void SharedVaultReads::Forget(const std::string& session_key,
                              const vaultclient::VaultSession* session) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(session_key);
  if (it != sessions_.end() && !it->second->loading && it->second->session.get() == session) {
    sessions_.erase(it);
  }
}

void SharedVaultReads::DropExpiredReads() {
  const absl::Time now = clock_.Now();
  for (auto it = reads_.begin(); it != reads_.end();) {
    const Read& read = *it->second;
    it = !read.loading && now - read.fetched >= options_.read_ttl ? reads_.erase(it) : ++it;
  }
}

absl::StatusOr<vaultclient::FetchedObject> SharedVaultReads::ReadSecret(const ReadIdentity& who,
                                                                        const std::string& name,
                                                                        const std::string& version,
                                                                        absl::Duration max_age) {
  const std::string session_key = SessionKey(who);
  const std::string key = session_key + "\nsecret\n" + name + "\n" + version;
  const absl::Duration ttl = std::min(options_.read_ttl, max_age);
  std::shared_ptr<Read> entry;
  {
    absl::MutexLock lock(&mu_);
    auto it = reads_.find(key);
    if (it != reads_.end()) {
      std::shared_ptr<Read> found = it->second;
      mu_.Await(absl::Condition(
          +[](Read* r) { return !r->loading; }, found.get()));
      if (!found->error.ok()) return found->error;  // the read we waited for failed
      if (clock_.Now() - found->fetched <= ttl) {
        ++counters_.hits;
        return Copy(found->object);
      }
      it = reads_.find(key);  // the map may have changed while we waited
      if (it != reads_.end() && it->second == found) reads_.erase(it);
    }
    DropExpiredReads();
    entry = std::make_shared<Read>();
    entry->order = ++next_order_;
    reads_[key] = entry;
    Evict(reads_, options_.max_reads);
  }
  absl::StatusOr<vaultclient::FetchedObject> result;
  absl::Time started;
  absl::StatusOr<std::shared_ptr<vaultclient::VaultSession>> session = SessionOf(who);
  if (!session.ok()) {
    result = session.status();
  } else {
    {
      absl::MutexLock lock(&mu_);
      ++counters_.reads;
    }
    started = clock_.Now();  // what the read can have missed is what was written after this
    result = (*session)->ReadSecret(name, version);
    // Its access token was refused: the next caller signs in afresh.
    if (absl::IsUnauthenticated(result.status())) Forget(session_key, session->get());
  }
  absl::MutexLock lock(&mu_);
  entry->loading = false;
  if (result.ok()) {
    entry->object = Copy(*result);
    entry->fetched = started;
    return result;
  }
  entry->error = result.status();
  auto it = reads_.find(key);
  if (it != reads_.end() && it->second == entry) reads_.erase(it);
  return result;
}

SharedVaultReads::Counters SharedVaultReads::counters() const {
  absl::MutexLock lock(&mu_);
  return counters_;
}

}  // namespace coffer::op
