// The etcd backend against a real etcd (Debian's etcd-server) on loopback: the conformance
// suite on one member, then what only a cluster shows: fail-over, watches that resume or reset,
// leadership that moves when its holder goes, an installation's prefix, quota and TLS errors.
#include "vault-core/storage/etcd/etcd_store.h"

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "lib/testing/etcd_cluster.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/test_certs.h"
#include "vault-core/domain/errors.h"
#include "vault-core/storage/storage_conformance.h"

namespace coffer::storage {
namespace {

using ::coffer::testing::EtcdCluster;
using ::coffer::testing::IsOk;
using ::coffer::testing::PollUntil;
using ::coffer::testing::StatusIs;
using ::coffer::testing::TempDir;
using ::testing::HasSubstr;

// One member shared by the conformance tests; each test writes under a prefix of its own.
class SharedEtcd : public ::testing::Environment {
 public:
  void SetUp() override {
    cluster_ = EtcdCluster::Start(dir_.path(), {});
    ASSERT_NE(cluster_, nullptr);
  }
  void TearDown() override { cluster_.reset(); }
  static EtcdCluster* cluster() { return cluster_.get(); }

 private:
  TempDir dir_;
  static inline std::unique_ptr<EtcdCluster> cluster_;
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new SharedEtcd);

std::unique_ptr<EtcdStore> OpenOrNull(EtcdOptions options) {
  auto store = EtcdStore::Open(options);
  EXPECT_THAT(store, IsOk());
  if (!store.ok()) return nullptr;
  return std::move(*store);
}

EtcdOptions SharedOptions(const std::string& prefix) {
  EtcdOptions options;
  options.endpoints = SharedEtcd::cluster()->endpoints();
  options.prefix = prefix;
  return options;
}

std::string UniquePrefix() {
  static std::atomic<int> next{0};
  return "/conformance-" + std::to_string(next++) + "/";
}

INSTANTIATE_TEST_SUITE_P(Etcd, StoreConformanceTest,
                         ::testing::Values(StoreFactory{
                             "Etcd",
                             [](const TempDir&) -> std::unique_ptr<Store> {
                               return OpenOrNull(SharedOptions(UniquePrefix()));
                             }}),
                         [](const auto& info) { return info.param.name; });

TEST(EtcdStoreTest, NoEndpointAnsweringIsAClearErrorNamingThem) {
  EtcdOptions options;
  int a = testing::PickFreePort(), b = testing::PickFreePort();
  options.endpoints = {"127.0.0.1:" + std::to_string(a), "http://127.0.0.1:" + std::to_string(b)};
  options.dial_timeout = absl::Milliseconds(300);
  auto store = EtcdStore::Open(options);
  EXPECT_THAT(store, StatusIs(absl::StatusCode::kUnavailable,
                              HasSubstr("127.0.0.1:" + std::to_string(a))));
  EXPECT_THAT(store.status().message(), HasSubstr("127.0.0.1:" + std::to_string(b)));
}

TEST(EtcdStoreTest, BadOptionsAreRefusedBeforeConnecting) {
  EtcdOptions options;
  EXPECT_THAT(EtcdStore::Open(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options.endpoints = {"ftp://127.0.0.1:1"};
  EXPECT_THAT(EtcdStore::Open(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options.endpoints = {"https://127.0.0.1:1"};  // https without a CA
  EXPECT_THAT(EtcdStore::Open(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options.ca_file = "/nonexistent/ca.pem";
  EXPECT_THAT(EtcdStore::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("/nonexistent/ca.pem")));
}

TEST(EtcdStoreTest, PrefixesKeepInstallationsApart) {
  auto a = OpenOrNull(SharedOptions("/install-a/"));
  auto b = OpenOrNull(SharedOptions("/install-b/"));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  COFFER_ASSERT_OK(a->Put("k", "from a", std::nullopt));
  EXPECT_THAT(b->Get("k"), StatusIs(absl::StatusCode::kNotFound));
  COFFER_ASSERT_OK_AND_ASSIGN(RangeResult all, b->Range({"", "", 0}));
  EXPECT_TRUE(all.entries.empty());
}

TEST(EtcdStoreTest, APrefixIsADirectory) {
  auto short_one = OpenOrNull(SharedOptions("/dir"));
  auto longer = OpenOrNull(SharedOptions("/dir-staging/"));
  ASSERT_NE(short_one, nullptr);
  ASSERT_NE(longer, nullptr);
  COFFER_ASSERT_OK(longer->Put("k", "staging", std::nullopt));
  COFFER_ASSERT_OK_AND_ASSIGN(RangeResult all, short_one->Range({"", "", 0}));
  EXPECT_TRUE(all.entries.empty());
}

TEST(EtcdStoreTest, RangeWithoutLimitReadsEveryPage) {
  auto store = OpenOrNull(SharedOptions(UniquePrefix()));
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 2500; i += 100) {
    std::vector<Write> writes;
    for (int j = i; j < i + 100; ++j) writes.push_back(Write::Put("n/" + std::to_string(j), "v"));
    COFFER_ASSERT_OK(store->Commit({}, writes));
  }
  COFFER_ASSERT_OK_AND_ASSIGN(RangeResult all, store->Range({"n/", "", 0}));
  EXPECT_EQ(all.entries.size(), 2500u);
  EXPECT_EQ(all.continuation, "");
}

TEST(EtcdStoreTest, LargeTransactionsNeedMaxTxnOpsAndSayWhich) {
  auto store = OpenOrNull(SharedOptions(UniquePrefix()));  // etcd started with 10000
  ASSERT_NE(store, nullptr);
  std::vector<Write> writes;
  for (int i = 0; i < 1000; ++i) writes.push_back(Write::Put("big/" + std::to_string(i), "v"));
  COFFER_EXPECT_OK(store->Commit({}, writes));

  TempDir dir;
  EtcdCluster::Options stock;
  stock.max_txn_ops = 128;  // etcd's default
  auto cluster = EtcdCluster::Start(dir.path(), stock);
  ASSERT_NE(cluster, nullptr);
  EtcdOptions options;
  options.endpoints = cluster->endpoints();
  auto small = OpenOrNull(options);
  ASSERT_NE(small, nullptr);
  EXPECT_THAT(small->Commit({}, writes),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--max-txn-ops")));
}

TEST(EtcdStoreTest, OutOfQuotaRefusesWritesClearlyAndReadsGoOn) {
  TempDir dir;
  EtcdCluster::Options small;
  small.quota_bytes = 1 << 20;
  auto cluster = EtcdCluster::Start(dir.path(), small);
  ASSERT_NE(cluster, nullptr);
  EtcdOptions options;
  options.endpoints = cluster->endpoints();
  auto store = OpenOrNull(options);
  ASSERT_NE(store, nullptr);
  const std::string big(100000, 'x');
  COFFER_ASSERT_OK(store->Put("first", "kept", std::nullopt));
  absl::Status failed;
  // etcd measures its database as its backend commits (every 100 ms), so on a busy machine
  // the quota bites after more writes than 1 MiB's worth: write until it does, for a while.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (int i = 0; failed.ok() && absl::Now() < deadline; ++i) {
    failed = store->Put("big/" + std::to_string(i % 200), big, std::nullopt).status();
  }
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("out of space")));
  EXPECT_EQ(domain::ReasonOf(failed), domain::reason::kStorageFull);
  EXPECT_THAT(store->Commit({}, {Write::Put("more", "x")}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("out of space")));
  EXPECT_EQ(store->Get("first")->value, "kept");
  EXPECT_THAT(store->CheckHealth(), IsOk());
}

TEST(EtcdStoreTest, TlsWithTheRightMaterialWorksAndTheWrongOneIsRefused) {
  TempDir dir;
  testing::TestPki pki = testing::MakeTestPki(dir, {}, "etcd");
  testing::TestPki other = testing::MakeTestPki(dir, {}, "other");
  EtcdCluster::Options tls;
  tls.cert_file = pki.server_cert;
  tls.key_file = pki.server_key;
  tls.ca_file = pki.ca_cert;
  tls.client_cert_file = pki.client_cert;
  tls.client_key_file = pki.client_key;
  auto cluster = EtcdCluster::Start(dir.path(), tls);
  ASSERT_NE(cluster, nullptr);

  EtcdOptions options;
  options.endpoints = {"https://" + cluster->endpoints()[0]};
  options.ca_file = pki.ca_cert;
  options.cert_file = pki.client_cert;
  options.key_file = pki.client_key;
  options.dial_timeout = absl::Seconds(2);
  auto store = OpenOrNull(options);
  ASSERT_NE(store, nullptr);
  COFFER_EXPECT_OK(store->Put("k", "v", std::nullopt));

  EtcdOptions wrong_ca = options;
  wrong_ca.ca_file = other.ca_cert;  // does not trust the member's certificate
  EXPECT_THAT(EtcdStore::Open(wrong_ca), StatusIs(absl::StatusCode::kUnavailable));
  EtcdOptions wrong_client = options;
  wrong_client.cert_file = other.client_cert;  // a client the members do not trust
  wrong_client.key_file = other.client_key;
  EXPECT_THAT(EtcdStore::Open(wrong_client), StatusIs(absl::StatusCode::kUnavailable));
  EtcdOptions key_without_cert = options;
  key_without_cert.cert_file.clear();
  EXPECT_THAT(EtcdStore::Open(key_without_cert), StatusIs(absl::StatusCode::kInvalidArgument));
}

// Three members: the store's member dies, and everything goes on through the others.
class EtcdClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EtcdCluster::Options three;
    three.members = 3;
    cluster_ = EtcdCluster::Start(dir_.path(), three);
    ASSERT_NE(cluster_, nullptr);
    EtcdOptions options;
    options.endpoints = cluster_->endpoints();
    options.dial_timeout = absl::Milliseconds(500);
    options_ = options;
    store_ = OpenOrNull(options);
    ASSERT_NE(store_, nullptr);
  }

  // Retries a write until the cluster serves writes again (an election takes a few seconds).
  absl::StatusOr<Revision> PutEventually(const std::string& key, const std::string& value) {
    absl::StatusOr<Revision> revision = absl::UnavailableError("not tried");
    PollUntil([&] {
      revision = store_->Put(key, value, std::nullopt);
      return revision.ok();
    });
    return revision;
  }

  TempDir dir_;
  std::unique_ptr<EtcdCluster> cluster_;
  EtcdOptions options_;
  std::unique_ptr<EtcdStore> store_;
};

TEST_F(EtcdClusterTest, ReadsAndWritesGoOnWhenAMemberDies) {
  COFFER_ASSERT_OK(store_->Put("before", "1", std::nullopt));
  cluster_->Kill(0);  // the member the store talks to first
  COFFER_EXPECT_OK(PutEventually("after", "2"));
  EXPECT_EQ(store_->Get("before")->value, "1");
  EXPECT_EQ(store_->Get("after")->value, "2");
}

// A follower hands a write to the leader; when the leader goes, the write is lost, and etcd
// leaves it waiting. It must fail once a new leader is elected, not at its (here long) deadline.
TEST_F(EtcdClusterTest, AWriteTheLeaderTookToItsGraveFailsOnceANewLeaderIsElected) {
  // A cluster just formed may still move its leadership between the question and the pause;
  // then the write succeeds through the real leader, and the test pauses whoever leads now.
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int leader = cluster_->Leader();
    ASSERT_GE(leader, 0);
    const auto& endpoints = cluster_->endpoints();
    EtcdOptions options = options_;
    options.endpoints = {endpoints[(leader + 1) % 3], endpoints[(leader + 2) % 3],
                         endpoints[leader]};
    options.timeout = absl::Minutes(5);
    auto store = OpenOrNull(options);
    ASSERT_NE(store, nullptr);
    COFFER_ASSERT_OK(store->Put("before", "1", std::nullopt));  // connected to a follower

    cluster_->Pause(leader, true);  // the follower forwards the next write into the void
    absl::StatusOr<Revision> lost = store->Put("lost", "2", std::nullopt);
    if (!lost.ok()) {
      EXPECT_THAT(lost, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("leader changed")));
      EXPECT_TRUE(PollUntil([&] { return store->Put("after", "3", std::nullopt).ok(); }));
      cluster_->Pause(leader, false);
      return;
    }
    cluster_->Pause(leader, false);  // it was no longer the leader
    ASSERT_TRUE(PollUntil([&] { return store->Put("settled", "4", std::nullopt).ok(); }));
  }
  FAIL() << "the member paused was never the leader";
}

TEST_F(EtcdClusterTest, WatchMissesNothingWhenItsMemberDiesAndSaysReset) {
  EventLog log;
  COFFER_ASSERT_OK_AND_ASSIGN(auto watch, store_->Watch("w/", log.Recorder()));
  auto last_is = [&](const char* key) {
    std::vector<WatchEvent> events = log.Events();
    return !events.empty() && events.back().key == key;
  };
  COFFER_ASSERT_OK(store_->Put("w/1", "a", std::nullopt));
  ASSERT_TRUE(PollUntil([&] { return last_is("w/1"); }));
  cluster_->Kill(0);  // the watch's member
  COFFER_ASSERT_OK(PutEventually("w/2", "b"));
  COFFER_ASSERT_OK(store_->Put("w/3", "c", std::nullopt));
  ASSERT_TRUE(PollUntil([&] { return last_is("w/3"); }));
  std::vector<std::string> puts;
  bool reset = false;
  for (const auto& e : log.Events()) {
    if (e.kind == WatchEvent::Kind::kReset) reset = true;
    if (e.kind == WatchEvent::Kind::kPut) puts.push_back(e.key);
  }
  EXPECT_TRUE(reset);
  EXPECT_THAT(puts, ::testing::ElementsAre("w/1", "w/2", "w/3"));
}

TEST_F(EtcdClusterTest, WatchResetsWhenTheHistoryItNeedsWasCompactedAndGoesOn) {
  // The watch can only use member 0, so it cannot resume before the history is gone.
  EtcdOptions only_first = options_;
  only_first.endpoints = {cluster_->endpoints()[0]};
  auto watched = OpenOrNull(only_first);
  ASSERT_NE(watched, nullptr);
  std::atomic<int> resets{0};
  std::atomic<bool> saw_late{false};
  COFFER_ASSERT_OK_AND_ASSIGN(auto watch, watched->Watch("c/", [&](const WatchEvent& e) {
    if (e.kind == WatchEvent::Kind::kReset) ++resets;
    if (e.key == "c/late") saw_late = true;
  }));
  cluster_->Kill(0);
  COFFER_ASSERT_OK(PutEventually("c/missed", "x"));
  COFFER_ASSERT_OK_AND_ASSIGN(Revision newest, store_->Put("c/missed-too", "y", std::nullopt));
  auto compact = testing::Run({"etcdctl", "--endpoints=" + cluster_->endpoints()[1], "compact",
                               std::to_string(newest)},
                              {{"ETCDCTL_API", "3"}});
  ASSERT_EQ(compact.exit_code, 0) << compact.output;
  ASSERT_TRUE(cluster_->Restart(0));
  COFFER_ASSERT_OK(store_->Put("c/late", "z", std::nullopt));
  ASSERT_TRUE(PollUntil([&] { return saw_late.load(); }, std::chrono::seconds(30)))
      << "resets: " << resets.load() << "\n" << cluster_->Logs();
  // Once caught up it stays caught up: no more resets.
  const int settled = resets.load();
  EXPECT_GE(settled, 1);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(resets.load(), settled);
}

TEST_F(EtcdClusterTest, OneLeaderAtATimeAndTheLeadMovesWhenItsHolderGoes) {
  auto second = OpenOrNull(options_);
  ASSERT_NE(second, nullptr);
  auto a = store_->Campaign("leader", "replica-a", absl::Seconds(3));
  auto b = second->Campaign("leader", "replica-b", absl::Seconds(3));
  ASSERT_TRUE(PollUntil([&] { return a->IsLeader() || b->IsLeader(); }));
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(a->IsLeader() && b->IsLeader());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Leadership* follower = a->IsLeader() ? b.get() : a.get();
  (a->IsLeader() ? a : b).reset();  // the leader goes away
  EXPECT_TRUE(PollUntil([&] { return follower->IsLeader(); }, std::chrono::seconds(10)));
}

// Two processes under one name (a restarted pod beside its old self) still never both lead.
TEST_F(EtcdClusterTest, TwoCandidatesOfOneNameNeverBothLead) {
  auto second = OpenOrNull(options_);
  ASSERT_NE(second, nullptr);
  auto a = store_->Campaign("leader", "vault-0", absl::Seconds(3));
  ASSERT_TRUE(PollUntil([&] { return a->IsLeader(); }));
  auto b = second->Campaign("leader", "vault-0", absl::Seconds(3));
  for (int i = 0; i < 60; ++i) {
    EXPECT_FALSE(a->IsLeader() && b->IsLeader());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(a->IsLeader());
}

}  // namespace
}  // namespace coffer::storage
