#include "vault-core/server/purger.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/base/absl_compat.h"
#include "lib/base/logging.h"

namespace coffer::server {
namespace {

// The principal of the purges the job makes when a soft-deleted object's retention ends.
constexpr char kRetention[] = "coffer:retention";

}  // namespace

Purger::Purger(service::VaultService& vaults, service::SecretService& secrets, Clock& clock,
               absl::Duration interval, service::ServingCertificates* certificates,
               service::KeyService* keys, audit::AuditLog* audit,
               service::CertificateService* vault_certificates,
               storage::Leadership* leadership)
    : vaults_(vaults),
      secrets_(secrets),
      certificates_(certificates),
      keys_(keys),
      vault_certificates_(vault_certificates),
      audit_(audit),
      leadership_(leadership),
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
    const bool leads = leadership_ == nullptr || leadership_->IsLeader();
    if (leads) PurgeOnce();
    absl::MutexLock lock(&mu_);
    auto stop = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    mu_.AwaitWithTimeout(absl::Condition(&stop),
                         leads ? interval_ : std::min(interval_, absl::Seconds(1)));
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
    // A pass can be long: once another replica leads, this one stops mid-way.
    if (leadership_ != nullptr && !leadership_->IsLeader()) break;
    if (vault.deleted.has_value()) {
      if (*vault.deleted + absl::Hours(24) * vault.soft_delete_retention_days > now) continue;
      absl::Status status = vaults_.Purge(vault.name);
      if (status.ok()) {
        ++purged;
        Audit(vault, kRetention, "", "VaultPurge");
      }
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
    auto count = secrets_.PurgeDue(vault, Purged(vault, "secrets", "SecretPurge"));
    if (count.ok()) purged += *count;
    if (!count.ok()) {
      COFFER_LOG(kVault, warn, "purging vault {}: {}", vault.name, count.status().ToString());
    }
    if (keys_ != nullptr) purged += KeysPass(vault);
    if (vault_certificates_ != nullptr) purged += CertificatesPass(vault);
  }
  return purged;
}

int Purger::KeysPass(const domain::Vault& vault) {
  auto purged = keys_->PurgeDue(vault, Purged(vault, "keys", "KeyPurge"));
  if (!purged.ok()) {
    COFFER_LOG(kVault, warn, "purging keys of vault {}: {}", vault.name,
               purged.status().ToString());
  }
  auto record = [&](const char* event, const std::string& name,
                    const std::string& version) -> bool {
    if (std::string_view(event) == "KeyRotateFailed") {
      COFFER_LOG(kVault, warn, "rotating key {} ({}) in vault {} failed; tried again in an hour",
                 name, version, vault.name);
    }
    return Audit(vault, "coffer:rotation-policy", "keys/" + name + "/" + version, event);
  };
  auto rotated = keys_->RotateDue(vault, record);
  if (!rotated.ok()) {
    COFFER_LOG(kVault, warn, "rotating keys of vault {}: {}", vault.name,
               rotated.status().ToString());
  }
  return purged.ok() ? *purged : 0;
}

int Purger::CertificatesPass(const domain::Vault& vault) {
  auto purged =
      vault_certificates_->PurgeDue(vault, Purged(vault, "certificates", "CertificatePurge"));
  if (!purged.ok()) {
    COFFER_LOG(kVault, warn, "purging certificates of vault {}: {}", vault.name,
               purged.status().ToString());
  }
  auto record = [&](const char* event, const std::string& name,
                    const std::string& version) -> bool {
    if (std::string_view(event) == "CertificateRenewFailed") {
      COFFER_LOG(kVault, warn,
                 "renewing certificate {} ({}) in vault {} failed; tried again in an hour", name,
                 version, vault.name);
    }
    return Audit(vault, "coffer:certificate-policy", "certificates/" + name + "/" + version,
                 event);
  };
  auto renewed = vault_certificates_->RenewDue(vault, record);
  if (!renewed.ok()) {
    COFFER_LOG(kVault, warn, "renewing certificates of vault {}: {}", vault.name,
               renewed.status().ToString());
  }
  return purged.ok() ? *purged : 0;
}

std::function<void(std::string_view)> Purger::Purged(const domain::Vault& vault,
                                                     const char* collection,
                                                     const char* operation) {
  return [this, &vault, collection, operation](std::string_view name) {
    Audit(vault, kRetention, absl::StrCat(collection, "/", AsAbsl(name)), operation);
  };
}

bool Purger::Audit(const domain::Vault& vault, const char* principal, const std::string& object,
                   const char* event) {
  if (audit_ == nullptr) return true;
  const std::string_view what = event;
  audit::AuditRecord r;
  r.principal = principal;
  r.vault = vault.name;
  r.operation = event;
  r.object = object;
  r.result = absl::EndsWith(AsAbsl(what), "Failed")     ? "FAILED"
             : absl::EndsWith(AsAbsl(what), "Starting") ? "STARTED"
                                                        : "OK";
  absl::Status written = audit_->Append(r);
  if (!written.ok()) {
    COFFER_LOG(kAudit, err, "{} of {} in vault {} is not in the audit log: {}", event, object,
               vault.name, written.ToString());
  }
  return written.ok();
}

}  // namespace coffer::server
