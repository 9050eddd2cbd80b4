#include "vault-core/service/principal_service.h"

#include "gmock/gmock.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/crypto/testing/test_rsa_certificate.h"
#include "vault-core/storage/memory/memory_store.h"

namespace coffer::service {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;

class PrincipalServiceTest : public ::testing::Test {
 protected:
  PrincipalServiceTest() : principals_(std::move(*PrincipalService::Create(store_, clock_))) {}

  FakeClock clock_;
  storage::MemoryStore store_;
  std::unique_ptr<PrincipalService> principals_;
};

TEST_F(PrincipalServiceTest, ClientSecretAuthenticatesAndIsNeverStored) {
  COFFER_ASSERT_OK_AND_ASSIGN(auto app, principals_->CreatePrincipal("billing app"));
  EXPECT_NE(app.object_id, app.client_id);
  COFFER_ASSERT_OK_AND_ASSIGN(auto secret, principals_->AddSecret(app.object_id, std::nullopt));
  EXPECT_EQ(secret.value.size(), 40u);
  EXPECT_EQ(secret.info.hint, std::string(secret.value.reveal().substr(0, 3)));

  COFFER_ASSERT_OK_AND_ASSIGN(auto who, principals_->Authenticate(app.client_id, secret.value));
  EXPECT_EQ(who.object_id, app.object_id);
  EXPECT_THAT(principals_->Authenticate(app.client_id, SecretBytes("wrong")),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(principals_->Authenticate("no-such-client", secret.value),
              StatusIs(absl::StatusCode::kUnauthenticated));

  COFFER_ASSERT_OK_AND_ASSIGN(auto everything, store_.Range({"", "", 0}));
  for (const auto& e : everything.entries) {
    EXPECT_EQ(e.value.find(std::string(secret.value.reveal())), std::string::npos);
  }
}

TEST_F(PrincipalServiceTest, ExpiredOrRemovedSecretsStopWorking) {
  COFFER_ASSERT_OK_AND_ASSIGN(auto app, principals_->CreatePrincipal("app"));
  COFFER_ASSERT_OK_AND_ASSIGN(auto shortlived,
                              principals_->AddSecret(app.object_id, clock_.Now() + absl::Hours(1)));
  COFFER_ASSERT_OK_AND_ASSIGN(auto other, principals_->AddSecret(app.object_id, std::nullopt));
  COFFER_ASSERT_OK(principals_->Authenticate(app.client_id, shortlived.value));
  clock_.Advance(absl::Hours(2));
  EXPECT_THAT(principals_->Authenticate(app.client_id, shortlived.value),
              StatusIs(absl::StatusCode::kUnauthenticated));
  COFFER_ASSERT_OK(principals_->Authenticate(app.client_id, other.value));
  COFFER_ASSERT_OK(principals_->RemoveSecret(app.object_id, other.info.id));
  EXPECT_THAT(principals_->Authenticate(app.client_id, other.value),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(principals_->AddSecret(app.object_id, clock_.Now() - absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(PrincipalServiceTest, DeletedPrincipalNoLongerExistsOrAuthenticates) {
  COFFER_ASSERT_OK_AND_ASSIGN(auto app, principals_->CreatePrincipal("app"));
  COFFER_ASSERT_OK_AND_ASSIGN(auto secret, principals_->AddSecret(app.object_id, std::nullopt));
  EXPECT_TRUE(*principals_->Exists(app.object_id));
  COFFER_ASSERT_OK(principals_->Delete(app.object_id));
  EXPECT_FALSE(*principals_->Exists(app.object_id));  // at once, not when the watch runs
  EXPECT_THAT(principals_->Authenticate(app.client_id, secret.value),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(principals_->Get(app.object_id), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(principals_->List()->size(), 0u);
}

TEST_F(PrincipalServiceTest, ManagedIdentityIsOnePerServiceAccountAndHasNoSecrets) {
  const domain::ServiceAccountSubject billing{"prod-cluster", "team-a", "billing"};
  COFFER_ASSERT_OK_AND_ASSIGN(auto identity, principals_->CreateManagedIdentity(billing));
  ASSERT_TRUE(identity.managed());
  EXPECT_EQ(*identity.service_account, billing);
  EXPECT_EQ(identity.service_account->Subject(), "system:serviceaccount:team-a:billing");
  COFFER_ASSERT_OK_AND_ASSIGN(auto again, principals_->CreateManagedIdentity(billing));
  EXPECT_EQ(again.object_id, identity.object_id);  // idempotent: the operator may retry
  COFFER_ASSERT_OK_AND_ASSIGN(auto found, principals_->FindManagedIdentity(billing));
  EXPECT_EQ(found.object_id, identity.object_id);
  COFFER_ASSERT_OK_AND_ASSIGN(
      auto other_cluster, principals_->CreateManagedIdentity({"dev-cluster", "team-a", "billing"}));
  EXPECT_NE(other_cluster.object_id, identity.object_id);
  EXPECT_THAT(principals_->AddSecret(identity.object_id, std::nullopt),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(principals_->Get(identity.object_id)->secrets.size(), 0u);

  COFFER_ASSERT_OK(principals_->Delete(identity.object_id));
  EXPECT_THAT(principals_->FindManagedIdentity(billing), StatusIs(absl::StatusCode::kNotFound));
  COFFER_ASSERT_OK_AND_ASSIGN(auto recreated, principals_->CreateManagedIdentity(billing));
  EXPECT_NE(recreated.object_id, identity.object_id);
}

TEST_F(PrincipalServiceTest, ManagedIdentityNamesMustBeKubernetesNames) {
  for (const domain::ServiceAccountSubject& bad :
       std::vector<domain::ServiceAccountSubject>{{"", "team-a", "app"},
                                                  {"Prod", "team-a", "app"},
                                                  {"prod", "team_a", "app"},
                                                  {"prod", "team-a", "app/.."},
                                                  {"prod", "-team", "app"},
                                                  {"prod", std::string(64, 'a'), "app"},
                                                  {"prod", "team-a", "bad..dots"}}) {
    EXPECT_THAT(principals_->CreateManagedIdentity(bad),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad.cluster << "/" << bad.ns << "/" << bad.name;
  }
  EXPECT_EQ(principals_->List()->size(), 0u);
}

TEST_F(PrincipalServiceTest, CertificatesAreRegisteredFoundByThumbprintAndRemoved) {
  clock_.Set(absl::Now());  // the certificate is valid from a minute ago
  const crypto::TestRsaCertificate cert = crypto::MakeTestRsaCertificate();
  const std::string sha1 = crypto::Sha1(cert.certificate_der);
  const std::string sha256 = crypto::Sha256(cert.certificate_der);
  COFFER_ASSERT_OK_AND_ASSIGN(domain::Principal app, principals_->CreatePrincipal("app"));
  COFFER_ASSERT_OK_AND_ASSIGN(domain::ClientCertificateInfo info,
                              principals_->AddCertificate(app.object_id, cert.certificate_pem));
  EXPECT_EQ(info.thumbprint.size(), 40u);
  EXPECT_EQ(info.thumbprint_sha256.size(), 64u);
  EXPECT_THAT(info.subject, ::testing::HasSubstr("coffer-test-client"));
  EXPECT_THAT(principals_->AddCertificate(app.object_id, cert.certificate_pem),
              StatusIs(absl::StatusCode::kAlreadyExists));
  // The key must never travel: a PEM holding one is refused, whatever else it holds.
  EXPECT_THAT(principals_->AddCertificate(app.object_id, cert.key_pem + cert.certificate_pem),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("private key")));
  EXPECT_EQ(principals_->Get(app.object_id)->certificates.size(), 1u);

  COFFER_ASSERT_OK_AND_ASSIGN(CertificateMatch by_sha1,
                              principals_->FindCertificate(app.client_id, sha1, std::nullopt));
  EXPECT_EQ(by_sha1.der, cert.certificate_der);
  EXPECT_EQ(by_sha1.principal.object_id, app.object_id);
  EXPECT_THAT(principals_->FindCertificate(app.client_id, std::nullopt, sha256), IsOk());
  EXPECT_THAT(principals_->FindCertificate(app.client_id, sha1, std::string(32, 'x')),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(principals_->FindCertificate("unknown", sha1, std::nullopt),
              StatusIs(absl::StatusCode::kUnauthenticated));

  EXPECT_THAT(principals_->RemoveCertificate(app.object_id, info.id), IsOk());
  EXPECT_THAT(principals_->FindCertificate(app.client_id, sha1, std::nullopt),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(principals_->RemoveCertificate(app.object_id, info.id),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(PrincipalServiceTest, ExpiredCertificatesAndManagedIdentitiesAreRefused) {
  clock_.Set(absl::Now());
  COFFER_ASSERT_OK_AND_ASSIGN(domain::Principal app, principals_->CreatePrincipal("app"));
  EXPECT_THAT(principals_->AddCertificate(
                  app.object_id, crypto::MakeTestRsaCertificate(2048, -absl::Hours(1)).certificate_pem),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("expired")));
  COFFER_ASSERT_OK_AND_ASSIGN(domain::Principal identity,
                              principals_->CreateManagedIdentity({"prod", "team-a", "billing"}));
  const crypto::TestRsaCertificate cert = crypto::MakeTestRsaCertificate();
  EXPECT_THAT(principals_->AddCertificate(identity.object_id, cert.certificate_pem),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(principals_->AddCertificate(app.object_id, "not a certificate"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::service
