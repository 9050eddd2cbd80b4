#include "vault-core/service/serving_certificates.h"

#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "vault-core/service/testing/services_fixture.h"

namespace coffer::service {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

class ServingCertificatesTest : public ServicesFixture {
 protected:
  ServingCertificatesTest()
      : certificates_(std::move(*ServingCertificates::Create(*cached_, keys_, clock_))),
        vaults_with_certs_(
            std::move(*VaultService::Create(*cached_, keys_, clock_, certificates_.get()))) {}

  std::unique_ptr<ServingCertificates> certificates_;
  std::unique_ptr<VaultService> vaults_with_certs_;
};

TEST_F(ServingCertificatesTest, EveryVaultHostnameGetsACertificateFromTheOneCa) {
  VaultSpec spec{"prod", {"prod.team-a.svc", "prod.vault.example.com"}};
  COFFER_ASSERT_OK(vaults_with_certs_->CreateVault(spec).status());
  COFFER_ASSERT_OK_AND_ASSIGN(std::string ca, certificates_->CaCertificate());
  for (const char* host : {"prod.team-a.svc", "prod.vault.example.com"}) {
    COFFER_ASSERT_OK_AND_ASSIGN(auto cert, certificates_->ForHost(host));
    EXPECT_THAT(cert->certificate_pem, HasSubstr("BEGIN CERTIFICATE"));
  }
  EXPECT_THAT(certificates_->ForHost("elsewhere.example.com"),
              StatusIs(absl::StatusCode::kNotFound));
  COFFER_ASSERT_OK(
      vaults_with_certs_
          ->Update("prod", {std::vector<std::string>{"new.team-a.svc"}, std::nullopt, std::nullopt})
          .status());
  COFFER_EXPECT_OK(certificates_->ForHost("new.team-a.svc").status());
  EXPECT_EQ(*certificates_->CaCertificate(), ca);  // one CA for the installation
}

TEST_F(ServingCertificatesTest, OtherNamesGetAShortLivedCertificateThatIsNotStored) {
  COFFER_ASSERT_OK_AND_ASSIGN(std::string ca, certificates_->CaCertificate());
  COFFER_ASSERT_OK_AND_ASSIGN(auto before, store_.Range({"", "", 0}));
  COFFER_ASSERT_OK_AND_ASSIGN(
      crypto::CertificateAndKey issued,
      certificates_->IssueFor({"coffer-webhook.coffer-system.svc",
                               "coffer-webhook.coffer-system.svc.cluster.local", "localhost"}));
  EXPECT_TRUE(crypto::IsIssuedBy(issued.certificate_pem, ca));
  EXPECT_THAT(std::string(issued.private_key_pem.reveal()), HasSubstr("PRIVATE KEY"));
  COFFER_ASSERT_OK_AND_ASSIGN(absl::Time ends, crypto::CertificateNotAfter(issued.certificate_pem));
  EXPECT_LE(ends, clock_.Now() + ServingCertificates::kOtherValidity);
  EXPECT_GT(ends, clock_.Now() + ServingCertificates::kOtherValidity - absl::Hours(1));
  COFFER_ASSERT_OK_AND_ASSIGN(auto after, store_.Range({"", "", 0}));
  EXPECT_EQ(after.entries.size(), before.entries.size());
  COFFER_ASSERT_OK(certificates_->EnsureHosts({"prod.team-a.svc"}));
  for (const std::vector<std::string>& names :
       {std::vector<std::string>{}, {"*.team-a.svc"}, {"Hook.ns.svc"}, {"a..b.svc"},
        {"-a.ns.svc"}, {"a-.ns.svc"}, {std::string(64, 'a') + ".ns.svc"}, {"hook.svc"},
        {"login.microsoftonline.com"}, {"10.0.0.1"}, {"hook.ns.svc", "example.com"},
        std::vector<std::string>(11, "a.ns.svc"), {"prod.team-a.svc"}}) {
    EXPECT_THAT(certificates_->IssueFor(names), StatusIs(absl::StatusCode::kInvalidArgument))
        << names.size();
  }
}

TEST_F(ServingCertificatesTest, PrivateKeysNeverRestInTheClear) {
  COFFER_ASSERT_OK(certificates_->EnsureHosts({"prod.team-a.svc"}));
  COFFER_ASSERT_OK_AND_ASSIGN(auto cert, certificates_->ForHost("prod.team-a.svc"));
  COFFER_ASSERT_OK_AND_ASSIGN(auto everything, store_.Range({"", "", 0}));
  for (const auto& entry : everything.entries) {
    EXPECT_THAT(entry.value, Not(HasSubstr("PRIVATE KEY"))) << entry.key;
    EXPECT_THAT(entry.value, Not(HasSubstr("BEGIN CERTIFICATE"))) << entry.key;
  }
  EXPECT_THAT(std::string(cert->private_key_pem.reveal()), HasSubstr("PRIVATE KEY"));
}

TEST_F(ServingCertificatesTest, CertificatesAreReissuedNearTheirEndOnly) {
  COFFER_ASSERT_OK(certificates_->EnsureHosts({"prod.team-a.svc"}));
  COFFER_ASSERT_OK_AND_ASSIGN(auto first, certificates_->ForHost("prod.team-a.svc"));
  COFFER_ASSERT_OK(certificates_->EnsureHosts({"prod.team-a.svc"}));
  EXPECT_EQ((*certificates_->ForHost("prod.team-a.svc"))->certificate_pem, first->certificate_pem);
  clock_.Advance(ServingCertificates::kServerValidity - absl::Hours(24 * 10));
  COFFER_ASSERT_OK(certificates_->EnsureHosts({"prod.team-a.svc"}));
  EXPECT_NE((*certificates_->ForHost("prod.team-a.svc"))->certificate_pem, first->certificate_pem);
}

TEST_F(ServingCertificatesTest, ABroughtCaIssuesEveryHostnameAndReplacesTheOwnCasCertificates) {
  COFFER_ASSERT_OK(certificates_->EnsureHosts({"prod.team-a.svc"}));
  COFFER_ASSERT_OK_AND_ASSIGN(std::string own_ca, certificates_->CaCertificate());
  COFFER_ASSERT_OK_AND_ASSIGN(
      crypto::CertificateAndKey brought,
      crypto::NewCertificateAuthority("Helm CA", clock_.Now(), absl::Hours(24 * 365)));
  COFFER_ASSERT_OK_AND_ASSIGN(auto with_brought,
                              ServingCertificates::Create(*cached_, keys_, clock_, brought));
  EXPECT_EQ(*with_brought->CaCertificate(), brought.certificate_pem);

  // The certificate the installation's own CA issued is replaced at the next pass.
  COFFER_ASSERT_OK(with_brought->EnsureHosts({"prod.team-a.svc", "new.team-a.svc"}));
  for (const char* host : {"prod.team-a.svc", "new.team-a.svc"}) {
    COFFER_ASSERT_OK_AND_ASSIGN(auto cert, with_brought->ForHost(host));
    EXPECT_TRUE(crypto::IsIssuedBy(cert->certificate_pem, brought.certificate_pem)) << host;
    EXPECT_FALSE(crypto::IsIssuedBy(cert->certificate_pem, own_ca)) << host;
  }
  COFFER_ASSERT_OK_AND_ASSIGN(auto replaced, with_brought->ForHost("prod.team-a.svc"));
  COFFER_ASSERT_OK(with_brought->EnsureHosts({"prod.team-a.svc"}));
  EXPECT_EQ((*with_brought->ForHost("prod.team-a.svc"))->certificate_pem,
            replaced->certificate_pem);  // and then kept
}

TEST_F(ServingCertificatesTest, ABroughtIntermediateIsServedWithItsChain) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      crypto::CertificateAndKey intermediate,
      crypto::NewCertificateAuthority("Issuing CA", clock_.Now(), absl::Hours(24 * 365)));
  COFFER_ASSERT_OK_AND_ASSIGN(
      crypto::CertificateAndKey root,
      crypto::NewCertificateAuthority("Root CA", clock_.Now(), absl::Hours(24 * 365)));
  COFFER_ASSERT_OK_AND_ASSIGN(
      crypto::CertificateAndKey brought,
      crypto::ReadCertificateAuthority(intermediate.certificate_pem + root.certificate_pem,
                                       intermediate.private_key_pem));
  COFFER_ASSERT_OK_AND_ASSIGN(auto certificates,
                              ServingCertificates::Create(*cached_, keys_, clock_, brought));
  COFFER_ASSERT_OK(certificates->EnsureHosts({"prod.team-a.svc"}));
  COFFER_ASSERT_OK_AND_ASSIGN(auto served, certificates->ForHost("prod.team-a.svc"));
  const std::string& chain = served->certificate_pem;
  EXPECT_TRUE(crypto::IsIssuedBy(chain, intermediate.certificate_pem));  // the leaf first
  const std::size_t leaf_end = chain.find("-----END CERTIFICATE-----") + 26;
  EXPECT_EQ(chain.substr(leaf_end), intermediate.certificate_pem + root.certificate_pem);
  EXPECT_EQ(*certificates->CaCertificate(), intermediate.certificate_pem + root.certificate_pem);
}

}  // namespace
}  // namespace coffer::service
