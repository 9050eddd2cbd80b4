#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "vault-core/domain/access_policy.h"
#include "vault-core/domain/names.h"
#include "vault-core/domain/vault.h"

namespace coffer::domain {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Not;

TEST(NamesTest, ObjectNamesFollowAzure) {
  EXPECT_THAT(ValidateObjectName("db-Password-1"), IsOk());
  EXPECT_THAT(ValidateObjectName(std::string(127, 'a')), IsOk());
  EXPECT_THAT(ValidateObjectName(std::string(128, 'a')), Not(IsOk()));
  EXPECT_THAT(ValidateObjectName(""), Not(IsOk()));
  EXPECT_THAT(ValidateObjectName("a_b"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateObjectName("a/b"), Not(IsOk()));
}

TEST(NamesTest, VersionsAre32LowercaseHex) {
  EXPECT_THAT(ValidateVersion("0123456789abcdef0123456789abcdef"), IsOk());
  EXPECT_THAT(ValidateVersion("0123456789ABCDEF0123456789abcdef"), Not(IsOk()));
  EXPECT_THAT(ValidateVersion("0123"), Not(IsOk()));
}

TEST(NamesTest, VaultNamesAndHostnames) {
  EXPECT_THAT(ValidateVaultName("prod-1"), IsOk());
  EXPECT_THAT(ValidateVaultName("1prod"), Not(IsOk()));
  EXPECT_THAT(ValidateVaultName("a--b"), Not(IsOk()));
  EXPECT_THAT(ValidateVaultName("ab-"), Not(IsOk()));
  EXPECT_THAT(ValidateHostname("prod.vault.coffer.test"), IsOk());
  EXPECT_THAT(ValidateHostname("prod.team-a.svc.cluster.local"), IsOk());
  EXPECT_THAT(ValidateHostname("localhost"), Not(IsOk()));
  EXPECT_THAT(ValidateHostname("Prod.vault.test"), Not(IsOk()));
  EXPECT_THAT(ValidateHostname("a..b"), Not(IsOk()));
  EXPECT_THAT(ValidateHostname("-a.b"), Not(IsOk()));
}

TEST(VaultTest, RecoveryLevelFollowsRetentionAndPurgeProtection) {
  Vault v;
  v.soft_delete_retention_days = 90;
  EXPECT_EQ(v.RecoveryLevel(), "Recoverable+Purgeable");
  v.soft_delete_retention_days = 7;
  EXPECT_EQ(v.RecoveryLevel(), "CustomizedRecoverable+Purgeable");
  v.purge_protection = true;
  EXPECT_EQ(v.RecoveryLevel(), "CustomizedRecoverable");
}

TEST(AccessPolicyTest, NormalizesCaseExpandsAllAndRejectsUnknown) {
  auto perms = NormalizePermissions(ObjectKind::kSecrets, {"Get", "LIST"});
  ASSERT_THAT(perms, IsOk());
  EXPECT_THAT(*perms, ElementsAre("get", "list"));
  EXPECT_EQ(NormalizePermissions(ObjectKind::kSecrets, {"all"})->size(), 8u);
  EXPECT_THAT(NormalizePermissions(ObjectKind::kSecrets, {"wrapKey"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(NormalizePermissions(ObjectKind::kKeys, {"wrapKey"}), IsOk());
  AccessPolicy policy;
  policy.secrets = *perms;
  EXPECT_TRUE(policy.Allows(ObjectKind::kSecrets, "get"));
  EXPECT_FALSE(policy.Allows(ObjectKind::kSecrets, "set"));
  EXPECT_FALSE(policy.Allows(ObjectKind::kKeys, "get"));
  // Azure's manageissuers covers the four issuer permissions, and nothing else.
  policy.certificates = {"manageissuers"};
  EXPECT_TRUE(policy.Allows(ObjectKind::kCertificates, "setissuers"));
  EXPECT_TRUE(policy.Allows(ObjectKind::kCertificates, "listissuers"));
  EXPECT_FALSE(policy.Allows(ObjectKind::kCertificates, "get"));
  EXPECT_FALSE(policy.Allows(ObjectKind::kKeys, "setissuers"));
}

}  // namespace
}  // namespace coffer::domain
