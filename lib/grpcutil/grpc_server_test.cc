// The server runner with real sockets: a unix socket in a temp dir and TCP with mutual TLS over
// a throwaway PKI.
#include "lib/grpcutil/grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "coffer/admin/v1/admin.grpc.pb.h"
#include "gmock/gmock.h"
#include "lib/grpcutil/grpc_status.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_certs.h"

namespace coffer::grpcutil {
namespace {

namespace pb = ::coffer::admin::v1;
using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;

// Answers with the caller's identity, so tests see what the server saw.
class WhoAmI final : public pb::InstallationAdmin::Service {
 public:
  grpc::Status GetInstallation(grpc::ServerContext* context, const pb::GetInstallationRequest*,
                               pb::Installation* response) override {
    response->set_tenant_id(CallerIdentity(context));
    return grpc::Status::OK;
  }
};

absl::StatusOr<std::string> AskWhoAmI(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = pb::InstallationAdmin::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  pb::Installation response;
  grpc::Status status = stub->GetInstallation(&context, pb::GetInstallationRequest(), &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response.tenant_id();
}

std::shared_ptr<grpc::Channel> UnixChannel(const std::string& path) {
  return grpc::CreateChannel("unix:" + path, grpc::InsecureChannelCredentials());
}

// A TLS client that trusts `ca` and presents `cert` (none if empty).
std::shared_ptr<grpc::Channel> TlsChannel(int port, const std::string& ca,
                                          const std::string& cert = "",
                                          const std::string& key = "") {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = testing::ReadFileOrDie(ca);
  if (!cert.empty()) {
    ssl.pem_cert_chain = testing::ReadFileOrDie(cert);
    ssl.pem_private_key = testing::ReadFileOrDie(key);
  }
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), grpc::SslCredentials(ssl),
                                   args);
}

// Leaves a socket file behind with nobody listening, as a crashed server would.
void MakeStaleSocket(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  close(fd);
}

class GrpcServerTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::unique_ptr<GrpcServer>> Start(const GrpcServerOptions& options) {
    return StartGrpcServer(options, {&who_am_i_});
  }
  absl::StatusOr<std::unique_ptr<GrpcServer>> StartUnix(const std::string& path) {
    GrpcServerOptions options;
    options.unix_socket = path;
    return Start(options);
  }
  GrpcServerOptions Tls(const testing::TestPki& pki) {
    GrpcServerOptions options;
    options.tcp_address = "127.0.0.1:0";
    options.cert_file = pki.server_cert;
    options.key_file = pki.server_key;
    options.client_ca_file = pki.ca_cert;
    return options;
  }

  testing::TempDir dir_;
  WhoAmI who_am_i_;
};

TEST_F(GrpcServerTest, UnixSocketIsOwnerOnlyAndCallersAreUnix) {
  std::string path = dir_.File("admin.sock");
  COFFER_ASSERT_OK_AND_ASSIGN(auto server, StartUnix(path));
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(server->tcp_port(), 0);
  COFFER_ASSERT_OK_AND_ASSIGN(std::string caller, AskWhoAmI(UnixChannel(path)));
  EXPECT_EQ(caller, "unix");
}

TEST_F(GrpcServerTest, StaleSocketFileIsReplaced) {
  std::string path = dir_.File("admin.sock");
  MakeStaleSocket(path);
  COFFER_ASSERT_OK_AND_ASSIGN(auto server, StartUnix(path));
  COFFER_EXPECT_OK(AskWhoAmI(UnixChannel(path)));
}

TEST_F(GrpcServerTest, LiveSocketIsNotTakenOver) {
  std::string path = dir_.File("admin.sock");
  COFFER_ASSERT_OK_AND_ASSIGN(auto first, StartUnix(path));
  EXPECT_THAT(StartUnix(path), StatusIs(absl::StatusCode::kUnavailable));
  COFFER_EXPECT_OK(AskWhoAmI(UnixChannel(path)));
}

TEST_F(GrpcServerTest, PathThatIsNotASocketIsLeftAlone) {
  std::string path = dir_.File("notes.txt");
  testing::WriteFileOrDie(path, "keep me");
  EXPECT_THAT(StartUnix(path), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(testing::ReadFileOrDie(path), "keep me");
}

TEST_F(GrpcServerTest, ServerWithoutListenerIsInvalid) {
  EXPECT_THAT(Start(GrpcServerOptions()), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(GrpcServerTest, TcpNeedsReadablePemCertificateKeyAndClientCa) {
  GrpcServerOptions options;
  options.tcp_address = "127.0.0.1:0";
  EXPECT_THAT(Start(options), StatusIs(absl::StatusCode::kInvalidArgument));
  testing::TestPki pki = testing::MakeTestPki(dir_);
  options = Tls(pki);
  options.client_ca_file = dir_.File("missing.pem");
  EXPECT_THAT(Start(options),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("missing.pem")));
  testing::WriteFileOrDie(dir_.File("garbage.pem"), "not a certificate");
  options = Tls(pki);
  options.key_file = dir_.File("garbage.pem");
  EXPECT_THAT(Start(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(GrpcServerTest, MutualTlsClientIsIdentifiedByItsCertificateCommonName) {
  testing::TestPki pki = testing::MakeTestPki(dir_);
  COFFER_ASSERT_OK_AND_ASSIGN(auto server, Start(Tls(pki)));
  ASSERT_GT(server->tcp_port(), 0);
  COFFER_ASSERT_OK_AND_ASSIGN(
      std::string caller,
      AskWhoAmI(TlsChannel(server->tcp_port(), pki.ca_cert, pki.client_cert, pki.client_key)));
  EXPECT_EQ(caller, "cert:coffer-test-client");
}

TEST_F(GrpcServerTest, ClientWithoutCertificateIsRefused) {
  testing::TestPki pki = testing::MakeTestPki(dir_);
  COFFER_ASSERT_OK_AND_ASSIGN(auto server, Start(Tls(pki)));
  EXPECT_THAT(AskWhoAmI(TlsChannel(server->tcp_port(), pki.ca_cert)),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(GrpcServerTest, ClientWithCertificateFromAnotherCaIsRefused) {
  testing::TestPki pki = testing::MakeTestPki(dir_);
  testing::TestPki other = testing::MakeTestPki(dir_, {}, "other");
  COFFER_ASSERT_OK_AND_ASSIGN(auto server, Start(Tls(pki)));
  EXPECT_THAT(
      AskWhoAmI(TlsChannel(server->tcp_port(), pki.ca_cert, other.client_cert, other.client_key)),
      StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(GrpcServerTest, PortInUseIsUnavailable) {
  testing::TestPki pki = testing::MakeTestPki(dir_);
  COFFER_ASSERT_OK_AND_ASSIGN(auto first, Start(Tls(pki)));
  GrpcServerOptions options = Tls(pki);
  options.tcp_address = "127.0.0.1:" + std::to_string(first->tcp_port());
  EXPECT_THAT(Start(options), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(GrpcServerTest, ShutdownIsIdempotentAndStopsServing) {
  std::string path = dir_.File("admin.sock");
  COFFER_ASSERT_OK_AND_ASSIGN(auto server, StartUnix(path));
  COFFER_ASSERT_OK(AskWhoAmI(UnixChannel(path)));
  server->Shutdown(absl::Seconds(5));
  server->Shutdown(absl::Seconds(5));
  EXPECT_THAT(AskWhoAmI(UnixChannel(path)), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace coffer::grpcutil
