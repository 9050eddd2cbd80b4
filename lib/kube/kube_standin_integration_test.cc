// Runs the HTTP client, the informer, the leader elector and the conflict retry against the
// kube-standin API server (a child process on loopback, real TLS and bearer token).
#include <csignal>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/clock.h"
#include "lib/base/fake_clock.h"
#include "lib/http/cpprest/client.h"
#include "lib/kube/forwarding_kube_client.h"
#include "lib/kube/http_kube_client.h"
#include "lib/kube/informer.h"
#include "lib/kube/kube_config.h"
#include "lib/kube/leader_elector.h"
#include "lib/kube/retry.h"
#include "lib/kube/token_calls.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/kube_standin.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"

namespace coffer::kube {
namespace {

using ::coffer::testing::StatusIs;
using ::nlohmann::json;
using ::testing::ElementsAre;

const ResourceRef kConfigMaps{"", "v1", "configmaps", true};
const ResourceRef kServiceAccounts{"", "v1", "serviceaccounts", true};

// kube-standin keeps the last 1000 store events (ObjectStore's default history); a watch from
// a resourceVersion with more changes after it than that is expired.
constexpr int kWatchHistory = 1000;

// Forwards to another client, but holds the first Watch call until Release() (or 60 s), so a
// test can make the informer's list resourceVersion fall out of the server's history.
class GatedWatchClient : public ForwardingKubeClient {
 public:
  explicit GatedWatchClient(KubeClient& inner) : ForwardingKubeClient(inner) {}

  absl::Status Watch(const ResourceRef& ref, std::string_view ns, const WatchOptions& options,
                     const std::function<bool(const WatchEvent&)>& on_event,
                     const http::Cancellation* cancel) override {
    bool first = false;
    {
      absl::MutexLock lock(&mu_);
      first = watches_++ == 0;
    }
    if (first) {
      first_watch_.Notify();
      released_.WaitForNotificationWithTimeout(absl::Seconds(60));
    }
    absl::Status status = ForwardingKubeClient::Watch(ref, ns, options, on_event, cancel);
    absl::MutexLock lock(&mu_);
    results_.push_back(status.code());
    return status;
  }
  void WaitForFirstWatch() { first_watch_.WaitForNotificationWithTimeout(absl::Seconds(30)); }
  void Release() {
    if (!released_.HasBeenNotified()) released_.Notify();
  }
  std::vector<absl::StatusCode> results() {
    absl::MutexLock lock(&mu_);
    return results_;
  }

 private:
  absl::Notification first_watch_;
  absl::Notification released_;
  absl::Mutex mu_;
  int watches_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<absl::StatusCode> results_ ABSL_GUARDED_BY(mu_);
};

class KubeStandinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string kubeconfig = dir_.File("kubeconfig");
    standin_ = testing::StartKubeStandin(KUBE_STANDIN_PATH, kubeconfig, dir_.File("standin.log"));
    ASSERT_NE(standin_, nullptr);
    COFFER_ASSERT_OK_AND_ASSIGN(KubeConfig config, LoadKubeconfig(kubeconfig));
    COFFER_ASSERT_OK_AND_ASSIGN(tls_, TlsFiles::Create(config));
    COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<http::Client> http,
                                http::cpprest::NewClient(tls_->options()));
    COFFER_ASSERT_OK_AND_ASSIGN(client_, HttpKubeClient::Create(config, std::move(http)));
  }
  void TearDown() override {
    if (standin_ != nullptr && standin_->running()) {
      EXPECT_EQ(standin_->Stop(SIGTERM), 0) << standin_->Log();
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Subprocess> standin_;
  std::unique_ptr<TlsFiles> tls_;
  std::unique_ptr<HttpKubeClient> client_;
};

TEST_F(KubeStandinTest, ConfigMapLifecycleWithStaleUpdateAndWatch) {
  json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", "cm"}, {"labels", {{"app", "coffer"}}}}},
             {"data", {{"k", "1"}}}};
  COFFER_ASSERT_OK_AND_ASSIGN(json created, client_->Create(kConfigMaps, "default", cm));
  const std::string created_rv = created["metadata"]["resourceVersion"].get<std::string>();
  COFFER_ASSERT_OK_AND_ASSIGN(json got, client_->Get(kConfigMaps, "default", "cm"));
  EXPECT_EQ(got["data"]["k"], "1");

  ListOptions by_label;
  by_label.label_selector = "app=coffer";
  COFFER_ASSERT_OK_AND_ASSIGN(ObjectList listed, client_->List(kConfigMaps, "default", by_label));
  ASSERT_EQ(listed.items.size(), 1u);
  EXPECT_EQ(listed.items[0]["metadata"]["name"], "cm");

  got["data"]["k"] = "2";
  COFFER_ASSERT_OK(client_->Update(kConfigMaps, "default", got).status());
  got["data"]["k"] = "stale";
  EXPECT_THAT(client_->Update(kConfigMaps, "default", got), StatusIs(absl::StatusCode::kAborted));

  // The stale writer recovers by re-reading.
  COFFER_ASSERT_OK(RetryOnConflict([&]() -> absl::Status {
    absl::StatusOr<json> current = client_->Get(kConfigMaps, "default", "cm");
    if (!current.ok()) return current.status();
    (*current)["data"]["k"] = "3";
    return client_->Update(kConfigMaps, "default", *current).status();
  }));
  COFFER_ASSERT_OK(client_->Delete(kConfigMaps, "default", "cm", {}));
  EXPECT_THAT(client_->Get(kConfigMaps, "default", "cm"), StatusIs(absl::StatusCode::kNotFound));

  std::vector<std::string> seen;
  WatchOptions from_create;
  from_create.resource_version = created_rv;
  from_create.timeout_seconds = 20;
  COFFER_ASSERT_OK(client_->Watch(
      kConfigMaps, "default", from_create,
      [&](const WatchEvent& event) {
        if (event.type == WatchEventType::kBookmark) return true;
        seen.push_back(event.type == WatchEventType::kDeleted
                           ? "deleted"
                           : event.object["data"]["k"].get<std::string>());
        return event.type != WatchEventType::kDeleted;
      },
      nullptr));
  EXPECT_THAT(seen, ElementsAre("2", "3", "deleted"));
}

TEST_F(KubeStandinTest, InformerFollowsCreateAndDeleteAndStopsPromptly) {
  COFFER_ASSERT_OK(
      client_->Create(kConfigMaps, "default", {{"metadata", {{"name", "before"}}}}).status());
  InformerOptions options;
  options.ns = "default";
  Informer informer(*client_, kConfigMaps, options, {});
  informer.Start();
  ASSERT_TRUE(testing::PollUntil([&] { return informer.HasSynced(); }));
  EXPECT_TRUE(informer.Get("default", "before").has_value());
  COFFER_ASSERT_OK(
      client_->Create(kConfigMaps, "default", {{"metadata", {{"name", "after"}}}}).status());
  COFFER_ASSERT_OK(client_->Delete(kConfigMaps, "default", "before", {}));
  EXPECT_TRUE(testing::PollUntil([&] {
    return informer.Get("default", "after").has_value() &&
           !informer.Get("default", "before").has_value();
  }));
  informer.Stop();  // cancels the open watch stream
}

TEST_F(KubeStandinTest, RequestedServiceAccountTokenPassesReviewAndGarbageDoesNot) {
  COFFER_ASSERT_OK(client_
                       ->Create(kServiceAccounts, "default",
                                {{"apiVersion", "v1"},
                                 {"kind", "ServiceAccount"},
                                 {"metadata", {{"name", "vault-auth"}}}})
                       .status());
  COFFER_ASSERT_OK_AND_ASSIGN(IssuedToken issued, RequestToken(*client_, "default", "vault-auth",
                                                               {"vault"}, 3600, std::nullopt));
  EXPECT_FALSE(issued.token.empty());
  EXPECT_GT(issued.expiration, absl::Now() + absl::Minutes(50));

  COFFER_ASSERT_OK_AND_ASSIGN(TokenReviewResult review,
                              ReviewToken(*client_, issued.token, {"vault"}));
  EXPECT_TRUE(review.authenticated) << review.error;
  EXPECT_EQ(review.username, "system:serviceaccount:default:vault-auth");
  EXPECT_FALSE(review.uid.empty());
  EXPECT_THAT(review.groups, ::testing::Contains("system:serviceaccounts:default"));
  EXPECT_THAT(review.audiences, ElementsAre("vault"));
  EXPECT_TRUE(review.pod_name.empty());

  COFFER_ASSERT_OK_AND_ASSIGN(TokenReviewResult garbage,
                              ReviewToken(*client_, "not-a-token", {"vault"}));
  EXPECT_FALSE(garbage.authenticated);
  EXPECT_TRUE(garbage.username.empty());
  EXPECT_FALSE(garbage.error.empty());

  EXPECT_THAT(RequestToken(*client_, "default", "missing", {"vault"}, 3600, std::nullopt),
              StatusIs(absl::StatusCode::kNotFound));
}

// More changes than the server's watch history between the informer's list and its watch: the
// watch is expired, the informer lists again and its cache and handlers catch up (the deletion
// included). A direct watch from the old resourceVersion gets kWatchExpired too.
TEST_F(KubeStandinTest, ExpiredWatchMakesTheInformerListAgain) {
  for (const char* name : {"gone", "cm"}) {
    COFFER_ASSERT_OK(
        client_->Create(kConfigMaps, "default", {{"metadata", {{"name", name}}}}).status());
  }
  GatedWatchClient gated(*client_);
  absl::Mutex mu;
  std::set<std::string> deleted;
  InformerHandlers handlers;
  handlers.on_delete = [&](const json& object) {
    absl::MutexLock lock(&mu);
    deleted.insert(object["metadata"]["name"].get<std::string>());
  };
  InformerOptions options;
  options.ns = "default";
  Informer informer(gated, kConfigMaps, options, handlers);
  informer.Start();
  gated.WaitForFirstWatch();
  ASSERT_TRUE(informer.HasSynced());
  const std::string listed_rv = informer.LastResourceVersion();

  COFFER_ASSERT_OK(client_->Delete(kConfigMaps, "default", "gone", {}));
  COFFER_ASSERT_OK(
      client_->Create(kConfigMaps, "default", {{"metadata", {{"name", "new"}}}}).status());
  for (int i = 1; i <= kWatchHistory + 5; ++i) {
    absl::Status patched = client_
                               ->Patch(kConfigMaps, "default", "cm", PatchType::kMerge,
                                       {{"data", {{"n", std::to_string(i)}}}})
                               .status();
    ASSERT_TRUE(patched.ok()) << patched;
  }

  WatchOptions from_list;
  from_list.resource_version = listed_rv;
  from_list.timeout_seconds = 5;
  int events = 0;
  EXPECT_THAT(client_->Watch(
                  kConfigMaps, "default", from_list,
                  [&](const WatchEvent&) {
                    ++events;
                    return true;
                  },
                  nullptr),
              StatusIs(kWatchExpired));
  EXPECT_EQ(events, 0);

  gated.Release();
  const std::string last = std::to_string(kWatchHistory + 5);
  EXPECT_TRUE(testing::PollUntil([&] {
    std::optional<json> cm = informer.Get("default", "cm");
    return cm.has_value() && cm->value("/data/n"_json_pointer, std::string()) == last &&
           informer.Get("default", "new").has_value() &&
           !informer.Get("default", "gone").has_value();
  }));
  EXPECT_EQ(informer.List().size(), 2u);
  {
    absl::MutexLock lock(&mu);
    EXPECT_THAT(deleted, ElementsAre("gone"));
  }
  ASSERT_FALSE(gated.results().empty());
  EXPECT_EQ(gated.results()[0], kWatchExpired);
  informer.Stop();
}

TEST_F(KubeStandinTest, LeaseHandsOverBetweenTwoElectors) {
  FakeClock clock;
  int a_stopped = 0;
  auto config = [&](const std::string& identity) {
    LeaderElectionConfig c;
    c.lease_namespace = "default";
    c.lease_name = "coffer-operator";
    c.identity = identity;
    return c;
  };
  LeaderElectionConfig a_config = config("a");
  a_config.on_stopped_leading = [&] { ++a_stopped; };
  LeaderElector a(*client_, clock, a_config);
  LeaderElector b(*client_, clock, config("b"));

  COFFER_ASSERT_OK(a.TryAcquireOrRenew());
  EXPECT_THAT(b.TryAcquireOrRenew(), StatusIs(absl::StatusCode::kFailedPrecondition));
  clock.Advance(absl::Seconds(5));
  COFFER_ASSERT_OK(a.TryAcquireOrRenew());
  EXPECT_FALSE(b.TryAcquireOrRenew().ok());
  clock.Advance(absl::Seconds(15));  // a has stopped renewing
  COFFER_ASSERT_OK(b.TryAcquireOrRenew());
  EXPECT_TRUE(b.IsLeader());

  COFFER_ASSERT_OK_AND_ASSIGN(json lease, client_->Get(kLeases, "default", "coffer-operator"));
  EXPECT_EQ(lease["spec"]["holderIdentity"], "b");
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 1);
  EXPECT_EQ(lease["spec"]["renewTime"], FormatMicroTime(clock.Now()));

  EXPECT_FALSE(a.TryAcquireOrRenew().ok());
  EXPECT_FALSE(a.IsLeader());
  EXPECT_EQ(a_stopped, 1);
}

}  // namespace
}  // namespace coffer::kube
