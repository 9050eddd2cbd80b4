#include "lib/vaultclient/fake_workload_vault.h"

namespace coffer::vaultclient {

class FakeWorkloadVault::Session : public VaultSession {
 public:
  Session(FakeWorkloadVault& vault, std::string client_id)
      : vault_(vault), client_id_(std::move(client_id)) {}

  absl::StatusOr<FetchedObject> ReadSecret(const std::string& name,
                                           const std::string& version) override {
    return vault_.Read(client_id_, name, version);
  }
  absl::StatusOr<FetchedObject> ReadKey(const std::string& name, const std::string&) override {
    return absl::NotFoundError("KeyNotFound: the fake holds no key " + name);
  }

 private:
  FakeWorkloadVault& vault_;
  const std::string client_id_;
};

void FakeWorkloadVault::PutSecret(const std::string& name, const std::string& version,
                                  const std::string& value, const std::string& content_type) {
  absl::MutexLock lock(&mu_);
  secrets_[name].push_back({version, value, content_type});
}

void FakeWorkloadVault::Grant(const std::string& client_id, const std::string& name) {
  absl::MutexLock lock(&mu_);
  grants_.insert({client_id, name});
}

void FakeWorkloadVault::Revoke(const std::string& client_id, const std::string& name) {
  absl::MutexLock lock(&mu_);
  grants_.erase({client_id, name});
}

void FakeWorkloadVault::AcceptAssertion(const std::string& client_id,
                                        const std::string& assertion) {
  absl::MutexLock lock(&mu_);
  accepted_[client_id] = assertion;
}

void FakeWorkloadVault::SetUnreachable(bool down) {
  absl::MutexLock lock(&mu_);
  down_ = down;
}

int FakeWorkloadVault::sign_ins() const {
  absl::MutexLock lock(&mu_);
  return sign_ins_;
}

int FakeWorkloadVault::reads() const {
  absl::MutexLock lock(&mu_);
  return reads_;
}

std::vector<std::string> FakeWorkloadVault::assertions() const {
  absl::MutexLock lock(&mu_);
  return assertions_;
}

absl::StatusOr<std::unique_ptr<VaultSession>> FakeWorkloadVault::SignIn(
    const std::string&, const std::string& client_id, const SecretBytes& assertion) {
  absl::MutexLock lock(&mu_);
  ++sign_ins_;
  if (down_) return absl::UnavailableError("cannot reach the vault");
  const std::string presented(assertion.reveal());
  assertions_.push_back(presented);
  auto accepted = accepted_.find(client_id);
  if (presented.empty() || (accepted != accepted_.end() && accepted->second != presented)) {
    return absl::UnauthenticatedError("AADSTS70021: No matching federated identity record");
  }
  return std::unique_ptr<VaultSession>(std::make_unique<Session>(*this, client_id));
}

absl::StatusOr<FetchedObject> FakeWorkloadVault::Read(const std::string& client_id,
                                                      const std::string& name,
                                                      const std::string& version) {
  absl::MutexLock lock(&mu_);
  ++reads_;
  if (down_) return absl::UnavailableError("cannot reach the vault");
  if (grants_.count({client_id, name}) == 0) {
    return absl::PermissionDeniedError("Forbidden: client " + client_id +
                                       " does not have secrets get permission");
  }
  auto it = secrets_.find(name);
  if (it == secrets_.end() || it->second.empty()) {
    return absl::NotFoundError("SecretNotFound: A secret with (name/id) " + name +
                               " was not found in this key vault");
  }
  for (auto v = it->second.rbegin(); v != it->second.rend(); ++v) {
    if (version.empty() || v->id == version) {
      return FetchedObject{v->id, SecretBytes(v->value), v->content_type};
    }
  }
  return absl::NotFoundError("SecretNotFound: no version " + version + " of " + name);
}

}  // namespace coffer::vaultclient
