#include "vault-core/service/certificate_service.h"

#include "gmock/gmock.h"
#include "lib/base/base64.h"
#include "lib/testing/status_matchers.h"
#include "vault-core/crypto/vault_certificates.h"
#include "vault-core/domain/errors.h"
#include "vault-core/service/testing/services_fixture.h"

namespace coffer::service {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class CertificateServiceTest : public ServicesFixture {
 protected:
  CertificateServiceTest() {
    vault_.id = "0123abcd";
    vault_.name = "prod";
    vault_.sku = domain::Sku::kPremium;
    vault_.soft_delete_retention_days = 7;
  }

  static domain::CertificatePolicy Policy(const std::string& issuer = "Self") {
    domain::CertificatePolicy policy;
    policy.subject = "CN=app.example";
    policy.dns_names = {"app.example"};
    policy.kty = "EC";
    policy.crv = "P-256";
    policy.issuer_name = issuer;
    policy.lifetime_actions = domain::DefaultLifetimeActions(issuer);
    return policy;
  }

  domain::Certificate Issue(const std::string& name,
                            const domain::CertificatePolicy& policy = Policy()) {
    auto op = certificate_service_.Create(vault_, name, policy, {});
    EXPECT_THAT(op, IsOk());
    if (op.ok()) {
      EXPECT_EQ(op->status, "completed");
    }
    auto certificate = certificate_service_.Get(vault_, name, "");
    EXPECT_THAT(certificate, IsOk());
    return certificate.ok() ? *certificate : domain::Certificate{};
  }

  domain::Vault vault_;
};

TEST_F(CertificateServiceTest, AVersionOwnsAKeyAndASecretOfItsVersion) {
  domain::Certificate c = Issue("web");
  const std::string& version = c.properties.version;
  ASSERT_FALSE(c.der.empty());
  auto key = key_service_.Get(vault_, "web", "");
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(key->properties.version, version);
  EXPECT_TRUE(key->properties.managed);
  EXPECT_TRUE(crypto::CertificateHasKey(c.der, key->public_key));
  EXPECT_THAT(key->properties.key_ops, ElementsAre("sign", "verify"));  // an EC key only signs
  auto secret = secrets_.Get(vault_, "web", "");
  ASSERT_THAT(secret, IsOk());
  EXPECT_EQ(secret->properties.version, version);
  EXPECT_TRUE(secret->properties.managed);
  EXPECT_EQ(secret->properties.content_type, domain::kPkcs12ContentType);
  // The PFX opens with an empty password and holds this certificate and its key.
  auto pfx = Base64Decode(secret->value.reveal());
  ASSERT_TRUE(pfx.has_value());
  auto bundle = crypto::ReadPkcs12(*pfx, SecretBytes());
  ASSERT_THAT(bundle, IsOk());
  EXPECT_EQ(bundle->chain.front(), c.der);
  // A name without a certificate has no versions: an empty list, as Azure answers.
  EXPECT_THAT(certificate_service_.ListVersions(vault_, "never", "", 25)->items, IsEmpty());
}

TEST_F(CertificateServiceTest, ClientsCannotChangeACertificatesKeyOrSecret) {
  Issue("web");
  const auto managed =
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("managed by Key Vault"));
  EXPECT_THAT(secrets_.Set(vault_, "web", SecretBytes("x"), {}).status(),
              managed);
  absl::Status refused = secrets_.Delete(vault_, "web").status();
  EXPECT_EQ(domain::ReasonOf(refused), domain::reason::kSecretManagedByKeyVault);
  EXPECT_THAT(secrets_.Update(vault_, "web", "", {}).status(), managed);
  EXPECT_THAT(secrets_.Backup(vault_, "web").status(), managed);
  refused = key_service_.Delete(vault_, "web").status();
  EXPECT_EQ(domain::ReasonOf(refused), domain::reason::kKeyManagedByKeyVault);
  EXPECT_THAT(key_service_.Update(vault_, "web", "", {}).status(), managed);
  EXPECT_THAT(key_service_.Rotate(vault_, "web").status(), managed);
  domain::RotationPolicy policy;
  policy.lifetime_actions = {{"P30D", "", "Rotate"}};
  EXPECT_THAT(key_service_.SetRotationPolicy(vault_, "web", policy).status(), managed);
  domain::KeySpec spec;
  spec.type = domain::KeyType::kEc;
  EXPECT_THAT(key_service_.Create(vault_, "web", spec, false, {}).status(), managed);
  // A certificate cannot take over a name a client's secret holds either.
  ASSERT_THAT(secrets_.Set(vault_, "plain", SecretBytes("x"), {}), IsOk());
  EXPECT_THAT(certificate_service_.Create(vault_, "plain", Policy(), {}).status(),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(certificate_service_.Get(vault_, "plain", "").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(CertificateServiceTest, DeleteRecoverAndPurgeMoveAllThree) {
  Issue("web");
  ASSERT_THAT(certificate_service_.Delete(vault_, "web"), IsOk());
  EXPECT_THAT(key_service_.Get(vault_, "web", "").status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(secrets_.Get(vault_, "web", "").status(), StatusIs(absl::StatusCode::kNotFound));
  // Listed as the certificate, not as a key and a secret; but each still answers by name.
  EXPECT_THAT(secrets_.ListDeleted(vault_, "", 25)->items, IsEmpty());
  EXPECT_THAT(key_service_.ListDeleted(vault_, "", 25)->items, IsEmpty());
  EXPECT_THAT(secrets_.GetDeleted(vault_, "web"), IsOk());
  EXPECT_THAT(secrets_.Recover(vault_, "web").status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(key_service_.Purge(vault_, "web"), StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_THAT(certificate_service_.Recover(vault_, "web"), IsOk());
  EXPECT_THAT(key_service_.Get(vault_, "web", ""), IsOk());
  EXPECT_THAT(secrets_.Get(vault_, "web", ""), IsOk());

  ASSERT_THAT(certificate_service_.Delete(vault_, "web"), IsOk());
  ASSERT_THAT(certificate_service_.Purge(vault_, "web"), IsOk());
  EXPECT_THAT(secrets_.GetDeleted(vault_, "web").status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(key_service_.GetDeleted(vault_, "web").status(),
              StatusIs(absl::StatusCode::kNotFound));
  // The name is free for anything again.
  EXPECT_THAT(secrets_.Set(vault_, "web", SecretBytes("x"), {}), IsOk());
}

TEST_F(CertificateServiceTest, UnknownIssuerWaitsForAMergeOfACertificateForItsKey) {
  auto op = certificate_service_.Create(vault_, "ext", Policy("Unknown"), {});
  ASSERT_THAT(op, IsOk());
  EXPECT_EQ(op->status, "inProgress");
  EXPECT_FALSE(op->csr.empty());
  auto pending = certificate_service_.Get(vault_, "ext", "");
  ASSERT_THAT(pending, IsOk());
  EXPECT_TRUE(pending->properties.pending);
  EXPECT_FALSE(pending->properties.attributes.enabled);
  // Its dates show as if it were issued now, as Azure's do.
  ASSERT_TRUE(pending->properties.attributes.expires.has_value());
  EXPECT_GT(*pending->properties.attributes.expires, clock_.Now() + absl::Hours(24 * 300));
  // A policy may name only Self, Unknown or one of the vault's issuers.
  EXPECT_THAT(certificate_service_
                  .UpdatePolicy(vault_, "ext",
                                [](const domain::CertificatePolicy& current) {
                                  domain::CertificatePolicy changed = current;
                                  changed.issuer_name = "NoSuchCa";
                                  return absl::StatusOr<domain::CertificatePolicy>(changed);
                                })
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("NoSuchCa")));
  EXPECT_THAT(key_service_.Get(vault_, "ext", "").status(), StatusIs(absl::StatusCode::kNotFound));
  absl::Status again = certificate_service_.Create(vault_, "ext", Policy("Unknown"), {}).status();
  EXPECT_EQ(domain::ReasonOf(again), domain::reason::kCertificateOperationInProgress);
  // A certificate for some other key is refused, and the request stays open.
  domain::Certificate other = Issue("other");
  EXPECT_THAT(certificate_service_.Merge(vault_, "ext", {other.der}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("public key")));
  EXPECT_EQ(certificate_service_.GetOperation(vault_, "ext")->status, "inProgress");
  // Cancelled, it is settled at once; the placeholder stays, disabled.
  auto cancelled = certificate_service_.CancelOperation(vault_, "ext");
  ASSERT_THAT(cancelled, IsOk());
  EXPECT_EQ(cancelled->status, "cancelled");
  EXPECT_TRUE(cancelled->error_code.empty());
  EXPECT_THAT(certificate_service_.Merge(vault_, "ext", {other.der}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cancelled")));
  ASSERT_THAT(certificate_service_.DeleteOperation(vault_, "ext"), IsOk());
  EXPECT_THAT(certificate_service_.GetOperation(vault_, "ext").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(CertificateServiceTest, AnHsmCertificatesSecretHoldsNoPrivateKey) {
  domain::CertificatePolicy policy = Policy();
  policy.kty = "EC-HSM";
  policy.exportable = false;
  policy.content_type = domain::kPemContentType;
  domain::Certificate c = Issue("hsm", policy);
  auto key = key_service_.Get(vault_, "hsm", "");
  ASSERT_THAT(key, IsOk());
  EXPECT_TRUE(key->properties.hsm);
  // Self-signed by the HSM: the certificate verifies with its own key.
  EXPECT_TRUE(crypto::CertificateHasKey(c.der, key->public_key));
  auto secret = secrets_.Get(vault_, "hsm", "");
  ASSERT_THAT(secret, IsOk());
  EXPECT_THAT(std::string(secret->value.reveal()), HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(std::string(secret->value.reveal()), ::testing::Not(HasSubstr("PRIVATE KEY")));
  // A standard vault holds no HSM keys.
  vault_.sku = domain::Sku::kStandard;
  EXPECT_THAT(certificate_service_.Create(vault_, "hsm2", policy, {}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(CertificateServiceTest, AutoRenewIssuesOnceWhenDueAndOnlyAfterItsAuditLine) {
  domain::Certificate first = Issue("web");
  std::vector<std::string> events;
  bool audit_works = true;
  auto record = [&](const char* event, const std::string& name, const std::string& version) {
    events.push_back(std::string(event) + " " + name + "/" + version);
    return audit_works;
  };
  clock_.Advance(absl::Hours(24 * 30 * 9));  // 80% of 12 months is about 9.6 months
  EXPECT_EQ(*certificate_service_.RenewDue(vault_, record), 0);
  EXPECT_THAT(events, IsEmpty());
  clock_.Advance(absl::Hours(24 * 30));
  audit_works = false;  // the intent is not written: nothing happens
  EXPECT_EQ(*certificate_service_.RenewDue(vault_, record), 0);
  EXPECT_EQ(certificate_service_.Get(vault_, "web", "")->properties.version,
            first.properties.version);
  audit_works = true;
  events.clear();
  EXPECT_EQ(*certificate_service_.RenewDue(vault_, record), 1);
  auto second = certificate_service_.Get(vault_, "web", "");
  ASSERT_THAT(second, IsOk());
  EXPECT_NE(second->properties.version, first.properties.version);
  EXPECT_THAT(events, ElementsAre("CertificateRenewStarting web/" + first.properties.version,
                                  "CertificateRenew web/" + second->properties.version));
  // The new version is not due: a second pass (or a second replica) renews nothing.
  EXPECT_EQ(*certificate_service_.RenewDue(vault_, record), 0);
  EXPECT_EQ(key_service_.Get(vault_, "web", "")->properties.version, second->properties.version);
}

TEST_F(CertificateServiceTest, EmailContactsIsRecordedOncePerVersion) {
  domain::CertificatePolicy policy = Policy();
  policy.lifetime_actions = {{0, 30, "EmailContacts"}};
  domain::Certificate c = Issue("web", policy);
  std::vector<std::string> events;
  auto record = [&](const char* event, const std::string& name, const std::string& version) {
    events.push_back(std::string(event) + " " + name + "/" + version);
    return true;
  };
  clock_.Advance(absl::Hours(24 * 340));
  EXPECT_EQ(*certificate_service_.RenewDue(vault_, record), 0);
  EXPECT_EQ(*certificate_service_.RenewDue(vault_, record), 0);
  EXPECT_THAT(events, ElementsAre("CertificateNearExpiry web/" + c.properties.version));
}

TEST_F(CertificateServiceTest, BackupRestoresTheCertificateWithItsKeyAndSecret) {
  domain::Certificate c = Issue("web");
  auto blob = certificate_service_.Backup(vault_, "web");
  ASSERT_THAT(blob, IsOk());
  ASSERT_THAT(certificate_service_.Delete(vault_, "web"), IsOk());
  EXPECT_THAT(certificate_service_.Restore(vault_, *blob).status(),
              StatusIs(absl::StatusCode::kAlreadyExists));  // still soft-deleted
  ASSERT_THAT(certificate_service_.Purge(vault_, "web"), IsOk());
  auto restored = certificate_service_.Restore(vault_, *blob);
  ASSERT_THAT(restored, IsOk());
  EXPECT_EQ(restored->der, c.der);
  EXPECT_TRUE(secrets_.Get(vault_, "web", c.properties.version)->properties.managed);
  EXPECT_TRUE(key_service_.Get(vault_, "web", "")->properties.managed);
  EXPECT_THAT(certificate_service_.Restore(vault_, "garbage").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::service
