// PKCS#11-only behaviour, against a real SoftHSM2 token. The KeyStore contract itself is covered
// by keystore_conformance_test.cc.

#include "vault-core/keystore/pkcs11/pkcs11_keystore.h"

#include <openssl/evp.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/softhsm_token.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "vault-core/keystore/pkcs11/ck_rv.h"
#include "vault-core/keystore/pkcs11/key_objects.h"
#include "vault-core/keystore/pkcs11/module.h"
#include "vault-core/keystore/pkcs11/session.h"
#include "vault-core/keystore/pkcs11/session_pool.h"

namespace coffer::keystore {
namespace {

using ::coffer::testing::SoftHsmToken;
using ::coffer::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

MATCHER_P(IsOkAndHolds, inner, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status().ToString();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

class Pkcs11KeyStoreTest : public ::testing::Test {
 protected:
  Pkcs11Options Options() const {
    Pkcs11Options options;
    options.module_path = SoftHsmToken::kModulePath;
    options.token_label = token_.label();
    options.pin = SecretBytes(token_.pin());
    return options;
  }

  // A session of our own on the test token, beside (or without) any key store, through the same
  // module registry the key store uses.
  std::unique_ptr<Session> RawSession() {
    absl::StatusOr<std::shared_ptr<Pkcs11Module>> module =
        Pkcs11Module::Load(SoftHsmToken::kModulePath);
    EXPECT_THAT(module, testing::IsOk());
    if (!module.ok()) return nullptr;
    absl::StatusOr<TokenSlot> slot = FindToken(**module, token_.label());
    EXPECT_THAT(slot, testing::IsOk());
    if (!slot.ok()) return nullptr;
    absl::StatusOr<std::unique_ptr<Session>> session = Session::Open(*module, slot->slot);
    EXPECT_THAT(session, testing::IsOk());
    if (!session.ok()) return nullptr;
    EXPECT_THAT((*session)->Login(SecretBytes(token_.pin()), token_.label()), testing::IsOk());
    return std::move(session).value();
  }

  SoftHsmToken token_;
};

TEST_F(Pkcs11KeyStoreTest, WrongPinIsPermissionDeniedAndCreatesNothing) {
  Pkcs11Options options = Options();
  options.pin = SecretBytes("0000");
  EXPECT_THAT(Pkcs11KeyStore::Create(options),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "HSM login failed for token 'coffer-test': wrong PIN (CKR_PIN_INCORRECT)"));
  std::unique_ptr<Session> session = RawSession();
  ASSERT_NE(session, nullptr);
  EXPECT_THAT(session->Find({}), IsOkAndHolds(IsEmpty()));
}

TEST_F(Pkcs11KeyStoreTest, MissingModuleIsFailedPrecondition) {
  Pkcs11Options options = Options();
  options.module_path = "/nonexistent/libnohsm.so";
  EXPECT_THAT(Pkcs11KeyStore::Create(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("'/nonexistent/libnohsm.so'"),
                             HasSubstr("No such file or directory"))));
}

TEST_F(Pkcs11KeyStoreTest, LibraryThatIsNotAModuleIsFailedPrecondition) {
  Pkcs11Options options = Options();
  options.module_path = "libz.so.1";
  EXPECT_THAT(Pkcs11KeyStore::Create(options),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no C_GetFunctionList")));
}

TEST_F(Pkcs11KeyStoreTest, UnknownTokenLabelIsNotFoundAndListsTokens) {
  Pkcs11Options options = Options();
  options.token_label = "no-such-token";
  EXPECT_THAT(Pkcs11KeyStore::Create(options),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("no PKCS#11 token labelled 'no-such-token'"),
                             HasSubstr("tokens present: 'coffer-test'"))));
}

TEST_F(Pkcs11KeyStoreTest, EmptyPinIsInvalidArgument) {
  Pkcs11Options options = Options();
  options.pin = SecretBytes();
  EXPECT_THAT(Pkcs11KeyStore::Create(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

// Sensitive, and extractable only under a key the token's security officer trusts (the key
// ceremony's, key_ceremony_test.cc): never under one the vault's user PIN can make.
TEST_F(Pkcs11KeyStoreTest, KeysAreSensitiveAndLeaveOnlyUnderTrustedKeys) {
  COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> store, Pkcs11KeyStore::Create(Options()));
  std::unique_ptr<Session> session = RawSession();
  ASSERT_NE(session, nullptr);
  KeyHandles keys("coffer-master-v1", "coffer-token-signing-v1");
  COFFER_ASSERT_OK(keys.Refresh(*session));

  for (CK_OBJECT_HANDLE key : {keys.master(), keys.signing()}) {
    EXPECT_THAT(session->GetAttribute(key, CKA_WRAP_WITH_TRUSTED), IsOkAndHolds(std::string(1, 1)));
    EXPECT_THAT(session->GetAttribute(key, CKA_SENSITIVE), IsOkAndHolds(std::string(1, 1)));
    EXPECT_THAT(session->GetAttribute(key, CKA_TOKEN), IsOkAndHolds(std::string(1, 1)));
    EXPECT_THAT(session->GetAttribute(key, CKA_PRIVATE), IsOkAndHolds(std::string(1, 1)));
    EXPECT_THAT(
        session->GetSecretAttribute(key, CKA_VALUE),
        StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("CKR_ATTRIBUTE_SENSITIVE")));
    // Once set, the HSM keeps it set.
    CK_ATTRIBUTE loosen = Attr(CKA_WRAP_WITH_TRUSTED, kFalse);
    EXPECT_NE(session->fns()->C_SetAttributeValue(session->handle(), key, &loosen, 1), CKR_OK);
  }
  EXPECT_THAT(session->GetAttribute(keys.master(), CKA_ENCRYPT), IsOkAndHolds(std::string(1, 0)));
  EXPECT_THAT(session->GetAttribute(keys.master(), CKA_DECRYPT), IsOkAndHolds(std::string(1, 0)));

  // Try to export the master key under itself: the HSM must refuse.
  CK_MECHANISM mechanism = {CKM_AES_KEY_WRAP_PAD, nullptr, 0};
  CK_ULONG size = 0;
  CK_RV rv = session->fns()->C_WrapKey(session->handle(), &mechanism, keys.master(), keys.master(),
                                       nullptr, &size);
  EXPECT_EQ(rv, static_cast<CK_RV>(CKR_KEY_NOT_WRAPPABLE)) << CkrName(rv);
}

TEST_F(Pkcs11KeyStoreTest, RestartsNeverCreateSecondKeys) {
  for (int i = 0; i < 3; ++i) {
    COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> store, Pkcs11KeyStore::Create(Options()));
  }
  std::unique_ptr<Session> session = RawSession();
  ASSERT_NE(session, nullptr);
  // The master key, and the signing key's two halves.
  EXPECT_THAT(session->Find({}), IsOkAndHolds(SizeIs(3)));
}

TEST_F(Pkcs11KeyStoreTest, MasterKeyIdIsTheKeysFingerprintAndOldIdFormsAreAccepted) {
  COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> store, Pkcs11KeyStore::Create(Options()));
  EXPECT_THAT(store->master_key_id(), ::testing::MatchesRegex("kcv:[0-9a-f]{16}"));
  EXPECT_TRUE(store->AcceptsMasterKeyId(store->master_key_id()));
  // What data keys recorded before, naming this or any other token: the unwrap decides.
  EXPECT_TRUE(
      store->AcceptsMasterKeyId("pkcs11:token=coffer-test;serial=1;object=coffer-master-v1"));
  EXPECT_TRUE(store->AcceptsMasterKeyId("pkcs11:token=other;serial=2;object=coffer-master-v1"));
  EXPECT_FALSE(store->AcceptsMasterKeyId("kcv:0000000000000000"));
  EXPECT_FALSE(store->AcceptsMasterKeyId("software:/tmp/master.key"));
}

TEST_F(Pkcs11KeyStoreTest, OneSessionServesFourThreadsInTurn) {
  Pkcs11Options options = Options();
  options.session_pool_size = 1;
  COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> store, Pkcs11KeyStore::Create(options));
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, &failures, t] {
      for (int i = 0; i < 20; ++i) {
        if (!store->SignEs256("data").ok() || !store->NewDataKey().ok()) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ::testing::Each(0));
}

// A caller that gives a session back and asks again at once takes its turn behind whoever was
// already waiting (a mutex alone would let it take the session straight back, again and again).
TEST_F(Pkcs11KeyStoreTest, SessionsGoToCallersInTheOrderTheyAsked) {
  SessionPool pool([]() -> absl::StatusOr<std::unique_ptr<Session>> {
    return absl::UnavailableError("this pool has one session");
  }, 1, RawSession());
  absl::Mutex mu;
  std::vector<std::string> order;
  auto took = [&](const char* who) {
    absl::MutexLock lock(&mu);
    order.push_back(who);
  };
  auto held = std::make_unique<absl::StatusOr<SessionPool::Lease>>(pool.Acquire());
  ASSERT_THAT(*held, testing::IsOk());
  std::thread waiter([&] {
    absl::StatusOr<SessionPool::Lease> lease = pool.Acquire();
    EXPECT_THAT(lease, testing::IsOk());
    took("waiter");
  });
  ASSERT_TRUE(testing::PollUntil([&] { return pool.Waiting() == 1; }));
  held.reset();
  {
    absl::StatusOr<SessionPool::Lease> again = pool.Acquire();
    EXPECT_THAT(again, testing::IsOk());
    took("first holder, again");
  }
  waiter.join();
  EXPECT_THAT(order, ::testing::ElementsAre("waiter", "first holder, again"));
  EXPECT_EQ(pool.Waiting(), 0u);
}

// Stores come and go on several threads: each Create either shares the live module or waits for
// the last user's C_Finalize before initialising it again.
TEST_F(Pkcs11KeyStoreTest, StoresCreatedAndDestroyedConcurrentlyAllWork) {
  std::vector<int> failures(2, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([this, &failures, t] {
      for (int i = 0; i < 10; ++i) {
        absl::StatusOr<std::unique_ptr<KeyStore>> store = Pkcs11KeyStore::Create(Options());
        if (!store.ok() || !(*store)->SignEs256("data").ok()) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ::testing::Each(0));
}

// Sessions lost underneath the store (an HSM restart, a network HSM's reconnect) cost one failed
// call per pooled session; then the pool reopens, logs in again and finds the keys' new handles.
TEST_F(Pkcs11KeyStoreTest, RecoversAfterItsSessionsAreClosed) {
  Pkcs11Options options = Options();
  options.session_pool_size = 1;
  COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> store, Pkcs11KeyStore::Create(options));
  COFFER_ASSERT_OK_AND_ASSIGN(DataKey key, store->NewDataKey());
  {
    std::unique_ptr<Session> session = RawSession();
    ASSERT_NE(session, nullptr);
    CK_SESSION_INFO info = {};
    ASSERT_EQ(session->fns()->C_GetSessionInfo(session->handle(), &info), CKR_OK);
    ASSERT_EQ(session->fns()->C_CloseAllSessions(info.slotID), CKR_OK);
  }
  EXPECT_THAT(store->SignEs256("data"), StatusIs(absl::StatusCode::kUnavailable));
  COFFER_EXPECT_OK(store->CheckHealth());
  COFFER_EXPECT_OK(store->SignEs256("data"));
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes unwrapped, store->UnwrapDataKey(key.wrapped));
  EXPECT_TRUE(unwrapped.Equals(key.key));
}

// The software store's blobs are meant to be the same format as the HSM's: check that SoftHSM's
// CKM_AES_KEY_WRAP_PAD is byte-for-byte OpenSSL's RFC 5649 wrap under a known key.
TEST_F(Pkcs11KeyStoreTest, HsmKeyWrapPadIsOpenSslRfc5649) {
  std::unique_ptr<Session> session = RawSession();
  ASSERT_NE(session, nullptr);
  const std::string kek(32, '\x11');
  const std::string data_key(32, '\x22');
  CK_OBJECT_CLASS object_class = CKO_SECRET_KEY;
  CK_KEY_TYPE key_type = CKK_AES;
  CK_OBJECT_HANDLE kek_handle = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE key_handle = CK_INVALID_HANDLE;
  std::vector<CK_ATTRIBUTE> kek_tmpl = {Attr(CKA_CLASS, object_class), Attr(CKA_KEY_TYPE, key_type),
                                        Attr(CKA_TOKEN, kFalse), Attr(CKA_WRAP, kTrue),
                                        Attr(CKA_VALUE, kek)};
  std::vector<CK_ATTRIBUTE> key_tmpl = {Attr(CKA_CLASS, object_class), Attr(CKA_KEY_TYPE, key_type),
                                        Attr(CKA_TOKEN, kFalse), Attr(CKA_EXTRACTABLE, kTrue),
                                        Attr(CKA_VALUE, data_key)};
  ASSERT_EQ(session->fns()->C_CreateObject(session->handle(), kek_tmpl.data(), kek_tmpl.size(),
                                           &kek_handle),
            CKR_OK);
  ScopedObject scoped_kek(*session, kek_handle);
  ASSERT_EQ(session->fns()->C_CreateObject(session->handle(), key_tmpl.data(), key_tmpl.size(),
                                           &key_handle),
            CKR_OK);
  ScopedObject scoped_key(*session, key_handle);
  CK_MECHANISM mechanism = {CKM_AES_KEY_WRAP_PAD, nullptr, 0};
  unsigned char hsm_out[64];
  CK_ULONG hsm_len = sizeof(hsm_out);
  ASSERT_EQ(session->fns()->C_WrapKey(session->handle(), &mechanism, kek_handle, key_handle,
                                      hsm_out, &hsm_len),
            CKR_OK);

  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  unsigned char ossl_out[64];
  int ossl_len = 0;
  EVP_EncryptInit_ex(ctx, EVP_aes_256_wrap_pad(), nullptr,
                     reinterpret_cast<const unsigned char*>(kek.data()), nullptr);
  EVP_EncryptUpdate(ctx, ossl_out, &ossl_len,
                    reinterpret_cast<const unsigned char*>(data_key.data()), data_key.size());
  EVP_CIPHER_CTX_free(ctx);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(hsm_out), hsm_len),
            std::string(reinterpret_cast<char*>(ossl_out), ossl_len));
}

}  // namespace
}  // namespace coffer::keystore
