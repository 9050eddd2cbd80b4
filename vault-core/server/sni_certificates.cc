#include "vault-core/server/sni_certificates.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "vault-core/domain/names.h"

namespace coffer::server {

std::optional<http::ServingCertificate> SniCertificates::For(std::string_view server_name) {
  std::string host(server_name);
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!domain::ValidateHostname(host).ok()) return std::nullopt;
  auto cert = certificates_.ForHost(host);
  if (!cert.ok()) return std::nullopt;
  return http::ServingCertificate{(*cert)->certificate_pem,
                                  SecretBytes((*cert)->private_key_pem.reveal())};
}

}  // namespace coffer::server
