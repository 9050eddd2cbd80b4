#ifndef COFFER_VAULT_CORE_STORAGE_MEMORY_MEMORY_STORE_H_
#define COFFER_VAULT_CORE_STORAGE_MEMORY_MEMORY_STORE_H_

#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "vault-core/storage/storage.h"
#include "vault-core/storage/watch_hub.h"

namespace coffer::storage {

// A Store in process memory, for tests only (target coffer_storage_memory_testing): nothing
// survives the process, so the vault server does not offer it. Thread-safe.
class MemoryStore : public Store {
 public:
  MemoryStore() = default;

  absl::StatusOr<Entry> Get(std::string_view key) override;
  absl::StatusOr<Revision> Put(std::string_view key, std::string_view value,
                               std::optional<Revision> expected_revision) override;
  absl::StatusOr<Revision> Delete(std::string_view key,
                                  std::optional<Revision> expected_revision) override;
  absl::StatusOr<RangeResult> Range(const RangeRequest& request) override;
  absl::StatusOr<Revision> Commit(const std::vector<Precondition>& preconditions,
                                  const std::vector<Write>& writes) override;
  absl::StatusOr<std::unique_ptr<WatchHandle>> Watch(
      std::string_view prefix, std::function<void(const WatchEvent&)> on_event) override;
  absl::Status CheckHealth() override { return absl::OkStatus(); }

 private:
  absl::Mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
  Revision revision_ ABSL_GUARDED_BY(mu_) = 0;
  WatchHub hub_;
};

}  // namespace coffer::storage

#endif  // COFFER_VAULT_CORE_STORAGE_MEMORY_MEMORY_STORE_H_
