#ifndef COFFER_VAULT_CORE_STORAGE_WATCH_HUB_H_
#define COFFER_VAULT_CORE_STORAGE_WATCH_HUB_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "vault-core/storage/storage.h"

namespace coffer::storage {

// Fans committed changes out to prefix watchers on one dispatcher thread, so a writer never
// runs a watcher's code and watchers see changes in commit order. Used by the stores that live
// in this process (memory, SQLite). Thread-safe; a handle may outlive the hub.
class WatchHub {
 public:
  WatchHub();
  ~WatchHub();  // stops the dispatcher; events not yet delivered are dropped

  std::unique_ptr<WatchHandle> Subscribe(std::string prefix,
                                         std::function<void(const WatchEvent&)> on_event);
  // Queues the events of one commit; cheap when nobody watches.
  void Publish(std::vector<WatchEvent> events);

 private:
  struct State;
  class Handle;

  void Run();

  std::shared_ptr<State> state_;
  std::thread dispatcher_;
};

}  // namespace coffer::storage

#endif  // COFFER_VAULT_CORE_STORAGE_WATCH_HUB_H_
