#include "lib/base/worker_pool.h"

namespace coffer {

WorkerPool::WorkerPool(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

void WorkerPool::Post(std::function<void()> work) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back(std::move(work));
      work_ready_.Signal();  // one idle thread, not all of them
      return;
    }
  }
  work();
}

bool WorkerPool::TryPost(std::function<void()> work, std::size_t max_queued) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      if (queue_.size() >= max_queued) return false;
      queue_.push_back(std::move(work));
      work_ready_.Signal();
      return true;
    }
  }
  work();
  return true;
}

void WorkerPool::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    work_ready_.SignalAll();
  }
  for (auto& thread : threads_) thread.join();
}

void WorkerPool::Run() {
  while (true) {
    std::function<void()> work;
    {
      absl::MutexLock lock(&mu_);
      while (!stopping_ && queue_.empty()) work_ready_.Wait(&mu_);
      if (queue_.empty()) return;  // stopping, and nothing left
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

}  // namespace coffer
