#ifndef COFFER_LIB_VAULTCLIENT_CHALLENGE_H_
#define COFFER_LIB_VAULTCLIENT_CHALLENGE_H_

// Where a vault wants its callers to log in, learnt as the Azure SDKs learn it: from the
// `WWW-Authenticate: Bearer authorization="https://AUTHORITY/TENANT", resource="..."` challenge
// of an unauthenticated request. A caller that knows only the vault's URL (the CSI driver,
// given a KeyVault's status.vaultUri) needs no tenant or authority configured.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/http/client.h"

namespace coffer::vaultclient {

struct VaultAuthority {
  std::string authority_host;  // "https://login.example.com[:port]"
  std::string tenant_id;
};

// Parses the challenge header. INVALID_ARGUMENT when it is not a Bearer challenge with an
// https authorization URL ending in a tenant (credentials will be sent there).
absl::StatusOr<VaultAuthority> ParseChallenge(std::string_view www_authenticate);

// Sends an unauthenticated GET /secrets to `vault_url` (dialing `connect_to` as curl's
// --connect-to does, trusting `ca_file` when set) and parses its challenge. UNAVAILABLE when the
// vault cannot be reached; FAILED_PRECONDITION when it answers without a challenge.
absl::StatusOr<VaultAuthority> DiscoverAuthority(std::string_view vault_url,
                                                 std::string_view connect_to,
                                                 const std::string& ca_file,
                                                 const http::ClientFactory& factory);

}  // namespace coffer::vaultclient

#endif  // COFFER_LIB_VAULTCLIENT_CHALLENGE_H_
