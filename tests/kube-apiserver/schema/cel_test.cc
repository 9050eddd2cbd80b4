#include "tests/kube-apiserver/schema/cel.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kube-apiserver/schema/schema.h"

namespace coffer::kube::schema {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json Eval(const std::string& rule, const json& self, const json* old = nullptr) {
  absl::StatusOr<json> result = EvaluateCel(rule, self, old);
  return result.ok() ? *result : json(std::string(result.status().message()));
}

TEST(CelTest, FieldsComparisonsAndLogic) {
  const json self = {{"sku", "premium"}, {"days", 30}, {"tags", {"a", "b"}}};
  EXPECT_EQ(Eval("self.sku == 'premium' && self.days >= 7 && self.days <= 90", self), true);
  EXPECT_EQ(Eval("self.sku != \"premium\" || self.days > 30", self), false);
  EXPECT_EQ(Eval("!(self.days < 7) ? 'ok' : 'short'", self), "ok");
  EXPECT_EQ(Eval("'a' in self.tags && !('c' in self.tags)", self), true);
  EXPECT_EQ(Eval("self.days * 2 + 1 - 6 / 3 % 4", self), 59);
  EXPECT_EQ(Eval("self.tags[1] + 'x'", self), "bx");
}

TEST(CelTest, PresenceSizeAndStringFunctions) {
  const json self = {{"serviceAccount", {{"name", "app"}}}, {"name", "prod-vault"}};
  EXPECT_EQ(Eval("has(self.serviceAccount) != has(self.principal)", self), true);
  EXPECT_EQ(Eval("size(self.name) == 10 && self.name.size() == 10", self), true);
  EXPECT_EQ(Eval("self.name.startsWith('prod') && self.name.endsWith('vault')", self), true);
  EXPECT_EQ(Eval("self.name.contains('-') && self.name.matches('^[a-z-]+$')", self), true);
}

TEST(CelTest, Macros) {
  const json self = {{"hosts", {"a.example", "b.example"}}, {"labels", {{"x", "1"}}}};
  EXPECT_EQ(Eval("self.hosts.all(h, h.endsWith('.example'))", self), true);
  EXPECT_EQ(Eval("self.hosts.exists(h, h == 'b.example')", self), true);
  EXPECT_EQ(Eval("self.hosts.exists_one(h, h.startsWith('c'))", self), false);
  EXPECT_EQ(Eval("self.labels.all(k, k == 'x')", self), true);
}

TEST(CelTest, TransitionRuleSeesOldSelf) {
  const json old = {{"purge", true}};
  EXPECT_EQ(Eval("self.purge || !oldSelf.purge", json{{"purge", false}}, &old), false);
  EXPECT_EQ(Eval("self.purge || !oldSelf.purge", json{{"purge", true}}, &old), true);
  EXPECT_TRUE(IsTransitionRule("self.x == oldSelf.x"));
  EXPECT_FALSE(IsTransitionRule("self.oldSelfish == 1"));
}

TEST(CelTest, ErrorsAreAbsorbedOnlyByADecisiveSide) {
  const json self = {{"a", 1}};
  EXPECT_EQ(Eval("self.missing == 1 || self.a == 1", self), true);
  EXPECT_EQ(Eval("self.a == 2 && self.missing == 1", self), false);
  EXPECT_THAT(Eval("self.missing == 1", self).get<std::string>(), HasSubstr("no such key"));
  EXPECT_THAT(Eval("self.a +", self).get<std::string>(), HasSubstr("compilation failed"));
  EXPECT_THAT(Eval("oldSelf.a == 1", self).get<std::string>(), HasSubstr("oldSelf"));
  EXPECT_THAT(Eval("self.a / 0", self).get<std::string>(), HasSubstr("division by zero"));
}

const json kSchema = json::parse(R"json({
  "type": "object",
  "properties": {
    "spec": {
      "type": "object",
      "x-kubernetes-validations": [
        {"rule": "has(self.a) != has(self.b)", "message": "exactly one of a or b"},
        {"rule": "self.purge || !oldSelf.purge", "message": "cannot be turned off",
         "fieldPath": ".purge"}
      ],
      "properties": {
        "a": {"type": "string"}, "b": {"type": "string"},
        "purge": {"type": "boolean", "default": false},
        "days": {"type": "integer", "default": 90},
        "ref": {"type": "object", "default": {}, "properties": {"ns": {"type": "string", "default": "same"}}}
      }
    }
  }
})json");

TEST(CelSchemaTest, RulesReportTheirMessageAtTheirField) {
  json both = {{"spec", {{"a", "x"}, {"b", "y"}, {"purge", false}}}};
  auto causes = Validate(kSchema, both);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].field, "spec");
  EXPECT_EQ(causes[0].message, "Invalid value: \"object\": exactly one of a or b");
}

TEST(CelSchemaTest, TransitionRulesRunOnUpdatesOnly) {
  json off = {{"spec", {{"a", "x"}, {"purge", false}}}};
  json on = {{"spec", {{"a", "x"}, {"purge", true}}}};
  EXPECT_TRUE(Validate(kSchema, off).empty());       // a create
  EXPECT_TRUE(Validate(kSchema, on, &off).empty());  // turning it on
  auto causes = Validate(kSchema, off, &on);         // turning it off
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].field, "spec.purge");
  EXPECT_THAT(causes[0].message, HasSubstr("cannot be turned off"));
}

TEST(CelSchemaTest, DefaultsFillAbsentFieldsAtEveryLevel) {
  json object = {{"spec", {{"a", "x"}, {"days", 7}}}};
  ApplyDefaults(kSchema, object);
  EXPECT_EQ(object["spec"]["days"], 7);
  EXPECT_EQ(object["spec"]["purge"], false);
  EXPECT_EQ(object["spec"]["ref"]["ns"], "same");
}

}  // namespace
}  // namespace coffer::kube::schema
