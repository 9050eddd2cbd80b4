#include "vault-core/server/stored_clusters.h"

#include "lib/base/logging.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/server/kube_token_reviewer.h"

namespace coffer::server {

// A cluster and what checks its tokens; `fingerprint` tells when it must be made again.
struct StoredClusters::Entry {
  std::string fingerprint;
  std::unique_ptr<identity::ServiceAccountTokenReviewer> reviewer;
  identity::TrustedCluster cluster;
};

namespace {

std::string Fingerprint(const service::StoredCluster& c) {
  return crypto::Sha256(c.issuer + "\n" + c.audience + "\n" + c.verify + "\n" + c.api_server +
                        "\n" + c.ca_certificate_pem + "\n" + std::string(c.token.reveal()));
}

}  // namespace

void StoredClusters::Reload() {
  absl::StatusOr<std::vector<service::StoredCluster>> stored = clusters_.List(/*with_tokens=*/true);
  if (!stored.ok()) {
    // Keep what was known: a storage hiccup must not untrust every cluster.
    COFFER_LOG(kVault, warn, "cannot read the trusted clusters: {}", stored.status().ToString());
    return;
  }
  std::map<std::string, std::shared_ptr<const Entry>> next;
  for (const service::StoredCluster& c : *stored) {
    const std::string fingerprint = Fingerprint(c);
    auto known = by_name_.find(c.name);
    if (known != by_name_.end() && known->second->fingerprint == fingerprint) {
      next[c.name] = known->second;
      continue;
    }
    VaultConfig::Identity::Cluster config;
    config.issuer = c.issuer;
    config.audience = c.audience;
    config.verify = c.verify;
    kube::KubeConfig kube;
    kube.server = c.api_server;
    kube.ca_data = c.ca_certificate_pem;
    kube.token = SecretBytes(c.token.reveal());
    absl::StatusOr<std::unique_ptr<identity::ServiceAccountTokenReviewer>> reviewer =
        NewTokenReviewer(config, kube, clock_);
    if (!reviewer.ok()) {
      COFFER_LOG(kVault, warn, "trusted cluster {} is unusable: {}", c.name,
                 reviewer.status().ToString());
      continue;
    }
    auto entry = std::make_shared<Entry>();
    entry->fingerprint = fingerprint;
    entry->reviewer = *std::move(reviewer);
    entry->cluster = {c.name, c.issuer, c.audience, entry->reviewer.get()};
    next[c.name] = std::move(entry);
    COFFER_LOG(kVault, info, "trusting cluster {} (issuer {}, {})", c.name, c.issuer, c.verify);
  }
  by_name_ = std::move(next);
}

std::shared_ptr<const identity::TrustedCluster> StoredClusters::Find(std::string_view issuer) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_.Now();
  if (now >= loaded_ + reload_) {
    loaded_ = now;
    Reload();
  }
  for (const auto& [name, entry] : by_name_) {
    // Aliasing: the cluster lives as long as its entry, reviewer and all.
    if (entry->cluster.issuer == issuer) return {entry, &entry->cluster};
  }
  return nullptr;
}

}  // namespace coffer::server
