#ifndef COFFER_VAULT_CORE_STORAGE_LEADERSHIP_H_
#define COFFER_VAULT_CORE_STORAGE_LEADERSHIP_H_

namespace coffer::storage {

// Whether this replica runs the background jobs (the purger, rotation, renewal) now. Jobs ask
// before each run; at most one replica sharing a store answers true at a time (for a moment
// after a leader stops answering, none does). Thread-safe.
class Leadership {
 public:
  virtual ~Leadership() = default;
  virtual bool IsLeader() = 0;
};

// A store that only this process uses (SQLite) has one replica, which always leads.
class SoleReplica : public Leadership {
 public:
  bool IsLeader() override { return true; }
};

}  // namespace coffer::storage

#endif  // COFFER_VAULT_CORE_STORAGE_LEADERSHIP_H_
