#include "lib/kube/label_selector.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "nlohmann/json.hpp"

namespace coffer::kube {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;
using Labels = std::map<std::string, std::string>;

LabelSelector MustParse(const std::string& s) {
  auto selector = LabelSelector::Parse(s);
  EXPECT_TRUE(selector.ok()) << s << ": " << selector.status();
  return selector.ok() ? *selector : LabelSelector::Nothing();
}

TEST(LabelSelectorTest, EqualsAndDoubleEqualsSelectOnlyThatValue) {
  for (const char* s : {"app=web", "app==web", " app = web "}) {
    LabelSelector sel = MustParse(s);
    EXPECT_TRUE(sel.Matches({{"app", "web"}, {"x", "y"}})) << s;
    EXPECT_FALSE(sel.Matches({{"app", "db"}})) << s;
    EXPECT_FALSE(sel.Matches({})) << s;
  }
}

TEST(LabelSelectorTest, NotEqualsAlsoSelectsMissingKey) {
  LabelSelector sel = MustParse("app!=web");
  EXPECT_FALSE(sel.Matches({{"app", "web"}}));
  EXPECT_TRUE(sel.Matches({{"app", "db"}}));
  EXPECT_TRUE(sel.Matches({}));
}

TEST(LabelSelectorTest, InSelectsAnyListedValue) {
  LabelSelector sel = MustParse("tier in (front, back)");
  EXPECT_TRUE(sel.Matches({{"tier", "front"}}));
  EXPECT_TRUE(sel.Matches({{"tier", "back"}}));
  EXPECT_FALSE(sel.Matches({{"tier", "cache"}}));
  EXPECT_FALSE(sel.Matches({}));
}

TEST(LabelSelectorTest, NotInRejectsListedValuesAndSelectsMissingKey) {
  LabelSelector sel = MustParse("tier notin (cache)");
  EXPECT_FALSE(sel.Matches({{"tier", "cache"}}));
  EXPECT_TRUE(sel.Matches({{"tier", "front"}}));
  EXPECT_TRUE(sel.Matches({}));
}

TEST(LabelSelectorTest, ExistsAndDoesNotExistLookOnlyAtTheKey) {
  LabelSelector sel = MustParse("g,!h");
  EXPECT_TRUE(sel.Matches({{"g", ""}}));
  EXPECT_FALSE(sel.Matches({{"g", "1"}, {"h", "1"}}));
  EXPECT_FALSE(sel.Matches({{"h", "1"}}));
}

TEST(LabelSelectorTest, EveryRequirementMustHold) {
  LabelSelector sel = MustParse("a=b,c!=d,e in (x,y),f notin (z),g,!h");
  Labels good = {{"a", "b"}, {"c", "q"}, {"e", "y"}, {"f", "w"}, {"g", "1"}};
  EXPECT_TRUE(sel.Matches(good));
  for (auto [key, value] : std::map<std::string, std::string>{
           {"a", "x"}, {"c", "d"}, {"e", "z"}, {"f", "z"}, {"h", "1"}}) {
    Labels bad = good;
    bad[key] = value;
    EXPECT_FALSE(sel.Matches(bad)) << key << "=" << value;
  }
  good.erase("g");
  EXPECT_FALSE(sel.Matches(good));
}

TEST(LabelSelectorTest, EmptySelectorMatchesEverything) {
  LabelSelector sel = MustParse("  ");
  EXPECT_TRUE(sel.Empty());
  EXPECT_TRUE(sel.Matches({}));
  EXPECT_TRUE(sel.Matches({{"a", "b"}}));
}

TEST(LabelSelectorTest, EmptyValueSelectsEmptyLabel) {
  LabelSelector sel = MustParse("a=");
  EXPECT_TRUE(sel.Matches({{"a", ""}}));
  EXPECT_FALSE(sel.Matches({{"a", "b"}}));
}

TEST(LabelSelectorTest, PrefixedKeysAreAccepted) {
  LabelSelector sel = MustParse("app.kubernetes.io/name=coffer");
  EXPECT_TRUE(sel.Matches({{"app.kubernetes.io/name", "coffer"}}));
}

class BadSelectorTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BadSelectorTest, IsInvalidArgument) {
  EXPECT_THAT(LabelSelector::Parse(GetParam()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid label")));
}

INSTANTIATE_TEST_SUITE_P(Syntax, BadSelectorTest,
                         ::testing::Values("a in x", "a in (x", "a in ()", "a in (x) y", "a=b=c",
                                           "a,", ",a", "a b", "!a=b", "a=(", "=b", "a notin",
                                           "a in (x,", "a!b", "a=b)"));

INSTANTIATE_TEST_SUITE_P(
    KeysAndValues, BadSelectorTest,
    ::testing::Values("-a=b", "a-=b", "a=b-", "Foo.com/a=b", "a/b/c=d", "/a", "a/=b",
                      "a=1234567890123456789012345678901234567890123456789012345678901234",
                      "1234567890123456789012345678901234567890123456789012345678901234",
                      "a in (ok,-bad)", "a=b$c"));

TEST(LabelSelectorTest, ErrorNamesTheBadKey) {
  EXPECT_THAT(LabelSelector::Parse("x=1,-bad=2"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"-bad\"")));
}

TEST(LabelSelectorTest, ToStringIsCanonical) {
  LabelSelector sel = MustParse("z in (y, x,y), a==b, !c, e notin (2,1), d != 4, f");
  EXPECT_EQ(sel.ToString(), "a=b,!c,d!=4,e notin (1,2),f,z in (x,y)");
  EXPECT_EQ(MustParse(sel.ToString()).ToString(), sel.ToString());
  EXPECT_EQ(MustParse("b,a").ToString(), MustParse("a, b").ToString());
  EXPECT_EQ(MustParse("").ToString(), "");
}

TEST(LabelSelectorTest, FromJsonCombinesMatchLabelsAndExpressions) {
  auto json = nlohmann::json::parse(R"({
    "matchLabels": {"app": "web"},
    "matchExpressions": [
      {"key": "tier", "operator": "In", "values": ["front", "back"]},
      {"key": "canary", "operator": "DoesNotExist"}
    ]})");
  COFFER_ASSERT_OK_AND_ASSIGN(LabelSelector sel, LabelSelector::FromJson(json));
  EXPECT_EQ(sel.ToString(), "app=web,!canary,tier in (back,front)");
  EXPECT_TRUE(sel.Matches({{"app", "web"}, {"tier", "back"}}));
  EXPECT_FALSE(sel.Matches({{"app", "web"}, {"tier", "back"}, {"canary", "1"}}));
  EXPECT_FALSE(sel.Matches({{"app", "web"}}));
}

TEST(LabelSelectorTest, FromJsonNullMatchesNothingAndEmptyMatchesEverything) {
  COFFER_ASSERT_OK_AND_ASSIGN(LabelSelector none, LabelSelector::FromJson(nullptr));
  EXPECT_FALSE(none.Matches({}));
  COFFER_ASSERT_OK_AND_ASSIGN(LabelSelector all, LabelSelector::FromJson(nlohmann::json::object()));
  EXPECT_TRUE(all.Matches({{"a", "b"}}));
}

TEST(LabelSelectorTest, FromJsonRejectsMalformedSelectors) {
  for (const char* text : {
           R"([])",
           R"({"matchLabels": {"a": 1}})",
           R"({"matchLabels": {"-a": "b"}})",
           R"({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]})",
           R"({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]})",
           R"({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]})",
           R"({"matchExpressions": [{"operator": "Exists"}]})",
           R"({"matchExpressions": {"key": "a"}})",
       }) {
    EXPECT_THAT(LabelSelector::FromJson(nlohmann::json::parse(text)),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << text;
  }
}

}  // namespace
}  // namespace coffer::kube
