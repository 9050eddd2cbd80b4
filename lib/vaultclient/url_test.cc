#include "lib/vaultclient/url.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace coffer::vaultclient {
namespace {

using ::coffer::testing::StatusIs;

TEST(UrlTest, ParsesHostPortAndPath) {
  COFFER_ASSERT_OK_AND_ASSIGN(Url url, ParseUrl("HTTPS://Prod.Vault.Example.com:8443/x/y?a=1"));
  EXPECT_EQ(url.scheme, "https");
  EXPECT_EQ(url.host, "prod.vault.example.com");
  EXPECT_EQ(url.port, 8443);
  EXPECT_EQ(url.path, "/x/y");
  EXPECT_EQ(url.path_and_query, "/x/y?a=1");
  EXPECT_EQ(url.Origin(), "https://prod.vault.example.com:8443");
}

TEST(UrlTest, DefaultPortIsLeftOutOfTheOrigin) {
  COFFER_ASSERT_OK_AND_ASSIGN(Url url, ParseUrl("https://prod.vault.example.com/"));
  EXPECT_EQ(url.port, 443);
  EXPECT_EQ(url.path, "");
  EXPECT_EQ(url.Origin(), "https://prod.vault.example.com");
}

TEST(UrlTest, RejectsWhatIsNotAnHttpUrl) {
  for (const char* bad : {"prod.vault.example.com", "ftp://x.y", "https://", "https://a.b:0",
                          "https://a.b:99999", "https://a.b:x", "https://user@a.b"}) {
    EXPECT_THAT(ParseUrl(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(UrlTest, ResourceIsTheHostWithoutItsFirstLabel) {
  EXPECT_EQ(*ResourceForVaultHost("prod.vault.example.com"), "https://vault.example.com");
  EXPECT_EQ(*ResourceForVaultHost("prod.team-a.svc.cluster.local"),
            "https://team-a.svc.cluster.local");
  EXPECT_THAT(ResourceForVaultHost("localhost"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ResourceForVaultHost("[::1]"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(UrlTest, ConnectToReplacesTheAddressAndKeepsThePortUnlessGiven) {
  COFFER_ASSERT_OK_AND_ASSIGN(Url url, ParseUrl("https://prod.vault.coffer.test:8443"));
  EXPECT_EQ(*DialOrigin(url, ""), "https://prod.vault.coffer.test:8443");
  EXPECT_EQ(*DialOrigin(url, "127.0.0.1"), "https://127.0.0.1:8443");
  EXPECT_EQ(*DialOrigin(url, "127.0.0.1:9443"), "https://127.0.0.1:9443");
  EXPECT_EQ(*DialOrigin(url, "[::1]:9443"), "https://[::1]:9443");
  COFFER_ASSERT_OK_AND_ASSIGN(Url plain, ParseUrl("https://prod.vault.coffer.test"));
  EXPECT_EQ(*DialOrigin(plain, "10.0.0.5"), "https://10.0.0.5:443");
  EXPECT_THAT(DialOrigin(url, "127.0.0.1:http"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DialOrigin(url, ":9443"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(UrlTest, PercentEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("db-Pass_1.~"), "db-Pass_1.~");
  EXPECT_EQ(PercentEncode("a b/c&d=e+f%"), "a%20b%2Fc%26d%3De%2Bf%25");
}

}  // namespace
}  // namespace coffer::vaultclient
