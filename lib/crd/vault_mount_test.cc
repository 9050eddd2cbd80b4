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

TEST(MountSpecTest, EachTypeGetsItsDefaultFormatAndPrivateKeysAreNotForOthers) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      MountSpec spec,
      ParseVaultMount(
          Mount(json::array(
              {{{"name", "db"}, {"type", "secret"}},
               {{"name", "signer"}, {"type", "key"}},
               {{"name", "tls"}, {"type", "certificate"}},
               {{"name", "ca"}, {"type", "certificate"}, {"format", "cert"}},
               {{"name", "web"}, {"type", "certificate"}, {"format", "split"}, {"mode", 0440}}})),
          "team-a"));
  ASSERT_EQ(spec.objects.size(), 5u);
  EXPECT_EQ(spec.objects[0].format, ObjectFormat::kValue);
  EXPECT_EQ(spec.objects[1].format, ObjectFormat::kPem);
  EXPECT_EQ(spec.objects[1].mode, 0644u);  // a public key
  EXPECT_EQ(spec.objects[2].format, ObjectFormat::kPem);
  EXPECT_EQ(spec.objects[2].mode, 0640u);  // key and chain: not for others
  EXPECT_EQ(spec.objects[3].format, ObjectFormat::kCert);
  EXPECT_EQ(spec.objects[3].mode, 0644u);
  EXPECT_EQ(spec.objects[4].format, ObjectFormat::kSplit);
  EXPECT_EQ(spec.objects[4].mode, 0440u);
  EXPECT_EQ(FileNamesOf(spec.objects[4]), (std::vector<std::string>{"web.crt", "web.key"}));
  EXPECT_TRUE(WritesPrivateKey(spec.objects[4]));
  EXPECT_FALSE(WritesPrivateKey(spec.objects[3]));
}

TEST(MountSpecTest, RefusesFormatsThatDoNotFitTheTypeAndKeysForOthers) {
  struct Case {
    json objects;
    const char* says;
  };
  for (const Case& c : std::vector<Case>{
           {json::array({{{"name", "db"}, {"type", "secret"}, {"format", "pem"}}}),
            "format applies to keys and certificates only"},
           {json::array({{{"name", "k"}, {"type", "key"}, {"format", "pfx"}}}),
            "a key's format is pem or jwk"},
           {json::array({{{"name", "c"}, {"type", "certificate"}, {"format", "cert-only"}}}),
            "a certificate's format is pem, pfx, cert or split"},
           {json::array({{{"name", "c"}, {"type", "certificate"}, {"mode", 0644}}}),
            "may not be readable by others"},
           {json::array(
                {{{"name", "c"}, {"type", "certificate"}, {"format", "pfx"}, {"mode", 0604}}}),
            "may not be readable by others"},
           {json::array(
                {{{"name", "c"}, {"type", "certificate"}, {"format", "split"}, {"fileName", "tls"}},
                 {{"name", "ca"},
                  {"type", "certificate"},
                  {"format", "cert"},
                  {"fileName", "tls.crt"}}}),
            "'tls.crt' is written by another object"},
       }) {
    EXPECT_THAT(ParseVaultMount(Mount(c.objects), "team-a"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.says)))
        << c.objects.dump();
  }
  // A split object's files do not collide with another split object's name.
  COFFER_EXPECT_OK(
      ParseVaultMount(
          Mount(json::array(
              {{{"name", "a"}, {"type", "certificate"}, {"format", "split"}, {"fileName", "tls"}},
               {{"name", "b"},
                {"type", "certificate"},
                {"format", "split"},
                {"fileName", "tls.crt"}}})),
          "team-a")
          .status());
  // Public parts may be for everyone.
  COFFER_EXPECT_OK(
      ParseVaultMount(
          Mount(json::array(
              {{{"name", "c"}, {"type", "certificate"}, {"format", "cert"}, {"mode", 0644}},
               {{"name", "k"}, {"type", "key"}, {"format", "jwk"}, {"mode", 0444}}})),
          "team-a")
          .status());
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
