#ifndef COFFER_VAULT_CORE_CRYPTO_TESTING_TEST_RSA_CERTIFICATE_H_
#define COFFER_VAULT_CORE_CRYPTO_TESTING_TEST_RSA_CERTIFICATE_H_

// Tests only: a service principal's client certificate and the key that signs its assertions,
// made in memory (no `openssl` CLI, no files), as @azure/identity's PEM file would hold them.

#include <memory>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace coffer::crypto {

struct TestRsaCertificate {
  std::string certificate_pem;  // self-signed, CN=coffer-test-client, SHA-256 with RSA
  std::string certificate_der;
  std::string key_pem;  // unencrypted PKCS#8 ("-----BEGIN PRIVATE KEY-----")

  // The raw RSASSA-PKCS1-v1_5 SHA-256 signature of `input` (a JWS's RS256 signature).
  std::string SignRs256(std::string_view input) const;
  // The raw RSASSA-PSS signature of `input` with SHA-256 and MGF1-SHA-256 (PS256 when `salt` is
  // 32, the digest's length; other salts make signatures that PS256 must refuse).
  std::string SignPs256(std::string_view input, int salt = 32) const;
  // The public key as a JWK ({"kty":"RSA","kid":KID,"n":..,"e":..}), as a Kubernetes cluster
  // publishes its service-account signing keys.
  std::string JwkJson(const std::string& kid) const;

  // The signing key, opaque so that this header does not pull in OpenSSL; shared by copies.
  struct Key;
  std::shared_ptr<const Key> key;
};

// A fresh RSA key of `bits` and its certificate, valid from a minute ago for `valid_for`.
// A negative `valid_for` gives a certificate that expired that long ago (valid for a day
// before). Aborts on failure: there is no test to run without it.
TestRsaCertificate MakeTestRsaCertificate(int bits = 2048,
                                          absl::Duration valid_for = absl::Hours(48));

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_TESTING_TEST_RSA_CERTIFICATE_H_
