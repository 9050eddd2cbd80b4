#ifndef COFFER_LIB_VAULTCLIENT_TOKEN_SOURCE_H_
#define COFFER_LIB_VAULTCLIENT_TOKEN_SOURCE_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "lib/base/secret_bytes.h"
#include "lib/http/client.h"

namespace coffer::vaultclient {

// A client-credentials grant: POST {authority}/{tenant}/oauth2/v2.0/token with the form
// grant_type=client_credentials, client_id, scope, and client_secret or (RFC 7523)
// client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer with
// client_assertion.
struct TokenRequest {
  std::string endpoint;     // the token URL as people know it, for messages
  std::string token_path;   // "/" + tenant + "/oauth2/v2.0/token", after the authority's base
  std::string host_header;  // sent as Host when not empty (for --connect-to)
  std::string client_id;
  SecretBytes client_secret;     // or
  SecretBytes client_assertion;  // a signed JWT
  std::string scope;  // "https://RESOURCE/.default"
};

// Gets access tokens and keeps one until 5 minutes before it expires. Thread-safe; one fetch at
// a time. Errors: what the token endpoint said (StatusFromTokenError: UNAUTHENTICATED for a
// wrong client secret), UNAVAILABLE when it cannot be reached, INTERNAL for a malformed answer.
class TokenSource {
 public:
  static constexpr absl::Duration kRefreshMargin = absl::Minutes(5);

  TokenSource(std::unique_ptr<http::Client> authority, TokenRequest request, Clock& clock)
      : authority_(std::move(authority)), request_(std::move(request)), clock_(clock) {}

  absl::StatusOr<SecretBytes> Token();

  // Drops the cached token (the vault refused it).
  void Invalidate();

 private:
  absl::Status Fetch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::unique_ptr<http::Client> authority_;
  const TokenRequest request_;
  Clock& clock_;

  absl::Mutex mu_;
  SecretBytes token_ ABSL_GUARDED_BY(mu_);
  absl::Time refresh_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace coffer::vaultclient

#endif  // COFFER_LIB_VAULTCLIENT_TOKEN_SOURCE_H_
