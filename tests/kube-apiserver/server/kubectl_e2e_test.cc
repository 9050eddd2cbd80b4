// Drives a real kube-standin process with real kubectl (issue 4).
#include <signal.h>

#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/testing/kube_standin.h"
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

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kubeconfig_ = dir_.File("kubeconfig");
    standin_ = testing::StartKubeStandin(KUBE_STANDIN_PATH, kubeconfig_, dir_.File("standin.log"));
    ASSERT_NE(standin_, nullptr);
  }
  void TearDown() override {
    if (standin_ && standin_->running()) {
      EXPECT_EQ(standin_->Stop(SIGTERM), 0) << standin_->Log();
    }
  }

  std::vector<std::string> KubectlArgv(const std::vector<std::string>& args) {
    return testing::KubectlArgv(kubeconfig_, dir_.File("cache"), args);
  }
  testing::RunResult Kubectl(std::vector<std::string> args) {
    return testing::Run(KubectlArgv(args), {{"HOME", dir_.path()}});
  }
  // A kubectl left running in the background; its output goes to `log`.
  std::unique_ptr<testing::Subprocess> KubectlInBackground(const std::string& log,
                                                           std::vector<std::string> args) {
    auto process = std::make_unique<testing::Subprocess>(
        KubectlArgv(args), dir_.File(log),
        std::map<std::string, std::string>{{"HOME", dir_.path()}});
    EXPECT_TRUE(process->Start());
    return process;
  }
  std::string TokenReviewYaml(const std::string& token) {
    return Manifest("review.yaml",
                    "apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec:\n  token: " +
                        token + "\n  audiences: [vault]\n");
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

// What a user types to set up a namespace: each sends a protobuf body (kubectl's default for
// built-in types), and each object must come back as it was asked for.
TEST_F(KubectlTest, ImperativeCreatesOfBuiltinObjects) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"create", "namespace", "team-a"},
           {"create", "serviceaccount", "billing", "-n", "team-a"},
           {"create", "secret", "generic", "db", "-n", "team-a", "--from-literal=user=app",
            "--from-literal=password=s3cret"},
           {"create", "configmap", "settings", "-n", "team-a", "--from-literal=mode=fast"}}) {
    testing::RunResult created = Kubectl(args);
    EXPECT_EQ(created.exit_code, 0) << created.output << standin_->Log();
  }
  EXPECT_THAT(Kubectl({"get", "namespaces"}).output, HasSubstr("team-a"));
  EXPECT_THAT(Kubectl({"get", "sa", "billing", "-n", "team-a"}).output, HasSubstr("billing"));
  testing::RunResult secret =
      Kubectl({"get", "secret", "db", "-n", "team-a", "-o", "jsonpath={.type} {.data.password}"});
  EXPECT_EQ(secret.output, "Opaque " + Base64Encode("s3cret")) << secret.output;
  testing::RunResult config =
      Kubectl({"get", "configmap", "settings", "-n", "team-a", "-o", "jsonpath={.data.mode}"});
  EXPECT_EQ(config.output, "fast");
}

// Two kinds in one API group: discovery lists the group-version once, so kubectl finds each
// kind by plural, short name and category.
TEST_F(KubectlTest, SeveralCrdsInOneGroup) {
  std::string second = kCrd;
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"vaults.coffer.io", "mounts.coffer.io"},
           {"{plural: vaults, singular: vault, kind: Vault, shortNames: [vlt]}",
            "{plural: mounts, singular: mount, kind: Mount, shortNames: [mnt], "
            "categories: [cofferio]}"}}) {
    second.replace(second.find(from), from.size(), to);
  }
  ASSERT_EQ(Kubectl({"apply", "-f", Manifest("crd.yaml", kCrd)}).exit_code, 0);
  testing::RunResult applied = Kubectl({"apply", "-f", Manifest("crd2.yaml", second)});
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  ASSERT_EQ(Kubectl({"apply", "-f", Manifest("v1.yaml", VaultYaml("v1", 3))}).exit_code, 0);
  testing::RunResult mount = Kubectl(
      {"apply", "-f",
       Manifest("m.yaml", "apiVersion: coffer.io/v1alpha1\nkind: Mount\nmetadata: {name: m1}\n")});
  ASSERT_EQ(mount.exit_code, 0) << mount.output;
  EXPECT_THAT(Kubectl({"get", "vaults"}).output, HasSubstr("v1"));
  EXPECT_THAT(Kubectl({"get", "vlt"}).output, HasSubstr("v1"));
  EXPECT_THAT(Kubectl({"get", "mnt"}).output, HasSubstr("m1"));
  testing::RunResult category = Kubectl({"get", "cofferio", "-o", "name"});
  EXPECT_EQ(category.output, "mount.coffer.io/m1\n") << category.output;
}

TEST_F(KubectlTest, WrongTokenIsRefused) {
  testing::RunResult result = Kubectl({"--token", "wrong", "get", "namespaces"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("You must be logged in to the server"));
}

TEST_F(KubectlTest, CreateTokenThenReviewIt) {
  testing::RunResult sa = Kubectl({"create", "serviceaccount", "coffer"});
  ASSERT_EQ(sa.exit_code, 0) << sa.output << standin_->Log();
  EXPECT_THAT(sa.output, HasSubstr("serviceaccount/coffer created"));

  // kubectl sends this TokenRequest as protobuf.
  testing::RunResult token = Kubectl({"create", "token", "coffer", "--audience", "vault"});
  ASSERT_EQ(token.exit_code, 0) << token.output << standin_->Log();
  std::string jwt(absl::StripAsciiWhitespace(token.output));
  std::vector<std::string> parts = absl::StrSplit(jwt, '.');
  ASSERT_EQ(parts.size(), 3u) << token.output;
  std::optional<std::string> claims = Base64UrlDecode(parts[1]);
  ASSERT_TRUE(claims.has_value());
  EXPECT_THAT(*claims, HasSubstr("\"aud\":[\"vault\"]"));
  EXPECT_THAT(*claims, HasSubstr("\"sub\":\"system:serviceaccount:default:coffer\""));

  testing::RunResult review = Kubectl({"create", "-f", TokenReviewYaml(jwt), "-o", "yaml"});
  ASSERT_EQ(review.exit_code, 0) << review.output << standin_->Log();
  EXPECT_THAT(review.output, HasSubstr("authenticated: true"));
  EXPECT_THAT(review.output, HasSubstr("username: system:serviceaccount:default:coffer"));

  testing::RunResult garbage =
      Kubectl({"create", "-f", TokenReviewYaml("garbage.not.jwt"), "-o", "yaml"});
  ASSERT_EQ(garbage.exit_code, 0) << garbage.output;
  EXPECT_THAT(garbage.output, ::testing::Not(HasSubstr("authenticated: true")));
  EXPECT_THAT(garbage.output, HasSubstr("invalid bearer token"));
}

TEST_F(KubectlTest, WatchSeesAnUpdateFromAnotherKubectl) {
  ASSERT_EQ(Kubectl({"apply", "-f", Manifest("crd.yaml", kCrd)}).exit_code, 0);
  ASSERT_EQ(Kubectl({"apply", "-f", Manifest("w.yaml", VaultYaml("w", 2))}).exit_code, 0);
  std::unique_ptr<testing::Subprocess> watch = KubectlInBackground(
      "watch.log", {"get", "vaults", "--watch", "--no-headers", "--request-timeout=60s", "-o",
                    "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas"});
  ASSERT_TRUE(testing::PollUntil([&] { return watch->Log().find("w ") != std::string::npos; }))
      << watch->Log();
  testing::RunResult patched =
      Kubectl({"patch", "vault", "w", "--type=merge", "-p", R"({"spec":{"replicas":5}})"});
  ASSERT_EQ(patched.exit_code, 0) << patched.output;
  // One row per event: "w 2" from the list, then "w 5" from the MODIFIED event.
  auto has_row = [&](const std::string& replicas) {
    for (absl::string_view line : absl::StrSplit(watch->Log(), '\n')) {
      std::vector<std::string> cells = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (cells == std::vector<std::string>{"w", replicas}) return true;
    }
    return false;
  };
  EXPECT_TRUE(testing::PollUntil([&] { return has_row("5"); })) << watch->Log();
  EXPECT_TRUE(has_row("2")) << watch->Log();
  watch->Stop(SIGTERM);
}

TEST_F(KubectlTest, DeleteWaitsForTheFinalizerToGo) {
  ASSERT_EQ(Kubectl({"apply", "-f", Manifest("crd.yaml", kCrd)}).exit_code, 0);
  std::string held = VaultYaml("held", 1);
  held.replace(held.find("  name: held"), 12, "  name: held\n  finalizers: [coffer.io/hold]");
  ASSERT_EQ(Kubectl({"apply", "-f", Manifest("held.yaml", held)}).exit_code, 0);
  std::unique_ptr<testing::Subprocess> del = KubectlInBackground(
      "delete.log", {"delete", "vault", "held", "--wait=true", "--timeout=30s"});
  ASSERT_TRUE(testing::PollUntil([&] {
    return !Kubectl({"get", "vault", "held", "-o", "jsonpath={.metadata.deletionTimestamp}"})
                .output.empty();
  }));
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_TRUE(del->running()) << "delete returned while the finalizer was still there: "
                              << del->Log();
  testing::RunResult patched = Kubectl(
      {"patch", "vault", "held", "--type=merge", "-p", R"({"metadata":{"finalizers":null}})"});
  ASSERT_EQ(patched.exit_code, 0) << patched.output;
  EXPECT_EQ(del->Wait(std::chrono::seconds(30)), 0) << del->Log();
  EXPECT_THAT(del->Log(), HasSubstr("vault.coffer.io \"held\" deleted"));
  EXPECT_THAT(Kubectl({"get", "vault", "held"}).output, HasSubstr("NotFound"));
}

}  // namespace
}  // namespace coffer::kube::standin
