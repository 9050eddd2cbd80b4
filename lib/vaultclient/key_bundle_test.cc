// Key bundles and list items as the data plane answers them (docs/azure-keys-wire.md §1).
#include "lib/vaultclient/key_bundle.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "nlohmann/json.hpp"

namespace coffer::vaultclient {
namespace {

using ::coffer::testing::StatusIs;
using nlohmann::json;

TEST(KeyBundleTest, BundleGivesVersionWindowAndThePublicJwk) {
  const json key = {{"kid", "https://prod.vault.coffer.test/keys/signer/0a1b2c"},
                    {"kty", "RSA"},
                    {"key_ops", {"verify"}},
                    {"n", "AQAB"},
                    {"e", "AQAB"}};
  const json bundle = {
      {"key", key},
      {"attributes", {{"enabled", true}, {"nbf", 1000}, {"exp", 2000}, {"created", 900}}},
      {"tags", json::object()}};
  COFFER_ASSERT_OK_AND_ASSIGN(KeyVersion v, ParseKeyBundle(bundle.dump()));
  EXPECT_EQ(v.version, "0a1b2c");
  EXPECT_EQ(json::parse(v.jwk), key);
  EXPECT_EQ(v.created, absl::FromUnixSeconds(900));
  EXPECT_FALSE(v.UsableAt(absl::FromUnixSeconds(999)));  // not yet
  EXPECT_TRUE(v.UsableAt(absl::FromUnixSeconds(1000)));
  EXPECT_FALSE(v.UsableAt(absl::FromUnixSeconds(2000)));  // expired
}

TEST(KeyBundleTest, ListItemHasItsVersionAndDisabledIsNotUsable) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      KeyVersion v,
      ParseKeyItem(R"({"kid":"https://h/keys/signer/ff00","attributes":{"enabled":false}})"));
  EXPECT_EQ(v.version, "ff00");
  EXPECT_TRUE(v.jwk.empty());
  EXPECT_FALSE(v.UsableAt(absl::Now()));
}

TEST(KeyBundleTest, WhatIsNotAVersionedKeyIsRefused) {
  EXPECT_THAT(ParseKeyBundle(R"({"value":"a secret"})"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseKeyBundle(R"({"key":{"kid":"https://h/keys/signer"}})"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseKeyItem("not json"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::vaultclient
