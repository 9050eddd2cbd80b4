#include "vault-core/service/key_service.h"

#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/crypto/software_key.h"
#include "vault-core/domain/errors.h"
#include "vault-core/service/testing/services_fixture.h"

namespace coffer::service {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using domain::Algorithm;
using domain::KeyOperation;
using domain::KeyType;

class KeyServiceTest : public ServicesFixture {
 protected:
  KeyServiceTest() {
    vault_.id = "0123abcd";
    vault_.name = "prod";
    vault_.sku = domain::Sku::kPremium;
    vault_.soft_delete_retention_days = 7;
  }

  domain::Key Create(const std::string& name, KeyType type, bool hsm,
                     domain::KeyCreateOptions options = {}) {
    domain::KeySpec spec;
    spec.type = type;
    auto key = key_service_.Create(vault_, name, spec, hsm, options);
    EXPECT_THAT(key, IsOk());
    return key.ok() ? *key : domain::Key{};
  }

  absl::StatusOr<domain::KeyOperationResult> Sign(const std::string& name,
                                                  const std::string& version = "") {
    domain::KeyOperationRequest r;
    r.op = KeyOperation::kSign;
    r.alg = Algorithm::kRs256;
    r.data = SecretBytes(crypto::Sha256("data"));
    return key_service_.Run(vault_, name, version, r);
  }

  domain::Vault vault_;
};

TEST_F(KeyServiceTest, CreateFillsAzureDefaultsAndNeverReturnsPrivateParts) {
  domain::Key rsa = Create("rsa", KeyType::kRsa, /*hsm=*/true);
  EXPECT_EQ(rsa.properties.bits, 2048);
  EXPECT_EQ(rsa.public_key.n.size(), 256u);
  EXPECT_EQ(rsa.public_key.e, std::string("\x01\x00\x01", 3));
  EXPECT_THAT(rsa.properties.key_ops,
              ElementsAre("encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"));
  domain::Key ec = Create("ec", KeyType::kEc, /*hsm=*/false);
  EXPECT_EQ(ec.public_key.curve, domain::Curve::kP256);
  EXPECT_EQ(ec.public_key.x.size(), 32u);
  EXPECT_THAT(ec.properties.key_ops, ElementsAre("sign", "verify"));
}

TEST_F(KeyServiceTest, HsmKeysNeedAPremiumVault) {
  vault_.sku = domain::Sku::kStandard;
  domain::KeySpec spec;
  EXPECT_THAT(key_service_.Create(vault_, "k", spec, /*hsm=*/true, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("premium")));
  EXPECT_THAT(key_service_.Create(vault_, "k", spec, /*hsm=*/false, {}), IsOk());
}

TEST_F(KeyServiceTest, OperationsHonourEnabledKeyOpsAndTheWindowButNeverLockOutDecryption) {
  domain::KeyCreateOptions options;
  options.key_ops = std::vector<std::string>{"sign", "verify", "decrypt"};
  domain::Key key = Create("k", KeyType::kRsa, /*hsm=*/false, options);
  EXPECT_THAT(Sign("k"), IsOk());

  domain::KeyOperationRequest encrypt;
  encrypt.op = KeyOperation::kEncrypt;
  encrypt.alg = Algorithm::kRsaOaep;
  encrypt.data = SecretBytes("plaintext");
  EXPECT_THAT(key_service_.Run(vault_, "k", "", encrypt),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("key_ops")));

  // Expired: signing stops, decrypting what was encrypted before does not.
  auto ciphertext = crypto::RunPublic(key.public_key, encrypt);
  ASSERT_THAT(ciphertext, IsOk());
  domain::KeyUpdate expire;
  expire.expires = clock_.Now() - absl::Hours(1);
  ASSERT_THAT(key_service_.Update(vault_, "k", "", expire), IsOk());
  EXPECT_THAT(Sign("k"), StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("expired")));
  domain::KeyOperationRequest decrypt = encrypt;
  decrypt.op = KeyOperation::kDecrypt;
  decrypt.data = ciphertext->value;
  auto plain = key_service_.Run(vault_, "k", "", decrypt);
  ASSERT_THAT(plain, IsOk());
  EXPECT_EQ(plain->value.reveal(), "plaintext");
  EXPECT_EQ(plain->version, key.properties.version);

  domain::KeyUpdate disable;
  disable.enabled = false;
  ASSERT_THAT(key_service_.Update(vault_, "k", "", disable), IsOk());
  auto refused = key_service_.Run(vault_, "k", "", decrypt);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(domain::ReasonOf(refused.status()), domain::reason::kKeyDisabled);
  EXPECT_THAT(key_service_.Get(vault_, "k", ""), IsOk());  // reading a disabled key still works
}

TEST_F(KeyServiceTest, RotationPolicyRotatesOnceDueAndNotifiesOncePerVersion) {
  domain::Key first = Create("rotating", KeyType::kEc, /*hsm=*/true);
  domain::RotationPolicy policy;
  policy.expiry_time = "P90D";
  policy.lifetime_actions = {{"P30D", "", "Rotate"}, {"", "P10D", "Notify"}};
  ASSERT_THAT(key_service_.SetRotationPolicy(vault_, "rotating", policy), IsOk());

  std::vector<std::string> events;
  auto record = [&](const char* event, const std::string& name, const std::string& version) {
    events.push_back(std::string(event) + " " + name + "/" + version);
    return true;
  };
  clock_.Advance(absl::Hours(24 * 29));
  EXPECT_EQ(*key_service_.RotateDue(vault_, record), 0);
  clock_.Advance(absl::Hours(24 * 2));
  EXPECT_EQ(*key_service_.RotateDue(vault_, record), 1);
  auto second = key_service_.Get(vault_, "rotating", "");
  ASSERT_THAT(second, IsOk());
  EXPECT_NE(second->properties.version, first.properties.version);
  EXPECT_EQ(second->public_key.curve, domain::Curve::kP256);
  EXPECT_TRUE(second->properties.hsm);
  ASSERT_TRUE(second->properties.attributes.expires.has_value());
  EXPECT_EQ(*second->properties.attributes.expires, clock_.Now() + absl::Hours(24 * 90));
  EXPECT_THAT(events, ElementsAre("KeyRotateStarting rotating/" + first.properties.version,
                                  "KeyRotate rotating/" + second->properties.version));

  // Ten days before the new version's expiry the Notify action fires, once; the Rotate action
  // (30 days after creation) fires before that, so move the policy to notify only.
  policy.lifetime_actions = {{"", "P10D", "Notify"}};
  ASSERT_THAT(key_service_.SetRotationPolicy(vault_, "rotating", policy), IsOk());
  events.clear();
  clock_.Advance(absl::Hours(24 * 81));
  EXPECT_EQ(*key_service_.RotateDue(vault_, record), 0);
  EXPECT_EQ(*key_service_.RotateDue(vault_, record), 0);
  EXPECT_THAT(events, ElementsAre("KeyNearExpiry rotating/" + second->properties.version));
}

TEST_F(KeyServiceTest, RotationPolicyIsValidatedAndDefaultsToAzures) {
  Create("k", KeyType::kRsa, /*hsm=*/false);
  auto fallback = key_service_.GetRotationPolicy(vault_, "k");
  ASSERT_THAT(fallback, IsOk());
  ASSERT_EQ(fallback->lifetime_actions.size(), 1u);
  EXPECT_EQ(fallback->lifetime_actions[0].action, "Notify");
  EXPECT_EQ(fallback->lifetime_actions[0].time_before_expiry, "P30D");

  domain::RotationPolicy bad;
  bad.lifetime_actions = {{"P1D", "", "Rotate"}};
  EXPECT_THAT(key_service_.SetRotationPolicy(vault_, "k", bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("7 days")));
  bad.lifetime_actions = {{"P30D", "", "Notify"}};
  EXPECT_THAT(key_service_.SetRotationPolicy(vault_, "k", bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("timeBeforeExpiry only")));
  bad.lifetime_actions = {{"", "P60D", "Notify"}};
  bad.expiry_time = "P30D";
  EXPECT_THAT(key_service_.SetRotationPolicy(vault_, "k", bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("shorter")));
  // Azure's default policy can be written back as it was read, and an empty one resets to it.
  EXPECT_THAT(key_service_.SetRotationPolicy(vault_, "k", *fallback), IsOk());
  EXPECT_THAT(key_service_.SetRotationPolicy(vault_, "k", {}), IsOk());
  EXPECT_EQ(key_service_.GetRotationPolicy(vault_, "k")->lifetime_actions[0].time_before_expiry,
            "P30D");
  EXPECT_THAT(key_service_.SetRotationPolicy(vault_, "missing", {}),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(KeyServiceTest, BackupRestoresEveryVersionAndThePolicyAfterPurge) {
  domain::Key first = Create("k", KeyType::kRsa, /*hsm=*/true);
  ASSERT_THAT(key_service_.Rotate(vault_, "k"), IsOk());
  domain::RotationPolicy policy;
  policy.expiry_time = "P60D";
  ASSERT_THAT(key_service_.SetRotationPolicy(vault_, "k", policy), IsOk());
  auto signed_before = Sign("k", first.properties.version);
  ASSERT_THAT(signed_before, IsOk());

  auto blob = key_service_.Backup(vault_, "k");
  ASSERT_THAT(blob, IsOk());
  ASSERT_THAT(key_service_.Delete(vault_, "k"), IsOk());
  ASSERT_THAT(key_service_.Purge(vault_, "k"), IsOk());
  EXPECT_THAT(key_service_.Restore(vault_, *blob), IsOk());
  EXPECT_THAT(key_service_.Restore(vault_, *blob), StatusIs(absl::StatusCode::kAlreadyExists));

  auto versions = key_service_.ListVersions(vault_, "k", "", 25);
  ASSERT_THAT(versions, IsOk());
  EXPECT_EQ(versions->items.size(), 2u);
  auto signed_after = Sign("k", first.properties.version);
  ASSERT_THAT(signed_after, IsOk());
  EXPECT_EQ(signed_after->value.reveal(), signed_before->value.reveal());  // PKCS#1 v1.5
  EXPECT_EQ(key_service_.GetRotationPolicy(vault_, "k")->expiry_time, "P60D");

  vault_.sku = domain::Sku::kStandard;  // HSM versions do not restore into a standard vault
  ASSERT_THAT(key_service_.Delete(vault_, "k"), IsOk());
  ASSERT_THAT(key_service_.Purge(vault_, "k"), IsOk());
  EXPECT_THAT(key_service_.Restore(vault_, *blob),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("premium")));
}

TEST_F(KeyServiceTest, PurgeTakesTheRotationPolicyWithTheKey) {
  Create("k", KeyType::kRsa, /*hsm=*/false);
  domain::RotationPolicy policy;
  policy.expiry_time = "P60D";
  ASSERT_THAT(key_service_.SetRotationPolicy(vault_, "k", policy), IsOk());
  ASSERT_THAT(key_service_.Delete(vault_, "k"), IsOk());
  clock_.Advance(absl::Hours(24 * 8));
  EXPECT_EQ(*key_service_.PurgeDue(vault_), 1);
  Create("k", KeyType::kRsa, /*hsm=*/false);
  EXPECT_EQ(key_service_.GetRotationPolicy(vault_, "k")->expiry_time, "");  // not inherited
}

TEST_F(KeyServiceTest, SoftDeletedNameCannotBeReusedAndVersionsOfNothingAreEmpty) {
  Create("k", KeyType::kOct, /*hsm=*/true);
  ASSERT_THAT(key_service_.Delete(vault_, "k"), IsOk());
  domain::KeySpec spec;
  auto again = key_service_.Create(vault_, "k", spec, false, {});
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(domain::ReasonOf(again.status()), domain::reason::kObjectIsDeletedButRecoverable);
  EXPECT_THAT(key_service_.Get(vault_, "k", ""), StatusIs(absl::StatusCode::kNotFound));
  auto none = key_service_.ListVersions(vault_, "never", "", 25);
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->items.empty());
  auto recovered = key_service_.Recover(vault_, "k");
  ASSERT_THAT(recovered, IsOk());
  EXPECT_EQ(recovered->properties.bits, 256);
}

TEST_F(KeyServiceTest, OneKeyFailingToRotateDoesNotStopTheOthersAndIsRetried) {
  Create("a-hsm", KeyType::kEc, /*hsm=*/true);
  Create("b-soft", KeyType::kEc, /*hsm=*/false);
  domain::RotationPolicy policy;
  policy.lifetime_actions = {{"P7D", "", "Rotate"}};
  ASSERT_THAT(key_service_.SetRotationPolicy(vault_, "a-hsm", policy), IsOk());
  ASSERT_THAT(key_service_.SetRotationPolicy(vault_, "b-soft", policy), IsOk());
  clock_.Advance(absl::Hours(24 * 8));
  vault_.sku = domain::Sku::kStandard;  // the HSM key cannot get a new version now
  std::vector<std::string> events;
  auto record = [&](const char* event, const std::string& name, const std::string&) {
    events.push_back(std::string(event) + " " + name);
    return true;
  };
  EXPECT_EQ(*key_service_.RotateDue(vault_, record), 1);
  EXPECT_THAT(events, ElementsAre("KeyRotateStarting a-hsm", "KeyRotateFailed a-hsm",
                                  "KeyRotateStarting b-soft", "KeyRotate b-soft"));
  vault_.sku = domain::Sku::kPremium;
  events.clear();
  EXPECT_EQ(*key_service_.RotateDue(vault_, record), 0);  // a-hsm waits before trying again
  EXPECT_THAT(events, ::testing::IsEmpty());
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(*key_service_.RotateDue(vault_, record), 1);  // a-hsm again; b-soft's clock restarted
  EXPECT_THAT(events, ElementsAre("KeyRotateStarting a-hsm", "KeyRotate a-hsm"));
  EXPECT_EQ(*key_service_.RotateDue(vault_, record), 0);  // never twice for one version
}

TEST_F(KeyServiceTest, NoRotationWithoutItsAuditLine) {
  Create("k", KeyType::kEc, /*hsm=*/false);
  domain::RotationPolicy policy;
  policy.lifetime_actions = {{"P7D", "", "Rotate"}};
  ASSERT_THAT(key_service_.SetRotationPolicy(vault_, "k", policy), IsOk());
  clock_.Advance(absl::Hours(24 * 8));
  auto audit_down = [](const char*, const std::string&, const std::string&) { return false; };
  EXPECT_EQ(*key_service_.RotateDue(vault_, audit_down), 0);
  EXPECT_EQ(key_service_.ListVersions(vault_, "k", "", 25)->items.size(), 1u);
}

TEST_F(KeyServiceTest, GcmNoncesAreTheVaultsAndEncryptionIsCheckedBeforeTheKeyIsUsed) {
  Create("aes", KeyType::kOct, /*hsm=*/true);
  domain::KeyOperationRequest encrypt;
  encrypt.op = KeyOperation::kEncrypt;
  encrypt.alg = Algorithm::kA256Gcm;
  encrypt.data = SecretBytes("plaintext");
  encrypt.iv = std::string(12, '\0');
  EXPECT_THAT(key_service_.Run(vault_, "aes", "", encrypt),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("chosen by the vault")));
  encrypt.iv.clear();
  auto first = key_service_.Run(vault_, "aes", "", encrypt);
  auto second = key_service_.Run(vault_, "aes", "", encrypt);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(first->iv.size(), 12u);
  EXPECT_NE(first->iv, second->iv);
  EXPECT_NE(first->value.reveal(), second->value.reveal());
}

}  // namespace
}  // namespace coffer::service
