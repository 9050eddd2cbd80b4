#include "vault-core/identity/client_secret.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"

namespace coffer::identity {
namespace {

using ::testing::MatchesRegex;
using ::testing::StartsWith;

TEST(ClientSecretTest, HashVerifiesItsSecretOnly) {
  const SecretBytes secret("a-client-secret");
  const std::string encoded = HashClientSecret(secret);
  EXPECT_TRUE(VerifyClientSecret(secret, encoded));
  EXPECT_FALSE(VerifyClientSecret(SecretBytes("a-client-secreT"), encoded));
  EXPECT_FALSE(VerifyClientSecret(SecretBytes(""), encoded));
}

TEST(ClientSecretTest, EncodingNamesScryptAndItsParameters) {
  const std::string encoded = HashClientSecret(SecretBytes("s"));
  EXPECT_THAT(encoded, StartsWith("scrypt$ln=14,r=8,p=1$"));
  // 16-byte salt and 32-byte hash, base64url without padding.
  EXPECT_THAT(encoded,
              MatchesRegex(R"(scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43})"));
  EXPECT_EQ(encoded.find("s$"), std::string::npos);
}

TEST(ClientSecretTest, TwoHashesOfOneSecretDiffer) {
  const SecretBytes secret("same secret");
  const std::string a = HashClientSecret(secret);
  const std::string b = HashClientSecret(secret);
  EXPECT_NE(a, b);
  EXPECT_TRUE(VerifyClientSecret(secret, a));
  EXPECT_TRUE(VerifyClientSecret(secret, b));
}

TEST(ClientSecretTest, MalformedEncodingIsFalse) {
  const SecretBytes secret("s");
  const std::string good = HashClientSecret(secret);
  const std::string tail = good.substr(good.find("$", 7));  // "$salt$hash"
  for (const std::string& bad : {
           std::string(),
           std::string("scrypt"),
           std::string("plain$s"),
           "bcrypt$ln=14,r=8,p=1" + tail,
           "scrypt$ln=14,r=8" + tail,
           "scrypt$r=8,ln=14,p=1" + tail,
           "scrypt$ln=x,r=8,p=1" + tail,
           "scrypt$ln=-1,r=8,p=1" + tail,
           "scrypt$ln=99,r=8,p=1" + tail,                // 2^99: refused, not attempted
           "scrypt$ln=20,r=32,p=1" + tail,               // 4 GiB: refused, not attempted
           std::string("scrypt$ln=14,r=8,p=1$!!$AAAA"),  // salt not base64url
           "scrypt$ln=14,r=8,p=1$$" + good.substr(good.rfind('$') + 1),  // empty salt
           good.substr(0, good.rfind('$') + 1),                          // empty hash
           good + "$",
           good.substr(0, good.size() - 1) + "!",
       }) {
    EXPECT_FALSE(VerifyClientSecret(secret, bad)) << bad;
  }
}

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// RFC 7914, section 12. Also shows that hashes made with other parameters (an older or cheaper
// setting) keep verifying, since the encoding carries them.
TEST(ClientSecretTest, VerifiesRfc7914Vectors) {
  const std::string nacl =
      "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
      "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640";
  const std::string sodium =
      "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
      "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887";
  const std::string encoded_nacl =
      "scrypt$ln=10,r=8,p=16$" + Base64UrlEncode("NaCl") + "$" + Base64UrlEncode(FromHex(nacl));
  const std::string encoded_sodium = "scrypt$ln=14,r=8,p=1$" + Base64UrlEncode("SodiumChloride") +
                                     "$" + Base64UrlEncode(FromHex(sodium));
  EXPECT_TRUE(VerifyClientSecret(SecretBytes("password"), encoded_nacl));
  EXPECT_FALSE(VerifyClientSecret(SecretBytes("Password"), encoded_nacl));
  EXPECT_TRUE(VerifyClientSecret(SecretBytes("pleaseletmein"), encoded_sodium));
}

TEST(ClientSecretTest, NewSecretIsFortyCharactersOfTheEntraAlphabet) {
  std::set<std::string> seen;
  std::set<char> characters;
  for (int i = 0; i < 200; ++i) {
    const SecretBytes secret = NewClientSecret();
    const std::string text(secret.reveal());
    ASSERT_THAT(text, MatchesRegex("[A-Za-z0-9~._-]{40}"));
    seen.insert(text);
    characters.insert(text.begin(), text.end());
  }
  EXPECT_EQ(seen.size(), 200u);
  // 8000 draws from 66 characters: every one of them shows up.
  EXPECT_EQ(characters.size(), 66u);
}

}  // namespace
}  // namespace coffer::identity
