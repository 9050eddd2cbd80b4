#ifndef COFFER_VAULT_CORE_API_REST_KEYS_API_H_
#define COFFER_VAULT_CORE_API_REST_KEYS_API_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/http/http.h"
#include "vault-core/domain/vault.h"
#include "vault-core/service/key_service.h"

namespace coffer::api::rest {

enum class KeyOp {
  kCreate,
  kImport,
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
  kRotate,
  kGetRotationPolicy,
  kSetRotationPolicy,
  kEncrypt,
  kDecrypt,
  kWrapKey,
  kUnwrapKey,
  kSign,
  kVerify,
  kRandomBytes,
};

struct KeyRoute {
  KeyOp op = KeyOp::kGet;
  std::string name;
  std::string version;  // empty: the latest
};

// Which keys operation `method` + `path` is, as Azure Key Vault lays out its paths (including
// the SDK's `/keys/NAME//sign` for the latest version, and `POST /rng`). nullopt: not a keys
// path. INVALID_ARGUMENT: a keys path with a bad shape or method.
std::optional<absl::StatusOr<KeyRoute>> RouteKeys(std::string_view method, std::string_view path);

// The access-policy permission an operation needs ("get", "wrapkey", ...), lower case.
const char* RequiredPermission(KeyOp op);
// For the audit log: "KeyCreate", "KeySign", ...
const char* OperationName(KeyOp op);

// Runs one routed, authorised keys call and renders Azure's response. Thread-safe.
class KeysApi {
 public:
  explicit KeysApi(service::KeyService& keys) : keys_(keys) {}

  http::Response Serve(const KeyRoute& route, const http::Request& request,
                       const domain::Vault& vault, std::string_view base_url,
                       std::string_view api_version, std::string_view request_id);

 private:
  absl::StatusOr<http::Response> Run(const KeyRoute& route, const http::Request& request,
                                     const domain::Vault& vault, std::string_view base_url,
                                     std::string_view api_version);
  absl::StatusOr<http::Response> List(const KeyRoute& route, const http::Request& request,
                                      const domain::Vault& vault, std::string_view base_url,
                                      std::string_view api_version);
  absl::StatusOr<http::Response> Crypto(const KeyRoute& route, const http::Request& request,
                                        const domain::Vault& vault, std::string_view base_url);

  service::KeyService& keys_;
};

}  // namespace coffer::api::rest

#endif  // COFFER_VAULT_CORE_API_REST_KEYS_API_H_
