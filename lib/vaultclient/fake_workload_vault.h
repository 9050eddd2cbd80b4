#ifndef COFFER_LIB_VAULTCLIENT_FAKE_WORKLOAD_VAULT_H_
#define COFFER_LIB_VAULTCLIENT_FAKE_WORKLOAD_VAULT_H_

// The fake beside Vault (workload_vault.h), for tests only (target coffer_vaultclient_testing):
// secrets with versions kept in memory, a grant per (client id, secret) that the fake checks on
// every read as the vault does, assertions it accepts per client id, and counters of what was
// asked of it. One fake stands for every vault URL.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "lib/vaultclient/workload_vault.h"

namespace coffer::vaultclient {

// Thread-safe.
class FakeWorkloadVault : public Vault {
 public:
  // Adds a version of `name`; the newest added is the latest.
  void PutSecret(const std::string& name, const std::string& version, const std::string& value,
                 const std::string& content_type = "");
  // Lets `client_id` get `name` (any version).
  void Grant(const std::string& client_id, const std::string& name);
  void Revoke(const std::string& client_id, const std::string& name);
  // Sign-ins of `client_id` succeed only with `assertion`; without a call, any non-empty
  // assertion is accepted.
  void AcceptAssertion(const std::string& client_id, const std::string& assertion);
  // Every call fails with UNAVAILABLE while set.
  void SetUnreachable(bool down);

  int sign_ins() const;
  int reads() const;
  // The assertions sign-ins presented, in order (tests check whose token it was).
  std::vector<std::string> assertions() const;

  absl::StatusOr<std::unique_ptr<VaultSession>> SignIn(const std::string& vault_url,
                                                       const std::string& client_id,
                                                       const SecretBytes& assertion) override;

 private:
  class Session;
  struct Version {
    std::string id;
    std::string value;
    std::string content_type;
  };
  absl::StatusOr<FetchedObject> Read(const std::string& client_id, const std::string& name,
                                     const std::string& version);

  mutable absl::Mutex mu_;
  std::map<std::string, std::vector<Version>> secrets_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<std::string, std::string>> grants_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> accepted_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> assertions_ ABSL_GUARDED_BY(mu_);
  bool down_ ABSL_GUARDED_BY(mu_) = false;
  int sign_ins_ ABSL_GUARDED_BY(mu_) = 0;
  int reads_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace coffer::vaultclient

#endif  // COFFER_LIB_VAULTCLIENT_FAKE_WORKLOAD_VAULT_H_
