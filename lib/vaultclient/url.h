#ifndef COFFER_LIB_VAULTCLIENT_URL_H_
#define COFFER_LIB_VAULTCLIENT_URL_H_

// Small URL helpers for the data-plane client: just what vault URLs, authority hosts, nextLinks
// and `--connect-to` need. Pure functions, thread-safe.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace coffer::vaultclient {

struct Url {
  std::string scheme;  // "https" or "http", lower-cased
  std::string host;    // lower-cased; an IPv6 literal keeps its brackets
  int port = 0;        // the scheme's default when the URL has none
  bool explicit_port = false;
  std::string path;            // "" or "/..." without the query
  std::string path_and_query;  // everything from the first '/' on ("" when absent)

  // "scheme://host[:port]" (the port only when explicit).
  std::string Origin() const;
};

// Parses an absolute http(s) URL. INVALID_ARGUMENT for anything else, user info, or a bad port.
absl::StatusOr<Url> ParseUrl(std::string_view text);

// The token audience of a vault: "https://" + the vault's host without its first label
// ("prod.vault.example.com" -> "https://vault.example.com"), as Key Vault's challenge names it.
// INVALID_ARGUMENT for a host with a single label: no vault can live there.
absl::StatusOr<std::string> ResourceForVaultHost(std::string_view host);

// Where to dial for `url` under curl-style `--connect-to ADDR[:PORT]`: the base URL
// "scheme://ADDR:PORT", with the URL's own port when none is given. An empty `connect_to`
// yields the URL's origin. INVALID_ARGUMENT for a malformed address.
absl::StatusOr<std::string> DialOrigin(const Url& url, std::string_view connect_to);

// Percent-encodes everything but RFC 3986's unreserved characters (for path segments and form
// values).
std::string PercentEncode(std::string_view text);

}  // namespace coffer::vaultclient

#endif  // COFFER_LIB_VAULTCLIENT_URL_H_
