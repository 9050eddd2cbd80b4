#ifndef COFFER_LIB_BASE_WORKER_POOL_H_
#define COFFER_LIB_BASE_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace coffer {

// Threads for slow or blocking work (password hashing, a write waiting for its commit) that
// must not run on an I/O thread.
// Thread-safe. Stop() (or the destructor) runs what is queued, then joins; work posted after
// that runs on the caller's thread, so that posted work always runs exactly once.
class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool() { Stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Post(std::function<void()> work);
  void Stop();

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  absl::CondVar work_ready_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace coffer

#endif  // COFFER_LIB_BASE_WORKER_POOL_H_
