#include "lib/kube/informer.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/kube/fake_kube_client.h"
#include "lib/kube/forwarding_kube_client.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"

namespace coffer::kube {
namespace {

using ::coffer::testing::PollUntil;
using ::nlohmann::json;
using ::testing::ElementsAre;

const ResourceRef kConfigMaps{"", "v1", "configmaps", true};

json ConfigMap(const std::string& name, const std::string& value = "1") {
  return {{"metadata", {{"name", name}}}, {"data", {{"k", value}}}};
}

// Forwards to a FakeKubeClient, counts lists, and can hold new watches at a gate so a test
// decides what happens while the informer is between two watch streams.
class GatedClient : public ForwardingKubeClient {
 public:
  explicit GatedClient(FakeKubeClient& fake) : ForwardingKubeClient(fake) {}

  absl::StatusOr<ObjectList> List(const ResourceRef& r, std::string_view ns,
                                  const ListOptions& o) override {
    {
      absl::MutexLock lock(&mu_);
      ++lists_;
    }
    return ForwardingKubeClient::List(r, ns, o);
  }
  absl::Status Watch(const ResourceRef& r, std::string_view ns, const WatchOptions& o,
                     const std::function<bool(const WatchEvent&)>& on_event,
                     const http::Cancellation* cancel) override {
    {
      absl::MutexLock lock(&mu_);
      ++waiting_;
      // Called with mu_ held (here, and by Await).
      auto open = [this, cancel]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return gate_open_ || cancel->cancelled();
      };
      while (!open()) mu_.AwaitWithTimeout(absl::Condition(&open), absl::Milliseconds(10));
      --waiting_;
    }
    return ForwardingKubeClient::Watch(r, ns, o, on_event, cancel);
  }

  void SetGate(bool open) {
    absl::MutexLock lock(&mu_);
    gate_open_ = open;
  }
  int waiting() {
    absl::MutexLock lock(&mu_);
    return waiting_;
  }
  int lists() {
    absl::MutexLock lock(&mu_);
    return lists_;
  }

 private:
  absl::Mutex mu_;
  bool gate_open_ ABSL_GUARDED_BY(mu_) = true;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  int lists_ ABSL_GUARDED_BY(mu_) = 0;
};

// Records handler calls as "add a", "update a 1->2", "delete a".
class Recorder {
 public:
  InformerHandlers Handlers() {
    return {[this](const json& o) { Record("add " + Name(o)); },
            [this](const json& old_object, const json& o) {
              Record("update " + Name(o) + " " + Value(old_object) + "->" + Value(o));
            },
            [this](const json& o) { Record("delete " + Name(o)); }};
  }
  std::vector<std::string> Seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }
  bool WaitFor(size_t count) {
    return PollUntil([&] { return Seen().size() >= count; });
  }

 private:
  static std::string Name(const json& o) { return o["metadata"]["name"].get<std::string>(); }
  static std::string Value(const json& o) { return o["data"]["k"].get<std::string>(); }
  void Record(std::string s) {
    absl::MutexLock lock(&mu_);
    seen_.push_back(std::move(s));
  }
  absl::Mutex mu_;
  std::vector<std::string> seen_ ABSL_GUARDED_BY(mu_);
};

class InformerTest : public ::testing::Test {
 protected:
  void StartInformer() {
    InformerOptions options;
    options.ns = "ns";
    informer_ = std::make_unique<Informer>(client_, kConfigMaps, options, recorder_.Handlers());
    informer_->Start();
    ASSERT_TRUE(PollUntil([&] { return informer_->HasSynced(); }));
  }
  // Ends the informer's watch and holds it at the gate until Reopen().
  void HoldBetweenWatches() {
    client_.SetGate(false);
    fake_.EndWatches();
    ASSERT_TRUE(PollUntil([&] { return client_.waiting() == 1; }));
  }

  FakeKubeClient fake_;
  GatedClient client_{fake_};
  Recorder recorder_;
  std::unique_ptr<Informer> informer_;
};

TEST_F(InformerTest, InitialSyncFillsCacheAndReportsAdds) {
  COFFER_ASSERT_OK(fake_.Create(kConfigMaps, "ns", ConfigMap("a")).status());
  COFFER_ASSERT_OK(fake_.Create(kConfigMaps, "ns", ConfigMap("b")).status());
  COFFER_ASSERT_OK(fake_.Create(kConfigMaps, "other", ConfigMap("c")).status());
  StartInformer();
  EXPECT_THAT(recorder_.Seen(), ElementsAre("add a", "add b"));
  EXPECT_EQ(informer_->List().size(), 2u);
  ASSERT_TRUE(informer_->Get("ns", "a").has_value());
  EXPECT_FALSE(informer_->Get("other", "c").has_value());
}

TEST_F(InformerTest, WatchEventsReachHandlersAndCache) {
  StartInformer();
  COFFER_ASSERT_OK_AND_ASSIGN(json a, fake_.Create(kConfigMaps, "ns", ConfigMap("a")));
  a["data"]["k"] = "2";
  COFFER_ASSERT_OK(fake_.Update(kConfigMaps, "ns", a).status());
  COFFER_ASSERT_OK(fake_.Delete(kConfigMaps, "ns", "a", {}));
  ASSERT_TRUE(recorder_.WaitFor(3));
  EXPECT_THAT(recorder_.Seen(), ElementsAre("add a", "update a 1->2", "delete a"));
  EXPECT_FALSE(informer_->Get("ns", "a").has_value());
}

TEST_F(InformerTest, EndedStreamResumesFromLastResourceVersionWithoutRelisting) {
  COFFER_ASSERT_OK(fake_.Create(kConfigMaps, "ns", ConfigMap("a")).status());
  StartInformer();
  HoldBetweenWatches();
  COFFER_ASSERT_OK(fake_.Create(kConfigMaps, "ns", ConfigMap("b")).status());
  client_.SetGate(true);
  ASSERT_TRUE(recorder_.WaitFor(2));
  EXPECT_THAT(recorder_.Seen(), ElementsAre("add a", "add b"));
  EXPECT_EQ(client_.lists(), 1);
}

TEST_F(InformerTest, ExpiredWatchRelistsAndDeliversMissedChanges) {
  COFFER_ASSERT_OK_AND_ASSIGN(json a, fake_.Create(kConfigMaps, "ns", ConfigMap("a")));
  COFFER_ASSERT_OK(fake_.Create(kConfigMaps, "ns", ConfigMap("b")).status());
  StartInformer();
  HoldBetweenWatches();
  a["data"]["k"] = "2";
  COFFER_ASSERT_OK(fake_.Update(kConfigMaps, "ns", a).status());
  COFFER_ASSERT_OK(fake_.Delete(kConfigMaps, "ns", "b", {}));
  COFFER_ASSERT_OK(fake_.Create(kConfigMaps, "ns", ConfigMap("c")).status());
  fake_.Compact();
  client_.SetGate(true);
  ASSERT_TRUE(recorder_.WaitFor(5));
  EXPECT_THAT(recorder_.Seen(),
              ElementsAre("add a", "add b", "delete b", "update a 1->2", "add c"));
  EXPECT_EQ(client_.lists(), 2);
  EXPECT_FALSE(informer_->Get("ns", "b").has_value());
  EXPECT_EQ(informer_->List().size(), 2u);
}

TEST_F(InformerTest, StopJoinsWhileWatching) {
  StartInformer();
  informer_->Stop();
  COFFER_ASSERT_OK(fake_.Create(kConfigMaps, "ns", ConfigMap("a")).status());
  EXPECT_TRUE(recorder_.Seen().empty());
  EXPECT_FALSE(informer_->Get("ns", "a").has_value());
}

}  // namespace
}  // namespace coffer::kube
