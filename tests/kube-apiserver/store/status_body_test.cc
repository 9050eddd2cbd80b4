#include "tests/kube-apiserver/store/status_body.h"

#include "gtest/gtest.h"

namespace coffer::kube::standin {
namespace {

using nlohmann::json;

TEST(StatusBodyTest, NotFoundNamesResourceGroupAndPlural) {
  json body = StatusBody(NotFoundError(ResourceName::Parse("coffer.io/v1alpha1/vaults"), "v1"));
  json want = {{"kind", "Status"},
               {"apiVersion", "v1"},
               {"metadata", json::object()},
               {"status", "Failure"},
               {"message", "vaults.coffer.io \"v1\" not found"},
               {"reason", "NotFound"},
               {"details", {{"name", "v1"}, {"group", "coffer.io"}, {"kind", "vaults"}}},
               {"code", 404}};
  EXPECT_EQ(body, want);
}

TEST(StatusBodyTest, CoreGroupMessagesHaveNoGroupSuffix) {
  json body = StatusBody(AlreadyExistsError(ResourceName::Parse("v1/pods"), "p"));
  EXPECT_EQ(body["message"], "pods \"p\" already exists");
  EXPECT_EQ(body["reason"], "AlreadyExists");
  EXPECT_EQ(body["code"], 409);
  EXPECT_FALSE(body["details"].contains("group"));
}

TEST(StatusBodyTest, ConflictIs409WithConflictReason) {
  json body = StatusBody(ConflictError(ResourceName::Parse("example.com/v1/widgets"), "w1"));
  EXPECT_EQ(body["reason"], "Conflict");
  EXPECT_EQ(body["code"], 409);
  EXPECT_EQ(body["details"]["kind"], "widgets");
}

TEST(StatusBodyTest, InvalidCarriesKindAndCauses) {
  json body =
      StatusBody(InvalidError(ResourceName::Parse("coffer.io/v1alpha1/vaults"), "Vault", "bad",
                              "spec.replicas", "FieldValueInvalid", "Invalid value: 9: too big"));
  EXPECT_EQ(body["message"],
            "Vault.coffer.io \"bad\" is invalid: spec.replicas: Invalid value: 9: too big");
  EXPECT_EQ(body["code"], 422);
  EXPECT_EQ(body["details"]["kind"], "Vault");
  EXPECT_EQ(body["details"]["causes"][0]["field"], "spec.replicas");
  EXPECT_EQ(body["details"]["causes"][0]["reason"], "FieldValueInvalid");
}

TEST(StatusBodyTest, ExpiredHasNoDetails) {
  json body = StatusBody(ExpiredError("5", 105));
  json want = {{"kind", "Status"},
               {"apiVersion", "v1"},
               {"metadata", json::object()},
               {"status", "Failure"},
               {"message", "too old resource version: 5 (105)"},
               {"reason", "Expired"},
               {"code", 410}};
  EXPECT_EQ(body, want);
}

TEST(StatusBodyTest, PlainStatusMapsFromItsCode) {
  json body = StatusBody(absl::InternalError("boom"));
  EXPECT_EQ(body["reason"], "InternalError");
  EXPECT_EQ(body["code"], 500);
  EXPECT_EQ(StatusBody(absl::NotFoundError("x"))["code"], 404);
}

}  // namespace
}  // namespace coffer::kube::standin
