#include "vault-core/service/secret_service.h"

#include <map>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/domain/errors.h"
#include "vault-core/service/testing/services_fixture.h"

namespace coffer::service {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;
using ::coffer::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

class SecretServiceTest : public ServicesFixture {
 protected:
  SecretServiceTest() {
    vault_.id = "0123abcd";
    vault_.name = "prod";
    vault_.soft_delete_retention_days = 7;
  }

  domain::Secret Set(const std::string& name, const std::string& value,
                     domain::SecretSetOptions options = {}) {
    auto secret = secrets_.Set(vault_, name, SecretBytes(value), options);
    EXPECT_THAT(secret, IsOk());
    return secret.ok() ? std::move(*secret) : domain::Secret{};
  }

  std::vector<std::string> Names(const Page<domain::SecretProperties>& page) {
    std::vector<std::string> names;
    for (const auto& p : page.items) names.push_back(p.name);
    return names;
  }

  domain::Vault vault_;
};

TEST_F(SecretServiceTest, SetThenGetLatestAndByVersion) {
  domain::SecretSetOptions options;
  options.content_type = "text/plain";
  options.tags = {{"env", "prod"}};
  domain::Secret set = Set("db-password", "s3cret", options);
  EXPECT_EQ(set.properties.version.size(), 32u);
  EXPECT_EQ(set.properties.attributes.created,
            absl::FromUnixSeconds(absl::ToUnixSeconds(clock_.Now())));

  COFFER_ASSERT_OK_AND_ASSIGN(domain::Secret latest, secrets_.Get(vault_, "db-password", ""));
  EXPECT_EQ(latest.value.reveal(), "s3cret");
  EXPECT_EQ(latest.properties.version, set.properties.version);
  EXPECT_EQ(latest.properties.content_type, "text/plain");
  EXPECT_EQ(latest.properties.tags.at("env"), "prod");
  COFFER_ASSERT_OK_AND_ASSIGN(domain::Secret exact,
                              secrets_.Get(vault_, "db-password", set.properties.version));
  EXPECT_EQ(exact.value.reveal(), "s3cret");
}

TEST_F(SecretServiceTest, NewVersionBecomesLatestAndOldOneStaysReadable) {
  domain::Secret v1 = Set("api", "one");
  clock_.Advance(absl::Seconds(5));
  domain::Secret v2 = Set("api", "two");
  EXPECT_EQ(secrets_.Get(vault_, "api", "")->value.reveal(), "two");
  EXPECT_EQ(secrets_.Get(vault_, "api", v1.properties.version)->value.reveal(), "one");
  COFFER_ASSERT_OK_AND_ASSIGN(auto versions, secrets_.ListVersions(vault_, "api", "", 25));
  std::vector<std::string> ids;
  for (const auto& p : versions.items) ids.push_back(p.version);
  EXPECT_THAT(ids, UnorderedElementsAre(v1.properties.version, v2.properties.version));
}

TEST_F(SecretServiceTest, NamesAreCaseInsensitiveAndKeepTheirFirstSpelling) {
  domain::Secret first = Set("Db-Password", "one");
  EXPECT_EQ(first.properties.name, "Db-Password");
  COFFER_ASSERT_OK_AND_ASSIGN(domain::Secret got, secrets_.Get(vault_, "db-password", ""));
  EXPECT_EQ(got.value.reveal(), "one");
  EXPECT_EQ(got.properties.name, "Db-Password");
  domain::Secret second = Set("DB-PASSWORD", "two");  // a new version, not a new secret
  EXPECT_EQ(second.properties.name, "Db-Password");
  EXPECT_EQ(secrets_.ListVersions(vault_, "db-PASSWORD", "", 0)->items.size(), 2u);
  COFFER_ASSERT_OK_AND_ASSIGN(auto all, secrets_.List(vault_, "", 25));
  ASSERT_EQ(all.items.size(), 1u);
  EXPECT_EQ(all.items[0].name, "Db-Password");
  COFFER_ASSERT_OK_AND_ASSIGN(auto deleted, secrets_.Delete(vault_, "DB-password"));
  EXPECT_EQ(deleted.properties.name, "Db-Password");
  EXPECT_THAT(secrets_.Set(vault_, "db-password", SecretBytes("x"), {}),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(SecretServiceTest, MissingSecretsAndVersionsAreNotFound) {
  EXPECT_THAT(secrets_.Get(vault_, "nope", ""), StatusIs(absl::StatusCode::kNotFound));
  // Listing the versions of a name that has none is an empty list, as Azure answers.
  auto none = secrets_.ListVersions(vault_, "nope", "", 25);
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->items.empty());
  Set("there", "x");
  EXPECT_THAT(secrets_.Get(vault_, "there", std::string(32, 'a')),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(secrets_.Get(vault_, "there", "NOT-A-VERSION"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(secrets_.Get(vault_, "bad_name", ""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SecretServiceTest, DisabledValueIsForbiddenUntilReenabled) {
  domain::SecretSetOptions options;
  options.enabled = false;
  Set("off", "hidden", options);
  auto get = secrets_.Get(vault_, "off", "");
  EXPECT_THAT(get, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(domain::ReasonOf(get.status()), domain::reason::kSecretDisabled);
  domain::SecretUpdate enable;
  enable.enabled = true;
  COFFER_ASSERT_OK(secrets_.Update(vault_, "off", "", enable));
  EXPECT_EQ(secrets_.Get(vault_, "off", "")->value.reveal(), "hidden");
}

TEST_F(SecretServiceTest, ExpiredAndNotYetValidSecretsAreStillReadable) {
  domain::SecretSetOptions options;
  options.expires = clock_.Now() - absl::Hours(1);
  options.not_before = clock_.Now() + absl::Hours(1);
  Set("window", "v", options);
  COFFER_ASSERT_OK_AND_ASSIGN(auto secret, secrets_.Get(vault_, "window", ""));
  EXPECT_EQ(secret.value.reveal(), "v");
  EXPECT_TRUE(secret.properties.attributes.expires.has_value());
}

TEST_F(SecretServiceTest, UpdateChangesOnlyTheGivenFields) {
  domain::SecretSetOptions options;
  options.content_type = "a";
  options.tags = {{"k", "v"}, {"x", "y"}};
  Set("s", "value", options);
  clock_.Advance(absl::Minutes(1));
  domain::SecretUpdate update;
  update.tags = domain::Tags{{"only", "this"}};
  COFFER_ASSERT_OK_AND_ASSIGN(auto updated, secrets_.Update(vault_, "s", "", update));
  EXPECT_EQ(updated.content_type, "a");
  EXPECT_EQ(updated.tags, (domain::Tags{{"only", "this"}}));
  EXPECT_GT(updated.attributes.updated, updated.attributes.created);
  EXPECT_EQ(secrets_.Get(vault_, "s", "")->value.reveal(), "value");
}

TEST_F(SecretServiceTest, ListPagesThroughLiveSecretsOnly) {
  for (const char* name : {"a", "b", "c", "d", "e"}) Set(name, "v");
  COFFER_ASSERT_OK(secrets_.Delete(vault_, "c"));
  std::vector<std::string> seen;
  std::string continuation;
  int pages = 0;
  do {
    COFFER_ASSERT_OK_AND_ASSIGN(auto page, secrets_.List(vault_, continuation, 2));
    for (const auto& n : Names(page)) seen.push_back(n);
    continuation = page.continuation;
  } while (!continuation.empty() && ++pages < 10);
  EXPECT_THAT(seen, ElementsAre("a", "b", "d", "e"));
}

TEST_F(SecretServiceTest, SoftDeleteRecoverAndPurgeLifeCycle) {
  domain::Secret set = Set("gone", "v");
  COFFER_ASSERT_OK_AND_ASSIGN(auto deleted, secrets_.Delete(vault_, "gone"));
  EXPECT_EQ(deleted.properties.version, set.properties.version);
  EXPECT_EQ(deleted.scheduled_purge - deleted.deleted, absl::Hours(24 * 7));
  EXPECT_THAT(secrets_.Get(vault_, "gone", ""), StatusIs(absl::StatusCode::kNotFound));
  COFFER_ASSERT_OK(secrets_.GetDeleted(vault_, "gone"));
  EXPECT_EQ(secrets_.ListDeleted(vault_, "", 25)->items.size(), 1u);

  auto reuse = secrets_.Set(vault_, "gone", SecretBytes("new"), {});
  EXPECT_THAT(reuse, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(domain::ReasonOf(reuse.status()), domain::reason::kObjectIsDeletedButRecoverable);

  COFFER_ASSERT_OK(secrets_.Recover(vault_, "gone"));
  EXPECT_EQ(secrets_.Get(vault_, "gone", "")->value.reveal(), "v");
  EXPECT_THAT(secrets_.GetDeleted(vault_, "gone"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(secrets_.Purge(vault_, "gone"), StatusIs(absl::StatusCode::kNotFound));

  COFFER_ASSERT_OK(secrets_.Delete(vault_, "gone"));
  COFFER_ASSERT_OK(secrets_.Purge(vault_, "gone"));
  EXPECT_THAT(secrets_.GetDeleted(vault_, "gone"), StatusIs(absl::StatusCode::kNotFound));
  // Nothing of the secret is left in storage; the name is free again.
  EXPECT_TRUE(store_.Range({"v/" + vault_.id + "/", "", 0})->entries.empty());
  Set("gone", "reborn");
}

TEST_F(SecretServiceTest, PurgeProtectionRefusesPurgeButRetentionStillPurges) {
  vault_.purge_protection = true;
  Set("kept", "v");
  COFFER_ASSERT_OK(secrets_.Delete(vault_, "kept"));
  auto purge = secrets_.Purge(vault_, "kept");
  EXPECT_THAT(purge, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(domain::ReasonOf(purge), domain::reason::kPurgeProtected);
  EXPECT_EQ(*secrets_.PurgeDue(vault_), 0);
  clock_.Advance(absl::Hours(24 * 7 + 1));
  EXPECT_EQ(*secrets_.PurgeDue(vault_), 1);
  EXPECT_THAT(secrets_.GetDeleted(vault_, "kept"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(SecretServiceTest, BackupRestoresIntoAnotherVaultOfThisInstallationOnly) {
  domain::Secret v1 = Set("moved", "first");
  Set("moved", "second");
  COFFER_ASSERT_OK_AND_ASSIGN(std::string blob, secrets_.Backup(vault_, "moved"));
  EXPECT_EQ(blob.find("second"), std::string::npos);
  EXPECT_THAT(secrets_.Restore(vault_, blob), StatusIs(absl::StatusCode::kAlreadyExists));

  domain::Vault other;
  other.id = "ffff0000";
  COFFER_ASSERT_OK_AND_ASSIGN(auto restored, secrets_.Restore(other, blob));
  EXPECT_EQ(restored.name, "moved");
  EXPECT_EQ(secrets_.Get(other, "moved", "")->value.reveal(), "second");
  EXPECT_EQ(secrets_.Get(other, "moved", v1.properties.version)->value.reveal(), "first");

  std::string tampered = blob;
  tampered[tampered.size() / 2] ^= 0x01;
  domain::Vault third;
  third.id = "eeee0000";
  EXPECT_THAT(secrets_.Restore(third, tampered), StatusIs(absl::StatusCode::kInvalidArgument));

  // Another installation (another master key) cannot read it.
  TempDir elsewhere;
  auto other_hsm = std::move(*keystore::SoftwareKeyStore::Create({elsewhere.File("m.key"), ""}));
  storage::MemoryStore other_store;
  envelope::VaultKeys other_keys(*other_hsm, other_store, clock_);
  SecretService other_installation(other_store, other_keys, clock_);
  EXPECT_THAT(other_installation.Restore(third, blob),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// As Azure Key Vault's: a backup holds at most 500 versions, and says so past that.
TEST_F(SecretServiceTest, ABackupHoldsAtMost500Versions) {
  for (int i = 0; i < 500; ++i) Set("long-lived", "v" + std::to_string(i));
  COFFER_EXPECT_OK(secrets_.Backup(vault_, "long-lived"));
  Set("long-lived", "one more");
  EXPECT_THAT(secrets_.Backup(vault_, "long-lived"),
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::HasSubstr("500")));
}

// Concurrent sets of one secret are committed together: each caller still gets its own version,
// holding its own value.
TEST_F(SecretServiceTest, ConcurrentSetsOfOneSecretKeepEveryVersion) {
  absl::Mutex mu;
  std::map<std::string, std::string> set;  // version -> value
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        const std::string value = std::to_string(t * 10 + i);
        auto secret = secrets_.Set(vault_, "hot", SecretBytes(value), {});
        ASSERT_THAT(secret, IsOk());
        absl::MutexLock lock(&mu);
        set[secret->properties.version] = value;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(set.size(), 30u);
  EXPECT_EQ(secrets_.ListVersions(vault_, "hot", "", 0)->items.size(), 30u);
  for (const auto& [version, value] : set) {
    COFFER_ASSERT_OK_AND_ASSIGN(domain::Secret secret, secrets_.Get(vault_, "hot", version));
    EXPECT_EQ(secret.value.reveal(), value) << version;
  }
}

TEST_F(SecretServiceTest, OversizedValueIsRejectedAndNothingIsStored) {
  EXPECT_THAT(secrets_.Set(vault_, "big", SecretBytes(std::string(25 * 1024 + 1, 'x')), {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(secrets_.Set(vault_, "big", SecretBytes(std::string(25 * 1024, 'x')), {}), IsOk());
  EXPECT_EQ(secrets_.ListVersions(vault_, "big", "", 0)->items.size(), 1u);
}

TEST_F(SecretServiceTest, StoredRecordsHoldNoPlaintext) {
  domain::SecretSetOptions options;
  options.tags = {{"owner", "TAG-MARKER"}};
  Set("plain", "VALUE-MARKER", options);
  COFFER_ASSERT_OK_AND_ASSIGN(auto everything, store_.Range({"", "", 0}));
  for (const auto& entry : everything.entries) {
    EXPECT_EQ(entry.value.find("VALUE-MARKER"), std::string::npos) << entry.key;
    EXPECT_EQ(entry.value.find("TAG-MARKER"), std::string::npos) << entry.key;
  }
}

}  // namespace
}  // namespace coffer::service
