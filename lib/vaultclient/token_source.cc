#include "lib/vaultclient/token_source.h"

#include <cstdlib>

#include "lib/base/status.h"
#include "lib/vaultclient/azure_error.h"
#include "lib/vaultclient/url.h"
#include "nlohmann/json.hpp"

namespace coffer::vaultclient {
namespace {

using nlohmann::json;

void Wipe(std::string& s) {
  internal::ZeroMemory(s.data(), s.size());
  s.clear();
}

// expires_in may be a number or a numeric string; absent means "expired at once".
absl::Duration ExpiresIn(const json& doc) {
  auto it = doc.find("expires_in");
  if (it == doc.end()) return absl::ZeroDuration();
  if (it->is_number()) return absl::Seconds(it->get<double>());
  if (it->is_string()) return absl::Seconds(std::strtod(it->get<std::string>().c_str(), nullptr));
  return absl::ZeroDuration();
}

}  // namespace

absl::StatusOr<SecretBytes> TokenSource::Token() {
  absl::MutexLock lock(&mu_);
  if (token_.empty() || clock_.Now() >= refresh_at_) COFFER_RETURN_IF_ERROR(Fetch());
  return SecretBytes(token_.reveal());
}

void TokenSource::Invalidate() {
  absl::MutexLock lock(&mu_);
  token_ = SecretBytes();
  refresh_at_ = absl::InfinitePast();
}

absl::Status TokenSource::Fetch() {
  http::ClientRequest request;
  request.method = "POST";
  request.path_and_query = request_.token_path;
  request.headers.Add("Content-Type", "application/x-www-form-urlencoded");
  request.headers.Add("Accept", "application/json");
  if (!request_.host_header.empty()) request.headers.Add("Host", request_.host_header);
  request.body = "grant_type=client_credentials&client_id=" + PercentEncode(request_.client_id) +
                 "&scope=" + PercentEncode(request_.scope);
  if (request_.client_assertion.empty()) {
    request.body += "&client_secret=" + PercentEncode(request_.client_secret.reveal());
  } else {
    request.body +=
        "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        "&client_assertion=" +
        PercentEncode(request_.client_assertion.reveal());
  }
  absl::Time asked = clock_.Now();
  auto response = authority_->Send(request);
  Wipe(request.body);
  if (!response.ok()) {
    return absl::Status(response.status().code(), "cannot reach the token endpoint: " +
                                                      std::string(response.status().message()));
  }
  if (response->status != 200) return StatusFromTokenError(response->status, response->body);
  json doc = json::parse(response->body, nullptr, false);
  Wipe(response->body);
  if (doc.is_object() && doc.contains("error")) {
    doc.erase("access_token");
    return StatusFromTokenError(response->status, doc.dump());
  }
  auto token = doc.is_object() ? doc.find("access_token") : doc.end();
  if (token == doc.end() || !token->is_string() || token->get_ref<std::string&>().empty()) {
    return absl::InternalError("the token endpoint answered without an access_token");
  }
  std::string& text = token->get_ref<std::string&>();
  token_ = SecretBytes(text);
  Wipe(text);
  refresh_at_ = asked + ExpiresIn(doc) - kRefreshMargin;
  return absl::OkStatus();
}

}  // namespace coffer::vaultclient
