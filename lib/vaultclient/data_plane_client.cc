#include "lib/vaultclient/data_plane_client.h"

#include <cctype>
#include <set>
#include <utility>

#include "lib/base/status.h"
#include "lib/vaultclient/azure_error.h"
#include "lib/vaultclient/secret_codec.h"
#include "nlohmann/json.hpp"

namespace coffer::vaultclient {
namespace {

// A runaway server must not keep a list going forever.
constexpr int kMaxPages = 10000;

void Wipe(std::string& s) {
  internal::ZeroMemory(s.data(), s.size());
  s.clear();
}

std::string SecretPath(std::string_view name) { return "/secrets/" + PercentEncode(name); }

std::string WithApiVersion(std::string path_and_query) {
  std::size_t q = path_and_query.find('?');
  if (q != std::string::npos) {
    std::string query = path_and_query.substr(q);
    if (query.find("api-version=") != std::string::npos ||
        query.find("api%2Dversion=") != std::string::npos) {
      return path_and_query;
    }
  }
  path_and_query += q == std::string::npos ? "?" : "&";
  return path_and_query + "api-version=" + DataPlaneClient::kApiVersion;
}

absl::Status CheckCredentials(const DataPlaneCredentials& c) {
  if (c.tenant_id.empty() || c.client_id.empty() || c.authority_host.empty() ||
      c.client_secret.empty() == c.client_assertion.empty()) {
    return absl::InvalidArgumentError(
        "the data plane needs a tenant id, client id, authority host, and either a client secret "
        "or a client assertion");
  }
  for (char ch : c.tenant_id) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '.') {
      return absl::InvalidArgumentError("invalid tenant id '" + c.tenant_id + "'");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<TokenSource>> MakeTokenSource(const DataPlaneOptions& options,
                                                             const std::string& scope,
                                                             const http::ClientFactory& factory,
                                                             Clock& clock) {
  const DataPlaneCredentials& c = options.credentials;
  COFFER_ASSIGN_OR_RETURN(Url authority, ParseUrl(c.authority_host));
  if (authority.path_and_query.find('?') != std::string::npos) {
    return absl::InvalidArgumentError("the authority host must not have a query");
  }
  std::string prefix = authority.path;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  http::ClientOptions http_options;
  COFFER_ASSIGN_OR_RETURN(http_options.base_url, DialOrigin(authority, options.connect_to));
  http_options.base_url += prefix;
  http_options.ca_file = options.ca_file;
  http_options.timeout = options.timeout;
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<http::Client> http, factory(http_options));
  TokenRequest request;
  request.token_path = "/" + c.tenant_id + "/oauth2/v2.0/token";
  request.endpoint = authority.Origin() + prefix + request.token_path;
  if (!options.connect_to.empty()) request.endpoint += " (via " + http_options.base_url + ")";
  if (!options.connect_to.empty()) request.host_header = authority.host;
  request.client_id = c.client_id;
  request.client_secret = c.client_secret;
  request.client_assertion = c.client_assertion;
  request.scope = scope + "/.default";
  return std::make_unique<TokenSource>(std::move(http), std::move(request), clock);
}

}  // namespace

absl::StatusOr<std::unique_ptr<DataPlaneClient>> DataPlaneClient::Create(
    const DataPlaneOptions& options, const http::ClientFactory& factory, Clock& clock) {
  COFFER_ASSIGN_OR_RETURN(Url url, ParseUrl(options.vault_url));
  if (!url.path_and_query.empty() && url.path_and_query != "/") {
    return absl::InvalidArgumentError("a vault URL has no path: '" + options.vault_url + "'");
  }
  COFFER_ASSIGN_OR_RETURN(std::string resource, ResourceForVaultHost(url.host));
  COFFER_RETURN_IF_ERROR(CheckCredentials(options.credentials));
  http::ClientOptions http_options;
  COFFER_ASSIGN_OR_RETURN(http_options.base_url, DialOrigin(url, options.connect_to));
  http_options.ca_file = options.ca_file;
  http_options.timeout = options.timeout;
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<http::Client> vault, factory(http_options));
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<TokenSource> tokens,
                          MakeTokenSource(options, resource, factory, clock));
  std::string host_header = options.connect_to.empty() ? "" : url.host;
  std::string via = options.connect_to.empty() ? "" : " (via " + http_options.base_url + ")";
  return std::unique_ptr<DataPlaneClient>(
      new DataPlaneClient(url.Origin(), url.host, std::move(host_header), std::move(via),
                          std::move(vault), std::move(tokens)));
}

absl::Status DataPlaneClient::SignIn() { return tokens_->Token().status(); }

absl::StatusOr<http::ClientResponse> DataPlaneClient::SendOnce(std::string_view method,
                                                               const std::string& path_and_query,
                                                               const std::string& body) {
  http::ClientRequest request;
  request.method = std::string(method);
  request.path_and_query = path_and_query;
  request.headers.Add("Accept", "application/json");
  if (!host_header_.empty()) request.headers.Add("Host", host_header_);
  if (!body.empty()) request.headers.Add("Content-Type", "application/json");
  absl::StatusOr<SecretBytes> token = tokens_->Token();
  if (!token.ok()) return token.status();
  request.headers.Add("Authorization", "Bearer " + std::string(token->reveal()));
  request.body = body;
  auto response = vault_->Send(request);
  Wipe(request.body);
  if (!response.ok()) {
    return absl::Status(response.status().code(), "cannot reach the vault at " + vault_url_ + ": " +
                                                      std::string(response.status().message()));
  }
  return response;
}

absl::StatusOr<http::ClientResponse> DataPlaneClient::Call(std::string_view method,
                                                           std::string path_and_query,
                                                           std::string body, int expected) {
  path_and_query = WithApiVersion(std::move(path_and_query));
  auto response = SendOnce(method, path_and_query, body);
  // A token the vault no longer takes (its signing key changed, say) is fetched again once.
  if (response.ok() && response->status == 401) {
    tokens_->Invalidate();
    response = SendOnce(method, path_and_query, body);
  }
  Wipe(body);
  if (!response.ok()) return response.status();
  if (response->status != expected) {
    return StatusFromAzureError(response->status, response->body);
  }
  return response;
}

absl::StatusOr<Secret> DataPlaneClient::CallForSecret(std::string_view method, std::string path,
                                                      std::string body) {
  COFFER_ASSIGN_OR_RETURN(http::ClientResponse response,
                          Call(method, std::move(path), std::move(body), 200));
  auto secret = ParseSecret(response.body);
  Wipe(response.body);
  return secret;
}

absl::StatusOr<Secret> DataPlaneClient::SetSecret(std::string_view name, const SecretBytes& value,
                                                  const SetSecretOptions& options) {
  COFFER_ASSIGN_OR_RETURN(SecretBytes body, SetSecretBody(value, options));
  return CallForSecret("PUT", SecretPath(name), std::string(body.reveal()));
}

absl::StatusOr<Secret> DataPlaneClient::GetSecret(std::string_view name, std::string_view version) {
  return CallForSecret("GET", SecretPath(name) + "/" + PercentEncode(version));
}

absl::StatusOr<std::vector<Secret>> DataPlaneClient::ListSecrets() { return List("/secrets"); }

absl::StatusOr<std::vector<Secret>> DataPlaneClient::ListVersions(std::string_view name) {
  return List(SecretPath(name) + "/versions");
}

absl::StatusOr<std::vector<Secret>> DataPlaneClient::ListDeletedSecrets() {
  return List("/deletedsecrets");
}

absl::StatusOr<Secret> DataPlaneClient::DeleteSecret(std::string_view name) {
  return CallForSecret("DELETE", SecretPath(name));
}

absl::StatusOr<Secret> DataPlaneClient::GetDeletedSecret(std::string_view name) {
  return CallForSecret("GET", "/deletedsecrets/" + PercentEncode(name));
}

absl::StatusOr<Secret> DataPlaneClient::RecoverSecret(std::string_view name) {
  return CallForSecret("POST", "/deletedsecrets/" + PercentEncode(name) + "/recover");
}

absl::Status DataPlaneClient::PurgeSecret(std::string_view name) {
  return Call("DELETE", "/deletedsecrets/" + PercentEncode(name), "", 204).status();
}

absl::StatusOr<std::string> DataPlaneClient::BackupSecret(std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(http::ClientResponse response,
                          Call("POST", SecretPath(name) + "/backup", "", 200));
  return ParseBackupBlob(response.body);
}

absl::StatusOr<Secret> DataPlaneClient::RestoreSecret(std::string_view blob) {
  return CallForSecret("POST", "/secrets/restore", RestoreBody(blob));
}

absl::StatusOr<std::vector<Secret>> DataPlaneClient::List(std::string path) {
  std::vector<Secret> out;
  COFFER_RETURN_IF_ERROR(
      Pages(std::move(path), [&](const std::string& body) -> absl::StatusOr<std::string> {
        COFFER_ASSIGN_OR_RETURN(SecretPage items, ParseSecretPage(body));
        for (Secret& item : items.items) out.push_back(std::move(item));
        return items.next_link;
      }));
  return out;
}

absl::StatusOr<std::string> DataPlaneClient::CallJson(std::string_view method,
                                                      std::string path_and_query,
                                                      std::string body, int expected) {
  COFFER_ASSIGN_OR_RETURN(http::ClientResponse response,
                          Call(method, std::move(path_and_query), std::move(body), expected));
  return std::move(response.body);
}

absl::StatusOr<std::vector<std::string>> DataPlaneClient::ListJson(std::string path) {
  std::vector<std::string> out;
  COFFER_RETURN_IF_ERROR(
      Pages(std::move(path), [&](const std::string& body) -> absl::StatusOr<std::string> {
        auto page = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
        if (page.is_discarded() || !page.is_object() || !page.contains("value") ||
            !page["value"].is_array()) {
          return absl::InternalError("the vault's list page is not {\"value\": [...]}");
        }
        for (const auto& item : page["value"]) out.push_back(item.dump());
        auto next = page.find("nextLink");
        return next != page.end() && next->is_string() ? next->get<std::string>() : "";
      }));
  return out;
}

absl::Status DataPlaneClient::Pages(
    std::string path, const std::function<absl::StatusOr<std::string>(const std::string&)>& take) {
  std::set<std::string> seen;
  for (int page = 0; page < kMaxPages; ++page) {
    COFFER_ASSIGN_OR_RETURN(http::ClientResponse response, Call("GET", path, "", 200));
    COFFER_ASSIGN_OR_RETURN(std::string next_link, take(response.body));
    if (next_link.empty()) return absl::OkStatus();
    // The link's origin is ignored: the next page comes from the same vault, over the same
    // connection settings, so a token never goes anywhere else.
    auto next = ParseUrl(next_link);
    if (!next.ok() || next->host != vault_host_ || next->path_and_query.empty()) {
      return absl::InternalError("unexpected nextLink from the vault: " + next_link);
    }
    if (!seen.insert(next->path_and_query).second) {
      return absl::InternalError("the vault's nextLink repeats: " + next_link);
    }
    path = next->path_and_query;
  }
  return absl::InternalError("the vault's list did not end after " + std::to_string(kMaxPages) +
                             " pages");
}

}  // namespace coffer::vaultclient
