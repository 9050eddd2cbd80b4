#include "operator/webhook/pod_identity.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace coffer::op {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Key;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kClientId[] = "3f1c9a52-7d4e-4b8a-9c61-2e5d0f7a8b13";
constexpr char kTokenFile[] = "/var/run/secrets/azure/tokens/azure-identity-token";
constexpr char kCaFile[] = "/var/run/secrets/coffer/ca/ca.crt";

WorkloadIdentitySettings Settings() {
  WorkloadIdentitySettings settings;
  settings.tenant_id = "9b2e4c71-0a3d-4f65-8e19-c7d2a6b50f84";
  settings.authority_host = "https://coffer-vault.coffer-system.svc";
  return settings;
}

json BarePod() {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", "billing"}, {"namespace", "team-a"}}},
          {"spec", {{"containers", {{{"name", "app"}, {"image", "billing:1.4"}}}}}}};
}

std::map<std::string, std::string> EnvOf(const json& container) {
  std::map<std::string, std::string> env;
  for (const json& var : container.value("env", json::array())) {
    env[var["name"].get<std::string>()] = var.value("value", "");
  }
  return env;
}

// mountPath -> volume name
std::map<std::string, std::string> MountsOf(const json& container) {
  std::map<std::string, std::string> mounts;
  for (const json& mount : container.value("volumeMounts", json::array())) {
    mounts[mount["mountPath"].get<std::string>()] = mount["name"].get<std::string>();
  }
  return mounts;
}

json VolumeNamed(const json& pod, const std::string& name) {
  for (const json& volume : pod["spec"].value("volumes", json::array())) {
    if (volume["name"] == name) return volume;
  }
  return json();
}

// The pod after the patch, which must also be complete: a second pass finds nothing to add.
json Mutated(const json& pod, std::string_view client_id = kClientId,
             const WorkloadIdentitySettings& settings = Settings()) {
  json patch = WorkloadIdentityPatch(pod, client_id, settings);
  json mutated = pod.patch(patch);
  EXPECT_EQ(WorkloadIdentityPatch(mutated, client_id, settings), json::array())
      << "second pass over " << mutated.dump();
  return mutated;
}

TEST(WorkloadIdentityPatchTest, BarePodGetsTheWholeArrays) {
  json expected_volumes = json::parse(R"([
    {"name": "coffer-identity-token", "projected": {"sources": [{"serviceAccountToken":
      {"path": "azure-identity-token", "audience": "api://coffer", "expirationSeconds": 3600}}]}},
    {"name": "coffer-ca", "configMap": {"name": "coffer-ca",
      "items": [{"key": "ca.crt", "path": "ca.crt"}]}}
  ])");
  json expected_mounts = json::parse(R"([
    {"name": "coffer-identity-token", "mountPath": "/var/run/secrets/azure/tokens",
     "readOnly": true},
    {"name": "coffer-ca", "mountPath": "/var/run/secrets/coffer/ca", "readOnly": true}
  ])");
  json expected_env = json::parse(R"([
    {"name": "AZURE_CLIENT_ID", "value": "3f1c9a52-7d4e-4b8a-9c61-2e5d0f7a8b13"},
    {"name": "AZURE_TENANT_ID", "value": "9b2e4c71-0a3d-4f65-8e19-c7d2a6b50f84"},
    {"name": "AZURE_AUTHORITY_HOST", "value": "https://coffer-vault.coffer-system.svc"},
    {"name": "AZURE_FEDERATED_TOKEN_FILE",
     "value": "/var/run/secrets/azure/tokens/azure-identity-token"},
    {"name": "SSL_CERT_FILE", "value": "/var/run/secrets/coffer/ca/ca.crt"},
    {"name": "NODE_EXTRA_CA_CERTS", "value": "/var/run/secrets/coffer/ca/ca.crt"},
    {"name": "REQUESTS_CA_BUNDLE", "value": "/var/run/secrets/coffer/ca/ca.crt"}
  ])");
  json expected = {
      {{"op", "add"}, {"path", "/spec/volumes"}, {"value", expected_volumes}},
      {{"op", "add"}, {"path", "/spec/containers/0/volumeMounts"}, {"value", expected_mounts}},
      {{"op", "add"}, {"path", "/spec/containers/0/env"}, {"value", expected_env}}};
  EXPECT_EQ(WorkloadIdentityPatch(BarePod(), kClientId, Settings()), expected);

  json pod = Mutated(BarePod());
  EXPECT_EQ(pod["spec"]["volumes"], expected_volumes);
  EXPECT_EQ(pod["spec"]["containers"][0]["volumeMounts"], expected_mounts);
  EXPECT_EQ(pod["spec"]["containers"][0]["env"], expected_env);
  EXPECT_EQ(pod["spec"]["containers"][0]["image"], "billing:1.4");
}

TEST(WorkloadIdentityPatchTest, SettingsReachTheVolumes) {
  WorkloadIdentitySettings settings = Settings();
  settings.audience = "api://coffer-prod";
  settings.token_expiration_seconds = 7200;
  settings.ca_config_map = "vault-ca";
  json pod = Mutated(BarePod(), kClientId, settings);
  json token = VolumeNamed(pod, kTokenVolumeName)["projected"]["sources"][0]["serviceAccountToken"];
  EXPECT_EQ(token["audience"], "api://coffer-prod");
  EXPECT_EQ(token["expirationSeconds"], 7200);
  EXPECT_EQ(VolumeNamed(pod, kCaVolumeName)["configMap"]["name"], "vault-ca");
}

TEST(WorkloadIdentityPatchTest, ExistingArraysAreAppendedToAndKept) {
  json pod = BarePod();
  pod["spec"]["volumes"] = {{{"name", "data"}, {"emptyDir", json::object()}}};
  pod["spec"]["containers"][0]["env"] = {{{"name", "LOG_LEVEL"}, {"value", "debug"}}};
  pod["spec"]["containers"][0]["volumeMounts"] = {{{"name", "data"}, {"mountPath", "/data"}}};

  json patch = WorkloadIdentityPatch(pod, kClientId, Settings());
  for (const json& op : patch) {
    EXPECT_EQ(op["op"], "add");
    EXPECT_THAT(op["path"].get<std::string>(), ::testing::EndsWith("/-"));
  }
  json mutated = Mutated(pod);
  EXPECT_EQ(mutated["spec"]["volumes"][0]["name"], "data");
  EXPECT_EQ(mutated["spec"]["volumes"].size(), 3u);
  json& app = mutated["spec"]["containers"][0];
  EXPECT_EQ(app["env"][0], json({{"name", "LOG_LEVEL"}, {"value", "debug"}}));
  EXPECT_EQ(EnvOf(app).size(), 8u);
  EXPECT_THAT(MountsOf(app),
              UnorderedElementsAre(Pair("/data", "data"), Pair(kTokenMountPath, kTokenVolumeName),
                                   Pair(kCaMountPath, kCaVolumeName)));
}

TEST(WorkloadIdentityPatchTest, SecondPassGivesAnEmptyPatch) {
  json once = BarePod().patch(WorkloadIdentityPatch(BarePod(), kClientId, Settings()));
  EXPECT_EQ(WorkloadIdentityPatch(once, kClientId, Settings()), json::array());
}

TEST(WorkloadIdentityPatchTest, ClientIdTheContainerSetsIsKept) {
  json pod = BarePod();
  pod["spec"]["containers"][0]["env"] = {{{"name", "AZURE_CLIENT_ID"}, {"value", "mine"}}};
  json mutated = Mutated(pod);
  const auto env = EnvOf(mutated["spec"]["containers"][0]);
  EXPECT_EQ(env.at("AZURE_CLIENT_ID"), "mine");
  EXPECT_EQ(mutated["spec"]["containers"][0]["env"].size(), 7u);  // no second AZURE_CLIENT_ID
  EXPECT_EQ(env.at("AZURE_TENANT_ID"), Settings().tenant_id);
  EXPECT_EQ(env.at("AZURE_FEDERATED_TOKEN_FILE"), kTokenFile);
  EXPECT_EQ(env.at("SSL_CERT_FILE"), kCaFile);
}

TEST(WorkloadIdentityPatchTest, InitContainersGetTheSame) {
  json pod = BarePod();
  pod["spec"]["initContainers"] = {{{"name", "migrate"}, {"image", "billing:1.4"}},
                                   {{"name", "warm"}, {"image", "billing:1.4"}}};
  json patch = WorkloadIdentityPatch(pod, kClientId, Settings());
  std::vector<std::string> paths;
  for (const json& op : patch) paths.push_back(op["path"].get<std::string>());
  EXPECT_THAT(paths, Contains("/spec/initContainers/1/env"));
  EXPECT_THAT(paths, Contains("/spec/initContainers/0/volumeMounts"));

  json mutated = Mutated(pod);
  json& spec = mutated["spec"];
  for (const json& container :
       {spec["initContainers"][0], spec["initContainers"][1], spec["containers"][0]}) {
    const auto env = EnvOf(container);
    EXPECT_EQ(env.at("AZURE_CLIENT_ID"), kClientId) << container["name"];
    EXPECT_EQ(env.at("AZURE_FEDERATED_TOKEN_FILE"), kTokenFile) << container["name"];
    EXPECT_THAT(MountsOf(container), Contains(Pair(kTokenMountPath, kTokenVolumeName)));
  }
  EXPECT_EQ(mutated["spec"]["volumes"].size(), 2u);  // one set for the pod
}

TEST(WorkloadIdentityPatchTest, OptOutAnnotationLeavesTheTrustStoreAlone) {
  json pod = BarePod();
  pod["metadata"]["annotations"] = {{kInjectCaAnnotation, "false"}};
  json mutated = Mutated(pod);
  EXPECT_TRUE(VolumeNamed(mutated, kCaVolumeName).is_null());
  EXPECT_FALSE(VolumeNamed(mutated, kTokenVolumeName).is_null());
  json& app = mutated["spec"]["containers"][0];
  EXPECT_THAT(MountsOf(app), UnorderedElementsAre(Pair(kTokenMountPath, kTokenVolumeName)));
  const auto env = EnvOf(app);
  EXPECT_THAT(env, Not(Contains(Key("SSL_CERT_FILE"))));
  EXPECT_THAT(env, Not(Contains(Key("NODE_EXTRA_CA_CERTS"))));
  EXPECT_THAT(env, Not(Contains(Key("REQUESTS_CA_BUNDLE"))));
  EXPECT_EQ(env.at("AZURE_FEDERATED_TOKEN_FILE"), kTokenFile);
  EXPECT_EQ(env.at("AZURE_CLIENT_ID"), kClientId);
}

TEST(WorkloadIdentityPatchTest, WithoutClientIdEverythingElseIsInjected) {
  json mutated = Mutated(BarePod(), "");
  const auto env = EnvOf(mutated["spec"]["containers"][0]);
  EXPECT_THAT(env, Not(Contains(Key("AZURE_CLIENT_ID"))));
  EXPECT_EQ(env.size(), 6u);
  EXPECT_EQ(env.at("AZURE_AUTHORITY_HOST"), Settings().authority_host);
  EXPECT_EQ(env.at("REQUESTS_CA_BUNDLE"), kCaFile);
}

TEST(WorkloadIdentityPatchTest, VolumeOfOurNameIsNeitherAddedNorChanged) {
  json pod = BarePod();
  json theirs = {{"name", kCaVolumeName}, {"secret", {{"secretName", "their-ca"}}}};
  pod["spec"]["volumes"] = json::array({theirs});
  json mutated = Mutated(pod);
  EXPECT_EQ(VolumeNamed(mutated, kCaVolumeName), theirs);
  EXPECT_EQ(mutated["spec"]["volumes"].size(), 2u);
}

// The hand-written spec of docs/using-coffer.md: the CA where the pod chose to put it.
TEST(WorkloadIdentityPatchTest, FileVariablesFollowTheContainersOwnMountOfOurVolume) {
  json pod = BarePod();
  pod["spec"]["volumes"] = {
      {{"name", kCaVolumeName}, {"configMap", {{"name", "coffer-ca"}}}},
      {{"name", kTokenVolumeName}, {"projected", {{"sources", json::array()}}}}};
  pod["spec"]["containers"][0]["volumeMounts"] = {
      {{"name", kCaVolumeName}, {"mountPath", "/etc/coffer-ca/"}},
      {{"name", kTokenVolumeName},
       {"mountPath", "/etc/token"},
       {"subPath", "azure-identity-token"}}};
  json mutated = Mutated(pod);
  json& app = mutated["spec"]["containers"][0];
  EXPECT_EQ(app["volumeMounts"].size(), 2u);  // no second mount of either
  const auto env = EnvOf(app);
  EXPECT_EQ(env.at("SSL_CERT_FILE"), "/etc/coffer-ca/ca.crt");
  EXPECT_EQ(env.at("NODE_EXTRA_CA_CERTS"), "/etc/coffer-ca/ca.crt");
  EXPECT_EQ(env.at("AZURE_FEDERATED_TOKEN_FILE"), "/etc/token");
}

TEST(WorkloadIdentityPatchTest, SomethingElseAtOurPathGetsNoMountAndNoFileVariable) {
  json pod = BarePod();
  pod["spec"]["volumes"] = {{{"name", "aks-token"}, {"emptyDir", json::object()}}};
  pod["spec"]["containers"][0]["volumeMounts"] = {
      {{"name", "aks-token"}, {"mountPath", "/var/run/secrets/azure/tokens"}}};
  json mutated = Mutated(pod);
  json& app = mutated["spec"]["containers"][0];
  EXPECT_THAT(MountsOf(app), UnorderedElementsAre(Pair(kTokenMountPath, "aks-token"),
                                                  Pair(kCaMountPath, kCaVolumeName)));
  const auto env = EnvOf(app);
  EXPECT_THAT(env, Not(Contains(Key("AZURE_FEDERATED_TOKEN_FILE"))));
  EXPECT_EQ(env.at("AZURE_CLIENT_ID"), kClientId);
  EXPECT_EQ(env.at("SSL_CERT_FILE"), kCaFile);
}

TEST(WorkloadIdentityPatchTest, PartialMountOfOurVolumeGetsNoFileVariable) {
  json pod = BarePod();
  pod["spec"]["containers"][0]["volumeMounts"] = {
      {{"name", kCaVolumeName}, {"mountPath", "/etc/other"}, {"subPath", "other.pem"}}};
  json mutated = Mutated(pod);
  json& app = mutated["spec"]["containers"][0];
  EXPECT_THAT(MountsOf(app), UnorderedElementsAre(Pair("/etc/other", kCaVolumeName),
                                                  Pair(kTokenMountPath, kTokenVolumeName)));
  EXPECT_THAT(EnvOf(app), Not(Contains(Key("SSL_CERT_FILE"))));
}

TEST(WorkloadIdentityPatchTest, PodWithoutSpecGetsNothing) {
  EXPECT_EQ(WorkloadIdentityPatch(json::object(), kClientId, Settings()), json::array());
  EXPECT_EQ(WorkloadIdentityPatch(json("pod"), kClientId, Settings()), json::array());
  EXPECT_EQ(WorkloadIdentityPatch({{"spec", "x"}}, kClientId, Settings()), json::array());
}

TEST(WorkloadIdentityPatchTest, NoContainersStillGetsTheVolumesOnly) {
  json pod = BarePod();
  pod["spec"].erase("containers");
  json patch = WorkloadIdentityPatch(pod, kClientId, Settings());
  ASSERT_EQ(patch.size(), 1u);
  EXPECT_EQ(patch[0]["path"], "/spec/volumes");
  EXPECT_THAT(patch[0]["value"], Not(IsEmpty()));
}

}  // namespace
}  // namespace coffer::op
