#ifndef COFFER_TESTS_KUBE_APISERVER_SERVER_TOKEN_ISSUER_H_
#define COFFER_TESTS_KUBE_APISERVER_SERVER_TOKEN_ISSUER_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace coffer::kube::standin {

// The stand-in's service-account token signer: an RSA-2048 key generated at construction,
// RS256 JWTs, and the JWKS that publishes the public key. The key id is what kube-apiserver
// derives: base64url (no padding) of the SHA-256 of the DER SubjectPublicKeyInfo. Thread-safe.
class TokenIssuer {
 public:
  explicit TokenIssuer(std::string issuer);
  ~TokenIssuer();
  TokenIssuer(const TokenIssuer&) = delete;
  TokenIssuer& operator=(const TokenIssuer&) = delete;

  const std::string& issuer() const { return issuer_; }
  const std::string& key_id() const { return key_id_; }

  // header.payload.signature with header {"alg":"RS256","kid":KID,"typ":"JWT"}.
  std::string Sign(const nlohmann::json& claims) const;
  // The claims of a token this issuer signed; UNAUTHENTICATED when malformed or the
  // signature, algorithm or key id does not check out. Claims are not interpreted here.
  absl::StatusOr<nlohmann::json> Verify(std::string_view token) const;
  // {"keys":[{"use":"sig","kty":"RSA","kid":..,"alg":"RS256","n":..,"e":..}]}
  nlohmann::json Jwks() const;

 private:
  struct Key;
  std::string issuer_;
  std::unique_ptr<Key> key_;
  std::string key_id_;
};

}  // namespace coffer::kube::standin

#endif  // COFFER_TESTS_KUBE_APISERVER_SERVER_TOKEN_ISSUER_H_
