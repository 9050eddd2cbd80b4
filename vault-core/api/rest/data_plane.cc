#include "vault-core/api/rest/data_plane.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "lib/base/absl_compat.h"
#include "lib/base/logging.h"
#include "lib/base/status.h"
#include "vault-core/api/rest/azure_errors.h"
#include "vault-core/crypto/random.h"

namespace coffer::api::rest {
namespace {

// The Host header without its port, lower-cased.
std::string HostName(const http::Request& request) {
  std::string host(request.headers.Get("Host").value_or(""));
  std::size_t colon = host.rfind(':');
  if (colon != std::string::npos && host.find(']') == std::string::npos) host.resize(colon);
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return host;
}

// Request ids: unique per process and cheap (no CSPRNG call per request): a random prefix
// chosen once, then a counter. They identify requests in logs; they are not secrets.
std::string NextRequestId() {
  static const std::string prefix = crypto::RandomHex(8);
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  std::string id = prefix;
  id.resize(prefix.size() + 16);
  for (int i = 15; i >= 0; --i, n >>= 4) id[prefix.size() + i] = "0123456789abcdef"[n & 0xF];
  return id;
}

// "secrets", "secrets/NAME" or "secrets/NAME/VERSION": the object an audit record names.
std::string ObjectPath(const char* collection, const std::string& name,
                       const std::string& version) {
  std::string object = collection;
  if (!name.empty()) object += "/" + name;
  if (!name.empty() && !version.empty()) object += "/" + version;
  return object;
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string ResourceOf(std::string_view host) {
  std::size_t dot = host.find('.');
  return "https://" + std::string(dot == std::string_view::npos ? host : host.substr(dot + 1));
}

std::string ChallengeResource(std::string_view host_header) {
  std::string host(host_header);
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string port;
  const std::size_t colon = host.rfind(':');
  if (colon != std::string::npos && host.find(']') == std::string::npos) {
    port = host.substr(colon + 1);
    host.resize(colon);
  }
  std::string resource = ResourceOf(host);
  // The Python SDK compares the request's host:port with the resource's; the JS SDK compares
  // host names only. A non-default port in the resource satisfies both.
  if (!port.empty() && port != "443" && IsDigits(port) && port.size() <= 5) resource += ":" + port;
  return resource;
}

bool AcceptApiVersion(std::string_view v, bool* newer) {
  *newer = false;
  // "7.4-preview.1" (the Python keys SDK's default): served as its release, 7.4.
  if (std::size_t dash = v.find("-preview."); dash == 3 && IsDigits(v.substr(dash + 9))) {
    v = v.substr(0, dash);
  }
  if (v.size() == 3 && v.substr(0, 2) == "7." && IsDigits(v.substr(2))) {
    *newer = v[2] > '6';
    return true;
  }
  if (v == "2016-10-01") return true;
  bool is_date = v.size() == 10 && IsDigits(v.substr(0, 4)) && v[4] == '-' &&
                 IsDigits(v.substr(5, 2)) && v[7] == '-' && IsDigits(v.substr(8, 2));
  if (!is_date) return false;
  if (v == "2025-07-01") return true;
  *newer = v > std::string_view("2025-07-01");
  return *newer;
}

std::shared_ptr<const domain::Vault> DataPlane::VaultFor(const http::Request& request) {
  std::string host = HostName(request);
  if (host.find('.') == std::string::npos) return nullptr;  // never a vault hostname
  auto vault = deps_.vaults.ResolveHost(host);
  return vault.ok() ? *vault : nullptr;
}

http::Response DataPlane::Challenge(const std::string& resource, std::string_view message) {
  http::Response response = AzureError(401, "Unauthorized", message);
  response.headers.Add("WWW-Authenticate", "Bearer authorization=\"" + authority_.tenant_url() +
                                               "\", resource=\"" + resource + "\"");
  return response;
}

absl::StatusOr<std::string> DataPlane::Authenticate(const http::Request& request,
                                                    const std::string& resource) {
  // A token for the resource without its port serves too (what a client that got its token
  // from a portless challenge, or asked for it itself, holds).
  const std::string portless = ResourceOf(HostName(request));
  std::string_view header = request.headers.Get("Authorization").value_or("");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() ||
      !absl::StartsWithIgnoreCase(AsAbsl(header), AsAbsl(kBearer))) {
    return absl::UnauthenticatedError("AKV10000: Request is missing a Bearer or PoP token.");
  }
  auto claims = deps_.verifier.Verify(header.substr(kBearer.size()), resource, portless);
  if (!claims.ok()) {
    return absl::UnauthenticatedError(
        "AKV10022: Invalid token: " + std::string(claims.status().message()) + ".");
  }
  COFFER_ASSIGN_OR_RETURN(bool exists, deps_.principals.Exists(claims->subject));
  if (!exists) {
    return absl::UnauthenticatedError("AKV10022: The token's principal no longer exists.");
  }
  return claims->subject;
}

std::optional<http::Response> DataPlane::OnHeaders(const http::Request& head) {
  // Only a request with a body needs its answer before the body is read; a bodiless one is
  // answered once, in HandleAsync. What can be refused from the headers is, so that no body is
  // read (up to http.max_body_bytes, for as long as the read timeout) only to be thrown away.
  auto length = head.headers.Get("Content-Length");
  bool has_body =
      head.headers.Get("Transfer-Encoding").has_value() || (length.has_value() && *length != "0");
  if (!has_body) return std::nullopt;
  if (deps_.audit.Overloaded()) return Unaudited(head, Behind());
  if (deps_.tokens.Owns(head.path)) {
    std::size_t declared = 0;
    if (length.has_value() && absl::SimpleAtoi(AsAbsl(*length), &declared) &&
        declared > TokenApi::kMaxRequestBytes) {
      return Unaudited(head, RenderError(413, "A token request is at most 64 KiB."));
    }
    return std::nullopt;
  }
  auto vault = VaultFor(head);
  if (vault == nullptr) {
    return Unaudited(head, AzureError(404, "NotFound", "No vault is addressed by this host name."));
  }
  std::string resource = ChallengeResource(head.headers.Get("Host").value_or(""));
  auto principal = Authenticate(head, resource);
  if (!absl::IsUnauthenticated(principal.status())) {
    return std::nullopt;  // other failures are answered (and audited) by HandleAsync
  }
  // Audited too, without waiting: a refusal acknowledges nothing that could be lost.
  audit::AuditRecord record;
  record.request_id = NextRequestId();
  record.vault = vault->name;
  record.principal = "anonymous";
  record.operation = "Authenticate";
  record.object = head.path;
  record.result = "401";
  record.client_address = head.remote_address;
  deps_.audit.AppendAsync(std::move(record), [](absl::Status) {});
  return Challenge(resource, AsStd(principal.status().message()));
}

void DataPlane::Stamp(const http::Request& request, const std::string& request_id,
                      http::Response& response) {
  response.headers.Add("x-ms-request-id", request_id);
  if (auto client_id = request.headers.Get("x-ms-client-request-id")) {
    response.headers.Add("x-ms-client-request-id", std::string(*client_id));
  }
}

void DataPlane::HandleAsync(const http::Request& request,
                            std::function<void(http::Response)> respond) {
  std::string request_id = NextRequestId();
  if (deps_.audit.Overloaded()) {  // turned away before it acts, so nothing goes unaudited
    http::Response busy = Unaudited(request, Behind());
    Stamp(request, request_id, busy);
    return respond(std::move(busy));
  }
  if (deps_.tokens.Owns(request.path)) {
    const http::Request* req = &request;
    return deps_.tokens.ServeAsync(
        request, request_id,
        [req, request_id, respond = std::move(respond)](http::Response response) {
          Stamp(*req, request_id, response);
          respond(std::move(response));
        });
  }
  auto vault = VaultFor(request);
  if (vault == nullptr) {
    http::Response response =
        Unaudited(request, AzureError(404, "NotFound", "No vault is addressed by this host name."));
    Stamp(request, request_id, response);
    return respond(std::move(response));
  }
  auto start = std::chrono::steady_clock::now();
  audit::AuditRecord record;
  record.request_id = request_id;
  record.vault = vault->name;
  record.principal = "anonymous";
  record.operation = "Authenticate";  // until the request is routed
  record.client_address = request.remote_address;
  http::Response response = ServeVault(request, *vault, request_id, record);
  Stamp(request, request_id, response);
  record.result = std::to_string(response.status);
  record.latency = absl::FromChrono(std::chrono::steady_clock::now() - start);
  // The answer leaves only once its audit record is durable; appends are grouped per fsync.
  auto pending = std::make_shared<http::Response>(std::move(response));
  deps_.audit.AppendAsync(std::move(record), [this, pending, request_id,
                                              respond = std::move(respond)](absl::Status s) {
    if (s.ok()) return respond(std::move(*pending));
    int64_t held_back = 0;
    if (audit_failure_log_.Admit("audit", &held_back)) {
      COFFER_LOG(kAudit, err,
                 "request {} failed: its audit record could not be written ({} more since the "
                 "last line)",
                 request_id, held_back);
    }
    http::Response failed =
        AzureError(503, "ServiceUnavailable", "The audit log is unavailable; retry.");
    failed.headers.Add("x-ms-request-id", request_id);
    failed.headers.Add("Retry-After", "1");
    respond(std::move(failed));
  });
}

http::Response DataPlane::Unaudited(const http::Request& request, http::Response response) {
  int64_t held_back = 0;
  if (access_log_.Admit("unaudited", &held_back)) {
    COFFER_LOG(kHttp, info, "not audited: {} {} {} host {} from {} ({} more not logged)",
               response.status, ForLog(request.method, 16), ForLog(request.path),
               ForLog(request.headers.Get("Host").value_or(""), 128),
               ForLog(request.remote_address, 64), held_back);
  }
  return response;
}

http::Response DataPlane::Behind() {
  http::Response busy = AzureError(503, "ServiceUnavailable",
                                   "The audit log cannot take more requests now; retry shortly.");
  busy.headers.Add("Retry-After", "1");
  return busy;
}

http::Response DataPlane::RenderError(int status, std::string_view message) {
  const char* code = status == 413   ? "RequestEntityTooLarge"
                     : status == 431 ? "RequestHeaderFieldsTooLarge"
                                     : "BadParameter";
  return AzureError(status, code, message);
}

http::Response DataPlane::Handle(const http::Request& request) {
  return http::HandleAndWait(*this, request);
}

http::Response DataPlane::ServeVault(const http::Request& request, const domain::Vault& vault,
                                     const std::string& request_id, audit::AuditRecord& record) {
  std::string resource = ChallengeResource(request.headers.Get("Host").value_or(""));
  auto principal = Authenticate(request, resource);
  if (absl::IsUnauthenticated(principal.status())) {
    return Challenge(resource, AsStd(principal.status().message()));
  }
  if (!principal.ok()) return AzureError(principal.status(), "NotFound", request_id);
  record.principal = *principal;

  auto version = request.query.find("api-version");
  bool newer = false;
  if (version == request.query.end()) {
    return AzureError(400, "BadParameter", "The api-version query parameter is required.");
  }
  if (!AcceptApiVersion(version->second, &newer)) {
    return AzureError(400, "BadParameter",
                      "The specified version (" + version->second +
                          ") is not recognized. Consider using the latest supported version "
                          "(2025-07-01).");
  }
  if (newer) COFFER_LOG(kVault, debug, "api-version {} served as the latest", version->second);

  std::string base_url = scheme_ + "://" + std::string(request.headers.Get("Host").value_or(""));
  // Each kind's route: named in the audit record, authorised by the vault's access policies
  // (a 403 that says nothing about the object), then served.
  auto serve = [&](domain::ObjectKind kind, const auto& route, std::string object,
                   auto& api) -> http::Response {
    record.operation = OperationName(route.op);
    record.object = std::move(object);
    if (auto denied =
            Authorize(vault, *principal, kind, RequiredPermission(route.op), request_id)) {
      return std::move(*denied);
    }
    return api.Serve(route, request, vault, base_url, version->second, request_id);
  };
  if (auto route = RouteSecrets(request.method, request.path)) {
    if (!route->ok()) return AzureError(route->status(), "NotFound", request_id);
    return serve(domain::ObjectKind::kSecrets, **route,
                 ObjectPath("secrets", (*route)->name, (*route)->version), secrets_api_);
  }
  if (auto route = RouteKeys(request.method, request.path)) {
    if (!route->ok()) return AzureError(route->status(), "NotFound", request_id);
    return serve(domain::ObjectKind::kKeys, **route,
                 ObjectPath("keys", (*route)->name, (*route)->version), keys_api_);
  }
  if (auto route = RouteCertificates(request.method, request.path)) {
    if (!route->ok()) return AzureError(route->status(), "NotFound", request_id);
    return serve(domain::ObjectKind::kCertificates, **route, AuditObject(**route),
                 certificates_api_);
  }
  return AzureError(404, "NotFound", "This vault serves no such path.");
}

std::optional<http::Response> DataPlane::Authorize(const domain::Vault& vault,
                                                   const std::string& principal,
                                                   domain::ObjectKind kind,
                                                   const char* permission,
                                                   const std::string& request_id) {
  auto allowed = deps_.policies.Allowed(vault.id, principal, kind, permission);
  if (!allowed.ok()) return AzureError(allowed.status(), "NotFound", request_id);
  if (*allowed) return std::nullopt;
  return AzureError(403, "Forbidden",
                    "The principal '" + principal + "' does not have " +
                        domain::ObjectKindName(kind) + " " + permission +
                        " permission on key vault '" + vault.name + "'.",
                    "AccessDenied");
}

}  // namespace coffer::api::rest
