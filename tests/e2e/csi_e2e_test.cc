// coffer-csi end to end, called as kubelet calls it: over its unix socket with the CSI gRPC
// API, with pod-bound tokens the stand-in mints (TokenRequest), against a real coffer-vault and
// coffer-operator. Needs root: NodePublishVolume mounts a real tmpfs (CI runs as root).
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "tests/e2e/csi_harness.h"

namespace coffer {
namespace {

namespace v1 = ::coffer::admin::v1;
using ::coffer::testing::PollUntil;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Certificate web-tls in every format, and its key as a public key.
constexpr char kTlsMount[] = R"(apiVersion: coffer.dev/v1alpha1
kind: VaultMount
metadata: {name: tls, namespace: team-a}
spec:
  vaultRef: {name: prod}
  objects:
    - {name: web-tls, type: certificate, format: pem, fileName: web.pem}
    - {name: web-tls, type: certificate, format: pfx, fileName: web.pfx}
    - {name: web-tls, type: certificate, format: cert, fileName: chain.pem}
    - {name: web-tls, type: certificate, format: split, fileName: tls}
    - {name: web-tls, type: key, format: pem, fileName: web.pub}
  rotation: {enabled: false}
)";
constexpr char kSubject[] = "subject=CN ?= ?web\\.team-a\\.test";  // as openssl x509 -subject

// The mountinfo line of `target`, "" when it is not a mount point.
std::string MountOf(const std::string& target) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(" " + target + " ") != std::string::npos) return line;
  }
  return "";
}

// `openssl ARGS...`'s output (stdout and stderr); on failure a text no check here accepts.
std::string Openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  testing::RunResult run = testing::Run(args);
  if (run.exit_code == 0) return run.output;
  return "<" + args[1] + " failed (" + std::to_string(run.exit_code) + "): " + run.output + ">";
}

// The permission bits of `path` (through its NAME -> ..data/NAME link); -1 if it is missing.
int ModeOf(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
}

class CsiE2eTest : public testing::CsiHarnessTest {
 protected:
  void SetUp() override {
    CsiHarnessTest::SetUp();
    if (HasFatalFailure()) return;
    SetBoth("1");
    Apply("files", R"(apiVersion: coffer.dev/v1alpha1
kind: VaultMount
metadata: {name: files, namespace: team-a}
spec:
  vaultRef: {name: prod}
  objects:
    - {name: db-password, type: secret, mode: 256}
    - {name: api-key, type: secret, fileName: api.key}
    - {name: payroll, type: secret, optional: true}
  rotation: {enabled: true, interval: 1s}
)");
    NewPod("web");
    StartDriver({"--cache-ttl", "0s"});
  }

  void SetBoth(const std::string& generation) {
    COFFER_ASSERT_OK(writer_->SetSecret("db-password", SecretBytes("db@" + generation)).status());
    COFFER_ASSERT_OK(writer_->SetSecret("api-key", SecretBytes("api@" + generation)).status());
  }

  // What kubelet sends for pod `pod`'s volume of VaultMount files, with a fresh bound token.
  ::csi::v1::NodePublishVolumeRequest Request(const std::string& pod) {
    return PublishRequest(pod, PodToken(pod), "files", "csi-" + pod);
  }
};

TEST_F(CsiE2eTest, IdentityAndNodeCallsCheckTheirArguments) {
  grpc::ClientContext c1;
  ::csi::v1::GetPluginInfoResponse info;
  ASSERT_TRUE(identity_->GetPluginInfo(&c1, {}, &info).ok());
  EXPECT_EQ(info.name(), "secrets.coffer.dev");
  EXPECT_FALSE(info.vendor_version().empty());
  grpc::ClientContext c2;
  ::csi::v1::GetPluginCapabilitiesResponse plugin;
  ASSERT_TRUE(identity_->GetPluginCapabilities(&c2, {}, &plugin).ok());
  EXPECT_EQ(plugin.capabilities_size(), 0);  // node only: no controller service
  grpc::ClientContext c3;
  ::csi::v1::NodeGetInfoResponse node_info;
  ASSERT_TRUE(node_->NodeGetInfo(&c3, {}, &node_info).ok());
  EXPECT_EQ(node_info.node_id(), "node-1");
  grpc::ClientContext c4;
  ::csi::v1::NodeGetCapabilitiesResponse node_caps;
  ASSERT_TRUE(node_->NodeGetCapabilities(&c4, {}, &node_caps).ok());
  EXPECT_EQ(node_caps.capabilities_size(), 0);

  ::csi::v1::NodePublishVolumeRequest good = Request("web");
  auto expect_invalid = [&](::csi::v1::NodePublishVolumeRequest request, const char* says) {
    grpc::Status status = Publish(request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << says;
    EXPECT_THAT(status.error_message(), HasSubstr(says));
    EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr("eyJ")));  // no token echoed
  };
  auto request = good;
  request.clear_volume_id();
  expect_invalid(request, "volume_id");
  request = good;
  request.clear_target_path();
  expect_invalid(request, "target_path");
  request = good;
  request.set_target_path("relative/path");
  expect_invalid(request, "absolute");
  request = good;
  request.clear_volume_capability();
  expect_invalid(request, "volume_capability");
  request = good;
  request.mutable_volume_capability()->mutable_block();
  expect_invalid(request, "block");
  request = good;
  request.set_readonly(false);
  expect_invalid(request, "readOnly: true");
  request = good;
  request.mutable_volume_context()->erase("vaultMount");
  expect_invalid(request, "vaultMount");
  request = good;
  request.mutable_volume_context()->erase("csi.storage.k8s.io/serviceAccount.tokens");
  expect_invalid(request, "tokenRequests");
  EXPECT_EQ(Unpublish("", Target("csi-web")).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Unpublish("csi-web", "").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(MountOf(Target("csi-web")).empty());  // nothing was mounted along the way

  // What a node-only plugin does not offer.
  grpc::ClientContext c5;
  ::csi::v1::NodeStageVolumeRequest stage;
  ::csi::v1::NodeStageVolumeResponse staged;
  EXPECT_EQ(node_->NodeStageVolume(&c5, stage, &staged).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  grpc::ClientContext c6;
  ::csi::v1::NodeGetVolumeStatsResponse stats;
  EXPECT_EQ(node_->NodeGetVolumeStats(&c6, {}, &stats).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  grpc::ClientContext c7;
  ::csi::v1::NodeExpandVolumeResponse expanded;
  EXPECT_EQ(node_->NodeExpandVolume(&c7, {}, &expanded).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(CsiE2eTest, PublishRotateAtomicallyAndRefuseAGonePod) {
  // The operator has checked the VaultMount: its secrets resolve, the optional one is named.
  ASSERT_TRUE(PollUntil([&] { return Ready("kvm", "files"); })) << operator_->Log();
  EXPECT_THAT(Jsonpath("kvm", "files", "{.status.conditions[?(@.type==\"Ready\")].message}"),
              HasSubstr("optional, would be skipped: secret 'payroll' does not exist"));
  ::csi::v1::NodePublishVolumeRequest request = Request("web");
  grpc::Status published = Publish(request);
  ASSERT_TRUE(published.ok()) << published.error_message() << driver_->Log();
  const std::string target = Target("csi-web");
  EXPECT_THAT(MountOf(target), HasSubstr(" - tmpfs coffer-csi "));
  // Read-only for everyone in the pod, root included; nothing in it is theirs to change.
  EXPECT_EQ(open((target + "/planted").c_str(), O_CREAT | O_WRONLY, 0600), -1);
  EXPECT_EQ(errno, EROFS);
  EXPECT_EQ(testing::ReadOrMissing(target + "/db-password"), "db@1");
  EXPECT_EQ(testing::ReadOrMissing(target + "/api.key"), "api@1");
  EXPECT_EQ(testing::ReadOrMissing(target + "/payroll"),
            "<missing>");  // optional, and never created
  struct stat st;
  ASSERT_EQ(stat((target + "/db-password").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0400u);
  ASSERT_EQ(stat((target + "/api.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_TRUE(PollUntil([&] {
    return Kubectl({"get", "events.events.k8s.io", "-n", "team-a", "-o", "yaml"})
               .output.find("VaultObjectSkipped") != std::string::npos;
  }));
  EXPECT_TRUE(Publish(request).ok());  // the same call again: OK, nothing changes

  // Both secrets change; kubelet republishes every 200 ms; a reader in the pod keeps reading
  // the set through ..data and must never see one file new and the other old.
  std::atomic<bool> done{false};
  std::atomic<int> mixed{0}, whole{0};
  std::thread reader([&] {
    while (!done) {
      int data = open((target + "/..data").c_str(), O_RDONLY | O_DIRECTORY);
      if (data < 0) continue;
      std::string generations;
      for (const char* name : {"db-password", "api.key"}) {
        int fd = openat(data, name, O_RDONLY);
        char buffer[64] = {};
        ssize_t n = fd >= 0 ? read(fd, buffer, sizeof(buffer) - 1) : -1;
        if (fd >= 0) close(fd);
        std::string text(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
        generations += text.substr(text.find('@') + 1) + "/";
      }
      close(data);
      if (generations.find("//") != std::string::npos || generations[0] == '/') continue;
      ++whole;
      if (generations != "1/1/" && generations != "2/2/") ++mixed;
    }
  });
  // An application holding a file of the current set open across the rotation (the old set
  // is unlinked under it) must not keep the volume writable or the swap from completing.
  const int held = open((target + "/db-password").c_str(), O_RDONLY);
  ASSERT_GE(held, 0);
  SetBoth("2");
  bool rotated = PollUntil([&] {
    Publish(Request("web")).ok();  // minting the token paces this as kubelet would be
    return testing::ReadOrMissing(target + "/db-password") == "db@2";
  });
  done = true;
  reader.join();
  ASSERT_TRUE(rotated) << driver_->Log();
  EXPECT_EQ(testing::ReadOrMissing(target + "/api.key"), "api@2");
  EXPECT_GT(whole.load(), 0);
  EXPECT_EQ(mixed.load(), 0);
  EXPECT_THAT(Metrics(), HasSubstr("coffer_csi_rotations_total 1"));
  EXPECT_THAT(Metrics(), HasSubstr("coffer_csi_publish_failures_total 0"));
  EXPECT_EQ(open((target + "/planted").c_str(), O_CREAT | O_WRONLY, 0600), -1);
  EXPECT_EQ(errno, EROFS);
  char old_value[16] = {};
  EXPECT_EQ(read(held, old_value, sizeof(old_value) - 1), 4);
  EXPECT_STREQ(old_value, "db@1");  // what it opened, still readable
  close(held);

  // The pod goes: the next exchange of its token is refused, and the files stay as they were.
  request = Request("web");
  ASSERT_EQ(Kubectl({"delete", "pod", "web", "-n", "team-a"}).exit_code, 0);
  SetBoth("3");
  // Within the rotation interval a republish changes nothing; past it, the exchange is refused.
  grpc::Status refused;
  EXPECT_TRUE(PollUntil([&] {
    refused = Publish(request);
    return refused.error_code() == grpc::StatusCode::UNAUTHENTICATED;
  })) << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr("AADSTS70021"));
  EXPECT_EQ(testing::ReadOrMissing(target + "/db-password"), "db@2");

  ASSERT_TRUE(Unpublish("csi-web", target).ok());
  EXPECT_TRUE(MountOf(target).empty());
  EXPECT_NE(lstat(target.c_str(), &st), 0);
}

TEST_F(CsiE2eTest, KilledDriverRecoversItsVolumes) {
  ASSERT_TRUE(Publish(Request("web")).ok()) << driver_->Log();
  NewPod("web-2");
  // Cut off mid-way: killed while volumes are live.
  EXPECT_EQ(driver_->Stop(SIGKILL), -SIGKILL);
  StartDriver({"--cache-ttl", "0s"});
  EXPECT_THAT(Metrics(), HasSubstr("coffer_csi_volumes 1"));
  EXPECT_THAT(driver_->Log(), HasSubstr("recovered 1 volume(s)"));
  EXPECT_EQ(testing::ReadOrMissing(Target("csi-web") + "/db-password"), "db@1");
  ASSERT_TRUE(Publish(Request("web-2")).ok()) << driver_->Log();
  SetBoth("2");
  EXPECT_TRUE(PollUntil([&] {
    Publish(Request("web")).ok();
    return testing::ReadOrMissing(Target("csi-web") + "/db-password") == "db@2";
  })) << driver_->Log();
  ASSERT_TRUE(Unpublish("csi-web", Target("csi-web")).ok());
  ASSERT_TRUE(Unpublish("csi-web-2", Target("csi-web-2")).ok());
  EXPECT_TRUE(MountOf(Target("csi-web")).empty());
  EXPECT_TRUE(MountOf(Target("csi-web-2")).empty());
  EXPECT_THAT(Metrics(), HasSubstr("coffer_csi_volumes 0"));
}

// A certificate the vault issued, mounted in every format, each file read by the openssl
// command line as a workload would; the private key is in every file that should have it, is
// the certificate's, and is never readable by others.
TEST_F(CsiE2eTest, CertificateMountsInEveryFormatThatOpensslReads) {
  const std::string resolvable = "{.status.conditions[?(@.type==\"ObjectsResolvable\")].message}";
  Apply("tls", kTlsMount);
  // Until it is issued, the operator names the certificate and its key as missing...
  ASSERT_TRUE(PollUntil([&] {
    return Jsonpath("kvm", "tls", resolvable).find("certificate 'web-tls' does not exist") !=
           std::string::npos;
  })) << Jsonpath("kvm", "tls", resolvable)
      << operator_->Log();
  EXPECT_THAT(Jsonpath("kvm", "tls", resolvable), HasSubstr("key 'web-tls' does not exist"));
  EXPECT_FALSE(Ready("kvm", "tls"));
  // ... and once it is, both resolve.
  IssueSelfSignedCertificate(*writer_, "web-tls", "CN=web.team-a.test");
  ASSERT_TRUE(PollUntil([&] { return Ready("kvm", "tls"); }))
      << Jsonpath("kvm", "tls", resolvable) << operator_->Log();
  EXPECT_EQ(Jsonpath("kvm", "tls", resolvable), "every required object can be read");

  grpc::Status published = Publish(PublishRequest("web", PodToken("web"), "tls", "csi-tls"));
  ASSERT_TRUE(published.ok()) << published.error_message() << driver_->Log();
  const std::string dir = Target("csi-tls") + "/";

  // cert: the chain only, for anyone to read.
  EXPECT_THAT(Openssl({"x509", "-noout", "-subject", "-in", dir + "chain.pem"}),
              ContainsRegex(kSubject));
  EXPECT_THAT(testing::ReadOrMissing(dir + "chain.pem"), Not(HasSubstr("PRIVATE KEY")));
  EXPECT_EQ(ModeOf(dir + "chain.pem"), 0644);
  const std::string public_key = Openssl({"x509", "-pubkey", "-noout", "-in", dir + "chain.pem"});
  ASSERT_THAT(public_key, StartsWith("-----BEGIN PUBLIC KEY-----"));

  // pem: the key, then the chain, in one file.
  EXPECT_THAT(Openssl({"x509", "-noout", "-subject", "-in", dir + "web.pem"}),
              ContainsRegex(kSubject));
  EXPECT_EQ(Openssl({"pkey", "-pubout", "-in", dir + "web.pem"}), public_key);
  EXPECT_EQ(ModeOf(dir + "web.pem"), 0640);

  // pfx: PKCS#12 with an empty password that OpenSSL 3 opens without -legacy.
  const std::string extracted = dir_.File("web-pfx.pem");
  EXPECT_EQ(
      Openssl({"pkcs12", "-in", dir + "web.pfx", "-passin", "pass:", "-nodes", "-out", extracted}),
      "");
  EXPECT_THAT(Openssl({"x509", "-noout", "-subject", "-in", extracted}), ContainsRegex(kSubject));
  EXPECT_EQ(Openssl({"pkey", "-pubout", "-in", extracted}), public_key);
  EXPECT_EQ(ModeOf(dir + "web.pfx"), 0640);

  // split: tls.crt and tls.key, as a kubernetes.io/tls Secret has them, and they match.
  EXPECT_THAT(Openssl({"x509", "-noout", "-subject", "-in", dir + "tls.crt"}),
              ContainsRegex(kSubject));
  EXPECT_EQ(Openssl({"pkey", "-noout", "-in", dir + "tls.key"}), "");
  EXPECT_EQ(Openssl({"pkey", "-pubout", "-in", dir + "tls.key"}),
            Openssl({"x509", "-pubkey", "-noout", "-in", dir + "tls.crt"}));
  EXPECT_EQ(Openssl({"pkey", "-pubout", "-in", dir + "tls.key"}), public_key);
  EXPECT_EQ(ModeOf(dir + "tls.crt"), 0640);
  EXPECT_EQ(ModeOf(dir + "tls.key"), 0640);

  // key, pem: the certificate's public key, and nothing private.
  EXPECT_EQ(Openssl({"pkey", "-pubin", "-in", dir + "web.pub", "-pubout"}), public_key);
  EXPECT_THAT(testing::ReadOrMissing(dir + "web.pub"), Not(HasSubstr("PRIVATE")));
  EXPECT_EQ(ModeOf(dir + "web.pub"), 0644);

  ASSERT_TRUE(Unpublish("csi-tls", Target("csi-tls")).ok());
  EXPECT_TRUE(MountOf(Target("csi-tls")).empty());
}

}  // namespace
}  // namespace coffer
