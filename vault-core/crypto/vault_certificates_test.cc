#include "vault-core/crypto/vault_certificates.h"

#include <openssl/x509v3.h>

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/crypto/digest.h"

namespace coffer::crypto {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 1, 31, 12, 0, 0), absl::UTCTimeZone());

SoftwareKey NewKey(domain::KeyType type, domain::Curve curve = domain::Curve::kNone) {
  domain::KeySpec spec;
  spec.type = type;
  spec.curve = curve;
  EXPECT_THAT(domain::NormalizeKeySpec(spec), IsOk());
  auto key = GenerateSoftwareKey(spec);
  EXPECT_THAT(key, IsOk());
  return key.ok() ? std::move(*key) : SoftwareKey{};
}

CertificateProfile WebProfile() {
  CertificateProfile p;
  p.subject = "CN=example.com, O=Example\\, Inc., C=US";
  p.dns_names = {"example.com", "www.example.com"};
  p.upns = {"svc@example.com"};
  p.ekus = {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"};
  p.key_usage = {"digitalSignature", "keyEncipherment"};
  p.validity_months = 12;
  return p;
}

bool SameKey(const SoftwareKey& a, const SoftwareKey& b) {
  auto x = PublicKeyOf(a);
  auto y = PublicKeyOf(b);
  return x.ok() && y.ok() && x->n == y->n && x->e == y->e && x->x == y->x && x->y == y->y;
}

std::unique_ptr<X509, void (*)(X509*)> Parse(const std::string& der) {
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  return {d2i_X509(nullptr, &cursor, static_cast<long>(der.size())), X509_free};
}

TEST(VaultCertificatesTest, SelfSignedCertificateCarriesThePolicy) {
  SoftwareKey key = NewKey(domain::KeyType::kRsa);
  auto der = SelfSignedCertificate(key, WebProfile(), kNow);
  ASSERT_THAT(der, IsOk());
  auto info = ParseCertificate(*der);
  ASSERT_THAT(info, IsOk());
  EXPECT_EQ(info->subject, "CN=example.com, O=Example\\, Inc., C=US");  // reads back as it was
  EXPECT_THAT(info->dns_names, ElementsAre("example.com", "www.example.com"));
  EXPECT_EQ(info->not_before, kNow - absl::Minutes(10));
  // Twelve calendar months: 2026-01-31 to 2027-01-31.
  EXPECT_EQ(info->not_after,
            absl::FromCivil(absl::CivilSecond(2027, 1, 31, 12, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(info->sha1, Sha1(*der));
  EXPECT_EQ(info->key_bits, 2048);
  EXPECT_TRUE(CertificateHasKey(*der, *PublicKeyOf(key)));
  EXPECT_FALSE(CertificateHasKey(*der, *PublicKeyOf(NewKey(domain::KeyType::kRsa))));

  auto cert = Parse(*der);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(cert.get())), 1);  // self-signed
  EXPECT_EQ(X509_get_key_usage(cert.get()), KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), XKU_SSL_SERVER | XKU_SSL_CLIENT);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_NE(X509_get0_subject_key_id(cert.get()), nullptr);
}

TEST(VaultCertificatesTest, EcCertificatesAreSignedWithTheCurvesHash) {
  const std::pair<domain::Curve, int> cases[] = {{domain::Curve::kP256, NID_ecdsa_with_SHA256},
                                                 {domain::Curve::kP256K, NID_ecdsa_with_SHA256},
                                                 {domain::Curve::kP384, NID_ecdsa_with_SHA384},
                                                 {domain::Curve::kP521, NID_ecdsa_with_SHA512}};
  for (const auto& [curve, nid] : cases) {
    SCOPED_TRACE(domain::CurveName(curve));
    auto der = SelfSignedCertificate(NewKey(domain::KeyType::kEc, curve), WebProfile(), kNow);
    ASSERT_THAT(der, IsOk());
    auto cert = Parse(*der);
    EXPECT_EQ(X509_get_signature_nid(cert.get()), nid);
    EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(cert.get())), 1);
    auto info = ParseCertificate(*der);
    ASSERT_THAT(info, IsOk());
    EXPECT_EQ(info->key_type, domain::KeyType::kEc);
    EXPECT_EQ(info->public_key.curve, curve);
  }
}

TEST(VaultCertificatesTest, SigningRequestIsSignedByTheKeyAndAsksForTheExtensions) {
  SoftwareKey key = NewKey(domain::KeyType::kEc, domain::Curve::kP256);
  auto der = CertificateSigningRequest(key, WebProfile());
  ASSERT_THAT(der, IsOk());
  const auto* cursor = reinterpret_cast<const unsigned char*>(der->data());
  std::unique_ptr<X509_REQ, void (*)(X509_REQ*)> request(
      d2i_X509_REQ(nullptr, &cursor, static_cast<long>(der->size())), X509_REQ_free);
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(X509_REQ_verify(request.get(), X509_REQ_get0_pubkey(request.get())), 1);
  STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(request.get());
  ASSERT_NE(extensions, nullptr);
  EXPECT_GE(X509v3_get_ext_by_NID(extensions, NID_subject_alt_name, -1), 0);
  EXPECT_GE(X509v3_get_ext_by_NID(extensions, NID_ext_key_usage, -1), 0);
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
}

TEST(VaultCertificatesTest, BadProfilesAreRefusedNamingTheField) {
  CertificateProfile p = WebProfile();
  p.subject = "example.com";
  EXPECT_THAT(CheckProfile(p), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("subject")));
  p = WebProfile();
  p.subject = "XX=what";
  EXPECT_THAT(CheckProfile(p), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("subject")));
  p = WebProfile();
  p.ekus = {"serverAuth"};
  EXPECT_THAT(CheckProfile(p), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("EKU")));
  p = WebProfile();
  p.key_usage = {"everything"};
  EXPECT_THAT(CheckProfile(p), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("usage")));
  p = WebProfile();
  p.dns_names = {"a.example,DNS:b.example"};
  EXPECT_THAT(CheckProfile(p), StatusIs(absl::StatusCode::kInvalidArgument));
  p = WebProfile();
  p.validity_months = 0;
  EXPECT_THAT(CheckProfile(p), StatusIs(absl::StatusCode::kInvalidArgument));
}

CertificateWithKey SelfSigned(domain::KeyType type) {
  CertificateWithKey c;
  c.key = NewKey(type, type == domain::KeyType::kEc ? domain::Curve::kP256 : domain::Curve::kNone);
  c.chain.push_back(*SelfSignedCertificate(c.key, WebProfile(), kNow));
  return c;
}

TEST(VaultCertificatesTest, PfxAndPemRoundTripTheKeyAndChain) {
  for (auto type : {domain::KeyType::kRsa, domain::KeyType::kEc}) {
    CertificateWithKey original = SelfSigned(type);
    auto pfx = WritePkcs12(original);
    ASSERT_THAT(pfx, IsOk());
    auto from_pfx = ReadPkcs12(pfx->reveal(), SecretBytes());
    ASSERT_THAT(from_pfx, IsOk());
    EXPECT_EQ(from_pfx->chain, original.chain);
    EXPECT_TRUE(SameKey(from_pfx->key, original.key));
    EXPECT_THAT(ReadPkcs12(pfx->reveal(), SecretBytes("wrong")),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("password")));

    auto pem = WritePemBundle(original);
    ASSERT_THAT(pem, IsOk());
    EXPECT_THAT(std::string(pem->reveal()), StartsWith("-----BEGIN PRIVATE KEY-----\n"));
    auto from_pem = ReadPemBundle(pem->reveal());
    ASSERT_THAT(from_pem, IsOk());
    EXPECT_EQ(from_pem->chain, original.chain);
  }
}

TEST(VaultCertificatesTest, AKeyThatIsNotTheCertificatesIsRefused) {
  CertificateWithKey a = SelfSigned(domain::KeyType::kRsa);
  CertificateWithKey b = SelfSigned(domain::KeyType::kRsa);
  std::string pem(WritePemBundle(a)->reveal());
  std::string other(WritePemBundle(b)->reveal());
  // a's key with b's certificate.
  std::string mixed = pem.substr(0, pem.find("-----BEGIN CERTIFICATE-----")) +
                      other.substr(other.find("-----BEGIN CERTIFICATE-----"));
  EXPECT_THAT(ReadPemBundle(mixed), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("not the certificate's")));
  EXPECT_THAT(ReadPemBundle("no pem here"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ReadPkcs12("not a pfx", SecretBytes()), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(VaultCertificatesTest, OpensslOpensOurPfxAndWeOpenOpensslsPasswordProtectedOne) {
  testing::TempDir dir;
  CertificateWithKey ours = SelfSigned(domain::KeyType::kRsa);
  std::string pem(WritePemBundle(ours)->reveal());
  std::ofstream(dir.File("bundle.pem")) << pem;
  std::ofstream(dir.File("ours.pfx"), std::ios::binary) << WritePkcs12(ours)->reveal();

  // Azure's linked secret is a PFX with an empty password: openssl reads it so.
  auto listed = testing::Run({"openssl", "pkcs12", "-in", dir.File("ours.pfx"), "-passin", "pass:",
                              "-nokeys", "-clcerts"});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr("subject=CN = example.com, O = \"Example, Inc.\", C = US"));

  auto exported = testing::Run({"openssl", "pkcs12", "-export", "-in", dir.File("bundle.pem"),
                                "-out", dir.File("theirs.pfx"), "-passout", "pass:s3cret"});
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  std::ifstream in(dir.File("theirs.pfx"), std::ios::binary);
  std::string theirs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto read = ReadPkcs12(theirs, SecretBytes("s3cret"));
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->chain, ours.chain);
  EXPECT_THAT(ReadPkcs12(theirs, SecretBytes()), StatusIs(absl::StatusCode::kInvalidArgument));
}

// A PFX names its own work factors: one that asks for more than common tools use is refused
// before any of that work is done, wherever it asks (the MAC, the key's or the certificates'
// encryption); a chain-only PFX reads when no key is required.
TEST(VaultCertificatesTest, PfxAskingForTooMuchWorkIsRefusedUnread) {
  testing::TempDir dir;
  CertificateWithKey ours = SelfSigned(domain::KeyType::kEc);
  std::ofstream(dir.File("bundle.pem")) << WritePemBundle(ours)->reveal();
  auto read_file = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::vector<std::vector<std::string>> costly = {
      {"-macalg", "sha256", "-maciter", "-iter", "300000"},  // -maciter: the MAC uses -iter too
      {"-iter", "300000", "-nomaciter"}};
  for (const auto& flags : costly) {
    std::vector<std::string> args = {"openssl", "pkcs12", "-export", "-in", dir.File("bundle.pem"),
                                     "-out", dir.File("costly.pfx"), "-passout", "pass:pw"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto made = testing::Run(args);
    ASSERT_EQ(made.exit_code, 0) << made.output;
    EXPECT_THAT(ReadPkcs12(read_file(dir.File("costly.pfx")), SecretBytes("pw")),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("200000")));
  }
  CertificateWithKey chain_only;
  chain_only.chain = ours.chain;
  auto pfx = WritePkcs12(chain_only);
  ASSERT_THAT(pfx, IsOk());
  EXPECT_THAT(ReadPkcs12(pfx->reveal(), SecretBytes()), StatusIs(absl::StatusCode::kInvalidArgument));
  auto read = ReadPkcs12(pfx->reveal(), SecretBytes(), /*key_required=*/false);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->chain, ours.chain);
  EXPECT_EQ(read->key.material.size(), 0u);
}

}  // namespace
}  // namespace coffer::crypto
