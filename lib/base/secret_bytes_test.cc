#include "lib/base/secret_bytes.h"

#include <sstream>

#include "gtest/gtest.h"

namespace coffer {
namespace {

TEST(SecretBytesTest, PrintsRedacted) {
  SecretBytes secret("hunter2");
  std::ostringstream out;
  out << secret;
  EXPECT_EQ(out.str(), "[redacted]");
  EXPECT_EQ(secret.reveal(), "hunter2");
}

TEST(SecretBytesTest, EqualsComparesContentAndLength) {
  EXPECT_TRUE(SecretBytes("abc").Equals(SecretBytes("abc")));
  EXPECT_FALSE(SecretBytes("abc").Equals(SecretBytes("abd")));
  EXPECT_FALSE(SecretBytes("abc").Equals(SecretBytes("abcd")));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace coffer
