// AdminClient against an in-process gRPC server on a unix socket playing VaultAdmin.
#include "lib/vaultclient/admin_client.h"

#include "coffer/admin/v1/admin.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace coffer::vaultclient {
namespace {

namespace v1 = ::coffer::admin::v1;
using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

class FakeVaultAdmin final : public v1::VaultAdmin::Service {
 public:
  grpc::Status CreateVault(grpc::ServerContext*, const v1::CreateVaultRequest* request,
                           v1::Vault* vault) override {
    if (request->name() == "taken") {
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS, "vault taken already exists");
    }
    vault->set_name(request->name());
    *vault->mutable_hostnames() = request->hostnames();
    vault->set_uri("https://" + request->hostnames(0));
    return grpc::Status::OK;
  }
  grpc::Status GetVault(grpc::ServerContext*, const v1::GetVaultRequest* request,
                        v1::Vault*) override {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "vault " + request->name() + " not found");
  }
};

class AdminClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socket_, grpc::InsecureServerCredentials());
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  testing::TempDir dir_;
  std::string socket_ = dir_.File("admin.sock");
  FakeVaultAdmin service_;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(AdminClientTest, CallsGoThroughTheUnixSocket) {
  COFFER_ASSERT_OK_AND_ASSIGN(auto client, AdminClient::Connect({socket_, "", "", "", ""}));
  v1::CreateVaultRequest request;
  request.set_name("prod");
  request.add_hostnames("prod.vault.coffer.test");
  COFFER_ASSERT_OK_AND_ASSIGN(v1::Vault vault, client->CreateVault(request));
  EXPECT_EQ(vault.name(), "prod");
  EXPECT_EQ(vault.uri(), "https://prod.vault.coffer.test");
}

TEST_F(AdminClientTest, ServerErrorsKeepTheirCodeAndMessage) {
  COFFER_ASSERT_OK_AND_ASSIGN(auto client, AdminClient::Connect({socket_, "", "", "", ""}));
  v1::CreateVaultRequest taken;
  taken.set_name("taken");
  taken.add_hostnames("t.vault.coffer.test");
  EXPECT_THAT(client->CreateVault(taken),
              StatusIs(absl::StatusCode::kAlreadyExists, "vault taken already exists"));
  v1::GetVaultRequest get;
  get.set_name("nope");
  EXPECT_THAT(client->GetVault(get), StatusIs(absl::StatusCode::kNotFound, "vault nope not found"));
  // A service the server does not offer is UNIMPLEMENTED, passed through as is.
  EXPECT_THAT(client->ListPrincipals(v1::ListPrincipalsRequest()),
              StatusIs(absl::StatusCode::kUnimplemented));
}

TEST_F(AdminClientTest, StoppedServerIsUnavailableAndNamesTheTarget) {
  COFFER_ASSERT_OK_AND_ASSIGN(auto client, AdminClient::Connect({socket_, "", "", "", ""}));
  server_->Shutdown();
  server_.reset();
  EXPECT_THAT(client->GetVault(v1::GetVaultRequest()),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("cannot reach the admin API at unix:" + socket_)));
}

TEST(AdminClientConnectTest, MissingSocketOrTlsFilesAreRefusedUpFront) {
  EXPECT_THAT(
      AdminClient::Connect({"/nonexistent/admin.sock", "", "", "", ""}),
      StatusIs(absl::StatusCode::kUnavailable,
               "cannot reach the admin API at unix:/nonexistent/admin.sock: no such socket"));
  EXPECT_THAT(AdminClient::Connect({"", "127.0.0.1:9444", "", "", ""}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mutual TLS")));
  EXPECT_THAT(AdminClient::Connect({"", "127.0.0.1:9444", "/nonexistent/ca.pem", "c", "k"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("/nonexistent/ca.pem")));
}

}  // namespace
}  // namespace coffer::vaultclient
