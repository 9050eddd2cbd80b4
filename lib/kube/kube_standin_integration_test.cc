// Runs the HTTP client, the informer, the leader elector and the conflict retry against the
// kube-standin API server (a child process on loopback, real TLS and bearer token).
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/clock.h"
#include "lib/kube/http_kube_client.h"
#include "lib/kube/informer.h"
#include "lib/kube/kube_config.h"
#include "lib/kube/leader_elector.h"
#include "lib/kube/retry.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"

namespace coffer::kube {
namespace {

using ::coffer::testing::StatusIs;
using ::nlohmann::json;
using ::testing::ElementsAre;

const ResourceRef kConfigMaps{"", "v1", "configmaps", true};

class KubeStandinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string kubeconfig = dir_.File("kubeconfig");
    standin_ = std::make_unique<testing::Subprocess>(
        std::vector<std::string>{KUBE_STANDIN_PATH, "--listen", "127.0.0.1:0", "--kubeconfig",
                                 kubeconfig},
        dir_.File("standin.log"));
    ASSERT_TRUE(standin_->Start());
    ASSERT_TRUE(testing::PollUntil([&] { return std::filesystem::exists(kubeconfig); }))
        << standin_->Log();
    COFFER_ASSERT_OK_AND_ASSIGN(KubeConfig config, LoadKubeconfig(kubeconfig));
    COFFER_ASSERT_OK_AND_ASSIGN(tls_, TlsFiles::Create(config));
    COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<http::Client> http,
                                http::NewClient(tls_->options()));
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
