// VaultMount parsing.
#include "lib/crd/vault_mount.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "nlohmann/json.hpp"

namespace coffer::crd {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;
using nlohmann::json;

json Mount(json objects) {
  return json{{"spec", {{"vaultRef", {{"name", "prod"}}}, {"objects", objects}}}};
}

TEST(MountSpecTest, DefaultsFileNameModeAndRotation) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      MountSpec spec,
      ParseVaultMount(Mount(json::array({{{"name", "db"}, {"type", "secret"}},
                                         {{"name", "tls"},
                                          {"type", "certificate"},
                                          {"fileName", "tls.pem"},
                                          {"mode", 0400},
                                          {"optional", true}}})),
                      "team-a"));
  EXPECT_EQ(spec.vault_namespace, "team-a");
  EXPECT_EQ(spec.vault_name, "prod");
  ASSERT_EQ(spec.objects.size(), 2u);
  EXPECT_EQ(spec.objects[0].file_name, "db");
  EXPECT_EQ(spec.objects[0].mode, 0644u);
  EXPECT_EQ(spec.objects[1].file_name, "tls.pem");
  EXPECT_EQ(spec.objects[1].mode, 0400u);
  EXPECT_TRUE(spec.objects[1].optional);
  EXPECT_TRUE(spec.rotation_enabled);
  EXPECT_EQ(spec.rotation_interval, absl::Minutes(2));
}

TEST(MountSpecTest, RefusesWhatCouldEscapeOrCollide) {
  for (const json& objects : {
           json::array({{{"name", "db"}, {"type", "secret"}, {"fileName", "../etc/passwd"}}}),
           json::array({{{"name", "db"}, {"type", "secret"}, {"fileName", "..data"}}}),
           json::array({{{"name", "db"}, {"type", "secret"}},
                        {{"name", "x"}, {"type", "secret"}, {"fileName", "db"}}}),
           json::array({{{"name", "db"}, {"type", "blob"}}}),
           json::array({{{"name", "db"}, {"type", "secret"}, {"mode", 01777}}}),
           json::array({{{"name", "db"}, {"type", "secret"}, {"version", "latest"}}}),
           json::array(),
       }) {
    EXPECT_THAT(ParseVaultMount(Mount(objects), "team-a"),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << objects.dump();
  }
  json too_fast = Mount(json::array({{{"name", "db"}, {"type", "secret"}}}));
  too_fast["spec"]["rotation"] = {{"interval", "500ms"}};
  EXPECT_THAT(ParseVaultMount(too_fast, "team-a"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rotation.interval")));
}

}  // namespace
}  // namespace coffer::crd
