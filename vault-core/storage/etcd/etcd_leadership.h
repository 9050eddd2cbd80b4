#ifndef COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_LEADERSHIP_H_
#define COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_LEADERSHIP_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "vault-core/storage/leadership.h"

namespace coffer::storage::etcd {

class Connection;

// Campaigns for `key` on a thread of its own: the replica that creates it, attached to a lease
// of `ttl` it keeps alive, leads. It counts itself leader only until one second before its
// lease could have run out since the last renewal etcd confirmed (and it checks at each renewal
// that the key is still attached to its lease), so two replicas never both believe they lead.
// Destroying the handle revokes the lease, so another replica takes over at once.
// `connection` must outlive the handle.
std::unique_ptr<Leadership> StartCampaign(Connection& connection, std::string key,
                                          std::string candidate, absl::Duration ttl);

}  // namespace coffer::storage::etcd

#endif  // COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_LEADERSHIP_H_
