#include "vault-core/server/purger.h"

#include "lib/base/logging.h"

namespace coffer::server {

Purger::Purger(service::VaultService& vaults, service::SecretService& secrets, Clock& clock,
               absl::Duration interval, service::ServingCertificates* certificates)
    : vaults_(vaults),
      secrets_(secrets),
      certificates_(certificates),
      clock_(clock),
      interval_(interval) {
  thread_ = std::thread([this] { Run(); });
}

Purger::~Purger() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void Purger::Run() {
  // A pass at start too: certificates issued by a CA the installation no longer uses (a new
  // http.tls.ca_cert_file) are replaced now, not an interval later.
  while (true) {
    PurgeOnce();
    absl::MutexLock lock(&mu_);
    auto stop = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    mu_.AwaitWithTimeout(absl::Condition(&stop), interval_);
    if (stopping_) return;
  }
}

int Purger::PurgeOnce() {
  auto vaults = vaults_.List(/*include_deleted=*/true);
  if (!vaults.ok()) {
    COFFER_LOG(kVault, warn, "purge pass skipped: {}", vaults.status().ToString());
    return 0;
  }
  int purged = 0;
  absl::Time now = clock_.Now();
  for (const auto& vault : *vaults) {
    if (vault.deleted.has_value()) {
      if (*vault.deleted + absl::Hours(24) * vault.soft_delete_retention_days > now) continue;
      absl::Status status = vaults_.Purge(vault.name);
      if (status.ok()) ++purged;
      COFFER_LOG(kVault, info, "retention ended: vault {} purged: {}", vault.name,
                 status.ToString());
      continue;
    }
    if (certificates_ != nullptr) {
      absl::Status renewed = certificates_->EnsureHosts(vault.hostnames);  // near their end only
      if (!renewed.ok()) {
        COFFER_LOG(kVault, warn, "serving certificates of vault {}: {}", vault.name,
                   renewed.ToString());
      }
    }
    auto count = secrets_.PurgeDue(vault);
    if (count.ok()) purged += *count;
    if (!count.ok()) {
      COFFER_LOG(kVault, warn, "purging vault {}: {}", vault.name, count.status().ToString());
    }
  }
  return purged;
}

}  // namespace coffer::server
