#include "vault-core/identity/assertion_replay_cache.h"

#include <string>

#include "gtest/gtest.h"
#include "vault-core/crypto/digest.h"

namespace coffer::identity {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

class AssertionReplayCacheTest : public ::testing::Test {
 protected:
  const std::string first_ = crypto::Sha256("first assertion");
  const std::string second_ = crypto::Sha256("second assertion");
  AssertionReplayCache cache_{4};
};

TEST_F(AssertionReplayCacheTest, TheSameAssertionIsAdmittedAgain) {
  // MSAL sends one assertion for ten minutes: a second scope or a retry must still log in.
  EXPECT_FALSE(cache_.Conflicts("client-1", "jti-1", first_));
  cache_.Remember("client-1", "jti-1", first_, kNow + absl::Minutes(15), kNow);
  EXPECT_FALSE(cache_.Conflicts("client-1", "jti-1", first_));
  cache_.Remember("client-1", "jti-1", first_, kNow + absl::Minutes(15), kNow + absl::Minutes(1));
  EXPECT_FALSE(cache_.Conflicts("client-1", "jti-1", first_));
  EXPECT_EQ(cache_.size(), 1u);
}

TEST_F(AssertionReplayCacheTest, AnotherAssertionWithAnAcceptedJtiConflicts) {
  cache_.Remember("client-1", "jti-1", first_, kNow + absl::Minutes(15), kNow);
  EXPECT_TRUE(cache_.Conflicts("client-1", "jti-1", second_));
  EXPECT_FALSE(cache_.Conflicts("client-1", "jti-2", second_));
  // Remembering it anyway (two requests that raced) does not displace the first.
  cache_.Remember("client-1", "jti-1", second_, kNow + absl::Minutes(15), kNow);
  EXPECT_FALSE(cache_.Conflicts("client-1", "jti-1", first_));
  EXPECT_TRUE(cache_.Conflicts("client-1", "jti-1", second_));
}

TEST_F(AssertionReplayCacheTest, JtisOfOtherClientsDoNotConflict) {
  cache_.Remember("client-1", "jti-1", first_, kNow + absl::Minutes(15), kNow);
  EXPECT_FALSE(cache_.Conflicts("client-2", "jti-1", second_));
  // Client id and jti are length-delimited, not concatenated.
  cache_.Remember("ab", "c", first_, kNow + absl::Minutes(15), kNow);
  EXPECT_FALSE(cache_.Conflicts("a", "bc", second_));
  EXPECT_TRUE(cache_.Conflicts("ab", "c", second_));
}

TEST_F(AssertionReplayCacheTest, WhenFullTheEntryForgottenFirstMakesRoom) {
  cache_.Remember("client-1", "late", first_, kNow + absl::Minutes(40), kNow);
  cache_.Remember("client-1", "soonest", first_, kNow + absl::Minutes(10), kNow);
  cache_.Remember("client-1", "later", first_, kNow + absl::Minutes(30), kNow);
  cache_.Remember("client-1", "soon", first_, kNow + absl::Minutes(20), kNow);
  ASSERT_EQ(cache_.size(), 4u);
  cache_.Remember("client-1", "new", first_, kNow + absl::Minutes(15), kNow);
  EXPECT_EQ(cache_.size(), 4u);
  EXPECT_FALSE(cache_.Conflicts("client-1", "soonest", second_));
  for (const char* jti : {"soon", "later", "late", "new"}) {
    EXPECT_TRUE(cache_.Conflicts("client-1", jti, second_)) << jti;
  }
}

TEST_F(AssertionReplayCacheTest, ExpiredEntriesStopConflicting) {
  cache_.Remember("client-1", "jti-1", first_, kNow + absl::Minutes(10), kNow);
  cache_.Remember("client-1", "jti-2", first_, kNow + absl::Minutes(30), kNow);
  // Any later login moves time on for the whole cache.
  cache_.Remember("client-2", "jti-9", first_, kNow + absl::Minutes(40), kNow + absl::Minutes(10));
  EXPECT_FALSE(cache_.Conflicts("client-1", "jti-1", second_));
  EXPECT_TRUE(cache_.Conflicts("client-1", "jti-2", second_));
  EXPECT_EQ(cache_.size(), 2u);
  // The forgotten jti is free for a new assertion, which is then the one remembered.
  cache_.Remember("client-1", "jti-1", second_, kNow + absl::Minutes(25), kNow + absl::Minutes(11));
  EXPECT_TRUE(cache_.Conflicts("client-1", "jti-1", first_));
  EXPECT_FALSE(cache_.Conflicts("client-1", "jti-1", second_));
}

TEST_F(AssertionReplayCacheTest, AlreadyExpiredAssertionsAndZeroCapacityKeepNothing) {
  cache_.Remember("client-1", "jti-1", first_, kNow, kNow);
  EXPECT_EQ(cache_.size(), 0u);
  AssertionReplayCache none(0);
  none.Remember("client-1", "jti-1", first_, kNow + absl::Minutes(10), kNow);
  EXPECT_FALSE(none.Conflicts("client-1", "jti-1", second_));
}

}  // namespace
}  // namespace coffer::identity
