#include "vault-core/crypto/record_sealer.h"

#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "vault-core/crypto/random.h"

namespace coffer::crypto {
namespace {

using ::coffer::testing::StatusIs;

const RecordAddress kAddress{"vault-1", "secrets/db", "0123456789abcdef0123456789abcdef"};

TEST(RecordSealerTest, OpensWhatItSealedAndHidesThePlaintext) {
  RecordSealer sealer("dk1", RandomSecret(32));
  COFFER_ASSERT_OK_AND_ASSIGN(std::string sealed, sealer.Seal(kAddress, "p@ssw0rd-value"));
  EXPECT_EQ(sealed.find("p@ssw0rd-value"), std::string::npos);
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes opened, sealer.Open(kAddress, sealed));
  EXPECT_EQ(opened.reveal(), "p@ssw0rd-value");
}

TEST(RecordSealerTest, SealingTwiceGivesDifferentBytes) {
  RecordSealer sealer("dk1", RandomSecret(32));
  EXPECT_NE(*sealer.Seal(kAddress, "same"), *sealer.Seal(kAddress, "same"));
}

TEST(RecordSealerTest, RecordMovedToAnotherAddressDoesNotOpen) {
  RecordSealer sealer("dk1", RandomSecret(32));
  COFFER_ASSERT_OK_AND_ASSIGN(std::string sealed, sealer.Seal(kAddress, "value"));
  for (RecordAddress moved : {RecordAddress{"vault-2", kAddress.object, kAddress.version},
                              RecordAddress{kAddress.vault, "secrets/other", kAddress.version},
                              RecordAddress{kAddress.vault, kAddress.object, "ff"}}) {
    EXPECT_THAT(sealer.Open(moved, sealed), StatusIs(absl::StatusCode::kDataLoss));
  }
}

TEST(RecordSealerTest, AnotherVaultsKeyCannotOpen) {
  RecordSealer mine("dk1", RandomSecret(32));
  RecordSealer same_id_other_key("dk1", RandomSecret(32));
  RecordSealer other("dk2", RandomSecret(32));
  COFFER_ASSERT_OK_AND_ASSIGN(std::string sealed, mine.Seal(kAddress, "value"));
  EXPECT_THAT(same_id_other_key.Open(kAddress, sealed), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(other.Open(kAddress, sealed),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr("dk1")));
}

TEST(RecordSealerTest, FlippedBitOrGarbageIsDataLoss) {
  RecordSealer sealer("dk1", RandomSecret(32));
  COFFER_ASSERT_OK_AND_ASSIGN(std::string sealed, sealer.Seal(kAddress, "value"));
  std::string flipped = sealed;
  flipped[flipped.size() - 3] ^= 0x04;
  EXPECT_THAT(sealer.Open(kAddress, flipped), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(sealer.Open(kAddress, "\xff\xff\xff garbage"), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace coffer::crypto
