#include "vault-core/identity/client_secret.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include "lib/base/base64.h"
#include "vault-core/crypto/random.h"
#include "vault-core/crypto/scrypt.h"

namespace coffer::identity {
namespace {

constexpr size_t kSaltSize = 16;
constexpr size_t kHashSize = 32;
constexpr uint64_t kMaxScryptMemory = uint64_t{64} << 20;
constexpr size_t kSecretLength = 40;
constexpr char kSecretAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-";
constexpr size_t kAlphabetSize = sizeof(kSecretAlphabet) - 1;

using crypto::ScryptParams;

bool WithinBounds(const ScryptParams& params) {
  if (params.log_n < 1 || params.log_n > 20 || params.r < 1 || params.r > 32 || params.p < 1 ||
      params.p > 16) {
    return false;
  }
  return uint64_t{128} * static_cast<uint64_t>(params.r) * (uint64_t{1} << params.log_n) <=
         kMaxScryptMemory;
}

std::optional<std::string> Scrypt(const SecretBytes& secret, std::string_view salt,
                                  const ScryptParams& params, size_t size) {
  return crypto::Scrypt(secret, salt, params, size, kMaxScryptMemory);
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

// "<name>=<decimal>" exactly.
std::optional<int> NamedInt(std::string_view text, std::string_view name) {
  if (text.size() <= name.size() + 1 || text.substr(0, name.size()) != name ||
      text[name.size()] != '=') {
    return std::nullopt;
  }
  text.remove_prefix(name.size() + 1);
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<ScryptParams> ParseParams(std::string_view text) {
  std::vector<std::string_view> fields = Split(text, ',');
  if (fields.size() != 3) return std::nullopt;
  std::optional<int> log_n = NamedInt(fields[0], "ln");
  std::optional<int> r = NamedInt(fields[1], "r");
  std::optional<int> p = NamedInt(fields[2], "p");
  if (!log_n || !r || !p) return std::nullopt;
  ScryptParams params{*log_n, *r, *p};
  if (!WithinBounds(params)) return std::nullopt;
  return params;
}

}  // namespace

std::string HashClientSecret(const SecretBytes& secret) {
  const ScryptParams params{kScryptLogN, kScryptR, kScryptP};
  const std::string salt = crypto::RandomBytes(kSaltSize);
  std::optional<std::string> hash = Scrypt(secret, salt, params, kHashSize);
  // Fixed, sane parameters fail only when memory is exhausted; storing no hash is no option.
  if (!hash) std::abort();
  return "scrypt$ln=" + std::to_string(params.log_n) + ",r=" + std::to_string(params.r) +
         ",p=" + std::to_string(params.p) + "$" + Base64UrlEncode(salt) + "$" +
         Base64UrlEncode(*hash);
}

bool VerifyClientSecret(const SecretBytes& secret, std::string_view encoded) {
  std::vector<std::string_view> fields = Split(encoded, '$');
  if (fields.size() != 4 || fields[0] != "scrypt") return false;
  std::optional<ScryptParams> params = ParseParams(fields[1]);
  std::optional<std::string> salt = Base64UrlDecode(fields[2]);
  std::optional<std::string> expected = Base64UrlDecode(fields[3]);
  if (!params || !salt || !expected || salt->size() < 4 || salt->size() > 64 ||
      expected->size() < 16 || expected->size() > 64) {
    return false;
  }
  std::optional<std::string> actual = Scrypt(secret, *salt, *params, expected->size());
  return actual && ConstantTimeEquals(*actual, *expected);
}

SecretBytes NewClientSecret() {
  SecretBytes out(kSecretLength);
  size_t filled = 0;
  // Rejection sampling: bytes at or above the largest multiple of the alphabet size are
  // dropped, so that every character is equally likely.
  constexpr unsigned kLimit = 256 / kAlphabetSize * kAlphabetSize;
  while (filled < kSecretLength) {
    SecretBytes random = crypto::RandomSecret(kSecretLength);
    for (size_t i = 0; i < random.size() && filled < kSecretLength; ++i) {
      if (random.data()[i] >= kLimit) continue;
      out.mutable_data()[filled++] = kSecretAlphabet[random.data()[i] % kAlphabetSize];
    }
  }
  return out;
}

}  // namespace coffer::identity
