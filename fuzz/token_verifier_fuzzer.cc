// Access-token verification (every bearer token a vault is sent) and the unverified reading of
// client assertions (every assertion the token endpoint is sent).
//
// Input: a first byte, then the rest. Even first byte: the rest is a token, verified as sent.
// Odd: the rest is a token's claims JSON, signed with the vault's key under a right header, so
// that the claims' checks (issuer, audience, times, types) are reached past the signature.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lib/base/base64.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/identity/client_assertion.h"
#include "vault-core/identity/federated.h"
#include "vault-core/identity/token_signer.h"
#include "vault-core/identity/token_verifier.h"
#include "vault-core/keystore/software/software_keystore.h"

namespace {

struct Keys {
  coffer::testing::TempDir dir;
  coffer::FakeClock clock;
  std::unique_ptr<coffer::keystore::KeyStore> store =
      std::move(*coffer::keystore::SoftwareKeyStore::Create({dir.File("master.key"), ""}));
  coffer::identity::TokenSigner signer{*store, clock};
  std::string header = coffer::Base64UrlEncode(
      R"({"alg":"ES256","typ":"JWT","kid":")" + signer.key_id() + R"("})");
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Keys* keys = new Keys;
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string token(rest);
  if (data[0] % 2 == 1) {
    token = keys->header + "." + coffer::Base64UrlEncode(rest);
    auto signature = keys->store->SignEs256(token);
    if (!signature.ok()) return 0;
    token += "." + coffer::Base64UrlEncode(*signature);
  }
  // A verifier per input: its cache would otherwise answer repeats without parsing.
  coffer::identity::TokenVerifier verifier(keys->store->signing_public_key(),
                                           "https://login.coffer.test/tenant/v2.0", keys->clock);
  (void)verifier.Verify(token, "https://vault.coffer.test", "https://vault.coffer.test:8443");
  (void)coffer::identity::ReadUnverifiedClaims(token);
  (void)coffer::identity::ReadCertificateAssertion(token);
  return 0;
}
