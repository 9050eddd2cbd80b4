#include "lib/http/http.h"

#include "gtest/gtest.h"

namespace coffer::http {
namespace {

TEST(HeadersTest, LookupIgnoresCaseAndSetReplaces) {
  Headers headers;
  headers.Add("Content-Type", "a");
  headers.Add("X-Other", "b");
  EXPECT_EQ(headers.Get("content-type"), "a");
  headers.Set("CONTENT-TYPE", "c");
  EXPECT_EQ(headers.Get("Content-Type"), "c");
  EXPECT_EQ(headers.entries().size(), 2u);
  EXPECT_FALSE(headers.Get("missing").has_value());
}

TEST(PercentDecodeTest, DecodesAndRejectsTruncatedEscapes) {
  EXPECT_EQ(PercentDecode("api%2Dversion", false), "api-version");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_FALSE(PercentDecode("abc%2", false).has_value());
  EXPECT_FALSE(PercentDecode("%zz", false).has_value());
}

TEST(ParseQueryTest, DecodesKeysAndValues) {
  auto query = ParseQuery("api%2Dversion=7.4&maxresults=2&flag&&x=a%20b");
  EXPECT_EQ(query["api-version"], "7.4");
  EXPECT_EQ(query["maxresults"], "2");
  EXPECT_EQ(query["flag"], "");
  EXPECT_EQ(query["x"], "a b");
}

TEST(PeerSourceTest, GroupsIpv6ByItsSlash64AndUnwrapsMappedIpv4) {
  EXPECT_EQ(PeerSource("10.1.2.3:4431"), "10.1.2.3");
  EXPECT_EQ(PeerSource("[2001:db8:1:2:aaaa::1]:443"), "2001:db8:1:2::/64");
  EXPECT_EQ(PeerSource("[2001:db8:1:2:bbbb::7]:80"), "2001:db8:1:2::/64");
  // IPv4 clients of a dual-stack listener are each their own source, not one shared /64.
  EXPECT_EQ(PeerSource("[::ffff:10.1.2.3]:4431"), "10.1.2.3");
  EXPECT_EQ(PeerSource("[::ffff:10.1.2.4]:4431"), "10.1.2.4");
  EXPECT_EQ(PeerSource("[fe80::1:2%eth0]:443"), "fe80::/64");
}

}  // namespace
}  // namespace coffer::http
