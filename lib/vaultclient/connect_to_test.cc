// DataPlaneClient over the real HTTP client (cpprestsdk) against the real HTTPS server
// (lib/http/beast) on 127.0.0.1: --connect-to dials the address while TLS checks, and Host
// names, the vault's and the authority's own host names.
#include <mutex>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/beast/server.h"
#include "lib/http/cpprest/client.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_certs.h"
#include "lib/vaultclient/data_plane_client.h"

namespace coffer::vaultclient {
namespace {

using ::coffer::testing::StatusIs;

// Plays Coffer's token endpoint and one vault, and remembers the Host of every request.
class FakeCoffer : public http::Handler {
 public:
  http::Response Handle(const http::Request& request) override {
    std::string host(request.headers.Get("Host").value_or(""));
    {
      std::lock_guard<std::mutex> lock(mu_);
      hosts_.push_back(host);
    }
    if (request.method == "POST" && request.path == "/tenant-1/oauth2/v2.0/token") {
      return http::Response::Json(200, R"({"access_token":"tok","expires_in":3600})");
    }
    if (request.path == "/secrets/db/" && host == "prod.vault.coffer.test" &&
        request.headers.Get("Authorization") == std::string_view("Bearer tok")) {
      return http::Response::Json(
          200, R"({"value":"s3cret","id":"https://prod.vault.coffer.test/secrets/db/v1"})");
    }
    return http::Response::Json(404, R"({"error":{"code":"NotFound","message":"no"}})");
  }
  std::vector<std::string> hosts() {
    std::lock_guard<std::mutex> lock(mu_);
    return hosts_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> hosts_;
};

class ConnectToTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http::ServerOptions options;
    options.tls = http::TlsFiles{pki_.server_cert, pki_.server_key};
    COFFER_ASSERT_OK_AND_ASSIGN(server_, http::beast::StartServer(options, coffer_));
  }

  DataPlaneOptions Options(const std::string& vault_url) {
    DataPlaneOptions options;
    options.vault_url = vault_url;
    options.ca_file = pki_.ca_cert;
    options.connect_to = "127.0.0.1:" + std::to_string(server_->port());
    options.credentials = {"tenant-1", "app", SecretBytes("pw"), "https://login.coffer.test",
                           SecretBytes()};
    return options;
  }

  testing::TempDir dir_;
  testing::TestPki pki_ = testing::MakeTestPki(dir_, {"DNS:login.coffer.test"});
  FakeCoffer coffer_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(ConnectToTest, VaultNamedByItsHostIsReachedAtTheGivenAddress) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      auto client,
      DataPlaneClient::Create(Options("https://prod.vault.coffer.test"), http::cpprest::NewClient));
  COFFER_ASSERT_OK_AND_ASSIGN(Secret secret, client->GetSecret("db"));
  EXPECT_EQ(secret.value.reveal(), "s3cret");
  EXPECT_THAT(coffer_.hosts(),
              ::testing::ElementsAre("login.coffer.test", "prod.vault.coffer.test"));
}

TEST_F(ConnectToTest, CertificateMustMatchTheVaultsHostName) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      auto client,
      DataPlaneClient::Create(Options("https://prod.elsewhere.test"), http::cpprest::NewClient));
  EXPECT_THAT(
      client->GetSecret("db"),
      StatusIs(absl::StatusCode::kUnavailable,
               ::testing::HasSubstr("cannot reach the vault at https://prod.elsewhere.test")));
  EXPECT_THAT(coffer_.hosts(), ::testing::ElementsAre("login.coffer.test"));  // the token only
}

TEST_F(ConnectToTest, CertificateMustMatchTheAuthoritysHostName) {
  DataPlaneOptions options = Options("https://prod.vault.coffer.test");
  options.credentials.authority_host = "https://login.elsewhere.test";
  COFFER_ASSERT_OK_AND_ASSIGN(auto client,
                              DataPlaneClient::Create(options, http::cpprest::NewClient));
  EXPECT_THAT(client->GetSecret("db"),
              StatusIs(absl::StatusCode::kUnavailable,
                       ::testing::HasSubstr("cannot reach the token endpoint")));
  EXPECT_TRUE(coffer_.hosts().empty());
}

}  // namespace
}  // namespace coffer::vaultclient
