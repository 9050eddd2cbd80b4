// One suite, run against every KeyStore: the PKCS#11 store over a fresh SoftHSM2 token, and the
// software store over files in a temp dir.

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/softhsm_token.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/crypto/random.h"
#include "vault-core/crypto/software_key.h"
#include "vault-core/keystore/keystore.h"
#include "vault-core/keystore/pkcs11/pkcs11_keystore.h"
#include "vault-core/keystore/software/software_keystore.h"

namespace coffer::keystore {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// Where a backend's keys live; Open() twice reaches the same keys.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual absl::StatusOr<std::unique_ptr<KeyStore>> Open() = 0;
  // A store whose master and signing keys are not Open()'s.
  virtual absl::StatusOr<std::unique_ptr<KeyStore>> OpenWithOtherKeys() = 0;
};

class SoftHsmBackend : public Backend {
 public:
  absl::StatusOr<std::unique_ptr<KeyStore>> Open() override {
    return Pkcs11KeyStore::Create(Options());
  }
  // Same token, other labels: the process can have only one SoftHSM token dir at a time.
  absl::StatusOr<std::unique_ptr<KeyStore>> OpenWithOtherKeys() override {
    Pkcs11Options options = Options();
    options.master_key_label = "other-master";
    options.signing_key_label = "other-signing";
    return Pkcs11KeyStore::Create(options);
  }

 private:
  Pkcs11Options Options() const {
    Pkcs11Options options;
    options.module_path = testing::SoftHsmToken::kModulePath;
    options.token_label = token_.label();
    options.pin = SecretBytes(token_.pin());
    return options;
  }

  testing::SoftHsmToken token_;
};

class SoftwareBackend : public Backend {
 public:
  absl::StatusOr<std::unique_ptr<KeyStore>> Open() override {
    return SoftwareKeyStore::Create({dir_.File("master.key"), ""});
  }
  absl::StatusOr<std::unique_ptr<KeyStore>> OpenWithOtherKeys() override {
    return SoftwareKeyStore::Create({dir_.File("other.key"), ""});
  }

 private:
  testing::TempDir dir_;
};

struct BackendParam {
  std::string kind;
  std::function<std::unique_ptr<Backend>()> make;
};

// Verifies a JWS ES256 signature (r || s) the way a relying party would, with OpenSSL alone.
bool VerifyEs256(const std::string& public_point, std::string_view data,
                 const std::string& signature) {
  if (signature.size() != 64) return false;
  std::unique_ptr<OSSL_PARAM_BLD, void (*)(OSSL_PARAM_BLD*)> bld(OSSL_PARAM_BLD_new(),
                                                                 OSSL_PARAM_BLD_free);
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, public_point.data(),
                                   public_point.size());
  std::unique_ptr<OSSL_PARAM, void (*)(OSSL_PARAM*)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                            OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX*)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* raw_pkey = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw_pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ADD_FAILURE() << "public key is not a P-256 point";
    return false;
  }
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> pkey(raw_pkey, EVP_PKEY_free);

  std::unique_ptr<ECDSA_SIG, void (*)(ECDSA_SIG*)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
  const auto* rs = reinterpret_cast<const unsigned char*>(signature.data());
  ECDSA_SIG_set0(sig.get(), BN_bin2bn(rs, 32, nullptr), BN_bin2bn(rs + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_size = i2d_ECDSA_SIG(sig.get(), &der);
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok = der_size > 0 &&
            EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) == 1 &&
            EVP_DigestVerify(md.get(), der, der_size,
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  OPENSSL_free(der);
  return ok;
}

class KeyStoreConformanceTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    COFFER_ASSERT_OK_AND_ASSIGN(store_, backend_->Open());
  }

  // Declared first so the store, which uses the backend's token or files, goes first.
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<KeyStore> store_;
};

TEST_P(KeyStoreConformanceTest, KindNamesTheBackend) { EXPECT_EQ(store_->kind(), GetParam().kind); }

TEST_P(KeyStoreConformanceTest, DataKeyRoundTrips) {
  COFFER_ASSERT_OK_AND_ASSIGN(DataKey key, store_->NewDataKey());
  EXPECT_EQ(key.key.size(), 32u);
  EXPECT_EQ(key.wrapped.size(), 40u);  // RFC 5649: 32 bytes + one 8-byte block
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes unwrapped, store_->UnwrapDataKey(key.wrapped));
  EXPECT_TRUE(unwrapped.Equals(key.key));
}

TEST_P(KeyStoreConformanceTest, WrappedKeyHidesPlaintextAndDiffersPerKey) {
  COFFER_ASSERT_OK_AND_ASSIGN(DataKey a, store_->NewDataKey());
  COFFER_ASSERT_OK_AND_ASSIGN(DataKey b, store_->NewDataKey());
  EXPECT_THAT(a.wrapped, Not(HasSubstr(std::string(a.key.reveal()))));
  EXPECT_THAT(a.wrapped, Not(HasSubstr(std::string(a.key.reveal().substr(0, 8)))));
  EXPECT_FALSE(a.key.Equals(b.key));
  EXPECT_NE(a.wrapped, b.wrapped);
}

TEST_P(KeyStoreConformanceTest, FlippedBitInWrappedKeyIsDataLoss) {
  COFFER_ASSERT_OK_AND_ASSIGN(DataKey key, store_->NewDataKey());
  for (size_t byte : {size_t{0}, size_t{7}, size_t{20}, key.wrapped.size() - 1}) {
    std::string corrupt = key.wrapped;
    corrupt[byte] ^= 0x01;
    EXPECT_THAT(store_->UnwrapDataKey(corrupt), StatusIs(absl::StatusCode::kDataLoss))
        << "bit flipped in byte " << byte;
  }
}

TEST_P(KeyStoreConformanceTest, TruncatedWrappedKeyIsDataLoss) {
  COFFER_ASSERT_OK_AND_ASSIGN(DataKey key, store_->NewDataKey());
  EXPECT_THAT(store_->UnwrapDataKey(key.wrapped.substr(0, 39)),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(store_->UnwrapDataKey(key.wrapped.substr(0, 32)),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(store_->UnwrapDataKey(""), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_P(KeyStoreConformanceTest, KeyWrappedUnderOtherMasterKeyDoesNotUnwrap) {
  COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> other, backend_->OpenWithOtherKeys());
  EXPECT_NE(other->master_key_id(), store_->master_key_id());
  EXPECT_NE(other->signing_public_key(), store_->signing_public_key());
  COFFER_ASSERT_OK_AND_ASSIGN(DataKey key, store_->NewDataKey());
  EXPECT_THAT(other->UnwrapDataKey(key.wrapped), StatusIs(absl::StatusCode::kDataLoss));
  COFFER_ASSERT_OK_AND_ASSIGN(DataKey other_key, other->NewDataKey());
  EXPECT_THAT(store_->UnwrapDataKey(other_key.wrapped), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_P(KeyStoreConformanceTest, SecondStoreOnSameKeysFindsThem) {
  COFFER_ASSERT_OK_AND_ASSIGN(DataKey key, store_->NewDataKey());
  COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> again, backend_->Open());
  EXPECT_EQ(again->master_key_id(), store_->master_key_id());
  EXPECT_EQ(again->signing_public_key(), store_->signing_public_key());
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes unwrapped, again->UnwrapDataKey(key.wrapped));
  EXPECT_TRUE(unwrapped.Equals(key.key));
}

TEST_P(KeyStoreConformanceTest, RestartFindsSameKeys) {
  COFFER_ASSERT_OK_AND_ASSIGN(DataKey key, store_->NewDataKey());
  const std::string public_key = store_->signing_public_key();
  store_.reset();  // for PKCS#11 the last user finalises the module; Open() initialises it again
  COFFER_ASSERT_OK_AND_ASSIGN(store_, backend_->Open());
  EXPECT_EQ(store_->signing_public_key(), public_key);
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes unwrapped, store_->UnwrapDataKey(key.wrapped));
  EXPECT_TRUE(unwrapped.Equals(key.key));
}

TEST_P(KeyStoreConformanceTest, PublicKeyIsUncompressedP256Point) {
  const std::string point = store_->signing_public_key();
  ASSERT_EQ(point.size(), 65u);
  EXPECT_EQ(point[0], '\x04');
}

TEST_P(KeyStoreConformanceTest, Es256SignatureVerifiesOnlyForSignedData) {
  const std::string data = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0";
  COFFER_ASSERT_OK_AND_ASSIGN(std::string signature, store_->SignEs256(data));
  ASSERT_EQ(signature.size(), 64u);
  EXPECT_TRUE(VerifyEs256(store_->signing_public_key(), data, signature));
  EXPECT_FALSE(VerifyEs256(store_->signing_public_key(), data + "x", signature));
  std::string tampered = signature;
  tampered[10] ^= 0x01;
  EXPECT_FALSE(VerifyEs256(store_->signing_public_key(), data, tampered));
}

TEST_P(KeyStoreConformanceTest, SignsEmptyData) {
  COFFER_ASSERT_OK_AND_ASSIGN(std::string signature, store_->SignEs256(""));
  EXPECT_TRUE(VerifyEs256(store_->signing_public_key(), "", signature));
}

TEST_P(KeyStoreConformanceTest, ConcurrentUseFromFourThreads) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 25;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &failures] {
      for (int i = 0; i < kRounds; ++i) {
        absl::StatusOr<DataKey> key = store_->NewDataKey();
        if (!key.ok()) {
          ++failures[t];
          continue;
        }
        absl::StatusOr<SecretBytes> unwrapped = store_->UnwrapDataKey(key->wrapped);
        if (!unwrapped.ok() || !unwrapped->Equals(key->key)) ++failures[t];
        const std::string data = "thread " + std::to_string(t) + " round " + std::to_string(i);
        absl::StatusOr<std::string> signature = store_->SignEs256(data);
        if (!signature.ok() || !VerifyEs256(store_->signing_public_key(), data, *signature)) {
          ++failures[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ::testing::Each(0));
}

TEST_P(KeyStoreConformanceTest, HealthCheckIsOk) { COFFER_EXPECT_OK(store_->CheckHealth()); }

// HSM-protected vault keys (issue 12).

domain::KeyOperationRequest Request(domain::KeyOperation op, domain::Algorithm alg,
                                    std::string data) {
  domain::KeyOperationRequest r;
  r.op = op;
  r.alg = alg;
  r.data = SecretBytes(data);
  return r;
}

std::string DigestFor(domain::Algorithm alg) {
  return crypto::RandomBytes(domain::DigestSize(alg));
}

struct SignCase {
  domain::KeySpec spec;
  std::vector<domain::Algorithm> algorithms;
};

TEST_P(KeyStoreConformanceTest, GeneratedKeysSignWhatTheirPublicKeyVerifies) {
  using domain::Algorithm;
  using domain::Curve;
  using domain::KeyType;
  const std::vector<SignCase> cases = {
      {{KeyType::kRsa, 2048, Curve::kNone, ""},
       {Algorithm::kRs256, Algorithm::kRs384, Algorithm::kRs512, Algorithm::kPs256,
        Algorithm::kPs384, Algorithm::kPs512}},
      {{KeyType::kEc, 0, Curve::kP256, ""}, {Algorithm::kEs256}},
      {{KeyType::kEc, 0, Curve::kP384, ""}, {Algorithm::kEs384}},
      {{KeyType::kEc, 0, Curve::kP521, ""}, {Algorithm::kEs512}},
      {{KeyType::kEc, 0, Curve::kP256K, ""}, {Algorithm::kEs256K}},
  };
  for (const SignCase& c : cases) {
    COFFER_ASSERT_OK_AND_ASSIGN(ProtectedKey key, store_->GenerateKey(c.spec));
    for (domain::Algorithm alg : c.algorithms) {
      SCOPED_TRACE(domain::AlgorithmName(alg));
      std::string digest = DigestFor(alg);
      COFFER_ASSERT_OK_AND_ASSIGN(
          auto signed_result,
          store_->RunKeyOperation(c.spec.type, key.wrapped,
                                  Request(domain::KeyOperation::kSign, alg, digest)));
      auto verify = Request(domain::KeyOperation::kVerify, alg, digest);
      verify.signature = std::string(signed_result.value.reveal());
      COFFER_ASSERT_OK_AND_ASSIGN(auto verified, crypto::RunPublic(key.public_key, verify));
      EXPECT_TRUE(verified.verified);
      verify.data.mutable_data()[0] ^= 1;
      COFFER_ASSERT_OK_AND_ASSIGN(verified, crypto::RunPublic(key.public_key, verify));
      EXPECT_FALSE(verified.verified);
    }
  }
}

TEST_P(KeyStoreConformanceTest, RsaKeyDecryptsWhatItsPublicKeyEncrypted) {
  domain::KeySpec spec{domain::KeyType::kRsa, 2048, domain::Curve::kNone,
                       std::string("\x01\x00\x01", 3)};
  COFFER_ASSERT_OK_AND_ASSIGN(ProtectedKey key, store_->GenerateKey(spec));
  EXPECT_EQ(key.bits, 2048);
  EXPECT_EQ(key.public_key.e, std::string("\x01\x00\x01", 3));
  for (auto alg : {domain::Algorithm::kRsa15, domain::Algorithm::kRsaOaep,
                   domain::Algorithm::kRsaOaep256}) {
    SCOPED_TRACE(domain::AlgorithmName(alg));
    const std::string plaintext = crypto::RandomBytes(32);
    COFFER_ASSERT_OK_AND_ASSIGN(
        auto encrypted,
        crypto::RunPublic(key.public_key, Request(domain::KeyOperation::kEncrypt, alg, plaintext)));
    COFFER_ASSERT_OK_AND_ASSIGN(
        auto decrypted,
        store_->RunKeyOperation(
            spec.type, key.wrapped,
            Request(domain::KeyOperation::kDecrypt, alg, std::string(encrypted.value.reveal()))));
    EXPECT_EQ(decrypted.value.reveal(), plaintext);
    std::string tampered(encrypted.value.reveal());
    tampered[100] ^= 1;
    EXPECT_THAT(store_->RunKeyOperation(spec.type, key.wrapped,
                                        Request(domain::KeyOperation::kDecrypt, alg, tampered)),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST_P(KeyStoreConformanceTest, OctKeyRoundTripsEveryMode) {
  using domain::Algorithm;
  for (int bits : {128, 192, 256}) {
    domain::KeySpec spec{domain::KeyType::kOct, bits, domain::Curve::kNone, ""};
    COFFER_ASSERT_OK_AND_ASSIGN(ProtectedKey key, store_->GenerateKey(spec));
    EXPECT_EQ(key.bits, bits);
    const int i = bits / 64 - 2;  // 0, 1, 2
    const Algorithm gcm[] = {Algorithm::kA128Gcm, Algorithm::kA192Gcm, Algorithm::kA256Gcm};
    const Algorithm cbc[] = {Algorithm::kA128Cbc, Algorithm::kA192Cbc, Algorithm::kA256Cbc};
    const Algorithm pad[] = {Algorithm::kA128CbcPad, Algorithm::kA192CbcPad,
                             Algorithm::kA256CbcPad};
    const Algorithm kw[] = {Algorithm::kA128Kw, Algorithm::kA192Kw, Algorithm::kA256Kw};
    struct Mode {
      Algorithm alg;
      std::string plaintext, iv;
      domain::KeyOperation seal, open;
    };
    for (const Mode& m :
         {Mode{gcm[i], "gcm plaintext", crypto::RandomBytes(12), domain::KeyOperation::kEncrypt,
               domain::KeyOperation::kDecrypt},
          Mode{cbc[i], std::string(32, 'c'), crypto::RandomBytes(16),
               domain::KeyOperation::kEncrypt, domain::KeyOperation::kDecrypt},
          Mode{pad[i], "padded plaintext!", crypto::RandomBytes(16),
               domain::KeyOperation::kEncrypt, domain::KeyOperation::kDecrypt},
          Mode{kw[i], crypto::RandomBytes(32), "", domain::KeyOperation::kWrapKey,
               domain::KeyOperation::kUnwrapKey}}) {
      SCOPED_TRACE(domain::AlgorithmName(m.alg));
      auto seal = Request(m.seal, m.alg, m.plaintext);
      seal.iv = m.iv;
      seal.aad = "aad";
      COFFER_ASSERT_OK_AND_ASSIGN(auto sealed,
                                  store_->RunKeyOperation(spec.type, key.wrapped, seal));
      EXPECT_NE(sealed.value.reveal(), m.plaintext);
      auto open = Request(m.open, m.alg, std::string(sealed.value.reveal()));
      if (m.alg == gcm[i]) {
        EXPECT_EQ(sealed.iv, m.iv);
      }
      open.iv = m.iv;
      open.aad = "aad";
      open.tag = sealed.tag;
      COFFER_ASSERT_OK_AND_ASSIGN(auto opened,
                                  store_->RunKeyOperation(spec.type, key.wrapped, open));
      EXPECT_EQ(opened.value.reveal(), m.plaintext);
      if (m.alg == gcm[i] || m.alg == kw[i]) {
        open.data.mutable_data()[0] ^= 1;  // authenticated modes notice
        EXPECT_THAT(store_->RunKeyOperation(spec.type, key.wrapped, open),
                    StatusIs(absl::StatusCode::kInvalidArgument));
      }
    }
  }
}

TEST_P(KeyStoreConformanceTest, ImportedKeyIsStoredOnlyWrappedAndSignsLikeOpenSsl) {
  // An RSA key whose every part is known, imported, must sign exactly as OpenSSL does with it
  // (PKCS#1 v1.5 is deterministic), while its blob holds none of its private parts.
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> pkey(EVP_RSA_gen(2048), EVP_PKEY_free);
  ASSERT_NE(pkey, nullptr);
  auto part = [&](const char* name) {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(pkey.get(), name, &bn);
    std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(bn);
    return out;
  };
  domain::PrivateKeyParts parts;
  parts.type = domain::KeyType::kRsa;
  parts.public_key.n = part(OSSL_PKEY_PARAM_RSA_N);
  parts.public_key.e = part(OSSL_PKEY_PARAM_RSA_E);
  parts.d = SecretBytes(part(OSSL_PKEY_PARAM_RSA_D));
  parts.p = SecretBytes(part(OSSL_PKEY_PARAM_RSA_FACTOR1));
  parts.q = SecretBytes(part(OSSL_PKEY_PARAM_RSA_FACTOR2));
  parts.dp = SecretBytes(part(OSSL_PKEY_PARAM_RSA_EXPONENT1));
  parts.dq = SecretBytes(part(OSSL_PKEY_PARAM_RSA_EXPONENT2));
  parts.qi = SecretBytes(part(OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
  COFFER_ASSERT_OK_AND_ASSIGN(ProtectedKey key, store_->ImportKey(parts));
  EXPECT_EQ(key.bits, 2048);
  for (const SecretBytes* secret : {&parts.d, &parts.p, &parts.q}) {
    EXPECT_EQ(key.wrapped.find(std::string(secret->reveal().substr(0, 16))), std::string::npos);
  }
  COFFER_ASSERT_OK_AND_ASSIGN(crypto::SoftwareKey software, crypto::SoftwareKeyFromParts(parts));
  auto sign = Request(domain::KeyOperation::kSign, domain::Algorithm::kRs256,
                      crypto::Sha256("message"));
  COFFER_ASSERT_OK_AND_ASSIGN(auto ours, store_->RunKeyOperation(parts.type, key.wrapped, sign));
  COFFER_ASSERT_OK_AND_ASSIGN(auto openssl, crypto::RunPrivate(software, sign));
  EXPECT_EQ(ours.value.reveal(), openssl.value.reveal());

  std::string corrupt = key.wrapped;
  corrupt[corrupt.size() / 2] ^= 1;
  EXPECT_THAT(store_->RunKeyOperation(parts.type, corrupt, sign),
              StatusIs(absl::StatusCode::kDataLoss));
  // Only the master key that wrapped the blob opens it.
  COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> other, backend_->OpenWithOtherKeys());
  EXPECT_THAT(other->RunKeyOperation(parts.type, key.wrapped, sign),
              StatusIs(absl::StatusCode::kDataLoss));
}

INSTANTIATE_TEST_SUITE_P(
    Backends, KeyStoreConformanceTest,
    ::testing::Values(BackendParam{"pkcs11", [] { return std::make_unique<SoftHsmBackend>(); }},
                      BackendParam{"software", [] { return std::make_unique<SoftwareBackend>(); }}),
    [](const ::testing::TestParamInfo<BackendParam>& info) { return info.param.kind; });

}  // namespace
}  // namespace coffer::keystore
