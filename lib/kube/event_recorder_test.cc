#include "lib/kube/event_recorder.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/kube/fake_kube_client.h"
#include "lib/testing/status_matchers.h"

namespace coffer::kube {
namespace {

using ::coffer::testing::StatusIs;
using ::nlohmann::json;

const json kVault = {
    {"apiVersion", "coffer.io/v1alpha1"},
    {"kind", "Vault"},
    {"metadata", {{"name", "v"}, {"namespace", "ns"}, {"uid", "u-1"}, {"resourceVersion", "7"}}}};

TEST(EventRecorderTest, WarningEventNamesObjectControllerAndReason) {
  FakeKubeClient client;
  FakeClock clock;
  EventRecorder recorder(client, clock, "coffer.io/operator", "operator-0");
  COFFER_ASSERT_OK(
      recorder.Record(kVault, EventType::kWarning, "UnsealFailed", "Reconcile", "key missing"));
  COFFER_ASSERT_OK_AND_ASSIGN(ObjectList events, client.List(kEvents, "ns", {}));
  ASSERT_EQ(events.items.size(), 1u);
  const json& event = events.items[0];
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["reason"], "UnsealFailed");
  EXPECT_EQ(event["action"], "Reconcile");
  EXPECT_EQ(event["note"], "key missing");
  EXPECT_EQ(event["reportingController"], "coffer.io/operator");
  EXPECT_EQ(event["reportingInstance"], "operator-0");
  EXPECT_EQ(event["eventTime"], "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(event["regarding"], json({{"apiVersion", "coffer.io/v1alpha1"},
                                      {"kind", "Vault"},
                                      {"namespace", "ns"},
                                      {"name", "v"},
                                      {"uid", "u-1"},
                                      {"resourceVersion", "7"}}));
}

TEST(EventRecorderTest, RepeatedEventsInOneInstantGetDistinctNames) {
  FakeKubeClient client;
  FakeClock clock;
  EventRecorder recorder(client, clock, "c", "i");
  COFFER_ASSERT_OK(recorder.Record(kVault, EventType::kNormal, "Synced", "Reconcile", "ok"));
  COFFER_ASSERT_OK(recorder.Record(kVault, EventType::kNormal, "Synced", "Reconcile", "ok"));
  COFFER_ASSERT_OK_AND_ASSIGN(ObjectList events, client.List(kEvents, "ns", {}));
  ASSERT_EQ(events.items.size(), 2u);
  EXPECT_EQ(events.items[0]["type"], "Normal");
}

TEST(EventRecorderTest, ClusterScopedObjectEventGoesToDefaultAndLongNoteIsCut) {
  FakeKubeClient client;
  FakeClock clock;
  EventRecorder recorder(client, clock, "c", "i");
  json node = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "n1"}}}};
  COFFER_ASSERT_OK(
      recorder.Record(node, EventType::kNormal, "Seen", "Observe", std::string(5000, 'x')));
  COFFER_ASSERT_OK_AND_ASSIGN(ObjectList events, client.List(kEvents, "default", {}));
  ASSERT_EQ(events.items.size(), 1u);
  EXPECT_EQ(events.items[0]["note"].get<std::string>().size(), 1024u);
}

TEST(EventRecorderTest, CreateFailureIsReturned) {
  FakeKubeClient client;
  FakeClock clock;
  EventRecorder recorder(client, clock, "c", "i");
  client.FailNextCall(absl::PermissionDeniedError("no events for you"));
  EXPECT_THAT(recorder.Record(kVault, EventType::kNormal, "Synced", "Reconcile", "ok"),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

}  // namespace
}  // namespace coffer::kube
