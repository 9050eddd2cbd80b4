#include "vault-core/storage/watch_hub.h"

#include <cstdint>
#include <deque>
#include <map>

#include "absl/synchronization/mutex.h"

namespace coffer::storage {

struct WatchHub::State {
  struct Watcher {
    std::string prefix;
    std::function<void(const WatchEvent&)> on_event;
  };

  absl::Mutex mu;
  std::map<std::uint64_t, std::shared_ptr<Watcher>> watchers ABSL_GUARDED_BY(mu);
  std::uint64_t next_id ABSL_GUARDED_BY(mu) = 1;
  std::deque<WatchEvent> queue ABSL_GUARDED_BY(mu);
  bool stopping ABSL_GUARDED_BY(mu) = false;
  // Held while callbacks run, so that a handle's destructor returns only once its watcher is
  // quiet (unless the destructor runs inside a callback, on the dispatcher itself).
  absl::Mutex dispatch_mu;
  std::thread::id dispatcher_id;
};

class WatchHub::Handle : public WatchHandle {
 public:
  Handle(std::weak_ptr<State> state, std::uint64_t id) : state_(std::move(state)), id_(id) {}
  ~Handle() override {
    std::shared_ptr<State> state = state_.lock();
    if (state == nullptr) return;
    {
      absl::MutexLock lock(&state->mu);
      state->watchers.erase(id_);
    }
    if (std::this_thread::get_id() != state->dispatcher_id) {
      absl::MutexLock quiet(&state->dispatch_mu);
    }
  }

 private:
  std::weak_ptr<State> state_;
  std::uint64_t id_;
};

WatchHub::WatchHub() : state_(std::make_shared<State>()) {
  dispatcher_ = std::thread([this] { Run(); });
  state_->dispatcher_id = dispatcher_.get_id();  // set before any handle can read it
}

WatchHub::~WatchHub() {
  {
    absl::MutexLock lock(&state_->mu);
    state_->stopping = true;
  }
  dispatcher_.join();
}

std::unique_ptr<WatchHandle> WatchHub::Subscribe(std::string prefix,
                                                 std::function<void(const WatchEvent&)> on_event) {
  absl::MutexLock lock(&state_->mu);
  std::uint64_t id = state_->next_id++;
  state_->watchers[id] =
      std::make_shared<State::Watcher>(State::Watcher{std::move(prefix), std::move(on_event)});
  return std::make_unique<Handle>(state_, id);
}

void WatchHub::Publish(std::vector<WatchEvent> events) {
  absl::MutexLock lock(&state_->mu);
  if (state_->watchers.empty()) return;
  for (auto& event : events) state_->queue.push_back(std::move(event));
}

void WatchHub::Run() {
  State& state = *state_;
  auto ready = [&state]() ABSL_SHARED_LOCKS_REQUIRED(state.mu) {
    return state.stopping || !state.queue.empty();
  };
  while (true) {
    WatchEvent event;
    std::vector<std::shared_ptr<State::Watcher>> targets;
    state.mu.Lock();
    state.mu.Await(absl::Condition(&ready));
    if (state.stopping) {
      state.mu.Unlock();
      return;
    }
    event = std::move(state.queue.front());
    state.queue.pop_front();
    for (const auto& [id, watcher] : state.watchers) {
      if (event.key.compare(0, watcher->prefix.size(), watcher->prefix) == 0) {
        targets.push_back(watcher);
      }
    }
    // Taken before `mu` is released: a handle erased after this point waits for these calls.
    state.dispatch_mu.Lock();
    state.mu.Unlock();
    for (const auto& watcher : targets) watcher->on_event(event);
    state.dispatch_mu.Unlock();
  }
}

}  // namespace coffer::storage
