// Drives a real kube-standin process with real kubectl (issue 4).
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"

namespace coffer::kube::standin {
namespace {

using ::testing::HasSubstr;

constexpr char kCrd[] = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: vaults.coffer.io
spec:
  group: coffer.io
  scope: Namespaced
  names: {plural: vaults, singular: vault, kind: Vault, shortNames: [vlt]}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              replicas: {type: integer, minimum: 1, maximum: 5}
)";

std::string VaultYaml(const std::string& name, int replicas) {
  return "apiVersion: coffer.io/v1alpha1\nkind: Vault\nmetadata:\n  name: " + name +
         "\nspec:\n  replicas: " + std::to_string(replicas) + "\n";
}

// The kubectl 1.32 binary itself: /usr/bin/kubectl is gcloud's dispatcher, which picks a
// version by the server's /version (docs/kube-standin-notes.md).
std::string KubectlPath() {
  const char* pinned = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
  return std::filesystem::exists(pinned) ? pinned : "kubectl";
}

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kubeconfig_ = dir_.File("kubeconfig");
    standin_ = std::make_unique<testing::Subprocess>(
        std::vector<std::string>{KUBE_STANDIN_PATH, "--listen", "127.0.0.1:0", "--kubeconfig",
                                 kubeconfig_},
        dir_.File("standin.log"));
    ASSERT_TRUE(standin_->Start());
    ASSERT_TRUE(testing::PollUntil([&] { return std::filesystem::exists(kubeconfig_); }))
        << standin_->Log();
  }
  void TearDown() override {
    if (standin_ && standin_->running()) {
      EXPECT_EQ(standin_->Stop(SIGTERM), 0) << standin_->Log();
    }
  }

  testing::RunResult Kubectl(std::vector<std::string> args) {
    std::vector<std::string> argv = {KubectlPath(), "--kubeconfig", kubeconfig_, "--cache-dir",
                                     dir_.File("cache")};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::Run(argv, {{"HOME", dir_.path()}});
  }
  std::string Manifest(const std::string& name, const std::string& text) {
    std::string path = dir_.File(name);
    std::ofstream(path) << text;
    return path;
  }

  testing::TempDir dir_;
  std::string kubeconfig_;
  std::unique_ptr<testing::Subprocess> standin_;
};

TEST_F(KubectlTest, ApplyCrdAndObjectsThenGetAndRejectInvalid) {
  testing::RunResult crd = Kubectl({"apply", "-f", Manifest("crd.yaml", kCrd)});
  ASSERT_EQ(crd.exit_code, 0) << crd.output << standin_->Log();
  EXPECT_THAT(crd.output, HasSubstr("customresourcedefinition.apiextensions.k8s.io/"
                                    "vaults.coffer.io created"));

  testing::RunResult created = Kubectl({"apply", "-f", Manifest("v1.yaml", VaultYaml("v1", 3))});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_THAT(created.output, HasSubstr("vault.coffer.io/v1 created"));

  testing::RunResult got = Kubectl({"get", "vault", "v1", "-o", "yaml"});
  ASSERT_EQ(got.exit_code, 0) << got.output;
  EXPECT_THAT(got.output, HasSubstr("kind: Vault"));
  EXPECT_THAT(got.output, HasSubstr("namespace: default"));
  EXPECT_THAT(got.output, HasSubstr("replicas: 3"));

  testing::RunResult configured = Kubectl({"apply", "-f", Manifest("v1.yaml", VaultYaml("v1", 4))});
  ASSERT_EQ(configured.exit_code, 0) << configured.output;
  EXPECT_THAT(configured.output, HasSubstr("vault.coffer.io/v1 configured"));
  testing::RunResult replicas = Kubectl({"get", "vlt", "v1", "-o", "jsonpath={.spec.replicas}"});
  EXPECT_EQ(replicas.output, "4");

  testing::RunResult invalid = Kubectl({"apply", "-f", Manifest("bad.yaml", VaultYaml("bad", 9))});
  EXPECT_NE(invalid.exit_code, 0);
  EXPECT_THAT(invalid.output,
              HasSubstr("The Vault \"bad\" is invalid: spec.replicas: Invalid value: 9: "
                        "spec.replicas in body should be less than or equal to 5"));
}

TEST_F(KubectlTest, WrongTokenIsRefused) {
  std::vector<std::string> argv = {KubectlPath(),      "--kubeconfig", kubeconfig_, "--cache-dir",
                                   dir_.File("cache"), "--token",      "wrong",     "get",
                                   "namespaces"};
  testing::RunResult result = testing::Run(argv, {{"HOME", dir_.path()}});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("You must be logged in to the server"));
}

}  // namespace
}  // namespace coffer::kube::standin
