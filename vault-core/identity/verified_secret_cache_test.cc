#include "vault-core/identity/verified_secret_cache.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "vault-core/identity/client_secret.h"

namespace coffer::identity {
namespace {

using ::testing::Optional;

double MillisecondsOf(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

class VerifiedSecretCacheTest : public ::testing::Test {
 protected:
  const SecretBytes secret_ = NewClientSecret();
  const std::string hash_ = HashClientSecret(secret_);
  FakeClock clock_;
  VerifiedSecretCache cache_{clock_, absl::Minutes(10)};
};

TEST_F(VerifiedSecretCacheTest, RightSecretMatchesAndWrongOneDoesNot) {
  EXPECT_TRUE(cache_.Verify("client-1", secret_, hash_));
  EXPECT_TRUE(cache_.Verify("client-1", secret_, hash_));
  EXPECT_FALSE(cache_.Verify("client-1", NewClientSecret(), hash_));
  EXPECT_EQ(cache_.size(), 1u);
}

TEST_F(VerifiedSecretCacheTest, RepeatedMatchSkipsTheSlowHash) {
  const double miss_ms =
      MillisecondsOf([&] { EXPECT_TRUE(cache_.Verify("client-1", secret_, hash_)); });
  std::vector<double> hits_ms;
  for (int i = 0; i < 21; ++i) {
    hits_ms.push_back(
        MillisecondsOf([&] { EXPECT_TRUE(cache_.Verify("client-1", secret_, hash_)); }));
  }
  std::nth_element(hits_ms.begin(), hits_ms.begin() + 10, hits_ms.end());
  // A miss runs scrypt (tens of milliseconds); a hit is a SHA-256 and a map lookup. The median
  // keeps a descheduled run on a busy machine from deciding the outcome.
  EXPECT_LT(hits_ms[10], miss_ms / 10) << "miss " << miss_ms << " ms";
}

TEST_F(VerifiedSecretCacheTest, CachedMatchEndsWhenTheStoredHashChanges) {
  ASSERT_TRUE(cache_.Verify("client-1", secret_, hash_));
  // The secret was rotated: the same value hashed afresh no longer counts as the cached match,
  // and a different stored secret does not match at all.
  const SecretBytes rotated = NewClientSecret();
  EXPECT_FALSE(cache_.Verify("client-1", secret_, HashClientSecret(rotated)));
  EXPECT_FALSE(cache_.Verify("client-1", secret_, "scrypt$garbage"));
}

TEST_F(VerifiedSecretCacheTest, MatchReportsWhichCandidateMatched) {
  const SecretBytes other = NewClientSecret();
  const std::vector<std::string> candidates = {HashClientSecret(other), hash_};
  EXPECT_THAT(cache_.Match("client-1", secret_, candidates), Optional(1u));
  EXPECT_THAT(cache_.Match("client-1", secret_, candidates), Optional(1u));
  EXPECT_THAT(cache_.Match("client-1", other, candidates), Optional(0u));
  // Its secret deleted, the client is refused even though it matched a moment ago.
  EXPECT_EQ(cache_.Match("client-1", secret_, {candidates[0]}), std::nullopt);
}

TEST_F(VerifiedSecretCacheTest, MatchIsPerClient) {
  ASSERT_TRUE(cache_.Verify("client-1", secret_, hash_));
  EXPECT_FALSE(cache_.Verify("client-2", secret_, "scrypt$x"));
}

TEST_F(VerifiedSecretCacheTest, EntryLapsesAfterTheTtl) {
  ASSERT_TRUE(cache_.Verify("client-1", secret_, hash_));
  clock_.Advance(absl::Minutes(11));
  EXPECT_FALSE(cache_.Verify("client-1", secret_, "scrypt$x"));
  EXPECT_EQ(cache_.size(), 0u);
  EXPECT_TRUE(cache_.Verify("client-1", secret_, hash_));
}

TEST_F(VerifiedSecretCacheTest, StaysWithinItsCapacity) {
  VerifiedSecretCache small(clock_, absl::Minutes(10), /*capacity=*/2);
  for (const char* client : {"a", "b", "c"}) EXPECT_TRUE(small.Verify(client, secret_, hash_));
  EXPECT_EQ(small.size(), 2u);
}

}  // namespace
}  // namespace coffer::identity
