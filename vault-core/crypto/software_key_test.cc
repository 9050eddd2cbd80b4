#include "vault-core/crypto/software_key.h"

#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace coffer::crypto {
namespace {

using ::coffer::testing::IsOk;

// A key taken apart and put back together is the same key: what an HSM import relies on.
TEST(SoftwareKeyTest, PartsRebuildTheSameKey) {
  const domain::KeySpec specs[] = {{domain::KeyType::kRsa, 2048, domain::Curve::kNone, ""},
                                   {domain::KeyType::kEc, 0, domain::Curve::kP256, ""},
                                   {domain::KeyType::kEc, 0, domain::Curve::kP521, ""}};
  for (domain::KeySpec spec : specs) {
    ASSERT_THAT(domain::NormalizeKeySpec(spec), IsOk());
    auto key = GenerateSoftwareKey(spec);
    ASSERT_THAT(key, IsOk());
    auto parts = PartsOf(*key);
    ASSERT_THAT(parts, IsOk());
    auto rebuilt = SoftwareKeyFromParts(*parts);
    ASSERT_THAT(rebuilt, IsOk());
    EXPECT_EQ(rebuilt->material.reveal(), key->material.reveal());
  }
}

}  // namespace
}  // namespace coffer::crypto
