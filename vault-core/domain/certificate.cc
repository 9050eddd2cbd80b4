#include "vault-core/domain/certificate.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"

namespace coffer::domain {
namespace {

absl::Status Bad(const std::string& message) { return absl::InvalidArgumentError(message); }

void AddOnce(std::vector<std::string>& ops, const char* op) {
  if (std::find(ops.begin(), ops.end(), op) == ops.end()) ops.push_back(op);
}

}  // namespace

std::vector<CertificateLifetimeAction> DefaultLifetimeActions(const std::string& issuer_name) {
  return {{80, 0, issuer_name == kSelfIssuer ? "AutoRenew" : "EmailContacts"}};
}

absl::Status ValidateCertificatePolicy(const CertificatePolicy& p) {
  const bool rsa = p.kty == "RSA" || p.kty == "RSA-HSM";
  const bool ec = p.kty == "EC" || p.kty == "EC-HSM";
  if (!rsa && !ec) return Bad("key_props.kty must be RSA, RSA-HSM, EC or EC-HSM.");
  if (rsa && p.key_size != 2048 && p.key_size != 3072 && p.key_size != 4096) {
    return Bad("key_props.key_size must be 2048, 3072 or 4096 for an RSA key.");
  }
  if (ec && !ParseCurve(p.crv).ok()) {
    return Bad("key_props.crv must be P-256, P-384, P-521 or P-256K for an EC key.");
  }
  if (absl::EndsWith(p.kty, "-HSM") && p.exportable) {
    return Bad("An HSM-protected key (" + p.kty + ") cannot be exportable.");
  }
  if (p.content_type != kPkcs12ContentType && p.content_type != kPemContentType) {
    return Bad("secret_props.contentType must be application/x-pkcs12 or "
               "application/x-pem-file.");
  }
  if (p.subject.empty() && p.dns_names.empty() && p.emails.empty() && p.upns.empty()) {
    return Bad("x509_props needs a subject or subject alternative names.");
  }
  if (p.lifetime_actions.size() > 2) return Bad("A policy has at most two lifetime actions.");
  for (const CertificateLifetimeAction& a : p.lifetime_actions) {
    if (a.action != "AutoRenew" && a.action != "EmailContacts") {
      return Bad("lifetime_actions action_type must be AutoRenew or EmailContacts.");
    }
    const bool percentage = a.lifetime_percentage != 0;
    if (percentage == (a.days_before_expiry != 0)) {
      return Bad("A lifetime action's trigger has either lifetime_percentage or "
                 "days_before_expiry.");
    }
    if (percentage && (a.lifetime_percentage < 1 || a.lifetime_percentage > 99)) {
      return Bad("lifetime_percentage must be 1 to 99.");
    }
    if (!percentage && (a.days_before_expiry < 1 || a.days_before_expiry > p.validity_months * 27)) {
      return Bad("days_before_expiry must be 1 to validity_months * 27.");
    }
  }
  if (p.issuer_name.empty() || p.issuer_name.size() > 127) {
    return Bad("issuer.name must be Self, Unknown or an issuer's name.");
  }
  return absl::OkStatus();
}

KeySpec KeySpecOf(const CertificatePolicy& p, bool* hsm) {
  *hsm = absl::EndsWith(p.kty, "-HSM");
  KeySpec spec;
  if (absl::StartsWith(p.kty, "EC")) {
    spec.type = KeyType::kEc;
    spec.curve = ParseCurve(p.crv).value_or(Curve::kP256);
  } else {
    spec.type = KeyType::kRsa;
    spec.bits = p.key_size;
  }
  return spec;
}

std::vector<std::string> KeyOpsFor(const std::vector<std::string>& key_usage) {
  std::vector<std::string> ops;
  for (const std::string& usage : key_usage) {
    if (usage == "digitalSignature" || usage == "nonRepudiation" || usage == "keyCertSign" ||
        usage == "cRLSign") {
      AddOnce(ops, "sign");
      AddOnce(ops, "verify");
    } else if (usage == "keyEncipherment") {
      AddOnce(ops, "wrapKey");
      AddOnce(ops, "unwrapKey");
    } else if (usage == "dataEncipherment") {
      AddOnce(ops, "encrypt");
      AddOnce(ops, "decrypt");
    } else if (usage == "encipherOnly") {
      AddOnce(ops, "encrypt");
    } else if (usage == "decipherOnly") {
      AddOnce(ops, "decrypt");
    }
  }
  return ops;
}

}  // namespace coffer::domain
