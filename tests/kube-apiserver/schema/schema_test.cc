#include "tests/kube-apiserver/schema/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coffer::kube::schema {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

MATCHER_P3(IsCause, field, reason, message, "") {
  return arg.field == field && arg.reason == reason && arg.message == message;
}

// A Widget whose spec carries `property`, the usual shape of a CRD version's openAPIV3Schema.
json SpecSchema(const std::string& name, const json& property) {
  return {{"type", "object"},
          {"properties", {{"spec", {{"type", "object"}, {"properties", {{name, property}}}}}}}};
}

std::vector<Cause> ValidateSpec(const json& schema, const json& spec) {
  return Validate(schema, {{"apiVersion", "example.com/v1"}, {"kind", "Widget"}, {"spec", spec}});
}

TEST(ValidateTest, WrongTypeIsTypeInvalidWithKubernetesWording) {
  const json schema = SpecSchema("replicas", {{"type", "integer"}});
  EXPECT_THAT(ValidateSpec(schema, {{"replicas", 3}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"replicas", "3"}}),
              ElementsAre(IsCause("spec.replicas", "FieldValueTypeInvalid",
                                  "Invalid value: \"string\": spec.replicas in body must be of "
                                  "type integer: \"string\"")));
  EXPECT_THAT(ValidateSpec(schema, {{"replicas", 1.5}}),
              ElementsAre(IsCause("spec.replicas", "FieldValueTypeInvalid",
                                  "Invalid value: \"number\": spec.replicas in body must be of "
                                  "type integer: \"number\"")));
}

TEST(ValidateTest, NumberAcceptsIntegersButNotStrings) {
  const json schema = SpecSchema("ratio", {{"type", "number"}});
  EXPECT_THAT(ValidateSpec(schema, {{"ratio", 2}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"ratio", 0.5}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"ratio", true}}).at(0).reason, "FieldValueTypeInvalid");
}

TEST(ValidateTest, EachTypeRejectsTheOthers) {
  const json values = {
      {"object", {{"a", 1}}}, {"array", {1}}, {"string", "s"}, {"integer", 1}, {"boolean", false}};
  for (const auto& [type, good] : values.items()) {
    const json schema = SpecSchema("x", {{"type", type}});
    EXPECT_THAT(ValidateSpec(schema, {{"x", good}}), IsEmpty()) << type;
    for (const auto& [other, bad] : values.items()) {
      if (other != type) {
        EXPECT_EQ(ValidateSpec(schema, {{"x", bad}}).size(), 1u) << type << " vs " << other;
      }
    }
  }
}

TEST(ValidateTest, NullIsRejectedUnlessNullable) {
  EXPECT_THAT(ValidateSpec(SpecSchema("x", {{"type", "string"}}), {{"x", nullptr}}),
              ElementsAre(IsCause("spec.x", "FieldValueTypeInvalid",
                                  "Invalid value: \"null\": spec.x in body must be of type "
                                  "string: \"null\"")));
  EXPECT_THAT(
      ValidateSpec(SpecSchema("x", {{"type", "string"}, {"nullable", true}}), {{"x", nullptr}}),
      IsEmpty());
}

TEST(ValidateTest, MissingRequiredFieldIsRequiredValue) {
  json schema = SpecSchema("replicas", {{"type", "integer"}});
  schema["properties"]["spec"]["required"] = {"replicas", "image"};
  EXPECT_THAT(ValidateSpec(schema, {{"replicas", 1}, {"image", "x"}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"replicas", 1}}),
              ElementsAre(IsCause("spec.image", "FieldValueRequired", "Required value")));
}

TEST(ValidateTest, ValueOutsideEnumIsNotSupported) {
  const json schema = SpecSchema("tier", {{"type", "string"}, {"enum", {"dev", "prod"}}});
  EXPECT_THAT(ValidateSpec(schema, {{"tier", "prod"}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"tier", "x"}}),
              ElementsAre(IsCause("spec.tier", "FieldValueNotSupported",
                                  "Unsupported value: \"x\": supported values: \"dev\", "
                                  "\"prod\"")));
}

TEST(ValidateTest, StringNotMatchingPatternIsInvalid) {
  const json schema = SpecSchema("name", {{"type", "string"}, {"pattern", "^[a-z]+$"}});
  EXPECT_THAT(ValidateSpec(schema, {{"name", "abc"}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"name", "Abc"}}),
              ElementsAre(IsCause("spec.name", "FieldValueInvalid",
                                  "Invalid value: \"Abc\": spec.name in body should match "
                                  "'^[a-z]+$'")));
}

TEST(ValidateTest, BrokenPatternIsReportedNotThrown) {
  const json schema = SpecSchema("name", {{"type", "string"}, {"pattern", "(["}});
  EXPECT_THAT(ValidateSpec(schema, {{"name", "a"}}).at(0).reason, "FieldValueInvalid");
}

TEST(ValidateTest, NumberOutsideInclusiveBoundsIsInvalid) {
  const json schema = SpecSchema("replicas", {{"type", "integer"}, {"minimum", 1}, {"maximum", 5}});
  EXPECT_THAT(ValidateSpec(schema, {{"replicas", 1}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"replicas", 5}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"replicas", 0}}),
              ElementsAre(IsCause("spec.replicas", "FieldValueInvalid",
                                  "Invalid value: 0: spec.replicas in body should be greater "
                                  "than or equal to 1")));
  EXPECT_THAT(ValidateSpec(schema, {{"replicas", 9}}),
              ElementsAre(IsCause("spec.replicas", "FieldValueInvalid",
                                  "Invalid value: 9: spec.replicas in body should be less than "
                                  "or equal to 5")));
}

TEST(ValidateTest, NumberOnExclusiveBoundIsInvalid) {
  const json schema = SpecSchema("ratio", {{"type", "number"},
                                           {"minimum", 0},
                                           {"exclusiveMinimum", true},
                                           {"maximum", 1.5},
                                           {"exclusiveMaximum", true}});
  EXPECT_THAT(ValidateSpec(schema, {{"ratio", 0.25}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"ratio", 0}}),
              ElementsAre(IsCause("spec.ratio", "FieldValueInvalid",
                                  "Invalid value: 0: spec.ratio in body should be greater than "
                                  "0")));
  EXPECT_THAT(ValidateSpec(schema, {{"ratio", 1.5}}),
              ElementsAre(IsCause("spec.ratio", "FieldValueInvalid",
                                  "Invalid value: 1.5: spec.ratio in body should be less than "
                                  "1.5")));
}

TEST(ValidateTest, StringLengthOutsideBoundsIsReported) {
  const json schema = SpecSchema("name", {{"type", "string"}, {"minLength", 2}, {"maxLength", 4}});
  EXPECT_THAT(ValidateSpec(schema, {{"name", "abcd"}}), IsEmpty());
  // Lengths count characters, not UTF-8 bytes.
  EXPECT_THAT(ValidateSpec(schema, {{"name", "\xc3\xa4\xc3\xb6\xc3\xbc"}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"name", "a"}}),
              ElementsAre(IsCause("spec.name", "FieldValueInvalid",
                                  "Invalid value: \"a\": spec.name in body should be at least 2 "
                                  "chars long")));
  EXPECT_THAT(ValidateSpec(schema, {{"name", "abcde"}}),
              ElementsAre(IsCause("spec.name", "FieldValueTooLong",
                                  "Too long: may not be more than 4 bytes")));
}

TEST(ValidateTest, ArrayLengthOutsideBoundsIsReported) {
  const json schema = SpecSchema(
      "ports",
      {{"type", "array"}, {"items", {{"type", "integer"}}}, {"minItems", 1}, {"maxItems", 2}});
  EXPECT_THAT(ValidateSpec(schema, {{"ports", {80, 443}}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"ports", json::array()}}),
              ElementsAre(IsCause("spec.ports", "FieldValueInvalid",
                                  "Invalid value: 0: spec.ports in body should have at least 1 "
                                  "items")));
  EXPECT_THAT(ValidateSpec(schema, {{"ports", {1, 2, 3}}}),
              ElementsAre(IsCause("spec.ports", "FieldValueTooMany",
                                  "Too many: 3: must have at most 2 items")));
}

TEST(ValidateTest, Int32FormatRejectsValuesOutOfRange) {
  const json schema = SpecSchema("n", {{"type", "integer"}, {"format", "int32"}});
  EXPECT_THAT(ValidateSpec(schema, {{"n", 2147483647}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"n", 2147483648}}).at(0).field, "spec.n");
  EXPECT_THAT(ValidateSpec(SpecSchema("n", {{"type", "integer"}, {"format", "int64"}}),
                           {{"n", 2147483648}}),
              IsEmpty());
}

TEST(ValidateTest, IntOrStringAcceptsBothAndNothingElse) {
  const json schema = SpecSchema("port", {{"x-kubernetes-int-or-string", true}});
  EXPECT_THAT(ValidateSpec(schema, {{"port", 8080}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"port", "http"}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"port", true}}).at(0).reason, "FieldValueTypeInvalid");
}

TEST(ValidateTest, AdditionalPropertiesSchemaChecksEveryMapValue) {
  const json schema =
      SpecSchema("labels", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}});
  EXPECT_THAT(ValidateSpec(schema, {{"labels", {{"a", "1"}}}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"labels", {{"a", "1"}, {"b", 2}}}}).at(0).field,
              "spec.labels.b");
}

TEST(ValidateTest, AdditionalPropertiesFalseRejectsUndeclaredKeys) {
  const json schema = SpecSchema("o", {{"type", "object"},
                                       {"properties", {{"a", {{"type", "string"}}}}},
                                       {"additionalProperties", false}});
  EXPECT_THAT(ValidateSpec(schema, {{"o", {{"a", "1"}}}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(schema, {{"o", {{"a", "1"}, {"b", 2}}}}).at(0).field, "spec.o.b");
}

TEST(ValidateTest, NestedArraysOfObjectsReportIndexedPaths) {
  const json item = {{"type", "object"},
                     {"required", {"name"}},
                     {"properties",
                      {{"name", {{"type", "string"}, {"minLength", 1}}},
                       {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}};
  const json schema = SpecSchema("items", {{"type", "array"}, {"items", item}});
  EXPECT_THAT(ValidateSpec(schema, {{"items", {{{"name", "a"}, {"tags", {"x"}}}}}}), IsEmpty());
  const json bad = {{"items", {{{"name", "a"}}, {{"name", "b"}, {"tags", {"x", 7}}}, {{"n", 1}}}}};
  EXPECT_THAT(ValidateSpec(schema, bad),
              ElementsAre(IsCause("spec.items[1].tags[1]", "FieldValueTypeInvalid",
                                  "Invalid value: \"integer\": spec.items[1].tags[1] in body "
                                  "must be of type string: \"integer\""),
                          IsCause("spec.items[2].name", "FieldValueRequired", "Required value")));
}

TEST(ValidateTest, EveryViolationIsReported) {
  json schema = SpecSchema("replicas", {{"type", "integer"}, {"maximum", 5}});
  schema["properties"]["spec"]["properties"]["tier"] = {{"type", "string"}, {"enum", {"dev"}}};
  schema["properties"]["spec"]["required"] = {"image"};
  EXPECT_EQ(ValidateSpec(schema, {{"replicas", 9}, {"tier", "x"}}).size(), 3u);
}

TEST(ValidateTest, PreserveUnknownFieldsAcceptsAnything) {
  const json schema =
      SpecSchema("config", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}});
  EXPECT_THAT(ValidateSpec(schema, {{"config", {{"a", {1, "b", {{"c", nullptr}}}}}}}), IsEmpty());
}

}  // namespace
}  // namespace coffer::kube::schema
