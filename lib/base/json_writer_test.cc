#include "lib/base/json_writer.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace coffer {
namespace {

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

TEST(JsonWriterTest, WritesNestedDocumentsWithCommasInPlace) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject()
      .Key("id")
      .String("https://h/secrets/a")
      .Key("attributes")
      .BeginObject()
      .Key("enabled")
      .Bool(true)
      .Key("created")
      .Int(-5)
      .EndObject()
      .Key("list")
      .BeginArray()
      .Int(1)
      .BeginObject()
      .EndObject()
      .BeginArray()
      .EndArray()
      .Raw("1.250")
      .EndArray()
      .Key("last")
      .Bool(false)
      .EndObject();
  EXPECT_EQ(out, R"({"id":"https://h/secrets/a","attributes":{"enabled":true,"created":-5},)"
                 R"("list":[1,{},[],1.250],"last":false})");
  EXPECT_TRUE(nlohmann::json::accept(out));
}

TEST(JsonWriterTest, EscapesWhatJsonRequiresAndNothingElse) {
  EXPECT_EQ(Quoted("plain / text ~"), R"("plain / text ~")");
  EXPECT_EQ(Quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Quoted("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(Quoted(std::string("\x00\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
  EXPECT_EQ(Quoted("Zoë ☃ 𝄞"), "\"Zoë ☃ 𝄞\"");
}

TEST(JsonWriterTest, ReplacesEachByteOfMalformedUtf8) {
  const std::string kFffd = "\xEF\xBF\xBD";
  EXPECT_EQ(Quoted("\xff"), "\"" + kFffd + "\"");
  EXPECT_EQ(Quoted("\x80z"), "\"" + kFffd + "z\"");                        // lone continuation
  EXPECT_EQ(Quoted("\xC0\x80"), "\"" + kFffd + kFffd + "\"");              // overlong NUL
  EXPECT_EQ(Quoted("\xED\xA0\x80"), "\"" + kFffd + kFffd + kFffd + "\"");  // a surrogate
  EXPECT_EQ(Quoted("\xF4\x90\x80\x80").size(), 2 + 4 * kFffd.size());      // above U+10FFFF
  EXPECT_EQ(Quoted("ok\xE2\x98"), "\"ok" + kFffd + kFffd + "\"");          // cut short
  EXPECT_EQ(Quoted("\xF0\x9D\x84\x9E"), "\"\xF0\x9D\x84\x9E\"");           // U+1D11E is fine
}

TEST(JsonWriterTest, AnyBytesGiveJsonThatParsesBack) {
  // Every byte value, alone and after a multi-byte lead: the result is always valid JSON, and
  // well-formed input comes back unchanged.
  for (int b = 0; b < 256; ++b) {
    for (const std::string& prefix :
         {std::string(), std::string("\xE2"), std::string("\xF0\x9F")}) {
      std::string input = prefix + static_cast<char>(b);
      std::string quoted = Quoted(input);
      ASSERT_TRUE(nlohmann::json::accept(quoted)) << "byte " << b;
    }
  }
  std::string text = "line\nwith \"quotes\", tabs\t, Zoë and \x01";
  EXPECT_EQ(nlohmann::json::parse(Quoted(text)).get<std::string>(), text);
}

}  // namespace
}  // namespace coffer
