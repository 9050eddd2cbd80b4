#include "vault-core/identity/client_assertion.h"

#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/crypto/rsa_public_key.h"
#include "vault-core/identity/unverified_jwt.h"

namespace coffer::identity {
namespace {

constexpr char kUnsupported[] = "AADSTS50027: Invalid JWT token. Unsupported algorithm or header.";
constexpr char kNoThumbprint[] =
    "AADSTS50027: Invalid JWT token. No certificate thumbprint specified in token header.";
constexpr char kSubjectIsNotClient[] =
    "AADSTS50027: Invalid JWT token. The 'sub' claim must equal the client id.";

absl::Status Refused(const char* description) { return absl::UnauthenticatedError(description); }

// The raw digest a thumbprint member of the header carries; nullopt when it is absent.
absl::StatusOr<std::optional<std::string>> ThumbprintMember(const nlohmann::json& header,
                                                            const char* name, size_t size) {
  auto it = header.find(name);
  if (it == header.end()) return std::optional<std::string>();
  std::optional<std::string> digest =
      it->is_string() ? Base64UrlDecode(it->get<std::string>()) : std::nullopt;
  if (!digest || digest->size() != size) return Refused(kNoThumbprint);
  return digest;
}

absl::Status ReadHeader(std::string_view encoded, CertificateAssertion& out) {
  std::optional<nlohmann::json> header = DecodeJsonObject(encoded);
  if (!header) return Refused(kNotAValidJwt);
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) return Refused(kUnsupported);
  out.algorithm = alg->get<std::string>();
  if (out.algorithm != "RS256" && out.algorithm != "PS256") return Refused(kUnsupported);
  // RFC 7515 4.1.11: extensions the recipient does not understand must make it refuse.
  if (header->contains("crit")) return Refused(kUnsupported);
  COFFER_ASSIGN_OR_RETURN(out.sha1, ThumbprintMember(*header, "x5t", 20));
  COFFER_ASSIGN_OR_RETURN(out.sha256, ThumbprintMember(*header, "x5t#S256", 32));
  if (!out.sha1 && !out.sha256) return Refused(kNoThumbprint);
  return absl::OkStatus();
}

absl::Status ReadPayload(std::string_view encoded, CertificateAssertion& out) {
  std::optional<nlohmann::json> payload = DecodeJsonObject(encoded);
  std::optional<UnverifiedClaims> claims =
      payload ? ClaimsOfPayload(*payload) : std::optional<UnverifiedClaims>();
  if (!claims) return Refused(kNotAValidJwt);
  if (claims->subject.empty() || claims->subject != claims->issuer) {
    return Refused(kSubjectIsNotClient);
  }
  out.issuer = std::move(claims->issuer);
  out.subject = std::move(claims->subject);
  out.audiences = std::move(claims->audiences);
  out.expiry = claims->expiry;
  out.not_before = claims->not_before;
  auto jti = payload->find("jti");
  if (jti != payload->end() && jti->is_string()) out.jti = jti->get<std::string>();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CertificateAssertion> ReadCertificateAssertion(std::string_view jwt) {
  std::optional<JwsParts> parts = SplitJws(jwt);
  if (!parts) return Refused(kNotAValidJwt);
  CertificateAssertion out;
  COFFER_RETURN_IF_ERROR(ReadHeader(parts->header, out));
  COFFER_RETURN_IF_ERROR(ReadPayload(parts->payload, out));
  std::optional<std::string> signature = Base64UrlDecode(parts->signature);
  if (!signature) return Refused(kNotAValidJwt);
  out.signature = *std::move(signature);
  out.signing_input = std::string(parts->signing_input);
  return out;
}

std::string ThumbprintHex(const CertificateAssertion& assertion) {
  const std::string& digest = assertion.sha1 ? *assertion.sha1 : assertion.sha256.value_or("");
  return absl::AsciiStrToUpper(absl::BytesToHexString(digest));
}

bool VerifyAssertionSignature(const CertificateAssertion& assertion,
                              std::string_view certificate_der) {
  if ((assertion.sha1 && *assertion.sha1 != crypto::Sha1(certificate_der)) ||
      (assertion.sha256 && *assertion.sha256 != crypto::Sha256(certificate_der))) {
    return false;
  }
  absl::StatusOr<std::unique_ptr<crypto::RsaPublicKey>> key =
      crypto::RsaPublicKey::FromCertificateDer(certificate_der);
  if (!key.ok()) return false;
  if (assertion.algorithm == "PS256") {
    return (*key)->VerifyPs256(assertion.signing_input, assertion.signature);
  }
  if (assertion.algorithm == "RS256") {
    return (*key)->VerifyRs256(assertion.signing_input, assertion.signature);
  }
  return false;
}

}  // namespace coffer::identity
