#include "lib/vaultclient/challenge.h"

#include <optional>

#include "absl/strings/match.h"
#include "lib/base/absl_compat.h"
#include "lib/base/status.h"
#include "lib/vaultclient/url.h"

namespace coffer::vaultclient {
namespace {

// The quoted value of `name="..."` among a challenge's comma-separated parameters.
std::string_view Param(std::string_view params, std::string_view name) {
  std::size_t at = 0;
  while ((at = params.find(name, at)) != std::string_view::npos) {
    bool starts = at == 0 || params[at - 1] == ' ' || params[at - 1] == ',';
    std::size_t value = at + name.size();
    if (starts && params.substr(value, 2) == "=\"") {
      std::size_t end = params.find('"', value + 2);
      if (end == std::string_view::npos) return {};
      return params.substr(value + 2, end - value - 2);
    }
    at = value;
  }
  return {};
}

}  // namespace

absl::StatusOr<VaultAuthority> ParseChallenge(std::string_view header) {
  if (!absl::StartsWithIgnoreCase(AsAbsl(header), "Bearer ")) {
    return absl::InvalidArgumentError("the vault's challenge is not a Bearer challenge");
  }
  std::string_view authorization = Param(header.substr(7), "authorization");
  if (authorization.empty()) authorization = Param(header.substr(7), "authorization_uri");
  while (!authorization.empty() && authorization.back() == '/') authorization.remove_suffix(1);
  std::size_t slash = authorization.rfind('/');
  auto url = ParseUrl(authorization);
  // The caller sends credentials there (a pod's token): only over TLS.
  if (!url.ok() || url->scheme != "https" || slash == std::string_view::npos ||
      slash + 1 == authorization.size() || url->path.empty()) {
    return absl::InvalidArgumentError("the vault's challenge names no authority and tenant");
  }
  VaultAuthority result;
  result.authority_host = std::string(authorization.substr(0, slash));
  result.tenant_id = std::string(authorization.substr(slash + 1));
  return result;
}

absl::StatusOr<VaultAuthority> DiscoverAuthority(std::string_view vault_url,
                                                 std::string_view connect_to,
                                                 const std::string& ca_file,
                                                 const http::ClientFactory& factory) {
  COFFER_ASSIGN_OR_RETURN(Url url, ParseUrl(vault_url));
  http::ClientOptions options;
  COFFER_ASSIGN_OR_RETURN(options.base_url, DialOrigin(url, connect_to));
  options.ca_file = ca_file;
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<http::Client> client, factory(options));
  http::ClientRequest request;
  request.method = "GET";
  request.path_and_query = "/secrets?api-version=7.6";
  if (!connect_to.empty()) request.headers.Add("Host", url.host);
  auto response = client->Send(request);
  if (!response.ok()) {
    return absl::Status(response.status().code(), "cannot reach the vault at " + url.Origin() +
                                                      ": " +
                                                      std::string(response.status().message()));
  }
  std::optional<std::string_view> challenge = response->headers.Get("WWW-Authenticate");
  if (response->status != 401 || !challenge) {
    return absl::FailedPreconditionError("the vault at " + url.Origin() + " answered " +
                                         std::to_string(response->status) +
                                         " without a login challenge");
  }
  return ParseChallenge(*challenge);
}

}  // namespace coffer::vaultclient
