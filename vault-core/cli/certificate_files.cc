#include "vault-core/cli/certificate_files.h"

#include <cctype>

#include "lib/base/base64.h"
#include "vault-core/crypto/vault_certificates.h"

namespace coffer::cli {
namespace {

constexpr std::string_view kPemBegin = "-----BEGIN ";

// Where the PEM text of `text` starts, after leading blanks; npos when it is not PEM.
std::size_t PemStart(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
  return text.substr(at, kPemBegin.size()) == kPemBegin ? at : std::string_view::npos;
}

}  // namespace

std::string ToPem(std::string_view der, std::string_view label) {
  const std::string b64 = Base64Encode(der);
  std::string pem = "-----BEGIN " + std::string(label) + "-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END " + std::string(label) + "-----\n";
}

bool IsPem(std::string_view text) { return PemStart(text) != std::string_view::npos; }

std::string ImportValue(std::string_view file_contents) {
  const std::size_t pem = PemStart(file_contents);
  if (pem == std::string_view::npos) return Base64Encode(file_contents);
  return std::string(file_contents.substr(pem));
}

absl::StatusOr<std::vector<std::string>> CertificatesFromFile(const std::string& text,
                                                              std::string_view file) {
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  const std::string name(file);
  if (text.empty()) return absl::InvalidArgumentError(name + " is empty");
  if (text.find(kPemBegin) == std::string::npos) return std::vector<std::string>{text};
  std::vector<std::string> ders;
  for (std::size_t at = text.find(kBegin); at != std::string::npos; at = text.find(kBegin, at)) {
    const std::size_t body = at + kBegin.size();
    const std::size_t end = text.find(kEnd, body);
    if (end == std::string::npos) {
      return absl::InvalidArgumentError(name + ": a CERTIFICATE block has no END line");
    }
    std::string b64;
    for (std::size_t i = body; i < end; ++i) {
      if (!std::isspace(static_cast<unsigned char>(text[i]))) b64 += text[i];
    }
    auto der = Base64Decode(b64);
    if (!der || der->empty()) {
      return absl::InvalidArgumentError(name + ": a CERTIFICATE block is not base64");
    }
    ders.push_back(std::move(*der));
    at = end + kEnd.size();
  }
  if (ders.empty()) return absl::InvalidArgumentError(name + " holds no CERTIFICATE block");
  return ders;
}

absl::StatusOr<SecretBytes> CertificateFileContents(std::string_view value, bool stored_pem,
                                                    std::string_view format) {
  if (format == "pem") {
    if (!IsPem(value)) {
      return absl::InternalError("the vault did not give the certificate's secret as PEM");
    }
    return SecretBytes(value);
  }
  if (!stored_pem) {
    auto pfx = Base64Decode(value);
    if (!pfx) return absl::InternalError("the certificate's PFX from the vault is not base64");
    SecretBytes bytes(*pfx);
    internal::ZeroMemory(pfx->data(), pfx->size());
    return bytes;
  }
  auto bundle = crypto::ReadPemBundle(value);
  if (!bundle.ok()) {
    return absl::FailedPreconditionError(
        "cannot make a PFX of this certificate: " + std::string(bundle.status().message()) +
        " (a non-exportable certificate's secret holds no private key; use --format pem)");
  }
  return crypto::WritePkcs12(*bundle);
}

}  // namespace coffer::cli
