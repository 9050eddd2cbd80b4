#include "vault-core/envelope/vault_keys.h"

#include <thread>

#include "coffer/envelope/v1/envelope.pb.h"
#include "gmock/gmock.h"
#include "lib/testing/softhsm_token.h"
#include "lib/testing/status_matchers.h"
#include "vault-core/keystore/pkcs11/pkcs11_keystore.h"
#include "vault-core/storage/memory/memory_store.h"
#include "vault-core/storage/sqlite/sqlite_store.h"

namespace coffer::envelope {
namespace {

using ::coffer::testing::ReadFileOrDie;
using ::coffer::testing::SoftHsmToken;
using ::coffer::testing::StatusIs;
using ::coffer::testing::TempDir;
using ::testing::HasSubstr;

std::unique_ptr<keystore::KeyStore> OpenHsm(const SoftHsmToken& token) {
  keystore::Pkcs11Options options;
  options.module_path = SoftHsmToken::kModulePath;
  options.token_label = token.label();
  options.pin = SecretBytes(token.pin());
  auto store = keystore::Pkcs11KeyStore::Create(options);
  EXPECT_THAT(store, testing::IsOk());
  return store.ok() ? std::move(*store) : nullptr;
}

const crypto::RecordAddress Address(int i) {
  return {"vault-a", "secrets/s" + std::to_string(i), "v1"};
}

// The property the whole envelope exists for, checked on the real file the vault writes.
TEST(VaultKeysTest, SqliteFileHoldsNoPlaintextOfSealedRecordsOrKeys) {
  SoftHsmToken token;
  TempDir dir;
  std::string db_path = dir.File("vault.db");
  std::string data_key_plaintext;
  {
    auto hsm = OpenHsm(token);
    ASSERT_NE(hsm, nullptr);
    COFFER_ASSERT_OK_AND_ASSIGN(auto store, storage::SqliteStore::Open({db_path}));
    VaultKeys keys(*hsm, *store, Clock::Real());
    COFFER_ASSERT_OK_AND_ASSIGN(auto sealer, keys.ForVault("vault-a"));
    for (int i = 0; i < 50; ++i) {
      COFFER_ASSERT_OK_AND_ASSIGN(
          std::string sealed,
          sealer->Seal(Address(i), "PLAINTEXT-MARKER-" + std::to_string(i) + "-correct-horse"));
      COFFER_ASSERT_OK(store->Put("records/" + std::to_string(i), sealed, std::nullopt));
    }
    // The data key in clear, to look for it in the file too.
    COFFER_ASSERT_OK_AND_ASSIGN(auto stored, store->Get(VaultKeys::StorageKey("vault-a")));
    v1::WrappedDataKey record;
    ASSERT_TRUE(record.ParseFromString(stored.value));
    COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes key, hsm->UnwrapDataKey(record.wrapped_key()));
    data_key_plaintext = std::string(key.reveal());
  }
  std::string file = ReadFileOrDie(db_path);
  ASSERT_GT(file.size(), 4096u);
  EXPECT_EQ(file.find("PLAINTEXT-MARKER"), std::string::npos);
  EXPECT_EQ(file.find("correct-horse"), std::string::npos);
  ASSERT_EQ(data_key_plaintext.size(), 32u);
  EXPECT_EQ(file.find(data_key_plaintext), std::string::npos);
}

TEST(VaultKeysTest, DataKeySurvivesRestartAndOpensOldRecords) {
  SoftHsmToken token;
  TempDir dir;
  std::string sealed;
  {
    auto hsm = OpenHsm(token);
    ASSERT_NE(hsm, nullptr);
    COFFER_ASSERT_OK_AND_ASSIGN(auto store, storage::SqliteStore::Open({dir.File("v.db")}));
    VaultKeys keys(*hsm, *store, Clock::Real());
    COFFER_ASSERT_OK_AND_ASSIGN(auto sealer, keys.ForVault("vault-a"));
    COFFER_ASSERT_OK_AND_ASSIGN(sealed, sealer->Seal(Address(1), "kept"));
  }
  auto hsm = OpenHsm(token);
  ASSERT_NE(hsm, nullptr);
  COFFER_ASSERT_OK_AND_ASSIGN(auto store, storage::SqliteStore::Open({dir.File("v.db")}));
  VaultKeys keys(*hsm, *store, Clock::Real());
  COFFER_ASSERT_OK_AND_ASSIGN(auto sealer, keys.ForVault("vault-a"));
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes opened, sealer->Open(Address(1), sealed));
  EXPECT_EQ(opened.reveal(), "kept");
}

TEST(VaultKeysTest, VaultsHaveSeparateKeys) {
  SoftHsmToken token;
  auto hsm = OpenHsm(token);
  ASSERT_NE(hsm, nullptr);
  storage::MemoryStore store;
  VaultKeys keys(*hsm, store, Clock::Real());
  COFFER_ASSERT_OK_AND_ASSIGN(auto a, keys.ForVault("vault-a"));
  COFFER_ASSERT_OK_AND_ASSIGN(auto b, keys.ForVault("vault-b"));
  crypto::RecordAddress address{"vault-a", "secrets/x", "v"};
  COFFER_ASSERT_OK_AND_ASSIGN(std::string sealed, a->Seal(address, "value"));
  EXPECT_THAT(b->Open(address, sealed), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(VaultKeysTest, ConcurrentFirstUseAgreesOnOneKey) {
  SoftHsmToken token;
  auto hsm = OpenHsm(token);
  ASSERT_NE(hsm, nullptr);
  storage::MemoryStore store;
  std::vector<std::string> key_ids(6);
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      // Separate caches, one store: as several replicas would race.
      VaultKeys keys(*hsm, store, Clock::Real());
      auto sealer = keys.ForVault("vault-a");
      if (sealer.ok()) key_ids[i] = (*sealer)->data_key_id();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& id : key_ids) EXPECT_EQ(id, key_ids[0]);
  EXPECT_FALSE(key_ids[0].empty());
}

TEST(VaultKeysTest, KeyWrappedByAnotherHsmIsRefusedClearly) {
  storage::MemoryStore store;
  {
    SoftHsmToken first("first-hsm");
    auto hsm = OpenHsm(first);
    ASSERT_NE(hsm, nullptr);
    VaultKeys keys(*hsm, store, Clock::Real());
    COFFER_ASSERT_OK(keys.ForVault("vault-a").status());
  }
  SoftHsmToken second("second-hsm");
  auto hsm = OpenHsm(second);
  ASSERT_NE(hsm, nullptr);
  VaultKeys keys(*hsm, store, Clock::Real());
  EXPECT_THAT(keys.ForVault("vault-a"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("master key")));
}

// Records from before master key ids were fingerprints name a token and label instead.
void SetRecordedMasterKeyId(storage::Store& store, const std::string& id) {
  auto stored = store.Get(VaultKeys::StorageKey("vault-a"));
  ASSERT_TRUE(stored.ok());
  v1::WrappedDataKey record;
  ASSERT_TRUE(record.ParseFromString(stored->value));
  record.set_master_key_id(id);
  COFFER_ASSERT_OK(
      store.Put(VaultKeys::StorageKey("vault-a"), record.SerializeAsString(), std::nullopt));
}

constexpr char kOldFormId[] = "pkcs11:token=first-hsm;serial=5d1a;object=coffer-master-v1";

TEST(VaultKeysTest, DataKeyRecordedUnderTheOldIdFormStillOpens) {
  SoftHsmToken token;
  auto hsm = OpenHsm(token);
  ASSERT_NE(hsm, nullptr);
  storage::MemoryStore store;
  std::string sealed;
  {
    VaultKeys keys(*hsm, store, Clock::Real());
    COFFER_ASSERT_OK_AND_ASSIGN(auto sealer, keys.ForVault("vault-a"));
    COFFER_ASSERT_OK_AND_ASSIGN(sealed, sealer->Seal(Address(1), "stored long ago"));
  }
  SetRecordedMasterKeyId(store, kOldFormId);
  VaultKeys keys(*hsm, store, Clock::Real());
  COFFER_ASSERT_OK_AND_ASSIGN(auto sealer, keys.ForVault("vault-a"));
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes opened, sealer->Open(Address(1), sealed));
  EXPECT_EQ(opened.reveal(), "stored long ago");
}

TEST(VaultKeysTest, OldIdFormWrappedByAnotherHsmIsStillDataLoss) {
  storage::MemoryStore store;
  {
    SoftHsmToken first("first-hsm");
    auto hsm = OpenHsm(first);
    ASSERT_NE(hsm, nullptr);
    VaultKeys keys(*hsm, store, Clock::Real());
    COFFER_ASSERT_OK(keys.ForVault("vault-a").status());
  }
  SetRecordedMasterKeyId(store, kOldFormId);
  SoftHsmToken second("second-hsm");
  auto hsm = OpenHsm(second);
  ASSERT_NE(hsm, nullptr);
  VaultKeys keys(*hsm, store, Clock::Real());
  EXPECT_THAT(keys.ForVault("vault-a"), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(VaultKeysTest, CorruptStoredKeyIsDataLoss) {
  SoftHsmToken token;
  auto hsm = OpenHsm(token);
  ASSERT_NE(hsm, nullptr);
  storage::MemoryStore store;
  {
    VaultKeys keys(*hsm, store, Clock::Real());
    COFFER_ASSERT_OK(keys.ForVault("vault-a").status());
  }
  auto stored = store.Get(VaultKeys::StorageKey("vault-a"));
  ASSERT_TRUE(stored.ok());
  v1::WrappedDataKey record;
  ASSERT_TRUE(record.ParseFromString(stored->value));
  std::string wrapped = record.wrapped_key();
  wrapped[5] ^= 0x01;
  record.set_wrapped_key(wrapped);
  COFFER_ASSERT_OK(
      store.Put(VaultKeys::StorageKey("vault-a"), record.SerializeAsString(), std::nullopt));
  VaultKeys keys(*hsm, store, Clock::Real());
  EXPECT_THAT(keys.ForVault("vault-a"), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace coffer::envelope
