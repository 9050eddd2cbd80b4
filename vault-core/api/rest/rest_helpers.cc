#include "vault-core/api/rest/rest_helpers.h"

#include "absl/strings/numbers.h"
#include "lib/base/base64.h"
#include "lib/base/status.h"

namespace coffer::api::rest {
namespace {

constexpr std::size_t kMaxPageSize = 25;

absl::Status PageParams(const http::Request& request, std::size_t* max_results,
                        std::string* continuation) {
  *max_results = kMaxPageSize;
  auto max = request.query.find("maxresults");
  if (max != request.query.end()) {
    int n = 0;
    if (!absl::SimpleAtoi(max->second, &n) || n < 1 || n > static_cast<int>(kMaxPageSize)) {
      return absl::InvalidArgumentError("maxresults must be between 1 and 25.");
    }
    *max_results = static_cast<std::size_t>(n);
  }
  auto token = request.query.find("$skiptoken");
  if (token != request.query.end()) {
    auto decoded = Base64UrlDecode(token->second);
    if (!decoded.has_value()) return absl::InvalidArgumentError("$skiptoken is not valid.");
    *continuation = *decoded;
  }
  return absl::OkStatus();
}

void WriteNextLink(JsonWriter& w, std::string_view base_url, const http::Request& request,
                   std::string_view api_version, const std::string& continuation) {
  w.Key("nextLink");
  if (continuation.empty()) {
    w.Raw("null");
    return;
  }
  std::string link = std::string(base_url) + request.path +
                     "?api-version=" + std::string(api_version) +
                     "&$skiptoken=" + Base64UrlEncode(continuation);
  // The page's own parameters go on to the next page (maxresults was checked to be a number).
  auto max = request.query.find("maxresults");
  if (max != request.query.end()) link += "&maxresults=" + max->second;
  auto pending = request.query.find("includePending");
  if (pending != request.query.end() && pending->second == "true") link += "&includePending=true";
  w.String(link);
}

}  // namespace

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(1);  // the leading '/'
  while (true) {
    std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

absl::StatusOr<http::Response> ListResponse(const http::Request& request,
                                            std::string_view base_url,
                                            std::string_view api_version, const PageReader& read) {
  std::size_t max_results = 0;
  std::string continuation;
  COFFER_RETURN_IF_ERROR(PageParams(request, &max_results, &continuation));
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("value").BeginArray();
  COFFER_ASSIGN_OR_RETURN(std::string next, read(continuation, max_results, w));
  w.EndArray();
  WriteNextLink(w, base_url, request, api_version, next);
  w.EndObject();
  return http::Response::Json(200, std::move(body));
}

}  // namespace coffer::api::rest
