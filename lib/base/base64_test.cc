#include "lib/base/base64.h"

#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace coffer {
namespace {

using ::testing::Eq;
using ::testing::Optional;

struct Vector {
  const char* bytes;
  const char* base64;
};

// RFC 4648, section 10.
constexpr Vector kRfc4648[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

std::string Unpadded(std::string s) {
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

TEST(Base64Test, EncodesRfc4648Vectors) {
  for (const Vector& v : kRfc4648) {
    EXPECT_EQ(Base64Encode(v.bytes), v.base64) << v.bytes;
    EXPECT_EQ(Base64UrlEncode(v.bytes), Unpadded(v.base64)) << v.bytes;
  }
}

TEST(Base64Test, DecodesRfc4648VectorsWithAndWithoutPadding) {
  for (const Vector& v : kRfc4648) {
    EXPECT_THAT(Base64Decode(v.base64), Optional(Eq(v.bytes))) << v.base64;
    EXPECT_THAT(Base64Decode(Unpadded(v.base64)), Optional(Eq(v.bytes))) << v.base64;
    EXPECT_THAT(Base64UrlDecode(Unpadded(v.base64)), Optional(Eq(v.bytes))) << v.base64;
    EXPECT_THAT(Base64UrlDecode(v.base64), Optional(Eq(v.bytes))) << v.base64;
  }
}

TEST(Base64Test, UrlAlphabetUsesDashAndUnderscore) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64Encode(bytes), "+/+/");
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_THAT(Base64UrlDecode("-_-_"), Optional(Eq(bytes)));
  EXPECT_THAT(Base64Decode("+/+/"), Optional(Eq(bytes)));
}

TEST(Base64Test, EachDecoderRejectsTheOtherAlphabet) {
  EXPECT_EQ(Base64UrlDecode("+/+/"), std::nullopt);
  EXPECT_EQ(Base64Decode("-_-_"), std::nullopt);
}

TEST(Base64Test, RejectsCharactersOutsideTheAlphabet) {
  for (const char* bad : {"Zm9v!", "Zm 9v", "Zm9v\n", "Zm.9"}) {
    EXPECT_EQ(Base64UrlDecode(bad), std::nullopt) << bad;
    EXPECT_EQ(Base64Decode(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(Base64Decode(std::string("Zm9\0", 4)), std::nullopt);
}

TEST(Base64Test, RejectsMisplacedOrPartialPadding) {
  for (const char* bad : {"Zg=", "Z===", "====", "Zm=v", "Zm9v====", "=Zm9", "Zg==Zg=="}) {
    EXPECT_EQ(Base64Decode(bad), std::nullopt) << bad;
    EXPECT_EQ(Base64UrlDecode(bad), std::nullopt) << bad;
  }
}

TEST(Base64Test, RejectsImpossibleLength) {
  EXPECT_EQ(Base64UrlDecode("Zm9vY"), std::nullopt);
  EXPECT_EQ(Base64Decode("Z"), std::nullopt);
}

TEST(Base64Test, RejectsNonCanonicalTrailingBits) {
  // "Zh" and "Zm9" carry bits past the last whole byte; only "Zg" and "Zm8" are canonical.
  EXPECT_EQ(Base64UrlDecode("Zh"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Zm9"), std::nullopt);
  EXPECT_EQ(Base64Decode("Zh=="), std::nullopt);
}

TEST(Base64Test, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t len = 0; len <= bytes.size(); len += 37) {
    const std::string part = bytes.substr(len % 7, len);
    EXPECT_THAT(Base64Decode(Base64Encode(part)), Optional(Eq(part)));
    EXPECT_THAT(Base64UrlDecode(Base64UrlEncode(part)), Optional(Eq(part)));
  }
}

}  // namespace
}  // namespace coffer
