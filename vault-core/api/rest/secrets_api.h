#ifndef COFFER_VAULT_CORE_API_REST_SECRETS_API_H_
#define COFFER_VAULT_CORE_API_REST_SECRETS_API_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/http/http.h"
#include "vault-core/domain/vault.h"
#include "vault-core/service/secret_service.h"

namespace coffer::api::rest {

enum class SecretOp {
  kSet,
  kGet,
  kUpdate,
  kList,
  kListVersions,
  kDelete,
  kGetDeleted,
  kListDeleted,
  kRecover,
  kPurge,
  kBackup,
  kRestore,
};

struct SecretRoute {
  SecretOp op = SecretOp::kGet;
  std::string name;
  std::string version;  // empty: the latest
};

// Which secrets operation `method` + `path` is, as Azure Key Vault lays out its paths.
// nullopt: not a secrets path. INVALID_ARGUMENT: a secrets path with a bad shape or method.
std::optional<absl::StatusOr<SecretRoute>> RouteSecrets(std::string_view method,
                                                        std::string_view path);

// The access-policy permission an operation needs ("get", "list", ...).
const char* RequiredPermission(SecretOp op);
// For the audit log: "SecretGet", "SecretSet", ...
const char* OperationName(SecretOp op);

// Runs one routed, authorised secrets call and renders Azure's response. Thread-safe.
class SecretsApi {
 public:
  explicit SecretsApi(service::SecretService& secrets) : secrets_(secrets) {}

  // `base_url` is the origin the client used (ids and nextLinks are built from it);
  // `api_version` is echoed into nextLinks.
  http::Response Serve(const SecretRoute& route, const http::Request& request,
                       const domain::Vault& vault, std::string_view base_url,
                       std::string_view api_version, std::string_view request_id);

 private:
  absl::StatusOr<http::Response> Run(const SecretRoute& route, const http::Request& request,
                                     const domain::Vault& vault, std::string_view base_url,
                                     std::string_view api_version);
  absl::StatusOr<http::Response> List(const SecretRoute& route, const http::Request& request,
                                      const domain::Vault& vault, std::string_view base_url,
                                      std::string_view api_version);

  service::SecretService& secrets_;
};

}  // namespace coffer::api::rest

#endif  // COFFER_VAULT_CORE_API_REST_SECRETS_API_H_
