#include "vault-core/server/sni_certificates.h"

#include "vault-core/domain/names.h"

namespace coffer::server {

std::optional<http::ServingCertificate> SniCertificates::For(std::string_view server_name) {
  if (!domain::ValidateHostname(server_name).ok()) return std::nullopt;
  auto cert = certificates_.ForHost(server_name);
  if (!cert.ok()) return std::nullopt;
  return http::ServingCertificate{(*cert)->certificate_pem,
                                  SecretBytes((*cert)->private_key_pem.reveal())};
}

}  // namespace coffer::server
