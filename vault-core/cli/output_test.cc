#include "vault-core/cli/output.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace coffer::cli {
namespace {

using nlohmann::json;

const std::vector<Column> kColumns = {{"NAME", "name"}, {"ENABLED", "enabled"}, {"TAGS", "tags"}};

json Items() {
  return json::array({{{"name", "db-password"}, {"enabled", true}, {"tags", {{"env", "prod"}}}},
                      {{"name", "x"}, {"enabled", false}, {"tags", json::object()}}});
}

TEST(OutputTest, TableAlignsColumnsAndShowsEmptyAsDash) {
  std::ostringstream out;
  PrintList(out, OutputFormat::kTable, Items(), kColumns);
  EXPECT_EQ(out.str(),
            "NAME         ENABLED  TAGS\n"
            "db-password  true     env=prod\n"
            "x            false    -\n");
}

TEST(OutputTest, EmptyTableStillHasItsHeadings) {
  std::ostringstream out;
  PrintList(out, OutputFormat::kTable, json::array(), kColumns);
  EXPECT_EQ(out.str(), "NAME  ENABLED  TAGS\n");
}

TEST(OutputTest, JsonIsTheDataItselfForScripts) {
  std::ostringstream list;
  PrintList(list, OutputFormat::kJson, Items(), kColumns);
  EXPECT_EQ(json::parse(list.str()), Items());
  std::ostringstream object;
  PrintObject(object, OutputFormat::kJson, Items()[0], kColumns);
  EXPECT_EQ(json::parse(object.str()), Items()[0]);
}

TEST(OutputTest, ObjectTableHasOneAlignedLinePerField) {
  std::ostringstream out;
  PrintObject(out, OutputFormat::kTable,
              {{"name", "prod"}, {"hostnames", {"a.v.x", "b.v.x"}}, {"deleted", nullptr}},
              {{"Name", "name"},
               {"Hostnames", "hostnames"},
               {"Deleted", "deleted"},
               {"Missing", "missing"}});
  EXPECT_EQ(out.str(),
            "Name:       prod\n"
            "Hostnames:  a.v.x,b.v.x\n"
            "Deleted:    -\n"
            "Missing:    -\n");
}

TEST(OutputTest, MessageIsTextForPeopleAndJsonForScripts) {
  std::ostringstream table;
  PrintMessage(table, OutputFormat::kTable, "purged vault prod", {{"purged", "prod"}});
  EXPECT_EQ(table.str(), "purged vault prod\n");
  std::ostringstream js;
  PrintMessage(js, OutputFormat::kJson, "purged vault prod", {{"purged", "prod"}});
  EXPECT_EQ(json::parse(js.str()), json({{"purged", "prod"}}));
}

TEST(OutputTest, TimesAreRfc3339InUtcAndZeroIsUnset) {
  EXPECT_EQ(Rfc3339(absl::FromUnixSeconds(1767225600)), "2026-01-01T00:00:00Z");
  EXPECT_EQ(UnixTimeJson(1767225600), "2026-01-01T00:00:00Z");
  EXPECT_TRUE(UnixTimeJson(0).is_null());
  EXPECT_TRUE(TimeJson(std::nullopt).is_null());
}

TEST(OutputTest, FormatNamesAreJsonAndTable) {
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("table"), OutputFormat::kTable);
  EXPECT_FALSE(ParseOutputFormat("yaml").ok());
}

}  // namespace
}  // namespace coffer::cli
