// DataPlaneClient over fake HTTP clients: the token grant and its cache, paths and headers,
// paging, errors and --connect-to. End-to-end runs against coffer-vault live in tests/.
#include "lib/vaultclient/data_plane_client.h"

#include <map>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/http/fake_client.h"
#include "lib/testing/status_matchers.h"
#include "nlohmann/json.hpp"

namespace coffer::vaultclient {
namespace {

using ::coffer::testing::StatusIs;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char kTenant[] = "6f1c2d7e-0000-4000-8000-00000000c0ff";

http::ClientResponse Reply(int status, std::string body) {
  http::ClientResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::string Header(const http::ClientRequest& request, std::string_view name) {
  return std::string(request.headers.Get(name).value_or(""));
}

// Plays the token endpoint and the vault; records what it is sent.
class FakeServer {
 public:
  std::vector<http::ClientOptions> dialed;
  std::vector<http::ClientRequest> token_requests;
  std::vector<http::ClientRequest> vault_requests;
  int token_count = 0;
  std::string token_error;                              // answered with 401 when set
  std::map<std::string, http::ClientResponse> answers;  // by "METHOD path_and_query"

  http::ClientFactory Factory() {
    return
        [this](
            const http::ClientOptions& options) -> absl::StatusOr<std::unique_ptr<http::Client>> {
          dialed.push_back(options);
          bool authority = dialed.size() == 2;  // the vault's client is made first
          return std::unique_ptr<http::Client>(
              std::make_unique<http::FakeClient>([this, authority](const http::ClientRequest& r) {
                return authority ? Token(r) : Vault(r);
              }));
        };
  }

 private:
  absl::StatusOr<http::ClientResponse> Token(const http::ClientRequest& request) {
    token_requests.push_back(request);
    if (!token_error.empty()) return Reply(401, token_error);
    ++token_count;
    return Reply(200, json{{"token_type", "Bearer"},
                           {"expires_in", 3600},
                           {"access_token", "tok" + std::to_string(token_count)}}
                          .dump());
  }

  absl::StatusOr<http::ClientResponse> Vault(const http::ClientRequest& request) {
    vault_requests.push_back(request);
    auto it = answers.find(request.method + " " + request.path_and_query);
    if (it == answers.end()) {
      return Reply(404, R"({"error":{"code":"NotRouted","message":")" + request.method + " " +
                            request.path_and_query + "\"}}");
    }
    return it->second;
  }
};

DataPlaneOptions Options() {
  DataPlaneOptions options;
  options.vault_url = "https://prod.vault.coffer.test:8443";
  options.credentials.tenant_id = kTenant;
  options.credentials.client_id = "app-client-id";
  options.credentials.client_secret = SecretBytes("pa ss&word");
  options.credentials.authority_host = "https://login.coffer.test:8443";
  return options;
}

class DataPlaneClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<DataPlaneClient> Make(const DataPlaneOptions& options = Options()) {
    auto client = DataPlaneClient::Create(options, server_.Factory(), clock_);
    EXPECT_THAT(client, coffer::testing::IsOk());
    return client.ok() ? std::move(*client) : nullptr;
  }

  FakeServer server_;
  FakeClock clock_;
};

TEST_F(DataPlaneClientTest, GetSendsABearerFromTheClientCredentialsGrant) {
  server_.answers["GET /secrets/db/?api-version=7.6"] =
      Reply(200, R"({"value":"s3cret","id":"https://prod.vault.coffer.test:8443/secrets/db/v1"})");
  auto client = Make();
  COFFER_ASSERT_OK_AND_ASSIGN(Secret secret, client->GetSecret("db"));
  EXPECT_EQ(secret.value.reveal(), "s3cret");
  EXPECT_EQ(secret.version, "v1");

  EXPECT_EQ(server_.dialed[0].base_url, "https://prod.vault.coffer.test:8443");
  EXPECT_EQ(server_.dialed[1].base_url, "https://login.coffer.test:8443");
  ASSERT_EQ(server_.token_requests.size(), 1u);
  const http::ClientRequest& grant = server_.token_requests[0];
  EXPECT_EQ(grant.method, "POST");
  EXPECT_EQ(grant.path_and_query, std::string("/") + kTenant + "/oauth2/v2.0/token");
  EXPECT_EQ(grant.body,
            "grant_type=client_credentials&client_id=app-client-id"
            "&scope=https%3A%2F%2Fvault.coffer.test%2F.default&client_secret=pa%20ss%26word");
  EXPECT_EQ(Header(server_.vault_requests[0], "Authorization"), "Bearer tok1");
  EXPECT_EQ(Header(server_.vault_requests[0], "Host"), "");  // the HTTP client's own
}

TEST_F(DataPlaneClientTest, SignInSendsTheClientAssertionInsteadOfASecret) {
  DataPlaneOptions options = Options();
  options.credentials.client_secret = SecretBytes();
  options.credentials.client_assertion = SecretBytes("eyJ.pod-token.sig");
  auto client = Make(options);
  COFFER_ASSERT_OK(client->SignIn());
  ASSERT_EQ(server_.token_requests.size(), 1u);
  EXPECT_EQ(server_.token_requests[0].body,
            "grant_type=client_credentials&client_id=app-client-id"
            "&scope=https%3A%2F%2Fvault.coffer.test%2F.default"
            "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
            "&client_assertion=eyJ.pod-token.sig");
  EXPECT_TRUE(server_.vault_requests.empty());
  COFFER_ASSERT_OK(client->SignIn());  // the token is kept
  EXPECT_EQ(server_.token_count, 1);
}

TEST_F(DataPlaneClientTest, TokenIsReusedUntilFiveMinutesBeforeItExpires) {
  server_.answers["GET /secrets?api-version=7.6"] = Reply(200, R"({"value":[]})");
  auto client = Make();
  COFFER_ASSERT_OK(client->ListSecrets());
  clock_.Advance(absl::Minutes(54));
  COFFER_ASSERT_OK(client->ListSecrets());
  EXPECT_EQ(server_.token_count, 1);
  clock_.Advance(absl::Minutes(1) + absl::Seconds(1));
  COFFER_ASSERT_OK(client->ListSecrets());
  EXPECT_EQ(server_.token_count, 2);
  EXPECT_EQ(Header(server_.vault_requests.back(), "Authorization"), "Bearer tok2");
}

TEST_F(DataPlaneClientTest, ListFollowsNextLinkAcrossPages) {
  server_.answers["GET /secrets?api-version=7.6"] =
      Reply(200, R"({"value":[{"id":"https://prod.vault.coffer.test/secrets/a"}],
               "nextLink":"https://prod.vault.coffer.test/secrets?api-version=7.6&$skiptoken=p2"})");
  server_.answers["GET /secrets?api-version=7.6&$skiptoken=p2"] = Reply(
      200,
      R"({"value":[],"nextLink":"https://prod.vault.coffer.test:8443/secrets?$skiptoken=p3"})");
  server_.answers["GET /secrets?$skiptoken=p3&api-version=7.6"] =
      Reply(200, R"({"value":[{"id":"https://prod.vault.coffer.test/secrets/b"},
                        {"id":"https://prod.vault.coffer.test/secrets/c"}],"nextLink":null})");
  auto client = Make();
  COFFER_ASSERT_OK_AND_ASSIGN(std::vector<Secret> secrets, client->ListSecrets());
  std::vector<std::string> names;
  for (const Secret& s : secrets) names.push_back(s.name);
  EXPECT_THAT(names, ElementsAre("a", "b", "c"));
  EXPECT_EQ(server_.vault_requests.size(), 3u);
}

TEST_F(DataPlaneClientTest, NextLinkToAnotherHostIsNotFollowed) {
  server_.answers["GET /secrets/db/versions?api-version=7.6"] =
      Reply(200, R"({"value":[],"nextLink":"https://evil.example.com/secrets/db/versions?x=1"})");
  auto client = Make();
  EXPECT_THAT(client->ListVersions("db"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("evil.example.com")));
  EXPECT_EQ(server_.vault_requests.size(), 1u);
}

TEST_F(DataPlaneClientTest, VaultErrorsKeepAzuresCodeAndMessage) {
  server_.answers["GET /secrets/gone/?api-version=7.6"] = Reply(
      404,
      R"({"error":{"code":"SecretNotFound","message":"A secret with (name/id) gone was not found in this key vault."}})");
  auto client = Make();
  EXPECT_THAT(client->GetSecret("gone"),
              StatusIs(absl::StatusCode::kNotFound,
                       "SecretNotFound: A secret with (name/id) gone was not found in this key "
                       "vault."));
}

TEST_F(DataPlaneClientTest, WrongClientSecretIsUnauthenticatedAndNothingReachesTheVault) {
  server_.token_error =
      R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})";
  auto client = Make();
  EXPECT_THAT(client->ListSecrets(),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "invalid_client: AADSTS7000215: Invalid client secret provided."));
  EXPECT_TRUE(server_.vault_requests.empty());
}

TEST_F(DataPlaneClientTest, RefusedTokenIsFetchedAgainOnce) {
  server_.answers["DELETE /deletedsecrets/db?api-version=7.6"] =
      Reply(401, R"({"error":{"code":"Unauthorized","message":"AKV10032: Invalid issuer."}})");
  auto client = Make();
  EXPECT_THAT(client->PurgeSecret("db"), StatusIs(absl::StatusCode::kUnauthenticated,
                                                  "Unauthorized: AKV10032: Invalid issuer."));
  EXPECT_EQ(server_.token_count, 2);
  EXPECT_EQ(server_.vault_requests.size(), 2u);
}

TEST_F(DataPlaneClientTest, SetPurgeBackupAndRestoreUseTheRestApi) {
  server_.answers["PUT /secrets/db?api-version=7.6"] =
      Reply(200, R"({"value":"v","id":"https://prod.vault.coffer.test/secrets/db/v2"})");
  server_.answers["DELETE /deletedsecrets/db?api-version=7.6"] = Reply(204, "");
  server_.answers["POST /secrets/db/backup?api-version=7.6"] = Reply(200, R"({"value":"QmxvYg"})");
  server_.answers["POST /secrets/restore?api-version=7.6"] =
      Reply(200, R"({"id":"https://prod.vault.coffer.test/secrets/db/v2"})");
  auto client = Make();
  SetSecretOptions options;
  options.tags = {{"team", "a"}};
  COFFER_ASSERT_OK_AND_ASSIGN(Secret set, client->SetSecret("db", SecretBytes("v"), options));
  EXPECT_EQ(set.version, "v2");
  EXPECT_EQ(Header(server_.vault_requests[0], "Content-Type"), "application/json");
  COFFER_EXPECT_OK(client->PurgeSecret("db"));
  COFFER_ASSERT_OK_AND_ASSIGN(std::string blob, client->BackupSecret("db"));
  EXPECT_EQ(blob, "QmxvYg");
  COFFER_ASSERT_OK_AND_ASSIGN(Secret restored, client->RestoreSecret(blob));
  EXPECT_EQ(restored.name, "db");
  EXPECT_EQ(json::parse(server_.vault_requests.back().body), json({{"value", "QmxvYg"}}));
}

TEST_F(DataPlaneClientTest, ConnectToDialsTheAddressAndNamesTheUrlsHost) {
  server_.answers["GET /secrets?api-version=7.6"] = Reply(200, R"({"value":[]})");
  DataPlaneOptions options = Options();
  options.connect_to = "127.0.0.1:9443";
  auto client = Make(options);
  COFFER_ASSERT_OK(client->ListSecrets());
  EXPECT_EQ(server_.dialed[0].base_url, "https://127.0.0.1:9443");
  EXPECT_EQ(server_.dialed[1].base_url, "https://127.0.0.1:9443");
  EXPECT_EQ(Header(server_.vault_requests[0], "Host"), "prod.vault.coffer.test");
  EXPECT_EQ(Header(server_.token_requests[0], "Host"), "login.coffer.test");
}

TEST_F(DataPlaneClientTest, UnreachableVaultIsUnavailableAndNamesTheUrl) {
  http::ClientFactory factory =
      [](const http::ClientOptions& options) -> absl::StatusOr<std::unique_ptr<http::Client>> {
    bool vault = options.base_url.find("prod.") != std::string::npos;
    return std::unique_ptr<http::Client>(std::make_unique<http::FakeClient>(
        [vault](const http::ClientRequest&) -> absl::StatusOr<http::ClientResponse> {
          if (vault) return absl::UnavailableError("Connection refused");
          return Reply(200, R"({"access_token":"t","expires_in":3600})");
        }));
  };
  auto client = DataPlaneClient::Create(Options(), factory, clock_);
  ASSERT_THAT(client, coffer::testing::IsOk());
  EXPECT_THAT((*client)->ListSecrets(),
              StatusIs(absl::StatusCode::kUnavailable,
                       "cannot reach the vault at https://prod.vault.coffer.test:8443: "
                       "Connection refused"));
}

TEST_F(DataPlaneClientTest, BadOptionsAreRefusedUpFront) {
  DataPlaneOptions no_secret = Options();
  no_secret.credentials.client_secret = SecretBytes();
  EXPECT_THAT(DataPlaneClient::Create(no_secret, server_.Factory(), clock_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  DataPlaneOptions both = Options();
  both.credentials.client_assertion = SecretBytes("eyJ.pod-token.sig");
  EXPECT_THAT(DataPlaneClient::Create(both, server_.Factory(), clock_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  DataPlaneOptions single_label = Options();
  single_label.vault_url = "https://localhost:8443";
  EXPECT_THAT(DataPlaneClient::Create(single_label, server_.Factory(), clock_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("two labels")));
  DataPlaneOptions with_path = Options();
  with_path.vault_url = "https://prod.vault.coffer.test/secrets";
  EXPECT_THAT(DataPlaneClient::Create(with_path, server_.Factory(), clock_),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::vaultclient
