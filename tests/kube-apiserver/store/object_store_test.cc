#include "tests/kube-apiserver/store/object_store.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/clock.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"

namespace coffer::kube::standin {
namespace {

using ::coffer::testing::StatusIs;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kWidgets[] = "example.com/v1/widgets";

json Widget(const std::string& name, const json& labels = json::object()) {
  return {{"apiVersion", "example.com/v1"},
          {"kind", "Widget"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"spec", {{"size", 1}}}};
}

uint64_t Rv(const json& object) {
  return std::stoull(object["metadata"]["resourceVersion"].get<std::string>());
}

class ObjectStoreTest : public ::testing::Test {
 protected:
  FakeClock clock_{absl::FromUnixSeconds(1767225600)};
  ObjectStore store_{clock_};
};

TEST_F(ObjectStoreTest, CreateFillsServerMetadata) {
  COFFER_ASSERT_OK_AND_ASSIGN(json w, store_.Create(kWidgets, "default", Widget("w1")));
  const json& m = w["metadata"];
  EXPECT_EQ(m["namespace"], "default");
  EXPECT_EQ(m["creationTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(m["generation"], 1);
  EXPECT_EQ(m["uid"].get<std::string>().size(), 36u);
  COFFER_ASSERT_OK_AND_ASSIGN(json got, store_.Get(kWidgets, "default", "w1"));
  EXPECT_EQ(got, w);
  EXPECT_THAT(store_.Get(kWidgets, "other", "w1"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ObjectStoreTest, CreatingAnExistingNameIsAlreadyExists) {
  COFFER_ASSERT_OK(store_.Create(kWidgets, "default", Widget("w1")));
  EXPECT_THAT(
      store_.Create(kWidgets, "default", Widget("w1")),
      StatusIs(absl::StatusCode::kAlreadyExists, "widgets.example.com \"w1\" already exists"));
}

TEST_F(ObjectStoreTest, GenerateNameGivesDistinctNamesWithThePrefix) {
  json w = Widget("");
  w["metadata"].erase("name");
  w["metadata"]["generateName"] = "gen-";
  COFFER_ASSERT_OK_AND_ASSIGN(json a, store_.Create(kWidgets, "default", w));
  COFFER_ASSERT_OK_AND_ASSIGN(json b, store_.Create(kWidgets, "default", w));
  EXPECT_THAT(a["metadata"]["name"].get<std::string>(), ::testing::StartsWith("gen-"));
  EXPECT_NE(a["metadata"]["name"], b["metadata"]["name"]);
  EXPECT_NE(a["metadata"]["uid"], b["metadata"]["uid"]);
}

TEST_F(ObjectStoreTest, ResourceVersionIncreasesWithEveryChange) {
  COFFER_ASSERT_OK_AND_ASSIGN(json a, store_.Create(kWidgets, "default", Widget("a")));
  COFFER_ASSERT_OK_AND_ASSIGN(json b, store_.Create("v1/pods", "default", Widget("b")));
  a["spec"]["size"] = 2;
  COFFER_ASSERT_OK_AND_ASSIGN(json a2, store_.Update(kWidgets, "default", a, false));
  EXPECT_LT(Rv(a), Rv(b));
  EXPECT_LT(Rv(b), Rv(a2));
  EXPECT_EQ(store_.CurrentResourceVersion(), std::to_string(Rv(a2)));
}

TEST_F(ObjectStoreTest, ListFiltersByNamespaceLabelsAndFields) {
  COFFER_ASSERT_OK(store_.Create(kWidgets, "ns1", Widget("a", {{"tier", "web"}})));
  COFFER_ASSERT_OK(store_.Create(kWidgets, "ns1", Widget("b", {{"tier", "db"}})));
  COFFER_ASSERT_OK(store_.Create(kWidgets, "ns2", Widget("a", {{"tier", "web"}})));
  COFFER_ASSERT_OK_AND_ASSIGN(ListResult all, store_.List(kWidgets, "", {}));
  EXPECT_EQ(all.items.size(), 3u);
  EXPECT_EQ(all.resource_version, store_.CurrentResourceVersion());
  COFFER_ASSERT_OK_AND_ASSIGN(ListResult ns1, store_.List(kWidgets, "ns1", {}));
  EXPECT_EQ(ns1.items.size(), 2u);

  ListOptions web;
  web.selector.labels = [](const json& labels) { return labels.value("tier", "") == "web"; };
  COFFER_ASSERT_OK_AND_ASSIGN(ListResult webs, store_.List(kWidgets, "", web));
  ASSERT_EQ(webs.items.size(), 2u);

  ListOptions by_field;
  by_field.selector.field_equals = {{"metadata.name", "a"}, {"metadata.namespace", "ns2"}};
  COFFER_ASSERT_OK_AND_ASSIGN(ListResult one, store_.List(kWidgets, "", by_field));
  ASSERT_EQ(one.items.size(), 1u);
  EXPECT_EQ(one.items[0]["metadata"]["namespace"], "ns2");

  ListOptions bad;
  bad.selector.field_equals = {{"spec.size", "1"}};
  EXPECT_THAT(store_.List(kWidgets, "", bad), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ObjectStoreTest, LimitAndContinuePageThroughEveryObjectOnce) {
  for (int i = 0; i < 7; ++i) {
    COFFER_ASSERT_OK(store_.Create(kWidgets, i % 2 ? "a" : "b", Widget("w" + std::to_string(i))));
  }
  std::string list_rv = store_.CurrentResourceVersion();
  std::set<std::string> seen;
  ListOptions page;
  page.limit = 3;
  int pages = 0;
  do {
    COFFER_ASSERT_OK_AND_ASSIGN(ListResult r, store_.List(kWidgets, "", page));
    EXPECT_LE(r.items.size(), 3u);
    EXPECT_EQ(r.resource_version, list_rv);
    for (const json& item : r.items) {
      EXPECT_TRUE(seen.insert(item["metadata"]["namespace"].get<std::string>() + "/" +
                              item["metadata"]["name"].get<std::string>())
                      .second);
    }
    page.continue_token = r.continue_token;
    ++pages;
  } while (!page.continue_token.empty());
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(pages, 3);
  page.continue_token = "not-a-token";
  EXPECT_THAT(store_.List(kWidgets, "", page), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ObjectStoreTest, StaleResourceVersionUpdateIsConflict) {
  COFFER_ASSERT_OK_AND_ASSIGN(json w, store_.Create(kWidgets, "default", Widget("w1")));
  json first = w;
  first["spec"]["size"] = 2;
  COFFER_ASSERT_OK(store_.Update(kWidgets, "default", first, false));
  w["spec"]["size"] = 3;
  absl::StatusOr<json> stale = store_.Update(kWidgets, "default", w, false);
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted,
                              "Operation cannot be fulfilled on widgets.example.com \"w1\": the "
                              "object has been modified; please apply your changes to the latest "
                              "version and try again"));
  COFFER_ASSERT_OK_AND_ASSIGN(json now, store_.Get(kWidgets, "default", "w1"));
  EXPECT_EQ(now["spec"]["size"], 2);
}

TEST_F(ObjectStoreTest, GenerationBumpsOnlyOnSpecChanges) {
  COFFER_ASSERT_OK_AND_ASSIGN(json w, store_.Create(kWidgets, "default", Widget("w1")));
  w["metadata"]["labels"]["x"] = "y";
  COFFER_ASSERT_OK_AND_ASSIGN(w, store_.Update(kWidgets, "default", w, false));
  EXPECT_EQ(w["metadata"]["generation"], 1);
  w["spec"]["size"] = 5;
  COFFER_ASSERT_OK_AND_ASSIGN(w, store_.Update(kWidgets, "default", w, false));
  EXPECT_EQ(w["metadata"]["generation"], 2);
  w["status"] = {{"ready", true}};
  COFFER_ASSERT_OK_AND_ASSIGN(w, store_.Update(kWidgets, "default", w, true));
  EXPECT_EQ(w["metadata"]["generation"], 2);
}

TEST_F(ObjectStoreTest, StatusUpdateChangesOnlyStatus) {
  store_.EnableStatusSubresource(kWidgets);
  COFFER_ASSERT_OK_AND_ASSIGN(json w, store_.Create(kWidgets, "default", Widget("w1")));
  json edit = w;
  edit["spec"]["size"] = 9;
  edit["metadata"]["labels"]["sneaky"] = "yes";
  edit["status"] = {{"phase", "Ready"}};
  COFFER_ASSERT_OK_AND_ASSIGN(json after, store_.Update(kWidgets, "default", edit, true));
  EXPECT_EQ(after["status"]["phase"], "Ready");
  EXPECT_EQ(after["spec"]["size"], 1);
  EXPECT_FALSE(after["metadata"]["labels"].contains("sneaky"));
  EXPECT_GT(Rv(after), Rv(w));
}

TEST_F(ObjectStoreTest, MainUpdateIgnoresStatusWhenTheSubresourceIsEnabled) {
  store_.EnableStatusSubresource(kWidgets);
  json w = Widget("w1");
  COFFER_ASSERT_OK_AND_ASSIGN(w, store_.Create(kWidgets, "default", w));
  w["status"] = {{"phase", "Ready"}};
  COFFER_ASSERT_OK_AND_ASSIGN(w, store_.Update(kWidgets, "default", w, true));
  w["status"]["phase"] = "Broken";
  w["spec"]["size"] = 4;
  COFFER_ASSERT_OK_AND_ASSIGN(json after, store_.Update(kWidgets, "default", w, false));
  EXPECT_EQ(after["status"]["phase"], "Ready");
  EXPECT_EQ(after["spec"]["size"], 4);
}

TEST_F(ObjectStoreTest, UpdateOfMissingObjectIsNotFound) {
  EXPECT_THAT(store_.Update(kWidgets, "default", Widget("nope"), false),
              StatusIs(absl::StatusCode::kNotFound, "widgets.example.com \"nope\" not found"));
  EXPECT_THAT(store_.Delete(kWidgets, "default", "nope"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ObjectStoreTest, MalformedMetadataIsBadRequest) {
  json w = Widget("w1");
  w["metadata"]["name"] = 7;
  EXPECT_THAT(store_.Create(kWidgets, "default", w), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_.Update(kWidgets, "default", json::array(), false),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::kube::standin
