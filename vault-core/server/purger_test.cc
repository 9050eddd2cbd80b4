#include "vault-core/server/purger.h"

#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "vault-core/audit/memory_audit_log.h"
#include "vault-core/service/testing/services_fixture.h"

namespace coffer::server {
namespace {

using ::coffer::testing::StatusIs;

class PurgerTest : public service::ServicesFixture {
 protected:
  // The records of the job's purges, in order.
  std::vector<std::string> Purges() {
    std::vector<std::string> out;
    for (const audit::AuditRecord& r : audit_.records()) {
      if (r.operation.find("Purge") == std::string::npos) continue;
      out.push_back(r.principal + " " + r.vault + " " + r.operation + " " + r.object + " " +
                    r.result);
    }
    return out;
  }

  audit::MemoryAuditLog audit_{clock_};
};

// Automatic purges, when a soft-deleted object's or vault's retention ends, are audited as the
// data plane's purges are: one line each, naming what went.
TEST_F(PurgerTest, PurgesAtTheEndOfRetentionAreAudited) {
  service::VaultSpec spec{"prod", {"prod.vault.coffer.test"}, domain::Sku::kPremium, 7, false};
  COFFER_ASSERT_OK_AND_ASSIGN(domain::Vault prod, vaults_->CreateVault(spec));
  COFFER_ASSERT_OK(secrets_.Set(prod, "old", SecretBytes(std::string("v")), {}));
  COFFER_ASSERT_OK(secrets_.Delete(prod, "old"));
  COFFER_ASSERT_OK(key_service_.Create(prod, "signer", domain::KeySpec{}, /*hsm=*/false, {}));
  COFFER_ASSERT_OK(key_service_.Delete(prod, "signer"));
  service::VaultSpec gone{"gone", {"gone.vault.coffer.test"}, domain::Sku::kStandard, 7, false};
  COFFER_ASSERT_OK(vaults_->CreateVault(gone));
  COFFER_ASSERT_OK(vaults_->Delete("gone"));
  clock_.Advance(absl::Hours(24 * 7 + 1));

  Purger purger(*vaults_, secrets_, clock_, absl::Hours(1), /*certificates=*/nullptr,
                &key_service_, &audit_, &certificate_service_);
  ASSERT_TRUE(testing::PollUntil([&] { return Purges().size() >= 3; }));
  EXPECT_THAT(Purges(), ::testing::UnorderedElementsAre(
                            "coffer:retention gone VaultPurge  OK",
                            "coffer:retention prod SecretPurge secrets/old OK",
                            "coffer:retention prod KeyPurge keys/signer OK"));
  EXPECT_THAT(secrets_.GetDeleted(prod, "old"), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace coffer::server
