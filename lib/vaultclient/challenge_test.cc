// The login challenge: parsing Key Vault's WWW-Authenticate header, and asking a vault for it.
#include "lib/vaultclient/challenge.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/fake_client.h"
#include "lib/testing/status_matchers.h"

namespace coffer::vaultclient {
namespace {

using ::coffer::testing::StatusIs;

TEST(ParseChallengeTest, SplitsTheAuthorizationUrlIntoAuthorityAndTenant) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      VaultAuthority a,
      ParseChallenge(R"(Bearer authorization="https://login.coffer.test:8443/t-1", )"
                     R"(resource="https://vault.coffer.test")"));
  EXPECT_EQ(a.authority_host, "https://login.coffer.test:8443");
  EXPECT_EQ(a.tenant_id, "t-1");
  // Older vaults name it authorization_uri; a trailing slash is not a tenant.
  COFFER_ASSERT_OK_AND_ASSIGN(
      a, ParseChallenge(R"(Bearer authorization_uri="https://login.example/base/t-2/")"));
  EXPECT_EQ(a.authority_host, "https://login.example/base");
  EXPECT_EQ(a.tenant_id, "t-2");
}

TEST(ParseChallengeTest, RefusesWhatNamesNoTenant) {
  for (const char* header :
       {"Basic realm=\"x\"", "Bearer resource=\"https://vault.coffer.test\"",
        "Bearer authorization=\"https://login.coffer.test\"", "Bearer authorization=\"ftp://a/t\"",
        "Bearer authorization=\"http://login.coffer.test/t\"",
        "Bearer authorization=\"https://login.coffer.test/t", "Bearer xauthorization=\"https://a/t\""}) {
    EXPECT_THAT(ParseChallenge(header), StatusIs(absl::StatusCode::kInvalidArgument)) << header;
  }
}

TEST(DiscoverAuthorityTest, AsksWithoutCredentialsThroughConnectTo) {
  http::ClientOptions dialed;
  http::ClientRequest sent;
  int status = 401;
  http::ClientFactory factory =
      [&](const http::ClientOptions& options) -> absl::StatusOr<std::unique_ptr<http::Client>> {
    dialed = options;
    return std::unique_ptr<http::Client>(
        std::make_unique<http::FakeClient>([&](const http::ClientRequest& request) {
          sent = request;
          http::ClientResponse response;
          response.status = status;
          if (status == 401) {
            response.headers.Add("WWW-Authenticate",
                                 R"(Bearer authorization="https://login.coffer.test/t-9")");
          }
          return absl::StatusOr<http::ClientResponse>(response);
        }));
  };
  COFFER_ASSERT_OK_AND_ASSIGN(
      VaultAuthority a,
      DiscoverAuthority("https://prod.vault.coffer.test", "127.0.0.1:9443", "ca.pem", factory));
  EXPECT_EQ(a.tenant_id, "t-9");
  EXPECT_EQ(dialed.base_url, "https://127.0.0.1:9443");
  EXPECT_EQ(dialed.ca_file, "ca.pem");
  EXPECT_EQ(sent.headers.Get("Host").value_or(""), "prod.vault.coffer.test");
  EXPECT_FALSE(sent.headers.Get("Authorization").has_value());

  status = 200;  // not a vault, or one that lets anybody in
  EXPECT_THAT(DiscoverAuthority("https://prod.vault.coffer.test", "", "", factory),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace coffer::vaultclient
