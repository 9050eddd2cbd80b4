#include "vault-core/domain/key.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace coffer::domain {
namespace {

struct AlgorithmInfo {
  Algorithm alg;
  const char* name;
};

constexpr AlgorithmInfo kAlgorithms[] = {
    {Algorithm::kRsa15, "RSA1_5"},        {Algorithm::kRsaOaep, "RSA-OAEP"},
    {Algorithm::kRsaOaep256, "RSA-OAEP-256"}, {Algorithm::kA128Gcm, "A128GCM"},
    {Algorithm::kA192Gcm, "A192GCM"},     {Algorithm::kA256Gcm, "A256GCM"},
    {Algorithm::kA128Cbc, "A128CBC"},     {Algorithm::kA192Cbc, "A192CBC"},
    {Algorithm::kA256Cbc, "A256CBC"},     {Algorithm::kA128CbcPad, "A128CBCPAD"},
    {Algorithm::kA192CbcPad, "A192CBCPAD"}, {Algorithm::kA256CbcPad, "A256CBCPAD"},
    {Algorithm::kA128Kw, "A128KW"},       {Algorithm::kA192Kw, "A192KW"},
    {Algorithm::kA256Kw, "A256KW"},       {Algorithm::kRs256, "RS256"},
    {Algorithm::kRs384, "RS384"},         {Algorithm::kRs512, "RS512"},
    {Algorithm::kPs256, "PS256"},         {Algorithm::kPs384, "PS384"},
    {Algorithm::kPs512, "PS512"},         {Algorithm::kEs256, "ES256"},
    {Algorithm::kEs256K, "ES256K"},       {Algorithm::kEs384, "ES384"},
    {Algorithm::kEs512, "ES512"},
};

Curve CurveOf(Algorithm alg) {
  switch (alg) {
    case Algorithm::kEs256:
      return Curve::kP256;
    case Algorithm::kEs256K:
      return Curve::kP256K;
    case Algorithm::kEs384:
      return Curve::kP384;
    default:
      return Curve::kP521;
  }
}

bool Allowed(AlgorithmFamily family, KeyOperation op) {
  switch (family) {
    case AlgorithmFamily::kRsaCipher:
      return op == KeyOperation::kEncrypt || op == KeyOperation::kDecrypt ||
             op == KeyOperation::kWrapKey || op == KeyOperation::kUnwrapKey;
    case AlgorithmFamily::kKw:
      return op == KeyOperation::kWrapKey || op == KeyOperation::kUnwrapKey;
    case AlgorithmFamily::kGcm:
    case AlgorithmFamily::kCbc:
    case AlgorithmFamily::kCbcPad:
      return op == KeyOperation::kEncrypt || op == KeyOperation::kDecrypt;
    case AlgorithmFamily::kRsaSign:
    case AlgorithmFamily::kEcdsa:
      return op == KeyOperation::kSign || op == KeyOperation::kVerify;
  }
  return false;
}

absl::Status NotFor(Algorithm alg, std::string_view what) {
  return absl::InvalidArgumentError(std::string("Algorithm ") + AlgorithmName(alg) +
                                    " is not supported " + std::string(what) + ".");
}

// The days of "nY nM nW nD" and the seconds of "T nH nM nS".
absl::StatusOr<absl::Duration> ParseDurationParts(std::string_view text) {
  absl::Duration total = absl::ZeroDuration();
  bool in_time = false;
  bool any = false;
  std::size_t i = 1;
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (in_time || i + 1 == text.size()) break;
      in_time = true;
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start || i == text.size() || i - start > 6) break;
    std::int64_t n = std::stoll(std::string(text.substr(start, i - start)));
    char unit = text[i++];
    if (!in_time && unit == 'Y') {
      total += absl::Hours(24 * 365) * n;
    } else if (!in_time && unit == 'M') {
      total += absl::Hours(24 * 30) * n;
    } else if (!in_time && unit == 'W') {
      total += absl::Hours(24 * 7) * n;
    } else if (!in_time && unit == 'D') {
      total += absl::Hours(24) * n;
    } else if (in_time && unit == 'H') {
      total += absl::Hours(n);
    } else if (in_time && unit == 'M') {
      total += absl::Minutes(n);
    } else if (in_time && unit == 'S') {
      total += absl::Seconds(n);
    } else {
      i = std::string_view::npos;
      break;
    }
    any = true;
  }
  if (!any || i != text.size()) {
    return absl::InvalidArgumentError("'" + std::string(text.substr(0, 64)) +
                                      "' is not an ISO 8601 duration such as P90D or P1Y.");
  }
  return total;
}

}  // namespace

AlgorithmFamily FamilyOf(Algorithm alg) {
  switch (alg) {
    case Algorithm::kRsa15:
    case Algorithm::kRsaOaep:
    case Algorithm::kRsaOaep256:
      return AlgorithmFamily::kRsaCipher;
    case Algorithm::kA128Gcm:
    case Algorithm::kA192Gcm:
    case Algorithm::kA256Gcm:
      return AlgorithmFamily::kGcm;
    case Algorithm::kA128Cbc:
    case Algorithm::kA192Cbc:
    case Algorithm::kA256Cbc:
      return AlgorithmFamily::kCbc;
    case Algorithm::kA128CbcPad:
    case Algorithm::kA192CbcPad:
    case Algorithm::kA256CbcPad:
      return AlgorithmFamily::kCbcPad;
    case Algorithm::kA128Kw:
    case Algorithm::kA192Kw:
    case Algorithm::kA256Kw:
      return AlgorithmFamily::kKw;
    case Algorithm::kRs256:
    case Algorithm::kRs384:
    case Algorithm::kRs512:
    case Algorithm::kPs256:
    case Algorithm::kPs384:
    case Algorithm::kPs512:
      return AlgorithmFamily::kRsaSign;
    case Algorithm::kEs256:
    case Algorithm::kEs256K:
    case Algorithm::kEs384:
    case Algorithm::kEs512:
      return AlgorithmFamily::kEcdsa;
  }
  return AlgorithmFamily::kRsaSign;
}

int AesKeyBits(Algorithm alg) {
  std::string_view name = AlgorithmName(alg);
  if (name.substr(0, 4) == "A128") return 128;
  if (name.substr(0, 4) == "A192") return 192;
  return 256;
}

const char* KeyTypeName(KeyType type, bool hsm) {
  switch (type) {
    case KeyType::kRsa:
      return hsm ? "RSA-HSM" : "RSA";
    case KeyType::kEc:
      return hsm ? "EC-HSM" : "EC";
    case KeyType::kOct:
      return hsm ? "oct-HSM" : "oct";
  }
  return "RSA";
}

absl::StatusOr<KeyType> ParseKeyType(std::string_view kty, bool* hsm) {
  *hsm = kty.size() > 4 && kty.substr(kty.size() - 4) == "-HSM";
  std::string_view base = *hsm ? kty.substr(0, kty.size() - 4) : kty;
  if (base == "RSA") return KeyType::kRsa;
  if (base == "EC") return KeyType::kEc;
  if (base == "oct") return KeyType::kOct;
  return absl::InvalidArgumentError("The key type (kty) '" + std::string(kty.substr(0, 64)) +
                                    "' is not supported: use RSA, EC or oct, or their -HSM form.");
}

const char* CurveName(Curve curve) {
  switch (curve) {
    case Curve::kP256:
      return "P-256";
    case Curve::kP384:
      return "P-384";
    case Curve::kP521:
      return "P-521";
    case Curve::kP256K:
      return "P-256K";
    case Curve::kNone:
      return "";
  }
  return "";
}

absl::StatusOr<Curve> ParseCurve(std::string_view crv) {
  for (Curve c : {Curve::kP256, Curve::kP384, Curve::kP521, Curve::kP256K}) {
    if (crv == CurveName(c)) return c;
  }
  return absl::InvalidArgumentError("The curve (crv) '" + std::string(crv.substr(0, 64)) +
                                    "' is not supported: use P-256, P-384, P-521 or P-256K.");
}

std::size_t CurveFieldSize(Curve curve) {
  switch (curve) {
    case Curve::kP384:
      return 48;
    case Curve::kP521:
      return 66;
    default:
      return 32;
  }
}

const char* AlgorithmName(Algorithm alg) {
  for (const auto& a : kAlgorithms) {
    if (a.alg == alg) return a.name;
  }
  return "";
}

absl::StatusOr<Algorithm> ParseAlgorithm(std::string_view name) {
  for (const auto& a : kAlgorithms) {
    if (name == a.name) return a.alg;
  }
  return absl::InvalidArgumentError("The algorithm '" + std::string(name.substr(0, 64)) +
                                    "' is not supported.");
}

const char* KeyOperationName(KeyOperation op) {
  switch (op) {
    case KeyOperation::kEncrypt:
      return "encrypt";
    case KeyOperation::kDecrypt:
      return "decrypt";
    case KeyOperation::kWrapKey:
      return "wrapKey";
    case KeyOperation::kUnwrapKey:
      return "unwrapKey";
    case KeyOperation::kSign:
      return "sign";
    case KeyOperation::kVerify:
      return "verify";
  }
  return "";
}

absl::Status CheckAlgorithm(KeyType type, Curve curve, std::size_t key_bits, KeyOperation op,
                            Algorithm alg) {
  AlgorithmFamily family = FamilyOf(alg);
  if (!Allowed(family, op)) {
    return NotFor(alg, std::string("for ") + KeyOperationName(op));
  }
  switch (family) {
    case AlgorithmFamily::kRsaCipher:
    case AlgorithmFamily::kRsaSign:
      if (type != KeyType::kRsa) return NotFor(alg, "for this key type");
      return absl::OkStatus();
    case AlgorithmFamily::kEcdsa:
      if (type != KeyType::kEc) return NotFor(alg, "for this key type");
      if (CurveOf(alg) != curve) {
        return NotFor(alg, std::string("for a key on curve ") + CurveName(curve));
      }
      return absl::OkStatus();
    case AlgorithmFamily::kGcm:
    case AlgorithmFamily::kCbc:
    case AlgorithmFamily::kCbcPad:
    case AlgorithmFamily::kKw:
      if (type != KeyType::kOct) return NotFor(alg, "for this key type");
      if (static_cast<std::size_t>(AesKeyBits(alg)) != key_bits) {
        return NotFor(alg, "for a " + std::to_string(key_bits) + "-bit key");
      }
      return absl::OkStatus();
  }
  return NotFor(alg, "");
}

std::size_t DigestSize(Algorithm alg) {
  switch (alg) {
    case Algorithm::kRs384:
    case Algorithm::kPs384:
    case Algorithm::kEs384:
      return 48;
    case Algorithm::kRs512:
    case Algorithm::kPs512:
    case Algorithm::kEs512:
      return 64;
    default:
      return 32;
  }
}

std::vector<std::string> DefaultKeyOps(KeyType type) {
  switch (type) {
    case KeyType::kRsa:
      return {"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"};
    case KeyType::kEc:
      return {"sign", "verify"};
    case KeyType::kOct:
      return {"encrypt", "decrypt", "wrapKey", "unwrapKey"};
  }
  return {};
}

absl::Status ValidateKeyOps(const std::vector<std::string>& ops) {
  static const std::set<std::string> kKnown = {"encrypt", "decrypt",   "sign",   "verify",
                                               "wrapKey", "unwrapKey", "import", "export"};
  if (ops.size() > 16) return absl::InvalidArgumentError("key_ops has too many entries.");
  for (const auto& op : ops) {
    if (kKnown.count(op) == 0) {
      return absl::InvalidArgumentError("key_ops has an unknown operation '" +
                                        op.substr(0, 64) + "'.");
    }
  }
  return absl::OkStatus();
}

absl::Status NormalizeKeySpec(KeySpec& spec) {
  switch (spec.type) {
    case KeyType::kRsa:
      if (spec.curve != Curve::kNone) return absl::InvalidArgumentError("crv is only for EC keys.");
      if (spec.bits == 0) spec.bits = 2048;
      if (spec.bits != 2048 && spec.bits != 3072 && spec.bits != 4096) {
        return absl::InvalidArgumentError("RSA key_size must be 2048, 3072 or 4096.");
      }
      if (!spec.public_exponent.empty()) {
        const std::string& e = spec.public_exponent;
        bool odd = (static_cast<unsigned char>(e.back()) & 1) != 0;
        bool big_enough = e.size() > 1 || static_cast<unsigned char>(e[0]) >= 3;
        if (e.size() > 8 || !odd || !big_enough) {
          return absl::InvalidArgumentError(
              "public_exponent must be an odd number of at least 3 and at most 64 bits.");
        }
      }
      return absl::OkStatus();
    case KeyType::kEc:
      if (spec.bits != 0) {
        return absl::InvalidArgumentError("key_size is not used for EC keys; give crv.");
      }
      if (!spec.public_exponent.empty()) {
        return absl::InvalidArgumentError("public_exponent is only for RSA keys.");
      }
      if (spec.curve == Curve::kNone) spec.curve = Curve::kP256;
      return absl::OkStatus();
    case KeyType::kOct:
      if (spec.curve != Curve::kNone || !spec.public_exponent.empty()) {
        return absl::InvalidArgumentError("crv and public_exponent are not used for oct keys.");
      }
      if (spec.bits == 0) spec.bits = 256;
      if (spec.bits != 128 && spec.bits != 192 && spec.bits != 256) {
        return absl::InvalidArgumentError("oct key_size must be 128, 192 or 256.");
      }
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError("unknown key type");
}

absl::Status CheckOperationInput(int bits, const KeyOperationRequest& r) {
  auto bad = [](const std::string& what) { return absl::InvalidArgumentError(what); };
  const std::size_t size = r.data.size();
  const std::string alg = AlgorithmName(r.alg);
  switch (FamilyOf(r.alg)) {
    case AlgorithmFamily::kRsaSign:
    case AlgorithmFamily::kEcdsa: {
      if (size != DigestSize(r.alg)) {
        return bad("The digest for " + alg + " must be " + std::to_string(DigestSize(r.alg)) +
                   " bytes, not " + std::to_string(size) + ".");
      }
      // A signature of the wrong size is simply invalid: verify answers `value: false`.
      return absl::OkStatus();
    }
    case AlgorithmFamily::kRsaCipher: {
      const std::size_t k = static_cast<std::size_t>(bits) / 8;
      if (r.op == KeyOperation::kDecrypt || r.op == KeyOperation::kUnwrapKey) {
        if (size != k) {
          return bad("The ciphertext for a " + std::to_string(bits) + "-bit RSA key must be " +
                     std::to_string(k) + " bytes.");
        }
        return absl::OkStatus();
      }
      std::size_t overhead = r.alg == Algorithm::kRsa15 ? 11 : r.alg == Algorithm::kRsaOaep ? 42 : 66;
      if (size == 0 || size > k - overhead) {
        return bad("The plaintext for " + alg + " with a " + std::to_string(bits) +
                   "-bit key must be 1 to " + std::to_string(k - overhead) + " bytes.");
      }
      return absl::OkStatus();
    }
    case AlgorithmFamily::kGcm:
      if (r.op == KeyOperation::kEncrypt && !r.iv.empty()) {
        // A caller-chosen nonce could repeat one already used, which gives away the keystream
        // and the authentication key: the vault always draws it, as Azure does.
        return bad("The iv for " + alg + " is chosen by the vault; do not send one.");
      }
      if (r.op == KeyOperation::kDecrypt) {
        if (r.iv.size() != 12) return bad("The iv for " + alg + " must be 12 bytes.");
        if (r.tag.size() != 16) return bad("The tag for " + alg + " must be 16 bytes.");
      }
      return absl::OkStatus();
    case AlgorithmFamily::kCbc:
    case AlgorithmFamily::kCbcPad:
      if ((r.op == KeyOperation::kDecrypt || !r.iv.empty()) && r.iv.size() != 16) {
        return bad("The iv for " + alg + " must be 16 bytes.");
      }
      if (size == 0) return bad("The value must not be empty.");
      if ((FamilyOf(r.alg) == AlgorithmFamily::kCbc || r.op == KeyOperation::kDecrypt) && size % 16 != 0) {
        return bad("The value for " + alg + " must be a whole number of 16-byte blocks.");
      }
      return absl::OkStatus();
    case AlgorithmFamily::kKw: {
      if (!r.iv.empty()) return bad(alg + " takes no iv.");
      std::size_t minimum = r.op == KeyOperation::kWrapKey ? 16 : 24;
      if (size < minimum || size % 8 != 0) {
        return bad("The value for " + alg + " must be a multiple of 8 bytes, at least " +
                   std::to_string(minimum) + ".");
      }
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Duration> ParseIsoDuration(std::string_view text) {
  if (text.size() < 3 || text.size() > 32 || text[0] != 'P') {
    return absl::InvalidArgumentError("'" + std::string(text.substr(0, 64)) +
                                      "' is not an ISO 8601 duration such as P90D or P1Y.");
  }
  return ParseDurationParts(text);
}

absl::Status ValidateRotationPolicy(const RotationPolicy& policy) {
  constexpr absl::Duration kMinimum = absl::Hours(24 * 7);
  std::optional<absl::Duration> expiry;
  if (!policy.expiry_time.empty()) {
    auto parsed = ParseIsoDuration(policy.expiry_time);
    if (!parsed.ok()) return parsed.status();
    if (*parsed < absl::Hours(24 * 28)) {
      return absl::InvalidArgumentError("expiryTime must be at least 28 days (P28D).");
    }
    expiry = *parsed;
  }
  if (policy.lifetime_actions.size() > 2) {
    return absl::InvalidArgumentError("A rotation policy has at most two lifetime actions.");
  }
  std::set<std::string> seen;
  for (const auto& action : policy.lifetime_actions) {
    if (action.action != "Rotate" && action.action != "Notify") {
      return absl::InvalidArgumentError("A lifetime action's type must be Rotate or Notify.");
    }
    if (!seen.insert(action.action).second) {
      return absl::InvalidArgumentError("A rotation policy has at most one " + action.action +
                                        " action.");
    }
    bool after = !action.time_after_create.empty();
    bool before = !action.time_before_expiry.empty();
    if (after == before) {
      return absl::InvalidArgumentError(
          "A lifetime action's trigger needs exactly one of timeAfterCreate and "
          "timeBeforeExpiry.");
    }
    if (action.action == "Notify" && after) {
      return absl::InvalidArgumentError("A Notify action is triggered by timeBeforeExpiry only.");
    }
    auto d = ParseIsoDuration(after ? action.time_after_create : action.time_before_expiry);
    if (!d.ok()) return d.status();
    if (*d < kMinimum) {
      return absl::InvalidArgumentError("A lifetime action's trigger must be at least 7 days.");
    }
    if (before && !expiry.has_value() && action.action == "Rotate") {
      return absl::InvalidArgumentError("A Rotate action by timeBeforeExpiry needs expiryTime.");
    }
    if (before && expiry.has_value()) {
      // Without expiryTime a Notify counts back from each version's own exp, if it has one
      // (Azure's default policy is exactly that: Notify 30 days before expiry).
      if (*d >= *expiry) {
        return absl::InvalidArgumentError("timeBeforeExpiry must be shorter than expiryTime.");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace coffer::domain
