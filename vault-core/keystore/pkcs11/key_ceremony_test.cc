// The key ceremony between two real SoftHSM2 tokens, standing for two replicas' HSMs: token A
// makes the keys as a first replica's coffer-vault does, token B joins.

#include "vault-core/keystore/pkcs11/key_ceremony.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/clock.h"
#include "lib/testing/softhsm_token.h"
#include "lib/testing/status_matchers.h"
#include "vault-core/envelope/vault_keys.h"
#include "vault-core/identity/token_signer.h"
#include "vault-core/identity/token_verifier.h"
#include "vault-core/keystore/pkcs11/ck_rv.h"
#include "vault-core/keystore/pkcs11/key_objects.h"
#include "vault-core/keystore/pkcs11/module.h"
#include "vault-core/keystore/pkcs11/session.h"
#include "vault-core/keystore/pkcs11/transport_key.h"
#include "vault-core/storage/memory/memory_store.h"

namespace coffer::keystore {
namespace {

using ::coffer::testing::SoftHsmToken;
using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

const crypto::RecordAddress kAddress{"vault-a", "secrets/db", "v1"};

// A public key made by OpenSSL, outside any token: "another" transport key, or one of the wrong
// kind. `type` is "RSA" (with `bits`) or "EC".
std::string SoftwarePublicKeyPem(const char* type, int bits = 3072) {
  EVP_PKEY* pkey =
      std::string(type) == "RSA" ? EVP_RSA_gen(static_cast<unsigned>(bits)) : EVP_EC_gen("P-256");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, pkey);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  return pem;
}

class KeyCeremonyTest : public ::testing::Test {
 protected:
  KeyCeremonyTest() : hsm_("replica-a") { hsm_.AddToken("replica-b"); }

  Pkcs11Options Options(const std::string& token) const {
    Pkcs11Options options;
    options.module_path = SoftHsmToken::kModulePath;
    options.token_label = token;
    options.pin = SecretBytes(hsm_.pin());
    return options;
  }
  Pkcs11Options A() const { return Options("replica-a"); }
  Pkcs11Options B() const { return Options("replica-b"); }
  static SecretBytes SoPin() { return SecretBytes(SoftHsmToken::kSoPin); }

  // Starts a key store on A (creating its keys, as a first start does), seals a record under
  // vault-a's data key in store_, and closes it again: the security officer cannot log in to A
  // beside a store that is logged in from the same process.
  void StartFirstReplica() {
    COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> a, Pkcs11KeyStore::Create(A()));
    envelope::VaultKeys keys(*a, store_, Clock::Real());
    COFFER_ASSERT_OK_AND_ASSIGN(auto sealer, keys.ForVault("vault-a"));
    COFFER_ASSERT_OK_AND_ASSIGN(sealed_, sealer->Seal(kAddress, "shared secret"));
    first_master_key_id_ = a->master_key_id();
    first_signing_key_ = a->signing_public_key();
  }

  // The ceremony up to the bundle: the joiner's transport key, the first replica's export.
  absl::StatusOr<KeyBundle> BundleForB() {
    absl::StatusOr<TransportKey> transport = CreateTransportKey(B());
    if (!transport.ok()) return transport.status();
    return ExportVaultKeys(A(), SoPin(), transport->pem);
  }

  // A logged-in session of our own on `token`.
  std::unique_ptr<Session> RawSession(const std::string& token) {
    auto module = Pkcs11Module::Load(SoftHsmToken::kModulePath);
    if (!module.ok()) return nullptr;
    auto slot = FindToken(**module, token);
    if (!slot.ok()) return nullptr;
    auto session = Session::Open(*module, slot->slot);
    if (!session.ok() || !(*session)->Login(SecretBytes(hsm_.pin()), token).ok()) return nullptr;
    return std::move(session).value();
  }

  size_t ObjectCount(const std::string& token) {
    std::unique_ptr<Session> session = RawSession(token);
    if (session == nullptr) return 0;
    absl::StatusOr<std::vector<CK_OBJECT_HANDLE>> all = session->Find({});
    return all.ok() ? all->size() : 0;
  }

  SoftHsmToken hsm_;
  storage::MemoryStore store_;
  std::string sealed_;
  std::string first_master_key_id_;
  std::string first_signing_key_;
};

TEST_F(KeyCeremonyTest, JoinerOpensFirstReplicasDataKeysAndSignsTokensItsKeyVerifies) {
  StartFirstReplica();
  COFFER_ASSERT_OK_AND_ASSIGN(KeyBundle bundle, BundleForB());
  COFFER_ASSERT_OK_AND_ASSIGN(ImportResult imported, ImportVaultKeys(B(), bundle));
  EXPECT_FALSE(imported.already_held);

  COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> b, Pkcs11KeyStore::Create(B()));
  EXPECT_EQ(b->master_key_id(), first_master_key_id_);
  EXPECT_EQ(b->signing_public_key(), first_signing_key_);
  // The data key record names A's master key id; B's store accepts it and unwraps it.
  envelope::VaultKeys keys(*b, store_, Clock::Real());
  COFFER_ASSERT_OK_AND_ASSIGN(auto sealer, keys.ForVault("vault-a"));
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes opened, sealer->Open(kAddress, sealed_));
  EXPECT_EQ(opened.reveal(), "shared secret");

  identity::TokenSigner signer(*b, Clock::Real());
  identity::AccessTokenClaims claims;
  claims.issuer = "https://login.coffer.test/tenant/v2.0";
  claims.audience = "https://vault.coffer.test";
  claims.subject = "principal";
  claims.issued_at = claims.not_before = Clock::Real().Now();
  claims.expires = claims.issued_at + absl::Hours(1);
  COFFER_ASSERT_OK_AND_ASSIGN(std::string token, signer.Issue(claims));
  identity::TokenVerifier first_replica(first_signing_key_, claims.issuer, Clock::Real());
  COFFER_EXPECT_OK(first_replica.Verify(token, claims.audience).status());
}

TEST_F(KeyCeremonyTest, BothReplicasShowTheSameFingerprintAndSigningKey) {
  StartFirstReplica();
  COFFER_ASSERT_OK_AND_ASSIGN(TransportKey transport, CreateTransportKey(B()));
  COFFER_ASSERT_OK_AND_ASSIGN(TokenKeys before, DescribeTokenKeys(B()));
  EXPECT_EQ(before.master_key_id, "");
  EXPECT_EQ(before.transport_key_id, transport.id);
  COFFER_ASSERT_OK_AND_ASSIGN(KeyBundle bundle, ExportVaultKeys(A(), SoPin(), transport.pem));
  COFFER_ASSERT_OK(ImportVaultKeys(B(), bundle).status());

  COFFER_ASSERT_OK_AND_ASSIGN(TokenKeys a, DescribeTokenKeys(A()));
  COFFER_ASSERT_OK_AND_ASSIGN(TokenKeys b, DescribeTokenKeys(B()));
  EXPECT_THAT(a.master_key_id, MatchesRegex("kcv:[0-9a-f]{16}"));
  EXPECT_EQ(a.master_key_id, first_master_key_id_);
  EXPECT_EQ(b.master_key_id, a.master_key_id);
  EXPECT_EQ(b.signing_public_key, a.signing_public_key);
  // The joiner can pass the keys on in turn, e.g. when the first replica's HSM is lost.
  EXPECT_TRUE(b.master_key_exportable);
  EXPECT_TRUE(b.signing_key_exportable);
  EXPECT_EQ(b.transport_key_id, "") << "the transport key is destroyed after its one use";
}

TEST_F(KeyCeremonyTest, BundleForAnotherTransportKeyIsRefusedAndChangesNothing) {
  StartFirstReplica();
  COFFER_ASSERT_OK_AND_ASSIGN(TransportKey transport, CreateTransportKey(B()));
  COFFER_ASSERT_OK_AND_ASSIGN(KeyBundle bundle,
                              ExportVaultKeys(A(), SoPin(), SoftwarePublicKeyPem("RSA")));
  const size_t objects = ObjectCount("replica-b");
  EXPECT_THAT(ImportVaultKeys(B(), bundle),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the bundle was made for transport key sha256:")));
  EXPECT_EQ(ObjectCount("replica-b"), objects);
  COFFER_ASSERT_OK_AND_ASSIGN(TokenKeys b, DescribeTokenKeys(B()));
  EXPECT_EQ(b.master_key_id, "");
  EXPECT_EQ(b.transport_key_id, transport.id) << "the joiner can still take the right bundle";
}

TEST_F(KeyCeremonyTest, CorruptBundleIsRefusedAndChangesNothing) {
  StartFirstReplica();
  COFFER_ASSERT_OK_AND_ASSIGN(KeyBundle good, BundleForB());
  const size_t objects = ObjectCount("replica-b");
  auto flipped = [](std::string blob) {
    blob[blob.size() / 2] ^= 0x01;
    return blob;
  };
  std::vector<KeyBundle> corrupt(5, good);
  corrupt[0].wrapped_ceremony_key = flipped(good.wrapped_ceremony_key);
  corrupt[1].wrapped_master_key = flipped(good.wrapped_master_key);
  corrupt[2].wrapped_signing_key = flipped(good.wrapped_signing_key);
  corrupt[3].master_key_id = "kcv:0123456789abcdef";
  corrupt[4].signing_public_key = flipped(good.signing_public_key);
  for (size_t i = 0; i < corrupt.size(); ++i) {
    EXPECT_THAT(ImportVaultKeys(B(), corrupt[i]), StatusIs(absl::StatusCode::kInvalidArgument))
        << "corruption " << i;
  }
  EXPECT_EQ(ObjectCount("replica-b"), objects);
  COFFER_EXPECT_OK(ImportVaultKeys(B(), good).status());
}

// What CKA_WRAP_WITH_TRUSTED buys: with the user PIN alone (all coffer-vault has), the keys do
// not come out under a key of the user's choosing.
TEST_F(KeyCeremonyTest, VaultKeysDoNotLeaveUnderUntrustedKeys) {
  StartFirstReplica();
  std::unique_ptr<Session> session = RawSession("replica-a");
  ASSERT_NE(session, nullptr);
  KeyHandles keys("coffer-master-v1", "coffer-token-signing-v1");
  COFFER_ASSERT_OK(keys.Refresh(*session));

  const std::string aes_value(32, 'k');
  CK_OBJECT_CLASS secret = CKO_SECRET_KEY, public_class = CKO_PUBLIC_KEY;
  CK_KEY_TYPE aes = CKK_AES, rsa = CKK_RSA;
  std::vector<CK_ATTRIBUTE> aes_tmpl = {Attr(CKA_CLASS, secret), Attr(CKA_KEY_TYPE, aes),
                                        Attr(CKA_TOKEN, kFalse), Attr(CKA_WRAP, kTrue),
                                        Attr(CKA_VALUE, aes_value)};
  COFFER_ASSERT_OK_AND_ASSIGN(RsaPublicParts parts,
                              ParseTransportKeyPem(SoftwarePublicKeyPem("RSA")));
  std::vector<CK_ATTRIBUTE> rsa_tmpl = {
      Attr(CKA_CLASS, public_class),    Attr(CKA_KEY_TYPE, rsa),
      Attr(CKA_TOKEN, kFalse),          Attr(CKA_WRAP, kTrue),
      Attr(CKA_MODULUS, parts.modulus), Attr(CKA_PUBLIC_EXPONENT, parts.public_exponent)};
  CK_OBJECT_HANDLE user_aes = CK_INVALID_HANDLE, user_rsa = CK_INVALID_HANDLE;
  CK_FUNCTION_LIST* f = session->fns();
  ASSERT_EQ(f->C_CreateObject(session->handle(), aes_tmpl.data(), aes_tmpl.size(), &user_aes),
            CKR_OK);
  ScopedObject drop_aes(*session, user_aes);
  ASSERT_EQ(f->C_CreateObject(session->handle(), rsa_tmpl.data(), rsa_tmpl.size(), &user_rsa),
            CKR_OK);
  ScopedObject drop_rsa(*session, user_rsa);

  CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0};
  CK_MECHANISM rsa_oaep = {CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep)};
  CK_MECHANISM kwp = {CKM_AES_KEY_WRAP_PAD, nullptr, 0};
  struct Attempt {
    CK_MECHANISM* mechanism;
    CK_OBJECT_HANDLE wrapping;
    CK_OBJECT_HANDLE key;
    const char* what;
  };
  for (const Attempt& attempt :
       {Attempt{&kwp, user_aes, keys.master(), "master under AES"},
        Attempt{&rsa_oaep, user_rsa, keys.master(), "master under RSA"},
        Attempt{&kwp, keys.master(), keys.master(), "master under itself"},
        Attempt{&kwp, user_aes, keys.signing(), "signing key under AES"},
        Attempt{&kwp, keys.master(), keys.signing(), "signing key under the master key"}}) {
    unsigned char out[4096];
    CK_ULONG size = sizeof(out);
    CK_RV rv = f->C_WrapKey(session->handle(), attempt.mechanism, attempt.wrapping, attempt.key,
                            out, &size);
    EXPECT_EQ(rv, static_cast<CK_RV>(CKR_KEY_NOT_WRAPPABLE)) << attempt.what << ": " << CkrName(rv);
  }
}

// The design rests on this: coffer-vault's user cannot trust a key of its own choosing.
TEST_F(KeyCeremonyTest, OnlyTheSecurityOfficerCanMarkAKeyTrusted) {
  std::unique_ptr<Session> session = RawSession("replica-a");
  ASSERT_NE(session, nullptr);
  CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
  CK_KEY_TYPE aes = CKK_AES;
  const std::string value(32, 'k');
  std::vector<CK_ATTRIBUTE> tmpl = {Attr(CKA_CLASS, secret),  Attr(CKA_KEY_TYPE, aes),
                                    Attr(CKA_TOKEN, kFalse),  Attr(CKA_WRAP, kTrue),
                                    Attr(CKA_TRUSTED, kTrue), Attr(CKA_VALUE, value)};
  CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
  CK_RV rv = session->fns()->C_CreateObject(session->handle(), tmpl.data(), tmpl.size(), &object);
  EXPECT_EQ(rv, static_cast<CK_RV>(CKR_ATTRIBUTE_READ_ONLY)) << CkrName(rv);
}

TEST_F(KeyCeremonyTest, WrongSoPinIsPermissionDenied) {
  StartFirstReplica();
  COFFER_ASSERT_OK_AND_ASSIGN(TransportKey transport, CreateTransportKey(B()));
  EXPECT_THAT(ExportVaultKeys(A(), SecretBytes("0000"), transport.pem),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("wrong SO PIN")));
}

TEST_F(KeyCeremonyTest, ExportWhileAKeyStoreIsLoggedInFromTheSameProcessIsRefused) {
  COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> a, Pkcs11KeyStore::Create(A()));
  EXPECT_THAT(ExportVaultKeys(A(), SoPin(), SoftwarePublicKeyPem("RSA")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("is logged in")));
}

TEST_F(KeyCeremonyTest, KeysMadeBeforeTheCeremonyKeepServingButCannotBeExported) {
  {
    std::unique_ptr<Session> session = RawSession("replica-a");
    ASSERT_NE(session, nullptr);
    // The templates of the first releases: sensitive and never extractable.
    const std::string master_label = "coffer-master-v1", signing_label = "coffer-token-signing-v1";
    const std::string params(kP256Params);
    CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
    CK_KEY_TYPE aes = CKK_AES, ec = CKK_EC;
    CK_ULONG size = 32;
    std::vector<CK_ATTRIBUTE> master = {
        Attr(CKA_CLASS, secret),       Attr(CKA_KEY_TYPE, aes),  Attr(CKA_VALUE_LEN, size),
        Attr(CKA_TOKEN, kTrue),        Attr(CKA_PRIVATE, kTrue), Attr(CKA_SENSITIVE, kTrue),
        Attr(CKA_EXTRACTABLE, kFalse), Attr(CKA_WRAP, kTrue),    Attr(CKA_UNWRAP, kTrue),
        Attr(CKA_LABEL, master_label)};
    std::vector<CK_ATTRIBUTE> pub = {Attr(CKA_KEY_TYPE, ec), Attr(CKA_TOKEN, kTrue),
                                     Attr(CKA_VERIFY, kTrue), Attr(CKA_EC_PARAMS, params),
                                     Attr(CKA_LABEL, signing_label)};
    std::vector<CK_ATTRIBUTE> priv = {Attr(CKA_KEY_TYPE, ec),        Attr(CKA_TOKEN, kTrue),
                                      Attr(CKA_PRIVATE, kTrue),      Attr(CKA_SENSITIVE, kTrue),
                                      Attr(CKA_EXTRACTABLE, kFalse), Attr(CKA_SIGN, kTrue),
                                      Attr(CKA_LABEL, signing_label)};
    CK_MECHANISM aes_gen = {CKM_AES_KEY_GEN, nullptr, 0};
    CK_MECHANISM ec_gen = {CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    CK_OBJECT_HANDLE h1, h2, h3;
    CK_FUNCTION_LIST* f = session->fns();
    ASSERT_EQ(f->C_GenerateKey(session->handle(), &aes_gen, master.data(), master.size(), &h1),
              CKR_OK);
    ASSERT_EQ(f->C_GenerateKeyPair(session->handle(), &ec_gen, pub.data(), pub.size(), priv.data(),
                                   priv.size(), &h2, &h3),
              CKR_OK);
  }
  {
    COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> a, Pkcs11KeyStore::Create(A()));
    COFFER_ASSERT_OK_AND_ASSIGN(DataKey key, a->NewDataKey());
    COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes unwrapped, a->UnwrapDataKey(key.wrapped));
    EXPECT_TRUE(unwrapped.Equals(key.key));
    COFFER_EXPECT_OK(a->SignEs256("data").status());
  }
  COFFER_ASSERT_OK_AND_ASSIGN(TokenKeys shown, DescribeTokenKeys(A()));
  EXPECT_FALSE(shown.master_key_exportable);
  COFFER_ASSERT_OK_AND_ASSIGN(TransportKey transport, CreateTransportKey(B()));
  EXPECT_THAT(ExportVaultKeys(A(), SoPin(), transport.pem),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("key 'coffer-master-v1' on token 'replica-a' was created not "
                                 "extractable")));
}

TEST_F(KeyCeremonyTest, ImportingTheSameBundleAgainChangesNothing) {
  StartFirstReplica();
  COFFER_ASSERT_OK_AND_ASSIGN(KeyBundle bundle, BundleForB());
  COFFER_ASSERT_OK(ImportVaultKeys(B(), bundle).status());
  const size_t objects = ObjectCount("replica-b");
  EXPECT_EQ(objects, 3u) << "master key, signing key pair; no transport key";
  COFFER_ASSERT_OK_AND_ASSIGN(ImportResult again, ImportVaultKeys(B(), bundle));
  EXPECT_TRUE(again.already_held);
  EXPECT_EQ(again.keys.master_key_id, bundle.master_key_id);
  EXPECT_EQ(ObjectCount("replica-b"), objects);
}

TEST_F(KeyCeremonyTest, JoinerThatMadeItsOwnKeysRefusesTheBundleUnlessToldToReplaceThem) {
  StartFirstReplica();
  std::string own_id;
  {  // the joiner's coffer-vault was started before the ceremony and made keys of its own
    COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> b, Pkcs11KeyStore::Create(B()));
    own_id = b->master_key_id();
  }
  COFFER_ASSERT_OK_AND_ASSIGN(KeyBundle bundle, BundleForB());
  EXPECT_THAT(ImportVaultKeys(B(), bundle),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::AllOf(
                           HasSubstr("already holds another master key 'coffer-master-v1' (" +
                                     own_id + ", the bundle's is " + first_master_key_id_ + ")"),
                           HasSubstr("import with --replace"))));
  COFFER_ASSERT_OK_AND_ASSIGN(TokenKeys unchanged, DescribeTokenKeys(B()));
  EXPECT_EQ(unchanged.master_key_id, own_id);

  // Replacing still checks the bundle first: a corrupt one leaves the held keys alone.
  KeyBundle corrupt = bundle;
  corrupt.wrapped_master_key[5] ^= 0x01;
  EXPECT_THAT(ImportVaultKeys(B(), corrupt, HeldKeys::kReplace),
              StatusIs(absl::StatusCode::kInvalidArgument));
  COFFER_ASSERT_OK_AND_ASSIGN(unchanged, DescribeTokenKeys(B()));
  EXPECT_EQ(unchanged.master_key_id, own_id);

  COFFER_ASSERT_OK_AND_ASSIGN(ImportResult replaced,
                              ImportVaultKeys(B(), bundle, HeldKeys::kReplace));
  EXPECT_TRUE(replaced.replaced);
  EXPECT_EQ(replaced.keys.master_key_id, first_master_key_id_);
  EXPECT_EQ(ObjectCount("replica-b"), 3u) << "the bundle's three keys and nothing else";
  COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> b, Pkcs11KeyStore::Create(B()));
  EXPECT_EQ(b->signing_public_key(), first_signing_key_);
  envelope::VaultKeys keys(*b, store_, Clock::Real());
  COFFER_ASSERT_OK_AND_ASSIGN(auto sealer, keys.ForVault("vault-a"));
  COFFER_EXPECT_OK(sealer->Open(kAddress, sealed_).status());
}

TEST_F(KeyCeremonyTest, ExportRefusesWhatIsNotAnRsaTransportKeyOfAtLeast3072Bits) {
  StartFirstReplica();
  for (const std::string& pem :
       {std::string("not a pem"), SoftwarePublicKeyPem("EC"), SoftwarePublicKeyPem("RSA", 2048)}) {
    EXPECT_THAT(ExportVaultKeys(A(), SoPin(), pem),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("the transport key")));
  }
}

TEST_F(KeyCeremonyTest, MissingTokenIsNotFound) {
  COFFER_ASSERT_OK_AND_ASSIGN(TransportKey transport, CreateTransportKey(B()));
  EXPECT_THAT(ExportVaultKeys(Options("no-such-token"), SoPin(), transport.pem),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no-such-token")));
  EXPECT_THAT(DescribeTokenKeys(Options("no-such-token")), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(KeyCeremonyTest, ExportFromATokenWithoutKeysIsNotFound) {
  COFFER_ASSERT_OK_AND_ASSIGN(TransportKey transport, CreateTransportKey(B()));
  EXPECT_THAT(ExportVaultKeys(A(), SoPin(), transport.pem),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("does not hold the master key")));
}

TEST_F(KeyCeremonyTest, ImportWithoutTransportKeyIsNotFound) {
  StartFirstReplica();
  COFFER_ASSERT_OK_AND_ASSIGN(KeyBundle bundle,
                              ExportVaultKeys(A(), SoPin(), SoftwarePublicKeyPem("RSA")));
  EXPECT_THAT(ImportVaultKeys(B(), bundle),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("holds no transport key")));
}

TEST_F(KeyCeremonyTest, TransportKeyStaysUntilItsImportAndCanOnlyUnwrap) {
  COFFER_ASSERT_OK_AND_ASSIGN(TransportKey first, CreateTransportKey(B()));
  EXPECT_TRUE(first.created);
  EXPECT_THAT(first.pem, HasSubstr("-----BEGIN PUBLIC KEY-----"));
  COFFER_ASSERT_OK_AND_ASSIGN(TransportKey again, CreateTransportKey(B()));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.pem, first.pem);

  std::unique_ptr<Session> session = RawSession("replica-b");
  ASSERT_NE(session, nullptr);
  COFFER_ASSERT_OK_AND_ASSIGN(CK_OBJECT_HANDLE key,
                              FindKey(*session, CKO_PRIVATE_KEY, kTransportKeyLabel));
  ASSERT_NE(key, CK_INVALID_HANDLE);
  const std::string yes(1, 1), no(1, 0);
  for (auto [attribute, value] :
       {std::make_pair(CKA_TOKEN, yes), std::make_pair(CKA_SENSITIVE, yes),
        std::make_pair(CKA_EXTRACTABLE, no), std::make_pair(CKA_UNWRAP, yes),
        std::make_pair(CKA_DECRYPT, no), std::make_pair(CKA_SIGN, no)}) {
    COFFER_ASSERT_OK_AND_ASSIGN(std::string actual, session->GetAttribute(key, attribute));
    EXPECT_EQ(actual, value) << "attribute 0x" << std::hex << attribute;
  }
  COFFER_ASSERT_OK_AND_ASSIGN(RsaPublicParts parts, ParseTransportKeyPem(first.pem));
  EXPECT_EQ(parts.modulus.size() * 8, static_cast<size_t>(kTransportKeyBits));
}

}  // namespace
}  // namespace coffer::keystore
