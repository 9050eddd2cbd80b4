#include "vault-core/keystore/pkcs11/ck_rv.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace coffer::keystore {
namespace {

using ::coffer::testing::StatusIs;

TEST(CkrNameTest, NamesKnownCodesAndShowsOthersInHex) {
  EXPECT_EQ(CkrName(CKR_PIN_INCORRECT), "CKR_PIN_INCORRECT");
  EXPECT_EQ(CkrName(CKR_OK), "CKR_OK");
  EXPECT_EQ(CkrName(0x8000abcdUL), "CKR_0x8000abcd");
}

TEST(CkrToStatusTest, CodeSaysWhatTheCallerShouldDo) {
  COFFER_EXPECT_OK(CkrToStatus(CKR_OK, "C_Sign"));
  EXPECT_THAT(CkrToStatus(CKR_DEVICE_REMOVED, "C_Sign"),
              StatusIs(absl::StatusCode::kUnavailable, "C_Sign: CKR_DEVICE_REMOVED"));
  EXPECT_THAT(CkrToStatus(CKR_SESSION_HANDLE_INVALID, "C_Sign"),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(CkrToStatus(CKR_WRAPPED_KEY_INVALID, "C_UnwrapKey"),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(CkrToStatus(CKR_PIN_LOCKED, "C_Login"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(CkrToStatus(CKR_MECHANISM_INVALID, "C_SignInit"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(CkrToStatus(0x8000abcdUL, "C_Sign"),
              StatusIs(absl::StatusCode::kInternal, "C_Sign: CKR_0x8000abcd"));
}

}  // namespace
}  // namespace coffer::keystore
