#include "vault-core/api/rest/secrets_api.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "vault-core/api/rest/azure_errors.h"
#include "vault-core/api/rest/rest_helpers.h"
#include "vault-core/api/rest/secret_json.h"
#include "vault-core/crypto/vault_certificates.h"
#include "vault-core/domain/certificate.h"

namespace coffer::api::rest {
namespace {

absl::StatusOr<SecretRoute> Routed(SecretOp op, std::string_view name = {},
                                   std::string_view version = {}) {
  return SecretRoute{op, std::string(name), std::string(version)};
}

absl::Status BadShape() {
  return absl::InvalidArgumentError("The request URI or method is not valid for secrets.");
}

absl::StatusOr<SecretRoute> RouteLive(std::string_view m, const std::vector<std::string_view>& s) {
  std::size_t n = s.size();
  if ((n == 1 || (n == 2 && s[1].empty())) && m == "GET") return Routed(SecretOp::kList);
  if (n == 2 && s[1] == "restore" && m == "POST") return Routed(SecretOp::kRestore);
  if (n == 2 && m == "PUT") return Routed(SecretOp::kSet, s[1]);
  if (n == 2 && m == "DELETE") return Routed(SecretOp::kDelete, s[1]);
  if (n == 2 && m == "GET") return Routed(SecretOp::kGet, s[1]);
  if (n == 3 && s[2] == "versions" && m == "GET") return Routed(SecretOp::kListVersions, s[1]);
  if (n == 3 && s[2] == "backup" && m == "POST") return Routed(SecretOp::kBackup, s[1]);
  if (n == 3 && m == "GET") return Routed(SecretOp::kGet, s[1], s[2]);
  if (n == 3 && m == "PATCH") return Routed(SecretOp::kUpdate, s[1], s[2]);
  return BadShape();
}

absl::StatusOr<SecretRoute> RouteDeleted(std::string_view m,
                                         const std::vector<std::string_view>& s) {
  std::size_t n = s.size();
  if ((n == 1 || (n == 2 && s[1].empty())) && m == "GET") return Routed(SecretOp::kListDeleted);
  if (n == 2 && m == "GET") return Routed(SecretOp::kGetDeleted, s[1]);
  if (n == 2 && m == "DELETE") return Routed(SecretOp::kPurge, s[1]);
  if (n == 3 && s[2] == "recover" && m == "POST") return Routed(SecretOp::kRecover, s[1]);
  return BadShape();
}

// `outContentType`: a certificate's PKCS#12 secret given as PEM, the one conversion Azure
// offers (a non-exportable certificate's holds the chain alone); asking for the format a
// secret already has changes nothing.
absl::Status Convert(const std::string& wanted, domain::Secret& secret) {
  if (wanted == secret.properties.content_type) return absl::OkStatus();
  if (wanted != domain::kPemContentType || !secret.properties.managed ||
      secret.properties.content_type != domain::kPkcs12ContentType) {
    return absl::InvalidArgumentError(
        "outContentType can only turn a certificate's application/x-pkcs12 secret into "
        "application/x-pem-file.");
  }
  std::optional<std::string> pfx = Base64Decode(secret.value.reveal());
  if (!pfx.has_value()) return absl::InvalidArgumentError("The secret is not a base64 PFX.");
  SecretBytes der(*pfx);
  internal::ZeroMemory(pfx->data(), pfx->size());
  COFFER_ASSIGN_OR_RETURN(crypto::CertificateWithKey bundle,
                          crypto::ReadPkcs12(der.reveal(), SecretBytes(), /*key_required=*/false));
  COFFER_ASSIGN_OR_RETURN(secret.value, crypto::WritePemBundle(bundle));
  secret.properties.content_type = domain::kPemContentType;
  return absl::OkStatus();
}

}  // namespace

std::optional<absl::StatusOr<SecretRoute>> RouteSecrets(std::string_view method,
                                                        std::string_view path) {
  if (path.empty() || path[0] != '/') return std::nullopt;
  std::vector<std::string_view> segments = Segments(path);
  if (segments[0] == "secrets") return RouteLive(method, segments);
  if (segments[0] == "deletedsecrets") return RouteDeleted(method, segments);
  return std::nullopt;
}

const char* RequiredPermission(SecretOp op) {
  switch (op) {
    case SecretOp::kSet:
    case SecretOp::kUpdate:
      return "set";
    case SecretOp::kGet:
      return "get";
    case SecretOp::kList:
    case SecretOp::kListVersions:
    case SecretOp::kGetDeleted:
    case SecretOp::kListDeleted:
      return "list";
    case SecretOp::kDelete:
      return "delete";
    case SecretOp::kRecover:
      return "recover";
    case SecretOp::kPurge:
      return "purge";
    case SecretOp::kBackup:
      return "backup";
    case SecretOp::kRestore:
      return "restore";
  }
  return "none";
}

// A switch rather than a table indexed by the enum: -Wswitch (an error here) names a new
// operation that has no audit name.
const char* OperationName(SecretOp op) {
  switch (op) {
    case SecretOp::kSet:
      return "SecretSet";
    case SecretOp::kGet:
      return "SecretGet";
    case SecretOp::kUpdate:
      return "SecretUpdate";
    case SecretOp::kList:
      return "SecretList";
    case SecretOp::kListVersions:
      return "SecretListVersions";
    case SecretOp::kDelete:
      return "SecretDelete";
    case SecretOp::kGetDeleted:
      return "SecretGetDeleted";
    case SecretOp::kListDeleted:
      return "SecretListDeleted";
    case SecretOp::kRecover:
      return "SecretRecover";
    case SecretOp::kPurge:
      return "SecretPurge";
    case SecretOp::kBackup:
      return "SecretBackup";
    case SecretOp::kRestore:
      return "SecretRestore";
  }
  return "SecretUnknown";
}

http::Response SecretsApi::Serve(const SecretRoute& route, const http::Request& request,
                                 const domain::Vault& vault, std::string_view base_url,
                                 std::string_view api_version, std::string_view request_id) {
  auto response = Run(route, request, vault, base_url, api_version);
  if (!response.ok()) return AzureError(response.status(), "SecretNotFound", request_id);
  return std::move(*response);
}

absl::StatusOr<http::Response> SecretsApi::Run(const SecretRoute& route,
                                               const http::Request& request,
                                               const domain::Vault& vault,
                                               std::string_view base_url,
                                               std::string_view api_version) {
  switch (route.op) {
    case SecretOp::kSet: {
      COFFER_ASSIGN_OR_RETURN(SetSecretRequest set, ParseSetSecret(request.body));
      COFFER_ASSIGN_OR_RETURN(domain::Secret secret,
                              secrets_.Set(vault, route.name, set.value, set.options));
      return JsonOk([&](JsonWriter& w) {
        WriteSecretBundle(w, base_url, vault, secret.properties, &secret.value);
      });
    }
    case SecretOp::kGet: {
      COFFER_ASSIGN_OR_RETURN(domain::Secret secret,
                              secrets_.Get(vault, route.name, route.version));
      auto out = request.query.find("outContentType");
      if (out != request.query.end()) COFFER_RETURN_IF_ERROR(Convert(out->second, secret));
      return JsonOk([&](JsonWriter& w) {
        WriteSecretBundle(w, base_url, vault, secret.properties, &secret.value);
      });
    }
    case SecretOp::kUpdate: {
      COFFER_ASSIGN_OR_RETURN(domain::SecretUpdate update, ParseUpdateSecret(request.body));
      COFFER_ASSIGN_OR_RETURN(auto properties,
                              secrets_.Update(vault, route.name, route.version, update));
      return JsonOk(
          [&](JsonWriter& w) { WriteSecretBundle(w, base_url, vault, properties, nullptr); });
    }
    case SecretOp::kDelete: {
      COFFER_ASSIGN_OR_RETURN(auto deleted, secrets_.Delete(vault, route.name));
      return JsonOk([&](JsonWriter& w) { WriteDeletedSecretBundle(w, base_url, vault, deleted); });
    }
    case SecretOp::kGetDeleted: {
      COFFER_ASSIGN_OR_RETURN(auto deleted, secrets_.GetDeleted(vault, route.name));
      return JsonOk([&](JsonWriter& w) { WriteDeletedSecretBundle(w, base_url, vault, deleted); });
    }
    case SecretOp::kRecover: {
      COFFER_ASSIGN_OR_RETURN(auto properties, secrets_.Recover(vault, route.name));
      return JsonOk(
          [&](JsonWriter& w) { WriteSecretBundle(w, base_url, vault, properties, nullptr); });
    }
    case SecretOp::kPurge: {
      COFFER_RETURN_IF_ERROR(secrets_.Purge(vault, route.name));
      return http::Response::Text(204, "", "application/json; charset=utf-8");
    }
    case SecretOp::kBackup: {
      COFFER_ASSIGN_OR_RETURN(std::string blob, secrets_.Backup(vault, route.name));
      return JsonOk([&](JsonWriter& w) {
        w.BeginObject().Key("value").String(Base64UrlEncode(blob)).EndObject();
      });
    }
    case SecretOp::kRestore: {
      COFFER_ASSIGN_OR_RETURN(std::string blob, ParseRestoreSecret(request.body));
      COFFER_ASSIGN_OR_RETURN(auto properties, secrets_.Restore(vault, blob));
      return JsonOk(
          [&](JsonWriter& w) { WriteSecretBundle(w, base_url, vault, properties, nullptr); });
    }
    case SecretOp::kList:
    case SecretOp::kListVersions:
    case SecretOp::kListDeleted:
      return List(route, request, vault, base_url, api_version);
  }
  return absl::InternalError("unrouted secrets operation");
}

absl::StatusOr<http::Response> SecretsApi::List(const SecretRoute& route,
                                                const http::Request& request,
                                                const domain::Vault& vault,
                                                std::string_view base_url,
                                                std::string_view api_version) {
  return ListResponse(
      request, base_url, api_version,
      [&](const std::string& continuation, std::size_t max,
          JsonWriter& w) -> absl::StatusOr<std::string> {
        if (route.op == SecretOp::kListDeleted) {
          COFFER_ASSIGN_OR_RETURN(auto page, secrets_.ListDeleted(vault, continuation, max));
          for (const auto& d : page.items) WriteDeletedSecretItem(w, base_url, vault, d);
          return page.continuation;
        }
        const bool versions = route.op == SecretOp::kListVersions;
        COFFER_ASSIGN_OR_RETURN(auto page,
                                versions ? secrets_.ListVersions(vault, route.name, continuation, max)
                                         : secrets_.List(vault, continuation, max));
        for (const auto& p : page.items) WriteSecretItem(w, base_url, vault, p, versions);
        return page.continuation;
      });
}

}  // namespace coffer::api::rest
