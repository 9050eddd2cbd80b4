#include "lib/kube/fake_kube_client.h"

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace coffer::kube {
namespace {

using ::coffer::testing::StatusIs;
using ::nlohmann::json;
using ::testing::ElementsAre;

const ResourceRef kVaults{"coffer.io", "v1alpha1", "vaults", true};

json Vault(const std::string& name, const std::string& app = "x") {
  return {{"metadata", {{"name", name}, {"labels", {{"app", app}}}}}, {"spec", {{"replicas", 1}}}};
}

TEST(FakeKubeClientTest, CreateThenGetReturnsObjectWithResourceVersionAndUid) {
  FakeKubeClient client;
  COFFER_ASSERT_OK_AND_ASSIGN(json created, client.Create(kVaults, "ns", Vault("v")));
  COFFER_ASSERT_OK_AND_ASSIGN(json got, client.Get(kVaults, "ns", "v"));
  EXPECT_EQ(got, created);
  EXPECT_FALSE(got["metadata"]["resourceVersion"].get<std::string>().empty());
  EXPECT_FALSE(got["metadata"]["uid"].get<std::string>().empty());
  EXPECT_EQ(got["metadata"]["namespace"], "ns");
}

TEST(FakeKubeClientTest, MissingObjectIsNotFound) {
  FakeKubeClient client;
  EXPECT_THAT(client.Get(kVaults, "ns", "v"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(client.Delete(kVaults, "ns", "v", {}), StatusIs(absl::StatusCode::kNotFound));
}

TEST(FakeKubeClientTest, SecondCreateIsAlreadyExists) {
  FakeKubeClient client;
  COFFER_ASSERT_OK(client.Create(kVaults, "ns", Vault("v")));
  EXPECT_THAT(client.Create(kVaults, "ns", Vault("v")), StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST(FakeKubeClientTest, StaleUpdateIsAbortedAndFreshOneBumpsGeneration) {
  FakeKubeClient client;
  COFFER_ASSERT_OK_AND_ASSIGN(json v1, client.Create(kVaults, "ns", Vault("v")));
  json v2 = v1;
  v2["spec"]["replicas"] = 3;
  COFFER_ASSERT_OK_AND_ASSIGN(json stored, client.Update(kVaults, "ns", v2));
  EXPECT_EQ(stored["metadata"]["generation"], 2);
  EXPECT_THAT(client.Update(kVaults, "ns", v2), StatusIs(absl::StatusCode::kAborted));
}

TEST(FakeKubeClientTest, UpdateStatusChangesOnlyStatus) {
  FakeKubeClient client;
  COFFER_ASSERT_OK_AND_ASSIGN(json v, client.Create(kVaults, "ns", Vault("v")));
  v["spec"]["replicas"] = 9;
  v["status"] = {{"phase", "Ready"}};
  COFFER_ASSERT_OK_AND_ASSIGN(json stored, client.UpdateStatus(kVaults, "ns", v));
  EXPECT_EQ(stored["status"]["phase"], "Ready");
  EXPECT_EQ(stored["spec"]["replicas"], 1);
}

TEST(FakeKubeClientTest, MergeAndJsonPatchesApply) {
  FakeKubeClient client;
  COFFER_ASSERT_OK(client.Create(kVaults, "ns", Vault("v")));
  COFFER_ASSERT_OK(client.Patch(kVaults, "ns", "v", PatchType::kMerge,
                                {{"metadata", {{"labels", {{"app", nullptr}, {"t", "y"}}}}}}));
  COFFER_ASSERT_OK_AND_ASSIGN(
      json patched,
      client.Patch(kVaults, "ns", "v", PatchType::kJson,
                   json::array({{{"op", "replace"}, {"path", "/spec/replicas"}, {"value", 4}}})));
  EXPECT_EQ(patched["metadata"]["labels"], json({{"t", "y"}}));
  EXPECT_EQ(patched["spec"]["replicas"], 4);
  EXPECT_THAT(client.Patch(kVaults, "ns", "v", PatchType::kJson,
                           json::array({{{"op", "remove"}, {"path", "/nope"}}})),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(FakeKubeClientTest, DeleteWithWrongPreconditionIsAborted) {
  FakeKubeClient client;
  COFFER_ASSERT_OK(client.Create(kVaults, "ns", Vault("v")));
  EXPECT_THAT(client.Delete(kVaults, "ns", "v", {"other-uid", "", ""}),
              StatusIs(absl::StatusCode::kAborted));
  COFFER_EXPECT_OK(client.Delete(kVaults, "ns", "v", {}));
  EXPECT_THAT(client.Get(kVaults, "ns", "v"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(FakeKubeClientTest, ListFiltersBySelectorsAndPages) {
  FakeKubeClient client;
  for (const char* name : {"a", "b", "c"})
    COFFER_ASSERT_OK(client.Create(kVaults, "ns", Vault(name)));
  COFFER_ASSERT_OK(client.Create(kVaults, "ns", Vault("d", "other")));
  COFFER_ASSERT_OK(client.Create(kVaults, "ns2", Vault("e")));
  ListOptions options;
  options.label_selector = "app=x";
  options.limit = 2;
  COFFER_ASSERT_OK_AND_ASSIGN(ObjectList page1, client.List(kVaults, "ns", options));
  ASSERT_EQ(page1.items.size(), 2u);
  EXPECT_FALSE(page1.continue_token.empty());
  options.continue_token = page1.continue_token;
  COFFER_ASSERT_OK_AND_ASSIGN(ObjectList page2, client.List(kVaults, "ns", options));
  ASSERT_EQ(page2.items.size(), 1u);
  EXPECT_EQ(page2.items[0]["metadata"]["name"], "c");
  EXPECT_TRUE(page2.continue_token.empty());
  ListOptions by_name;
  by_name.field_selector = "metadata.name=e";
  COFFER_ASSERT_OK_AND_ASSIGN(ObjectList all, client.List(kVaults, "", by_name));
  ASSERT_EQ(all.items.size(), 1u);
  EXPECT_EQ(all.items[0]["metadata"]["namespace"], "ns2");
}

TEST(FakeKubeClientTest, WatchFromListVersionSeesLaterChangesUntilHandlerStops) {
  FakeKubeClient client;
  COFFER_ASSERT_OK(client.Create(kVaults, "ns", Vault("old")));
  COFFER_ASSERT_OK_AND_ASSIGN(ObjectList list, client.List(kVaults, "ns", {}));
  std::vector<std::string> seen;
  std::thread watcher([&] {
    WatchOptions options;
    options.resource_version = list.resource_version;
    COFFER_EXPECT_OK(client.Watch(
        kVaults, "ns", options,
        [&](const WatchEvent& event) {
          seen.push_back(std::to_string(static_cast<int>(event.type)) +
                         event.object["metadata"]["name"].get<std::string>());
          return event.type != WatchEventType::kDeleted;
        },
        nullptr));
  });
  COFFER_ASSERT_OK_AND_ASSIGN(json v, client.Create(kVaults, "ns", Vault("new")));
  COFFER_ASSERT_OK(client.Create(kVaults, "other-ns", Vault("elsewhere")));
  COFFER_ASSERT_OK(client.Update(kVaults, "ns", v));
  COFFER_ASSERT_OK(client.Delete(kVaults, "ns", "new", {}));
  watcher.join();
  EXPECT_THAT(seen, ElementsAre("0new", "1new", "2new"));
}

TEST(FakeKubeClientTest, WatchWithoutVersionStartsWithSyntheticAdds) {
  FakeKubeClient client;
  COFFER_ASSERT_OK(client.Create(kVaults, "ns", Vault("a")));
  std::vector<std::string> seen;
  COFFER_EXPECT_OK(client.Watch(
      kVaults, "ns", {},
      [&](const WatchEvent& event) {
        seen.push_back(event.object["metadata"]["name"].get<std::string>());
        return false;
      },
      nullptr));
  EXPECT_THAT(seen, ElementsAre("a"));
}

TEST(FakeKubeClientTest, WatchFromCompactedVersionIsExpired) {
  FakeKubeClient client;
  COFFER_ASSERT_OK(client.Create(kVaults, "ns", Vault("a")));
  COFFER_ASSERT_OK(client.Create(kVaults, "ns", Vault("b")));
  client.Compact();
  WatchOptions options;
  options.resource_version = "1";
  EXPECT_THAT(client.Watch(
                  kVaults, "ns", options, [](const WatchEvent&) { return true; }, nullptr),
              StatusIs(kWatchExpired));
}

TEST(FakeKubeClientTest, CancelledWatchReturnsCancelled) {
  FakeKubeClient client;
  http::Cancellation cancel;
  std::thread canceller([&] { cancel.Cancel(); });
  WatchOptions options;
  options.resource_version = "0";
  EXPECT_THAT(client.Watch(
                  kVaults, "ns", options, [](const WatchEvent&) { return true; }, &cancel),
              StatusIs(absl::StatusCode::kCancelled));
  canceller.join();
}

TEST(FakeKubeClientTest, InjectedFailureFailsOnlyTheNextCall) {
  FakeKubeClient client;
  client.FailNextCall(absl::UnavailableError("down"));
  EXPECT_THAT(client.Create(kVaults, "ns", Vault("v")), StatusIs(absl::StatusCode::kUnavailable));
  COFFER_EXPECT_OK(client.Create(kVaults, "ns", Vault("v")));
}

TEST(FakeKubeClientTest, RawWithoutHandlerIsUnimplementedAndWithOneAnswers) {
  FakeKubeClient client;
  EXPECT_THAT(client.Raw("POST", "/x", nullptr), StatusIs(absl::StatusCode::kUnimplemented));
  client.SetRawHandler([](std::string_view, std::string_view path, const json&) {
    return absl::StatusOr<json>(json{{"path", std::string(path)}});
  });
  COFFER_ASSERT_OK_AND_ASSIGN(json answer, client.Raw("POST", "/x", nullptr));
  EXPECT_EQ(answer["path"], "/x");
}

}  // namespace
}  // namespace coffer::kube
