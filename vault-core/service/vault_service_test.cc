#include "vault-core/service/vault_service.h"

#include "gmock/gmock.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/service/policy_service.h"
#include "vault-core/service/secret_service.h"
#include "vault-core/service/testing/services_fixture.h"

namespace coffer::service {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;
using ::coffer::testing::TempDir;

class VaultServiceTest : public ServicesFixture {
 protected:
  domain::Vault Make(const std::string& name, std::vector<std::string> hosts) {
    VaultSpec spec;
    spec.name = name;
    spec.hostnames = std::move(hosts);
    spec.soft_delete_retention_days = 7;
    auto vault = vaults_->CreateVault(spec);
    EXPECT_THAT(vault, IsOk());
    return vault.ok() ? *vault : domain::Vault{};
  }
};

TEST_F(VaultServiceTest, HostnamesAddressTheirVault) {
  domain::Vault prod = Make("prod", {"prod.vault.coffer.test", "prod.team-a.svc.cluster.local"});
  Make("dev", {"dev.vault.coffer.test"});
  COFFER_ASSERT_OK_AND_ASSIGN(auto resolved, vaults_->ResolveHost("prod.team-a.svc.cluster.local"));
  EXPECT_EQ(resolved->id, prod.id);
  EXPECT_EQ((*vaults_->ResolveHost("dev.vault.coffer.test"))->name, "dev");
  EXPECT_THAT(vaults_->ResolveHost("other.vault.coffer.test"),
              StatusIs(absl::StatusCode::kNotFound));
}

// A token's resource names a domain that live vaults are under; it follows vaults at once.
TEST_F(VaultServiceTest, ParentDomainsAreThoseOfLiveVaultsHostnames) {
  Make("prod", {"prod.vault.coffer.test"});
  EXPECT_TRUE(*vaults_->IsParentDomain("vault.coffer.test"));
  EXPECT_TRUE(*vaults_->IsParentDomain("coffer.test"));
  EXPECT_FALSE(*vaults_->IsParentDomain("prod.vault.coffer.test"));  // a host, not a parent
  EXPECT_FALSE(*vaults_->IsParentDomain("svc.cluster.local"));
  EXPECT_FALSE(*vaults_->IsParentDomain("ault.coffer.test"));

  Make("team", {"team.team-a.svc.cluster.local"});
  EXPECT_TRUE(*vaults_->IsParentDomain("svc.cluster.local"));
  COFFER_ASSERT_OK(vaults_->Delete("team"));
  EXPECT_FALSE(*vaults_->IsParentDomain("svc.cluster.local"));
}

TEST_F(VaultServiceTest, NamesAndHostnamesAreUnique) {
  Make("prod", {"prod.vault.coffer.test"});
  VaultSpec same_name{"prod", {"x.vault.coffer.test"}, domain::Sku::kStandard, 7, false};
  EXPECT_THAT(vaults_->CreateVault(same_name), StatusIs(absl::StatusCode::kAlreadyExists));
  VaultSpec same_host{"other", {"prod.vault.coffer.test"}, domain::Sku::kStandard, 7, false};
  EXPECT_THAT(vaults_->CreateVault(same_host), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(vaults_->Get("other"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(VaultServiceTest, BadSpecsAreRejected) {
  VaultSpec spec{"prod", {"localhost"}, domain::Sku::kStandard, 7, false};
  EXPECT_THAT(vaults_->CreateVault(spec), StatusIs(absl::StatusCode::kInvalidArgument));
  spec.hostnames = {"prod.vault.coffer.test"};
  spec.soft_delete_retention_days = 3;
  EXPECT_THAT(vaults_->CreateVault(spec), StatusIs(absl::StatusCode::kInvalidArgument));
  spec.soft_delete_retention_days = 7;
  spec.name = "-bad";
  EXPECT_THAT(vaults_->CreateVault(spec), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(VaultServiceTest, UpdatedHostnamesTakeEffectForLookups) {
  Make("prod", {"prod.vault.coffer.test"});
  COFFER_ASSERT_OK(vaults_->ResolveHost("prod.vault.coffer.test"));  // now cached
  VaultUpdate update;
  update.hostnames = std::vector<std::string>{"new.vault.coffer.test"};
  COFFER_ASSERT_OK(vaults_->Update("prod", update));
  EXPECT_TRUE(testing::PollUntil(
      [&] { return absl::IsNotFound(vaults_->ResolveHost("prod.vault.coffer.test").status()); }));
  EXPECT_THAT(vaults_->ResolveHost("new.vault.coffer.test"), IsOk());
}

TEST_F(VaultServiceTest, PurgeProtectionCannotBeTurnedOff) {
  Make("prod", {"prod.vault.coffer.test"});
  VaultUpdate on;
  on.purge_protection = true;
  COFFER_ASSERT_OK(vaults_->Update("prod", on));
  VaultUpdate off;
  off.purge_protection = false;
  EXPECT_THAT(vaults_->Update("prod", off), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(VaultServiceTest, DeletedVaultStopsServingAndRecovers) {
  Make("prod", {"prod.vault.coffer.test"});
  COFFER_ASSERT_OK(vaults_->Delete("prod"));
  EXPECT_TRUE(testing::PollUntil(
      [&] { return absl::IsNotFound(vaults_->ResolveHost("prod.vault.coffer.test").status()); }));
  EXPECT_EQ(vaults_->List(false)->size(), 0u);
  EXPECT_EQ(vaults_->List(true)->size(), 1u);
  COFFER_ASSERT_OK(vaults_->Recover("prod"));
  EXPECT_TRUE(
      testing::PollUntil([&] { return vaults_->ResolveHost("prod.vault.coffer.test").ok(); }));
}

TEST_F(VaultServiceTest, PurgeRemovesEveryTraceAndFreesTheNames) {
  domain::Vault prod = Make("prod", {"prod.vault.coffer.test"});
  SecretService secrets(store_, keys_, clock_);
  COFFER_ASSERT_OK(secrets.Set(prod, "s", SecretBytes("v"), {}));
  COFFER_ASSERT_OK(policies_->Set(prod.id, domain::AccessPolicy{"someone", {"get"}, {}, {}}));
  EXPECT_THAT(vaults_->Purge("prod"), StatusIs(absl::StatusCode::kFailedPrecondition));
  COFFER_ASSERT_OK(vaults_->Delete("prod"));
  COFFER_ASSERT_OK(vaults_->Purge("prod"));
  COFFER_ASSERT_OK_AND_ASSIGN(auto everything, store_.Range({"", "", 0}));
  for (const auto& e : everything.entries) {
    EXPECT_EQ(e.key.find(prod.id), std::string::npos) << e.key;
  }
  Make("prod", {"prod.vault.coffer.test"});
}

// Another replica's changes reach this one's caches through the store's watch: a vault it
// creates or deletes moves the token endpoint's domains, a policy it sets or removes the checks.
TEST_F(VaultServiceTest, AnotherReplicasChangesReachTheDomainAndPolicyCaches) {
  Make("prod", {"prod.vault.coffer.test"});
  ASSERT_TRUE(*vaults_->IsParentDomain("vault.coffer.test"));
  ASSERT_FALSE(*vaults_->IsParentDomain("team-a.svc.cluster.local"));
  domain::Vault prod = *vaults_->Get("prod");
  EXPECT_FALSE(*policies_->Allowed(prod.id, "alice", domain::ObjectKind::kSecrets, "get"));

  auto other_store = std::move(*storage::CachedStore::Create(store_));  // the other replica's
  auto other_vaults = std::move(*VaultService::Create(*other_store, keys_, clock_));
  auto other_policies = std::move(*PolicyService::Create(*other_store));
  COFFER_ASSERT_OK(other_vaults->CreateVault(
      {"team", {"team.team-a.svc.cluster.local"}, domain::Sku::kStandard, 7, false}));
  COFFER_ASSERT_OK(other_policies->Set(prod.id, domain::AccessPolicy{"alice", {"get"}, {}, {}}));
  EXPECT_TRUE(testing::PollUntil([&] {
    return *vaults_->IsParentDomain("team-a.svc.cluster.local") &&
           *policies_->Allowed(prod.id, "alice", domain::ObjectKind::kSecrets, "get");
  }));

  COFFER_ASSERT_OK(other_vaults->Delete("team"));
  COFFER_ASSERT_OK(other_policies->Remove(prod.id, "alice"));
  EXPECT_TRUE(testing::PollUntil([&] {
    return !*vaults_->IsParentDomain("team-a.svc.cluster.local") &&
           !*policies_->Allowed(prod.id, "alice", domain::ObjectKind::kSecrets, "get");
  }));
}

TEST_F(VaultServiceTest, PoliciesDenyByDefaultAndChangesTakeEffectAtOnce) {
  domain::Vault prod = Make("prod", {"prod.vault.coffer.test"});
  EXPECT_FALSE(*policies_->Allowed(prod.id, "alice", domain::ObjectKind::kSecrets, "get"));
  COFFER_ASSERT_OK(policies_->Set(prod.id, domain::AccessPolicy{"alice", {"Get", "list"}, {}, {}}));
  // Effective at once, not when the store's watch gets round to it.
  EXPECT_TRUE(*policies_->Allowed(prod.id, "alice", domain::ObjectKind::kSecrets, "get"));
  EXPECT_FALSE(*policies_->Allowed(prod.id, "alice", domain::ObjectKind::kSecrets, "set"));
  EXPECT_FALSE(*policies_->Allowed(prod.id, "bob", domain::ObjectKind::kSecrets, "get"));
  EXPECT_FALSE(*policies_->Allowed("other-vault", "alice", domain::ObjectKind::kSecrets, "get"));
  EXPECT_THAT(policies_->Set(prod.id, domain::AccessPolicy{"alice", {"fly"}, {}, {}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  COFFER_ASSERT_OK(policies_->Remove(prod.id, "alice"));
  EXPECT_FALSE(*policies_->Allowed(prod.id, "alice", domain::ObjectKind::kSecrets, "get"));
  EXPECT_THAT(policies_->Remove(prod.id, "alice"), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace coffer::service
