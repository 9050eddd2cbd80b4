#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/kube-apiserver/schema/schema.h"

namespace coffer::kube::schema {
namespace {

using nlohmann::json;

const json kSchema = json::parse(R"({
  "type": "object",
  "properties": {
    "spec": {
      "type": "object",
      "properties": {
        "replicas": {"type": "integer"},
        "items": {"type": "array", "items": {
          "type": "object", "properties": {"name": {"type": "string"}}}},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "config": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                   "properties": {"known": {"type": "object",
                                            "properties": {"a": {"type": "string"}}}}}
      }
    },
    "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}
  }
})");

TEST(PruneTest, UnknownFieldsAreDroppedAndRootMetadataKept) {
  json object = json::parse(R"({
    "apiVersion": "example.com/v1", "kind": "Widget",
    "metadata": {"name": "w1", "labels": {"a": "b"}},
    "extra": 1,
    "spec": {"replicas": 2, "bogus": true},
    "status": {"ready": true, "phase": "x"}
  })");
  Prune(kSchema, object);
  EXPECT_EQ(object, json::parse(R"({
    "apiVersion": "example.com/v1", "kind": "Widget",
    "metadata": {"name": "w1", "labels": {"a": "b"}},
    "spec": {"replicas": 2},
    "status": {"ready": true}
  })"));
}

TEST(PruneTest, ArrayItemsAndMapValuesArePruned) {
  json object = json::parse(R"({"spec": {
    "items": [{"name": "a", "x": 1}, {"y": 2}],
    "labels": {"k": "v", "k2": "v2"}
  }})");
  Prune(kSchema, object);
  EXPECT_EQ(object, json::parse(R"({"spec": {
    "items": [{"name": "a"}, {}],
    "labels": {"k": "v", "k2": "v2"}
  }})"));
}

TEST(PruneTest, PreserveUnknownSubtreeIsKeptButDeclaredChildrenArePruned) {
  json object = json::parse(R"({"spec": {"config": {
    "anything": {"deep": [1, {"x": null}]},
    "known": {"a": "kept", "b": "dropped"}
  }}})");
  Prune(kSchema, object);
  EXPECT_EQ(object, json::parse(R"({"spec": {"config": {
    "anything": {"deep": [1, {"x": null}]},
    "known": {"a": "kept"}
  }}})"));
}

TEST(PruneTest, RootPreserveUnknownKeepsEverything) {
  json object = {{"kind", "Widget"}, {"whatever", {{"a", 1}}}};
  const json original = object;
  Prune({{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}, object);
  EXPECT_EQ(object, original);
}

TEST(InvalidStatusTest, SingleCauseHasKubernetesShape) {
  const std::vector<Cause> causes = {
      {"spec.replicas", "FieldValueInvalid",
       "Invalid value: 9: spec.replicas in body should be less than or equal to 5"}};
  EXPECT_EQ(InvalidStatus("coffer.io", "Vault", "bad", causes), json::parse(R"({
    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
    "message": "Vault.coffer.io \"bad\" is invalid: spec.replicas: Invalid value: 9: spec.replicas in body should be less than or equal to 5",
    "reason": "Invalid",
    "details": {"name": "bad", "group": "coffer.io", "kind": "Vault", "causes": [
      {"reason": "FieldValueInvalid", "field": "spec.replicas",
       "message": "Invalid value: 9: spec.replicas in body should be less than or equal to 5"}]},
    "code": 422
  })"));
}

TEST(InvalidStatusTest, SeveralCausesAreBracketedAndDuplicatesDropped) {
  const std::vector<Cause> causes = {{"spec.image", "FieldValueRequired", "Required value"},
                                     {"spec.tier", "FieldValueNotSupported",
                                      "Unsupported value: \"x\": supported values: \"dev\""},
                                     {"spec.image", "FieldValueRequired", "Required value"}};
  const json status = InvalidStatus("example.com", "Widget", "w1", causes);
  EXPECT_EQ(status["message"],
            "Widget.example.com \"w1\" is invalid: [spec.image: Required value, spec.tier: "
            "Unsupported value: \"x\": supported values: \"dev\"]");
  EXPECT_EQ(status["details"]["causes"].size(), 3u);
}

TEST(InvalidStatusTest, ValidationOutputFeedsStatus) {
  const json schema = {
      {"type", "object"},
      {"properties", {{"spec", {{"type", "object"}, {"required", {"replicas"}}}}}}};
  const json status =
      InvalidStatus("", "Widget", "w1", Validate(schema, {{"spec", json::object()}}));
  EXPECT_EQ(status["message"], "Widget \"w1\" is invalid: spec.replicas: Required value");
  EXPECT_FALSE(status["details"].contains("group"));
  EXPECT_EQ(status["details"]["causes"][0]["field"], "spec.replicas");
  EXPECT_EQ(status["code"], 422);
}

}  // namespace
}  // namespace coffer::kube::schema
