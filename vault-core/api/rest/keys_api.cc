#include "vault-core/api/rest/keys_api.h"

#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "vault-core/api/rest/azure_errors.h"
#include "vault-core/api/rest/key_json.h"
#include "vault-core/api/rest/rest_helpers.h"
#include "vault-core/api/rest/secret_json.h"

namespace coffer::api::rest {
namespace {

absl::StatusOr<KeyRoute> Routed(KeyOp op, std::string_view name = {},
                                std::string_view version = {}) {
  return KeyRoute{op, std::string(name), std::string(version)};
}

absl::Status BadShape() {
  return absl::InvalidArgumentError("The request URI or method is not valid for keys.");
}

// The operation a `POST /keys/NAME/VERSION/<segment>` names, if any (Azure's lower-case paths).
std::optional<KeyOp> CryptoOp(std::string_view segment) {
  if (segment == "encrypt") return KeyOp::kEncrypt;
  if (segment == "decrypt") return KeyOp::kDecrypt;
  if (segment == "wrapkey") return KeyOp::kWrapKey;
  if (segment == "unwrapkey") return KeyOp::kUnwrapKey;
  if (segment == "sign") return KeyOp::kSign;
  if (segment == "verify") return KeyOp::kVerify;
  return std::nullopt;
}

absl::StatusOr<KeyRoute> RouteLive(std::string_view m, const std::vector<std::string_view>& s) {
  const std::size_t n = s.size();
  if ((n == 1 || (n == 2 && s[1].empty())) && m == "GET") return Routed(KeyOp::kList);
  if (n == 2 && s[1] == "restore" && m == "POST") return Routed(KeyOp::kRestore);
  if (n == 2 && m == "PUT") return Routed(KeyOp::kImport, s[1]);
  if (n == 2 && m == "DELETE") return Routed(KeyOp::kDelete, s[1]);
  if (n == 2 && m == "GET") return Routed(KeyOp::kGet, s[1]);
  if (n == 3 && m == "POST") {
    if (s[2] == "create") return Routed(KeyOp::kCreate, s[1]);
    if (s[2] == "backup") return Routed(KeyOp::kBackup, s[1]);
    if (s[2] == "rotate") return Routed(KeyOp::kRotate, s[1]);
  }
  if (n == 3 && s[2] == "versions" && m == "GET") return Routed(KeyOp::kListVersions, s[1]);
  if (n == 3 && s[2] == "rotationpolicy") {
    if (m == "GET") return Routed(KeyOp::kGetRotationPolicy, s[1]);
    if (m == "PUT") return Routed(KeyOp::kSetRotationPolicy, s[1]);
  }
  if (n == 3 && m == "GET") return Routed(KeyOp::kGet, s[1], s[2]);
  if (n == 3 && m == "PATCH") return Routed(KeyOp::kUpdate, s[1], s[2]);
  if (n == 4 && m == "POST") {
    if (auto op = CryptoOp(s[3])) return Routed(*op, s[1], s[2]);
  }
  return BadShape();
}

absl::StatusOr<KeyRoute> RouteDeleted(std::string_view m, const std::vector<std::string_view>& s) {
  const std::size_t n = s.size();
  if ((n == 1 || (n == 2 && s[1].empty())) && m == "GET") return Routed(KeyOp::kListDeleted);
  if (n == 2 && m == "GET") return Routed(KeyOp::kGetDeleted, s[1]);
  if (n == 2 && m == "DELETE") return Routed(KeyOp::kPurge, s[1]);
  if (n == 3 && s[2] == "recover" && m == "POST") return Routed(KeyOp::kRecover, s[1]);
  return BadShape();
}

domain::KeyOperation DomainOp(KeyOp op) {
  switch (op) {
    case KeyOp::kEncrypt:
      return domain::KeyOperation::kEncrypt;
    case KeyOp::kDecrypt:
      return domain::KeyOperation::kDecrypt;
    case KeyOp::kWrapKey:
      return domain::KeyOperation::kWrapKey;
    case KeyOp::kUnwrapKey:
      return domain::KeyOperation::kUnwrapKey;
    case KeyOp::kVerify:
      return domain::KeyOperation::kVerify;
    default:
      return domain::KeyOperation::kSign;
  }
}

}  // namespace

std::optional<absl::StatusOr<KeyRoute>> RouteKeys(std::string_view method, std::string_view path) {
  if (path.empty() || path[0] != '/') return std::nullopt;
  std::vector<std::string_view> segments = Segments(path);
  if (segments[0] == "keys") return RouteLive(method, segments);
  if (segments[0] == "deletedkeys") return RouteDeleted(method, segments);
  if (segments[0] == "rng") {
    if (segments.size() == 1 && method == "POST") return Routed(KeyOp::kRandomBytes);
    return absl::StatusOr<KeyRoute>(BadShape());
  }
  return std::nullopt;
}

const char* RequiredPermission(KeyOp op) {
  switch (op) {
    case KeyOp::kCreate:
      return "create";
    case KeyOp::kImport:
      return "import";
    case KeyOp::kGet:
    case KeyOp::kGetDeleted:   // Azure's Get Deleted Key needs keys/get
    case KeyOp::kRandomBytes:  // no permission of its own on Azure; reading keys is the nearest
      return "get";
    case KeyOp::kUpdate:
      return "update";
    case KeyOp::kList:
    case KeyOp::kListVersions:
    case KeyOp::kListDeleted:
      return "list";
    case KeyOp::kDelete:
      return "delete";
    case KeyOp::kRecover:
      return "recover";
    case KeyOp::kPurge:
      return "purge";
    case KeyOp::kBackup:
      return "backup";
    case KeyOp::kRestore:
      return "restore";
    case KeyOp::kRotate:
      return "rotate";
    case KeyOp::kGetRotationPolicy:
      return "getrotationpolicy";
    case KeyOp::kSetRotationPolicy:
      return "setrotationpolicy";
    case KeyOp::kEncrypt:
      return "encrypt";
    case KeyOp::kDecrypt:
      return "decrypt";
    case KeyOp::kWrapKey:
      return "wrapkey";
    case KeyOp::kUnwrapKey:
      return "unwrapkey";
    case KeyOp::kSign:
      return "sign";
    case KeyOp::kVerify:
      return "verify";
  }
  return "none";
}

// A switch, not a table: -Wswitch (an error here) names a new operation without an audit name.
const char* OperationName(KeyOp op) {
  switch (op) {
    case KeyOp::kCreate:
      return "KeyCreate";
    case KeyOp::kImport:
      return "KeyImport";
    case KeyOp::kGet:
      return "KeyGet";
    case KeyOp::kUpdate:
      return "KeyUpdate";
    case KeyOp::kList:
      return "KeyList";
    case KeyOp::kListVersions:
      return "KeyListVersions";
    case KeyOp::kDelete:
      return "KeyDelete";
    case KeyOp::kGetDeleted:
      return "KeyGetDeleted";
    case KeyOp::kListDeleted:
      return "KeyListDeleted";
    case KeyOp::kRecover:
      return "KeyRecover";
    case KeyOp::kPurge:
      return "KeyPurge";
    case KeyOp::kBackup:
      return "KeyBackup";
    case KeyOp::kRestore:
      return "KeyRestore";
    case KeyOp::kRotate:
      return "KeyRotate";
    case KeyOp::kGetRotationPolicy:
      return "KeyGetRotationPolicy";
    case KeyOp::kSetRotationPolicy:
      return "KeySetRotationPolicy";
    case KeyOp::kEncrypt:
      return "KeyEncrypt";
    case KeyOp::kDecrypt:
      return "KeyDecrypt";
    case KeyOp::kWrapKey:
      return "KeyWrap";
    case KeyOp::kUnwrapKey:
      return "KeyUnwrap";
    case KeyOp::kSign:
      return "KeySign";
    case KeyOp::kVerify:
      return "KeyVerify";
    case KeyOp::kRandomBytes:
      return "RandomBytes";
  }
  return "KeyUnknown";
}

http::Response KeysApi::Serve(const KeyRoute& route, const http::Request& request,
                              const domain::Vault& vault, std::string_view base_url,
                              std::string_view api_version, std::string_view request_id) {
  auto response = Run(route, request, vault, base_url, api_version);
  if (!response.ok()) return AzureError(response.status(), "KeyNotFound", request_id);
  return std::move(*response);
}

absl::StatusOr<http::Response> KeysApi::Run(const KeyRoute& route, const http::Request& request,
                                            const domain::Vault& vault, std::string_view base_url,
                                            std::string_view api_version) {
  auto bundle = [&](const domain::Key& key) {
    return JsonOk([&](JsonWriter& w) { WriteKeyBundle(w, base_url, vault, key); });
  };
  auto policy_id = std::string(base_url) + "/keys/" + route.name + "/rotationpolicy";
  switch (route.op) {
    case KeyOp::kCreate: {
      COFFER_ASSIGN_OR_RETURN(CreateKeyRequest create, ParseCreateKey(request.body));
      COFFER_ASSIGN_OR_RETURN(
          domain::Key key,
          keys_.Create(vault, route.name, create.spec, create.hsm, create.options));
      return bundle(key);
    }
    case KeyOp::kImport: {
      COFFER_ASSIGN_OR_RETURN(ImportKeyRequest import, ParseImportKey(request.body));
      COFFER_ASSIGN_OR_RETURN(
          domain::Key key,
          keys_.Import(vault, route.name, import.parts, import.hsm, import.options));
      return bundle(key);
    }
    case KeyOp::kGet: {
      COFFER_ASSIGN_OR_RETURN(domain::Key key, keys_.Get(vault, route.name, route.version));
      return bundle(key);
    }
    case KeyOp::kUpdate: {
      COFFER_ASSIGN_OR_RETURN(domain::KeyUpdate update, ParseUpdateKey(request.body));
      COFFER_ASSIGN_OR_RETURN(domain::Key key,
                              keys_.Update(vault, route.name, route.version, update));
      return bundle(key);
    }
    case KeyOp::kDelete: {
      COFFER_ASSIGN_OR_RETURN(auto deleted, keys_.Delete(vault, route.name));
      return JsonOk([&](JsonWriter& w) { WriteDeletedKeyBundle(w, base_url, vault, deleted); });
    }
    case KeyOp::kGetDeleted: {
      COFFER_ASSIGN_OR_RETURN(auto deleted, keys_.GetDeleted(vault, route.name));
      return JsonOk([&](JsonWriter& w) { WriteDeletedKeyBundle(w, base_url, vault, deleted); });
    }
    case KeyOp::kRecover: {
      COFFER_ASSIGN_OR_RETURN(domain::Key key, keys_.Recover(vault, route.name));
      return bundle(key);
    }
    case KeyOp::kPurge: {
      COFFER_RETURN_IF_ERROR(keys_.Purge(vault, route.name));
      return http::Response::Text(204, "", "application/json; charset=utf-8");
    }
    case KeyOp::kBackup: {
      COFFER_ASSIGN_OR_RETURN(std::string blob, keys_.Backup(vault, route.name));
      return JsonOk([&](JsonWriter& w) {
        w.BeginObject().Key("value").String(Base64UrlEncode(blob)).EndObject();
      });
    }
    case KeyOp::kRestore: {
      COFFER_ASSIGN_OR_RETURN(std::string blob, ParseRestoreSecret(request.body));
      COFFER_ASSIGN_OR_RETURN(domain::Key key, keys_.Restore(vault, blob));
      return bundle(key);
    }
    case KeyOp::kRotate: {
      COFFER_ASSIGN_OR_RETURN(domain::Key key, keys_.Rotate(vault, route.name));
      return bundle(key);
    }
    case KeyOp::kGetRotationPolicy: {
      COFFER_ASSIGN_OR_RETURN(auto policy, keys_.GetRotationPolicy(vault, route.name));
      return JsonOk([&](JsonWriter& w) { WriteRotationPolicy(w, policy_id, policy); });
    }
    case KeyOp::kSetRotationPolicy: {
      COFFER_ASSIGN_OR_RETURN(domain::RotationPolicy wanted, ParseRotationPolicy(request.body));
      COFFER_ASSIGN_OR_RETURN(auto policy, keys_.SetRotationPolicy(vault, route.name, wanted));
      return JsonOk([&](JsonWriter& w) { WriteRotationPolicy(w, policy_id, policy); });
    }
    case KeyOp::kRandomBytes: {
      COFFER_ASSIGN_OR_RETURN(int count, ParseRandomBytes(request.body));
      COFFER_ASSIGN_OR_RETURN(std::string bytes, keys_.RandomBytes(count));
      return JsonOk([&](JsonWriter& w) {
        w.BeginObject().Key("value").String(Base64UrlEncode(bytes)).EndObject();
      });
    }
    case KeyOp::kEncrypt:
    case KeyOp::kDecrypt:
    case KeyOp::kWrapKey:
    case KeyOp::kUnwrapKey:
    case KeyOp::kSign:
    case KeyOp::kVerify:
      return Crypto(route, request, vault, base_url);
    case KeyOp::kList:
    case KeyOp::kListVersions:
    case KeyOp::kListDeleted:
      return List(route, request, vault, base_url, api_version);
  }
  return absl::InternalError("unrouted keys operation");
}

absl::StatusOr<http::Response> KeysApi::Crypto(const KeyRoute& route,
                                               const http::Request& request,
                                               const domain::Vault& vault,
                                               std::string_view base_url) {
  COFFER_ASSIGN_OR_RETURN(domain::KeyOperationRequest operation,
                          ParseKeyOperation(request.body, DomainOp(route.op)));
  COFFER_ASSIGN_OR_RETURN(domain::KeyOperationResult result,
                          keys_.Run(vault, route.name, route.version, operation));
  // The result names the version that did the work, also when the path named none.
  const std::string kid =
      std::string(base_url) + "/keys/" + result.name + "/" + result.version;
  return JsonOk([&](JsonWriter& w) { WriteKeyOperationResult(w, kid, operation, result); });
}

absl::StatusOr<http::Response> KeysApi::List(const KeyRoute& route, const http::Request& request,
                                             const domain::Vault& vault,
                                             std::string_view base_url,
                                             std::string_view api_version) {
  return ListResponse(
      request, base_url, api_version,
      [&](const std::string& continuation, std::size_t max,
          JsonWriter& w) -> absl::StatusOr<std::string> {
        if (route.op == KeyOp::kListDeleted) {
          COFFER_ASSIGN_OR_RETURN(auto page, keys_.ListDeleted(vault, continuation, max));
          for (const auto& d : page.items) WriteDeletedKeyItem(w, base_url, vault, d);
          return page.continuation;
        }
        const bool versions = route.op == KeyOp::kListVersions;
        COFFER_ASSIGN_OR_RETURN(auto page,
                                versions ? keys_.ListVersions(vault, route.name, continuation, max)
                                         : keys_.List(vault, continuation, max));
        for (const auto& p : page.items) WriteKeyItem(w, base_url, vault, p, versions);
        return page.continuation;
      });
}

}  // namespace coffer::api::rest
