#include "lib/kube/kube_config.h"

#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace coffer::kube {
namespace {

using ::coffer::testing::ReadFileOrDie;
using ::coffer::testing::StatusIs;
using ::coffer::testing::TempDir;
using ::coffer::testing::WriteFileOrDie;
using ::testing::HasSubstr;

std::string Kubeconfig(const std::string& current_context, const std::string& ca_data) {
  return "apiVersion: v1\nkind: Config\ncurrent-context: " + current_context +
         "\n"
         "clusters:\n"
         "- name: standin\n"
         "  cluster:\n"
         "    server: https://127.0.0.1:6443\n"
         "    certificate-authority-data: " +
         ca_data +
         "\n"
         "- name: other\n"
         "  cluster:\n"
         "    server: https://other:443\n"
         "    certificate-authority: certs/ca.pem\n"
         "users:\n"
         "- name: admin\n"
         "  user:\n"
         "    token: admin-token\n"
         "- name: certuser\n"
         "  user:\n"
         "    client-certificate-data: " +
         Base64Encode("CERT PEM") + "\n    client-key-data: " + Base64Encode("KEY PEM") +
         "\n"
         "contexts:\n"
         "- name: admin@standin\n"
         "  context: {cluster: standin, user: admin, namespace: coffer}\n"
         "- name: cert@other\n"
         "  context: {cluster: other, user: certuser}\n";
}

TEST(KubeconfigTest, CurrentContextGivesServerTokenCaAndNamespace) {
  TempDir dir;
  WriteFileOrDie(dir.File("config"), Kubeconfig("admin@standin", Base64Encode("CA PEM")));
  COFFER_ASSERT_OK_AND_ASSIGN(KubeConfig config, LoadKubeconfig(dir.File("config")));
  EXPECT_EQ(config.server, "https://127.0.0.1:6443");
  EXPECT_EQ(config.ca_data, "CA PEM");
  EXPECT_EQ(config.token.reveal(), "admin-token");
  EXPECT_EQ(config.namespace_, "coffer");
}

TEST(KubeconfigTest, NamedContextGivesClientCertificateAndRelativeCaPath) {
  TempDir dir;
  WriteFileOrDie(dir.File("config"), Kubeconfig("admin@standin", Base64Encode("CA PEM")));
  COFFER_ASSERT_OK_AND_ASSIGN(KubeConfig config, LoadKubeconfig(dir.File("config"), "cert@other"));
  EXPECT_EQ(config.server, "https://other:443");
  EXPECT_EQ(config.ca_file, dir.path() + "/certs/ca.pem");
  EXPECT_EQ(config.client_cert_data, "CERT PEM");
  EXPECT_EQ(config.client_key_data.reveal(), "KEY PEM");
  EXPECT_TRUE(config.token.empty());
  EXPECT_EQ(config.namespace_, "default");
}

TEST(KubeconfigTest, MissingCurrentContextIsInvalidArgument) {
  TempDir dir;
  WriteFileOrDie(dir.File("config"), Kubeconfig("\"\"", Base64Encode("CA PEM")));
  EXPECT_THAT(LoadKubeconfig(dir.File("config")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("current-context")));
}

TEST(KubeconfigTest, UnknownContextIsNotFoundAndNamesIt) {
  TempDir dir;
  WriteFileOrDie(dir.File("config"), Kubeconfig("admin@standin", Base64Encode("CA PEM")));
  EXPECT_THAT(LoadKubeconfig(dir.File("config"), "nope"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("contexts[name=nope]")));
}

TEST(KubeconfigTest, BadBase64CaDataIsInvalidArgumentNamingTheField) {
  TempDir dir;
  WriteFileOrDie(dir.File("config"), Kubeconfig("admin@standin", "not*base64"));
  EXPECT_THAT(LoadKubeconfig(dir.File("config")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("clusters[name=standin].cluster.certificate-authority-data")));
}

TEST(KubeconfigTest, MissingFileIsNotFound) {
  TempDir dir;
  EXPECT_THAT(LoadKubeconfig(dir.File("absent")), StatusIs(absl::StatusCode::kNotFound));
}

TEST(InClusterConfigTest, ReadsServiceAccountDirAndEnvironment) {
  TempDir dir;
  WriteFileOrDie(dir.File("token"), "sa-token\n");
  WriteFileOrDie(dir.File("ca.crt"), "CA");
  WriteFileOrDie(dir.File("namespace"), "coffer-system");
  COFFER_ASSERT_OK_AND_ASSIGN(
      KubeConfig config,
      InClusterConfig({{"KUBERNETES_SERVICE_HOST", "10.0.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}},
                      dir.path()));
  EXPECT_EQ(config.server, "https://10.0.0.1:443");
  EXPECT_EQ(config.ca_file, dir.File("ca.crt"));
  EXPECT_EQ(config.token_file, dir.File("token"));
  EXPECT_EQ(config.namespace_, "coffer-system");
}

TEST(InClusterConfigTest, Ipv6HostIsBracketed) {
  TempDir dir;
  WriteFileOrDie(dir.File("token"), "sa-token");
  COFFER_ASSERT_OK_AND_ASSIGN(
      KubeConfig config,
      InClusterConfig({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "443"}},
                      dir.path()));
  EXPECT_EQ(config.server, "https://[fd00::1]:443");
  EXPECT_EQ(config.namespace_, "default");
}

TEST(InClusterConfigTest, OutsideAClusterIsFailedPrecondition) {
  TempDir dir;
  EXPECT_THAT(InClusterConfig({}, dir.path()), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(InClusterConfigTest, MissingTokenIsNotFound) {
  TempDir dir;
  EXPECT_THAT(InClusterConfig({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "1"}},
                              dir.path()),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(TokenFileTest, RotatedTokenIsReadAgain) {
  TempDir dir;
  WriteFileOrDie(dir.File("token"), "first\n");
  TokenFile file(dir.File("token"));
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes first, file.Token());
  EXPECT_EQ(first.reveal(), "first");
  // kubelet swaps the file atomically, as here.
  WriteFileOrDie(dir.File("token.new"), "second");
  ASSERT_EQ(std::rename(dir.File("token.new").c_str(), dir.File("token").c_str()), 0);
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes second, file.Token());
  EXPECT_EQ(second.reveal(), "second");
}

TEST(TokenFileTest, EmptyTokenIsInvalidArgument) {
  TempDir dir;
  WriteFileOrDie(dir.File("token"), "\n");
  EXPECT_THAT(TokenFile(dir.File("token")).Token(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TlsFilesTest, InlineDataIsWrittenToPrivateFilesRemovedAfterwards) {
  KubeConfig config;
  config.server = "https://s:1";
  config.ca_data = "CA PEM";
  config.client_key_data = SecretBytes("KEY PEM");
  std::string dir;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<TlsFiles> files, TlsFiles::Create(config));
    EXPECT_EQ(files->options().base_url, "https://s:1");
    EXPECT_EQ(ReadFileOrDie(files->options().ca_file), "CA PEM");
    EXPECT_EQ(ReadFileOrDie(files->options().client_key_file), "KEY PEM");
    EXPECT_TRUE(files->options().client_cert_file.empty());
    dir = files->options().ca_file.substr(0, files->options().ca_file.rfind('/'));
    struct stat info;
    ASSERT_EQ(stat(dir.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
  }
  struct stat info;
  EXPECT_NE(stat(dir.c_str(), &info), 0);
}

}  // namespace
}  // namespace coffer::kube
