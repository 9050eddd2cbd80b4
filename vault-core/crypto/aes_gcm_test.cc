#include "vault-core/crypto/aes_gcm.h"

#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "vault-core/crypto/random.h"

namespace coffer::crypto {
namespace {

using ::coffer::testing::StatusIs;

std::string Unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

TEST(AesGcmTest, MatchesKnownAnswer) {
  // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 14 (AES-256, zero key):
  // the standard's bytes, not merely something that round-trips.
  SecretBytes key(std::string(32, '\0'));
  std::string nonce(12, '\0');
  std::string plaintext(16, '\0');
  COFFER_ASSERT_OK_AND_ASSIGN(std::string sealed, AesGcmSeal(key, nonce, plaintext, ""));
  EXPECT_EQ(sealed, Unhex("cea7403d4d606b6e074ec5d3baf39d18"
                          "d0d1c8a799996bf0265b98b5d48ab919"));
}

TEST(AesGcmTest, RoundTripsWithAssociatedData) {
  SecretBytes key = RandomSecret(32);
  std::string nonce = RandomBytes(12);
  COFFER_ASSERT_OK_AND_ASSIGN(std::string sealed, AesGcmSeal(key, nonce, "hello", "ctx"));
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes opened, AesGcmOpen(key, nonce, sealed, "ctx"));
  EXPECT_EQ(opened.reveal(), "hello");
}

TEST(AesGcmTest, AnyChangeFailsTheIntegrityCheck) {
  SecretBytes key = RandomSecret(32);
  std::string nonce = RandomBytes(12);
  COFFER_ASSERT_OK_AND_ASSIGN(std::string sealed, AesGcmSeal(key, nonce, "hello", "ctx"));
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    std::string flipped = sealed;
    flipped[i] ^= 0x01;
    EXPECT_THAT(AesGcmOpen(key, nonce, flipped, "ctx"), StatusIs(absl::StatusCode::kDataLoss))
        << "bit flip at byte " << i;
  }
  EXPECT_THAT(AesGcmOpen(key, nonce, sealed, "other"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(AesGcmOpen(RandomSecret(32), nonce, sealed, "ctx"),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(AesGcmOpen(key, nonce, sealed.substr(0, 10), "ctx"),
              StatusIs(absl::StatusCode::kDataLoss));
}

// Contexts are reused per thread for the last key: switching keys, failed opens and repeated
// nonces-with-other-data must all behave as if every call started afresh.
TEST(AesGcmTest, ReusedContextsCarryNothingFromOneCallToTheNext) {
  SecretBytes a(std::string(32, 'a'));
  SecretBytes b(std::string(32, 'b'));
  std::string nonce1(12, '1');
  std::string nonce2(12, '2');
  COFFER_ASSERT_OK_AND_ASSIGN(std::string a1, AesGcmSeal(a, nonce1, "first", "ad"));
  COFFER_ASSERT_OK_AND_ASSIGN(std::string b1, AesGcmSeal(b, nonce1, "first", "ad"));
  COFFER_ASSERT_OK_AND_ASSIGN(std::string a2, AesGcmSeal(a, nonce2, "second", ""));
  EXPECT_NE(a1, b1);
  // The same key, nonce and input seal to the same bytes however many calls came between,
  // and after the cached contexts were dropped.
  ForgetCachedAesKeys();
  COFFER_ASSERT_OK_AND_ASSIGN(std::string a1_again, AesGcmSeal(a, nonce1, "first", "ad"));
  EXPECT_EQ(a1, a1_again);
  EXPECT_THAT(AesGcmOpen(b, nonce1, a1, "ad"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(AesGcmOpen(a, nonce2, a1, "ad"), StatusIs(absl::StatusCode::kDataLoss));
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes first, AesGcmOpen(a, nonce1, a1, "ad"));
  EXPECT_EQ(first.reveal(), "first");
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes other, AesGcmOpen(b, nonce1, b1, "ad"));
  EXPECT_EQ(other.reveal(), "first");
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes second, AesGcmOpen(a, nonce2, a2, ""));
  EXPECT_EQ(second.reveal(), "second");
}

TEST(AesGcmTest, RejectsWrongKeyAndNonceSizes) {
  EXPECT_THAT(AesGcmSeal(RandomSecret(16), RandomBytes(12), "x", ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(AesGcmSeal(RandomSecret(32), RandomBytes(8), "x", ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::crypto
