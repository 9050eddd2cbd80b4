#ifndef COFFER_VAULT_CORE_SERVER_SNI_CERTIFICATES_H_
#define COFFER_VAULT_CORE_SERVER_SNI_CERTIFICATES_H_

#include <optional>
#include <string_view>

#include "lib/http/server.h"
#include "vault-core/service/serving_certificates.h"

namespace coffer::server {

// The HTTPS server's certificate per SNI name: a vault hostname's own certificate, from
// ServingCertificates (memory after the first handshake for that name). Names that are not
// valid hostnames are not looked up; any name without a certificate gets the server's default
// one. Thread-safe.
class SniCertificates : public http::CertificateSource {
 public:
  explicit SniCertificates(service::ServingCertificates& certificates)
      : certificates_(certificates) {}

  std::optional<http::ServingCertificate> For(std::string_view server_name) override;

 private:
  service::ServingCertificates& certificates_;
};

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_SNI_CERTIFICATES_H_
