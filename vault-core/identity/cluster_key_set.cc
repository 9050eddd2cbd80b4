#include "vault-core/identity/cluster_key_set.h"

#include <algorithm>

#include "lib/base/base64.h"
#include "nlohmann/json.hpp"
#include "vault-core/crypto/p256_public_key.h"
#include "vault-core/crypto/rsa_public_key.h"
#include "vault-core/identity/unverified_jwt.h"

namespace coffer::identity {
namespace {

using nlohmann::json;

constexpr absl::Duration kLeeway = absl::Minutes(1);

std::string Member(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string Bytes(const json& key, const char* name) {
  return Base64UrlDecode(Member(key, name)).value_or("");
}

absl::Status Refused(std::string why) { return absl::UnauthenticatedError(std::move(why)); }

}  // namespace

ClusterKeySet::~ClusterKeySet() = default;

absl::StatusOr<std::unique_ptr<ClusterKeySet>> ClusterKeySet::Parse(const json& jwks) {
  std::unique_ptr<ClusterKeySet> set(new ClusterKeySet());
  const json keys = jwks.is_object() ? jwks.value("keys", json::array()) : json::array();
  for (const json& key : keys.is_array() ? keys : json::array()) {
    if (!key.is_object() || (!Member(key, "use").empty() && Member(key, "use") != "sig")) continue;
    const std::string kid = Member(key, "kid");
    if (Member(key, "kty") == "RSA") {
      auto rsa = crypto::RsaPublicKey::FromComponents(Bytes(key, "n"), Bytes(key, "e"));
      if (rsa.ok()) set->rsa_[kid] = *std::move(rsa);
    } else if (Member(key, "kty") == "EC" && Member(key, "crv") == "P-256") {
      std::string x = Bytes(key, "x"), y = Bytes(key, "y");
      if (x.size() != 32 || y.size() != 32) continue;
      auto ec = crypto::P256PublicKey::FromPoint("\x04" + x + y);
      if (ec.ok()) set->ec_[kid] = *std::move(ec);
    }
  }
  if (set->size() == 0) return absl::InvalidArgumentError("the JWKS holds no usable signing key");
  return set;
}

absl::StatusOr<ClusterTokenClaims> ClusterKeySet::Verify(std::string_view token,
                                                         std::string_view issuer,
                                                         std::string_view audience,
                                                         absl::Time now) const {
  std::optional<JwsParts> parts = SplitJws(token);
  std::optional<json> header = parts ? DecodeJsonObject(parts->header) : std::nullopt;
  std::optional<json> payload = parts ? DecodeJsonObject(parts->payload) : std::nullopt;
  std::optional<std::string> signature =
      parts ? Base64UrlDecode(parts->signature) : std::nullopt;
  if (!header || !payload || !signature) return Refused("not a JWT");
  const std::string alg = Member(*header, "alg");
  const std::string kid = Member(*header, "kid");
  if (header->contains("crit")) return Refused("unsupported header");
  bool verified = false;
  if (alg == "RS256") {
    auto key = rsa_.find(kid);
    if (key == rsa_.end()) return absl::NotFoundError("signed with unknown key '" + kid + "'");
    verified = key->second->VerifyRs256(parts->signing_input, *signature);
  } else if (alg == "ES256") {
    auto key = ec_.find(kid);
    if (key == ec_.end()) return absl::NotFoundError("signed with unknown key '" + kid + "'");
    verified = key->second->VerifyEs256(parts->signing_input, *signature);
  } else {
    return Refused("unsupported algorithm '" + alg + "'");
  }
  if (!verified) return Refused("bad signature");
  // Only now is anything the token says believed.
  std::optional<UnverifiedClaims> claims = ClaimsOfPayload(*payload);
  if (!claims || claims->issuer != issuer) return Refused("issued by another issuer");
  if (std::find(claims->audiences.begin(), claims->audiences.end(), audience) ==
      claims->audiences.end()) {
    return Refused("not for audience " + std::string(audience));
  }
  if (!claims->expiry || absl::FromUnixSeconds(*claims->expiry) + kLeeway <= now ||
      (claims->not_before && absl::FromUnixSeconds(*claims->not_before) - kLeeway > now)) {
    return Refused("expired or not yet valid");
  }
  const json k8s = payload->value("kubernetes.io", json::object());
  if (!k8s.is_object()) return Refused("not a service account's token");
  ClusterTokenClaims out;
  out.ns = Member(k8s, "namespace");
  const json sa = k8s.value("serviceaccount", json::object());
  const json pod = k8s.value("pod", json::object());
  if (sa.is_object()) {
    out.service_account = Member(sa, "name");
    out.service_account_uid = Member(sa, "uid");
  }
  if (pod.is_object()) {
    out.pod = Member(pod, "name");
    out.pod_uid = Member(pod, "uid");
  }
  if (out.ns.empty() || out.service_account.empty() || out.service_account_uid.empty() ||
      claims->subject != "system:serviceaccount:" + out.ns + ":" + out.service_account ||
      out.pod.empty() != out.pod_uid.empty()) {
    return Refused("not a service account's token");
  }
  return out;
}

}  // namespace coffer::identity
