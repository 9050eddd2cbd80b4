#ifndef COFFER_LIB_BASE_WORKER_POOL_H_
#define COFFER_LIB_BASE_WORKER_POOL_H_

#include <cstddef>
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
  // Post(), unless `max_queued` pieces of work already wait for a thread: then false, and
  // `work` is dropped unrun. For work that strangers can send: the queue stays bounded.
  bool TryPost(std::function<void()> work, std::size_t max_queued);
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
