#include "vault-core/storage/etcd/etcd_watch.h"

#include <algorithm>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "lib/base/logging.h"
#include "vault-core/storage/etcd/etcd_connection.h"

namespace coffer::storage::etcd {
namespace {

// What the watch thread and its handle share. The thread holds it too, so a handle destroyed
// from inside the callback (on the watch thread) leaves it valid until the thread is gone.
struct WatchState {
  Connection& connection;
  const std::string root;
  const std::string prefix;
  const std::function<void(const WatchEvent&)> on_event;

  absl::Mutex mu;
  bool stopped ABSL_GUARDED_BY(mu) = false;
  grpc::ClientContext* stream ABSL_GUARDED_BY(mu) = nullptr;  // to cancel
  // Held while the callback runs, so the handle's destructor returns only once it is quiet.
  absl::Mutex callback_mu;

  WatchState(Connection& c, std::string r, std::string p,
             std::function<void(const WatchEvent&)> cb)
      : connection(c), root(std::move(r)), prefix(std::move(p)), on_event(std::move(cb)) {}

  bool Stopped() {
    absl::MutexLock lock(&mu);
    return stopped;
  }

  // Delivers unless stopped. False once stopped.
  bool Deliver(const WatchEvent& event) {
    absl::MutexLock quiet(&callback_mu);
    if (Stopped()) return false;
    on_event(event);
    return true;
  }

  WatchEvent Reset() const {
    WatchEvent event;
    event.kind = WatchEvent::Kind::kReset;
    event.key = prefix;
    return event;
  }
};

// One stream's life: opens it from `*last` + 1 and delivers until it breaks. Returns false when
// stopped; true when the stream ended and another should be opened. Advances `*last`.
bool RunStream(WatchState& state, Member& member, Revision* last, bool* compacted) {
  grpc::ClientContext context;
  context.AddMetadata("hasleader", "true");
  {
    absl::MutexLock lock(&state.mu);
    if (state.stopped) return false;
    state.stream = &context;
  }
  auto stream = member.watch->Watch(&context);
  etcdserverpb::WatchRequest request;
  etcdserverpb::WatchCreateRequest* create = request.mutable_create_request();
  create->set_key(state.root + state.prefix);
  create->set_range_end(PrefixEnd(state.root + state.prefix));
  create->set_start_revision(*last + 1);
  // etcd then says every ten minutes how far it is, so `last` keeps up on a quiet prefix and a
  // reconnect does not ask for history that was compacted meanwhile.
  create->set_progress_notify(true);
  bool live = stream->Write(request);
  etcdserverpb::WatchResponse response;
  while (live && stream->Read(&response)) {
    if (response.compact_revision() > 0) {
      // The history this watch needs is gone (etcd keeps it from compact_revision on): the
      // watcher must forget everything, and the next stream starts where history starts.
      *compacted = true;
      *last = std::max(*last, response.compact_revision() - 1);
      break;
    }
    if (response.canceled()) break;
    if (response.created()) continue;
    Revision newest = *last;
    for (const etcdserverpb::Event& e : response.events()) {
      WatchEvent event;
      event.kind = e.type() == etcdserverpb::Event::DELETE ? WatchEvent::Kind::kDelete
                                                           : WatchEvent::Kind::kPut;
      event.key = e.kv().key().substr(state.root.size());
      if (event.kind == WatchEvent::Kind::kPut) event.value = e.kv().value();
      event.revision = e.kv().mod_revision();
      newest = std::max(newest, event.revision);
      if (!state.Deliver(event)) break;
    }
    // A response holds whole revisions, so the stream can resume after the newest.
    *last = response.events_size() > 0 ? newest : std::max(*last, response.header().revision());
  }
  stream->WritesDone();
  context.TryCancel();
  stream->Finish();
  absl::MutexLock lock(&state.mu);
  state.stream = nullptr;
  return !state.stopped;
}

// A member that is connected, or (after a while) any; nullptr once stopped. Waits in short
// steps so that a handle destroyed meanwhile does not wait for a dial timeout.
Member* PickMember(WatchState& state) {
  for (int round = 0; round < 20; ++round) {
    Member* member = state.connection.Connected();
    if (member != nullptr) return member;
    absl::MutexLock lock(&state.mu);
    auto stopped = [&state]() ABSL_SHARED_LOCKS_REQUIRED(state.mu) { return state.stopped; };
    state.mu.AwaitWithTimeout(absl::Condition(&stopped), absl::Milliseconds(100));
    if (state.stopped) return nullptr;
  }
  std::size_t index = 0;
  return &state.connection.Pick(&index);  // none answered: try one, and reset below if it fails
}

void Run(std::shared_ptr<WatchState> state, Revision after) {
  Revision last = after;
  absl::Duration backoff = absl::Milliseconds(50);
  while (true) {
    Member* member = PickMember(*state);
    if (member == nullptr) return;
    bool compacted = false;
    const absl::Time opened = absl::Now();
    if (!RunStream(*state, *member, &last, &compacted)) return;
    if (compacted) {
      COFFER_LOG(kVault, warn, "etcd watch on '{}' lost history to compaction; caches reset",
                 state->prefix);
    }
    // Changes may have been made while no stream was open (or are gone): the watcher forgets
    // what it derived, and the next stream catches up from `last`.
    if (!state->Deliver(state->Reset())) return;
    backoff = absl::Now() - opened > absl::Seconds(5) ? absl::Milliseconds(50)
                                                       : std::min(backoff * 2, absl::Seconds(1));
    absl::MutexLock lock(&state->mu);
    auto stopped = [&]() ABSL_SHARED_LOCKS_REQUIRED(state->mu) { return state->stopped; };
    state->mu.AwaitWithTimeout(absl::Condition(&stopped), backoff);
    if (state->stopped) return;
  }
}

class EtcdWatchHandle : public WatchHandle {
 public:
  EtcdWatchHandle(std::shared_ptr<WatchState> state, Revision after) : state_(std::move(state)) {
    thread_ = std::thread(Run, state_, after);
  }

  ~EtcdWatchHandle() override {
    {
      absl::MutexLock lock(&state_->mu);
      state_->stopped = true;
      if (state_->stream != nullptr) state_->stream->TryCancel();
    }
    if (std::this_thread::get_id() == thread_.get_id()) {
      // Destroyed by its own callback: the thread ends once that returns; the connection (the
      // store) joins it, as it must outlive what the thread still touches.
      state_->connection.Adopt(std::move(thread_));
    } else {
      thread_.join();
    }
  }

 private:
  std::shared_ptr<WatchState> state_;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<WatchHandle> StartWatch(Connection& connection, std::string root,
                                        std::string prefix, Revision after,
                                        std::function<void(const WatchEvent&)> on_event) {
  auto state = std::make_shared<WatchState>(connection, std::move(root), std::move(prefix),
                                            std::move(on_event));
  return std::make_unique<EtcdWatchHandle>(std::move(state), after);
}

}  // namespace coffer::storage::etcd
