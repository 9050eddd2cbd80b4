#ifndef COFFER_LIB_VAULTCLIENT_DATA_PLANE_CLIENT_H_
#define COFFER_LIB_VAULTCLIENT_DATA_PLANE_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "lib/base/secret_bytes.h"
#include "lib/http/client.h"
#include "lib/vaultclient/secret.h"
#include "lib/vaultclient/token_source.h"
#include "lib/vaultclient/url.h"

namespace coffer::vaultclient {

// How the client logs in, as the Azure SDKs take it (AZURE_TENANT_ID, ...): a service
// principal's client secret, or a signed assertion (a pod's service-account token for its
// managed identity, as WorkloadIdentityCredential sends it). Exactly one of the two.
struct DataPlaneCredentials {
  std::string tenant_id;
  std::string client_id;
  SecretBytes client_secret;
  std::string authority_host;  // "https://login.example.com[:port]"; Coffer's token service
  SecretBytes client_assertion;
};

struct DataPlaneOptions {
  std::string vault_url;  // "https://prod.vault.example.com[:port]"
  std::string ca_file;    // PEM bundle to trust instead of the system store; optional
  // Like curl --connect-to: "ADDR" or "ADDR:PORT" to dial instead of the URL's host (for the
  // vault and the authority alike: Coffer serves both). TLS still checks the URL's host name,
  // which is also sent as Host, without its port: the HTTP client takes a Host header as the
  // TLS server name too, where a port would not match the certificate. Optional.
  std::string connect_to;
  DataPlaneCredentials credentials;
  absl::Duration timeout = absl::Seconds(30);
};

// A client of one vault's secrets REST API (api-version 7.6), authenticated with a token from
// the client-credentials grant, cached until 5 minutes before it expires. Thread-safe.
//
// Errors keep the vault's code and message ("SecretNotFound: A secret with (name/id) x was not
// found in this key vault.") under these codes: NOT_FOUND (404), PERMISSION_DENIED (403),
// UNAUTHENTICATED (401, or the token endpoint refused the credentials), ALREADY_EXISTS (409),
// INVALID_ARGUMENT (400), UNAVAILABLE (5xx, 429, or the vault cannot be reached),
// DEADLINE_EXCEEDED (timeout). Values and tokens are never logged.
class DataPlaneClient {
 public:
  static constexpr const char* kApiVersion = "7.6";

  // Speaks HTTP through clients made by `factory` (the binary picks the backend; tests a fake).
  // INVALID_ARGUMENT for a bad URL, --connect-to, CA file or missing credentials. Does no I/O
  // beyond reading the CA file.
  static absl::StatusOr<std::unique_ptr<DataPlaneClient>> Create(const DataPlaneOptions& options,
                                                                 const http::ClientFactory& factory,
                                                                 Clock& clock = Clock::Real());

  // Gets an access token now, when none is cached: the credentials are checked at the token
  // service even when no vault call follows.
  absl::Status SignIn();

  // Creates a new version; the result carries the value.
  absl::StatusOr<Secret> SetSecret(std::string_view name, const SecretBytes& value,
                                   const SetSecretOptions& options = {});
  // The latest version when `version` is empty. The result carries the value.
  absl::StatusOr<Secret> GetSecret(std::string_view name, std::string_view version = {});
  // Every page, following nextLink. Items carry no value.
  absl::StatusOr<std::vector<Secret>> ListSecrets();
  absl::StatusOr<std::vector<Secret>> ListVersions(std::string_view name);
  absl::StatusOr<std::vector<Secret>> ListDeletedSecrets();
  // Soft delete; returns the deleted secret (recovery id, purge date).
  absl::StatusOr<Secret> DeleteSecret(std::string_view name);
  absl::StatusOr<Secret> GetDeletedSecret(std::string_view name);
  absl::StatusOr<Secret> RecoverSecret(std::string_view name);
  absl::Status PurgeSecret(std::string_view name);
  // An opaque base64url blob of every version, for RestoreSecret.
  absl::StatusOr<std::string> BackupSecret(std::string_view name);
  absl::StatusOr<Secret> RestoreSecret(std::string_view blob);

  // Any other call of the vault's REST API (keys, for now), for callers that build and read
  // the JSON themselves: `body` goes as application/json when not empty; the answer's body comes
  // back ("" for a 204). Errors as above.
  absl::StatusOr<std::string> CallJson(std::string_view method, std::string path_and_query,
                                       std::string body = "", int expected = 200);
  // Every item of every page of the list at `path` (its "value" arrays, following nextLink),
  // each as a JSON text.
  absl::StatusOr<std::vector<std::string>> ListJson(std::string path);

  const std::string& vault_url() const { return vault_url_; }

 private:
  DataPlaneClient(std::string vault_url, std::string vault_host, std::string host_header,
                  std::string via, std::unique_ptr<http::Client> vault,
                  std::unique_ptr<TokenSource> tokens)
      : vault_url_(std::move(vault_url)),
        vault_host_(std::move(vault_host)),
        host_header_(std::move(host_header)),
        via_(std::move(via)),
        vault_(std::move(vault)),
        tokens_(std::move(tokens)) {}

  // Sends one authenticated request to `path_and_query` (api-version is added when missing);
  // a response other than `expected` becomes the vault's error.
  absl::StatusOr<http::ClientResponse> Call(std::string_view method, std::string path_and_query,
                                            std::string body, int expected);
  absl::StatusOr<http::ClientResponse> SendOnce(std::string_view method,
                                                const std::string& path_and_query,
                                                const std::string& body);
  absl::StatusOr<Secret> CallForSecret(std::string_view method, std::string path,
                                       std::string body = "");
  absl::StatusOr<std::vector<Secret>> List(std::string path);
  // Follows a list's pages from `path`: `take` reads one page's body and returns its nextLink.
  absl::Status Pages(std::string path,
                     const std::function<absl::StatusOr<std::string>(const std::string&)>& take);

  const std::string vault_url_;
  const std::string vault_host_;
  const std::string host_header_;  // "" unless --connect-to
  const std::string via_;          // " (via https://ADDR:PORT)" with --connect-to, for messages
  const std::unique_ptr<http::Client> vault_;
  const std::unique_ptr<TokenSource> tokens_;
};

}  // namespace coffer::vaultclient

#endif  // COFFER_LIB_VAULTCLIENT_DATA_PLANE_CLIENT_H_
