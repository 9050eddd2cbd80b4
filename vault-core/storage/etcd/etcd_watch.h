#ifndef COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_WATCH_H_
#define COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_WATCH_H_

#include <functional>
#include <memory>
#include <string>

#include "vault-core/storage/storage.h"

namespace coffer::storage::etcd {

class Connection;

// Watches `root` + `prefix` from revision `after` + 1 on a thread of its own, handing the
// watcher keys without `root`. When its stream breaks it tells the watcher kReset (changes may
// reach it late), then opens a new stream on a member that answers, from the revision after
// the last one it delivered; when that revision was compacted away it resets again and goes on
// from the present. `connection` must outlive the handle.
std::unique_ptr<WatchHandle> StartWatch(Connection& connection, std::string root,
                                        std::string prefix, Revision after,
                                        std::function<void(const WatchEvent&)> on_event);

}  // namespace coffer::storage::etcd

#endif  // COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_WATCH_H_
