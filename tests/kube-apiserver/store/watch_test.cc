#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/clock.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"
#include "tests/kube-apiserver/store/object_store.h"

namespace coffer::kube::standin {
namespace {

using ::coffer::testing::StatusIs;
using nlohmann::json;

constexpr char kWidgets[] = "example.com/v1/widgets";

json Widget(const std::string& name) {
  return {{"apiVersion", "example.com/v1"},
          {"kind", "Widget"},
          {"metadata", {{"name", name}}},
          {"spec", {{"size", 1}}}};
}

// Collects events; delivery is synchronous with the change in single-threaded use.
class Recorder {
 public:
  WatchCallback Callback() {
    return [this](const WatchEvent& e) {
      absl::MutexLock lock(&mu_);
      events_.push_back(e);
    };
  }
  std::vector<std::string> Summary() {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> out;
    for (const WatchEvent& e : events_) {
      out.push_back(e.type + " " + e.object["metadata"].value("name", ""));
    }
    return out;
  }
  std::vector<WatchEvent> Events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  absl::Mutex mu_;
  std::vector<WatchEvent> events_ ABSL_GUARDED_BY(mu_);
};

class WatchTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  ObjectStore store_{clock_, /*history_limit=*/5};
};

TEST_F(WatchTest, WatchFromAVersionSeesLaterEventsInOrder) {
  COFFER_ASSERT_OK_AND_ASSIGN(json a, store_.Create(kWidgets, "default", Widget("a")));
  COFFER_ASSERT_OK(store_.Create(kWidgets, "default", Widget("b")));
  Recorder rec;
  COFFER_ASSERT_OK_AND_ASSIGN(
      auto handle,
      store_.Watch(kWidgets, "default", a["metadata"]["resourceVersion"].get<std::string>(),
                   rec.Callback()));
  a["spec"]["size"] = 2;
  COFFER_ASSERT_OK(store_.Update(kWidgets, "default", a, false));
  COFFER_ASSERT_OK(store_.Create(kWidgets, "other", Widget("elsewhere")));
  COFFER_ASSERT_OK(store_.Delete(kWidgets, "default", "b"));
  EXPECT_THAT(rec.Summary(), ::testing::ElementsAre("ADDED b", "MODIFIED a", "DELETED b"));
  std::vector<WatchEvent> events = rec.Events();
  EXPECT_EQ(events[1].object["spec"]["size"], 2);
  handle.reset();
  COFFER_ASSERT_OK(store_.Create(kWidgets, "default", Widget("after-stop")));
  EXPECT_EQ(rec.Summary().size(), 3u);
}

TEST_F(WatchTest, WatchFromZeroStartsWithSyntheticAdded) {
  COFFER_ASSERT_OK(store_.Create(kWidgets, "default", Widget("a")));
  COFFER_ASSERT_OK_AND_ASSIGN(json b, store_.Create(kWidgets, "default", Widget("b")));
  Recorder rec;
  COFFER_ASSERT_OK_AND_ASSIGN(auto handle, store_.Watch(kWidgets, "", "0", rec.Callback()));
  b["spec"]["size"] = 3;
  COFFER_ASSERT_OK(store_.Update(kWidgets, "default", b, false));
  EXPECT_THAT(rec.Summary(), ::testing::ElementsAre("ADDED a", "ADDED b", "MODIFIED b"));
}

TEST_F(WatchTest, WatchFromTooOldVersionIsExpired) {
  for (int i = 0; i < 8; ++i) {
    COFFER_ASSERT_OK(store_.Create(kWidgets, "default", Widget("w" + std::to_string(i))));
  }
  Recorder rec;
  absl::StatusOr<std::unique_ptr<WatchHandle>> watch =
      store_.Watch(kWidgets, "default", "1", rec.Callback());
  EXPECT_THAT(watch,
              StatusIs(absl::StatusCode::kFailedPrecondition, "too old resource version: 1 (3)"));
  json body = StatusBody(watch.status());
  EXPECT_EQ(body["reason"], "Expired");
  EXPECT_EQ(body["code"], 410);
  COFFER_EXPECT_OK(store_.Watch(kWidgets, "default", "3", rec.Callback()));
}

TEST_F(WatchTest, DeleteWithFinalizerWaitsUntilTheFinalizerIsRemoved) {
  json w = Widget("w1");
  w["metadata"]["finalizers"] = {"coffer.dev/cleanup"};
  COFFER_ASSERT_OK_AND_ASSIGN(w, store_.Create(kWidgets, "default", w));
  Recorder rec;
  COFFER_ASSERT_OK_AND_ASSIGN(
      auto handle,
      store_.Watch(kWidgets, "default", store_.CurrentResourceVersion(), rec.Callback()));

  COFFER_ASSERT_OK_AND_ASSIGN(json marked, store_.Delete(kWidgets, "default", "w1"));
  EXPECT_EQ(marked["metadata"]["deletionTimestamp"], "2026-01-01T00:00:00Z");
  clock_.Advance(absl::Seconds(30));
  COFFER_ASSERT_OK_AND_ASSIGN(json again, store_.Delete(kWidgets, "default", "w1"));
  EXPECT_EQ(again["metadata"]["deletionTimestamp"], "2026-01-01T00:00:00Z");
  COFFER_ASSERT_OK(store_.Get(kWidgets, "default", "w1"));

  json adding = again;
  adding["metadata"]["finalizers"].push_back("late/finalizer");
  EXPECT_THAT(store_.Update(kWidgets, "default", adding, false),
              StatusIs(absl::StatusCode::kInvalidArgument));

  again["metadata"]["finalizers"] = json::array();
  COFFER_ASSERT_OK(store_.Update(kWidgets, "default", again, false));
  EXPECT_THAT(store_.Get(kWidgets, "default", "w1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(rec.Summary(), ::testing::ElementsAre("MODIFIED w1", "DELETED w1"));
}

TEST_F(WatchTest, BookmarkCarriesTheCurrentResourceVersion) {
  COFFER_ASSERT_OK(store_.Create(kWidgets, "default", Widget("a")));
  Recorder rec;
  COFFER_ASSERT_OK_AND_ASSIGN(
      auto handle,
      store_.Watch(kWidgets, "default", store_.CurrentResourceVersion(), rec.Callback()));
  COFFER_ASSERT_OK(store_.Create("v1/configmaps", "default", Widget("cm")));
  store_.Bookmark();
  std::vector<WatchEvent> events = rec.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "BOOKMARK");
  EXPECT_EQ(events[0].object["kind"], "Widget");
  EXPECT_EQ(events[0].object["apiVersion"], "example.com/v1");
  EXPECT_EQ(events[0].object["metadata"]["resourceVersion"], store_.CurrentResourceVersion());
}

TEST_F(WatchTest, CallbackMayStopItsOwnWatch) {
  std::unique_ptr<WatchHandle> handle;
  int calls = 0;
  COFFER_ASSERT_OK_AND_ASSIGN(handle, store_.Watch(kWidgets, "", "", [&](const WatchEvent&) {
    ++calls;
    handle.reset();
  }));
  COFFER_ASSERT_OK(store_.Create(kWidgets, "default", Widget("a")));
  COFFER_ASSERT_OK(store_.Create(kWidgets, "default", Widget("b")));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace coffer::kube::standin
