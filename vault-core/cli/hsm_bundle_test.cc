#include "vault-core/cli/hsm_bundle.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "nlohmann/json.hpp"

namespace coffer::cli {
namespace {

using ::coffer::testing::StatusIs;
using nlohmann::json;
using ::testing::HasSubstr;

keystore::KeyBundle SampleBundle() {
  keystore::KeyBundle bundle;
  bundle.transport_key_id = "sha256:" + std::string(64, 'a');
  bundle.ceremony_key_wrap = "RSA-OAEP";
  bundle.wrapped_ceremony_key = std::string(384, '\x11');
  bundle.master_key_id = "kcv:0123456789abcdef";
  bundle.wrapped_master_key = std::string(40, '\x22');
  bundle.signing_public_key = "\x04" + std::string(64, '\x33');
  bundle.wrapped_signing_key = std::string(80, '\x44');
  return bundle;
}

TEST(HsmBundleTest, RoundTripKeepsEveryFieldAndNamesTheSigningKeyByItsKid) {
  const keystore::KeyBundle bundle = SampleBundle();
  const std::string text = KeyBundleJson(bundle);
  json doc = json::parse(text);
  EXPECT_EQ(doc["signingKey"]["kid"], SigningKeyId(bundle.signing_public_key));
  EXPECT_EQ(doc["masterKey"]["id"], "kcv:0123456789abcdef");
  COFFER_ASSERT_OK_AND_ASSIGN(keystore::KeyBundle parsed, ParseKeyBundleJson(text));
  EXPECT_EQ(parsed.transport_key_id, bundle.transport_key_id);
  EXPECT_EQ(parsed.ceremony_key_wrap, bundle.ceremony_key_wrap);
  EXPECT_EQ(parsed.wrapped_ceremony_key, bundle.wrapped_ceremony_key);
  EXPECT_EQ(parsed.master_key_id, bundle.master_key_id);
  EXPECT_EQ(parsed.wrapped_master_key, bundle.wrapped_master_key);
  EXPECT_EQ(parsed.signing_public_key, bundle.signing_public_key);
  EXPECT_EQ(parsed.wrapped_signing_key, bundle.wrapped_signing_key);
}

TEST(HsmBundleTest, MalformedBundlesAreRefusedWithTheReason) {
  const json good = json::parse(KeyBundleJson(SampleBundle()));
  auto edited = [&](const std::function<void(json&)>& edit) {
    json doc = good;
    edit(doc);
    return doc.dump();
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not a JSON object"},
      {"[1, 2]", "not a JSON object"},
      {"{\"format\": \"coffer-hsm-key-bundle/v1\"", "not a JSON object"},
      {edited([](json& d) { d["format"] = "coffer-hsm-key-bundle/v2"; }), "format is not"},
      {edited([](json& d) { d.erase("masterKey"); }), "masterKey is missing"},
      {edited([](json& d) { d["transportKey"] = 7; }), "transportKey is missing"},
      {edited([](json& d) { d["masterKey"]["wrapped"] = "not base64!"; }),
       "masterKey.wrapped is not base64"},
      {edited([](json& d) { d["signingKey"].erase("publicKey"); }),
       "signingKey.publicKey is missing"},
      {edited([](json& d) { d["signingKey"]["kid"] = "someone-else"; }),
       "signingKey.kid is not the thumbprint"},
      {std::string(kMaxBundleBytes + 1, ' '), "larger than 64 KiB"},
  };
  for (const auto& [text, reason] : cases) {
    EXPECT_THAT(ParseKeyBundleJson(text),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         ::testing::AllOf(HasSubstr("not a Coffer key bundle"), HasSubstr(reason))))
        << text.substr(0, 200);
  }
}

}  // namespace
}  // namespace coffer::cli
