#ifndef COFFER_VAULT_CORE_API_REST_REST_HELPERS_H_
#define COFFER_VAULT_CORE_API_REST_REST_HELPERS_H_

// What every object kind's REST handler shares: path segments, JSON answers and paging.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/json_writer.h"
#include "lib/http/http.h"

namespace coffer::api::rest {

// "/keys/a/b" -> {"keys", "a", "b"}; empty segments are kept ("/keys/a//sign").
std::vector<std::string_view> Segments(std::string_view path);

// A 200 whose JSON body `write` puts out.
template <class Write>
http::Response JsonOk(Write&& write) {
  std::string body;
  body.reserve(512);
  JsonWriter w(&body);
  write(w);
  return http::Response::Json(200, std::move(body));
}

// A list answer, {"value": [...], "nextLink": ...}. `read` gets the page the request's paging
// parameters ask for (maxresults 1..25, default 25; the continuation from $skiptoken), writes
// its items and returns the next continuation ("" on the last page).
using PageReader = std::function<absl::StatusOr<std::string>(
    const std::string& continuation, std::size_t max_results, JsonWriter& items)>;
absl::StatusOr<http::Response> ListResponse(const http::Request& request,
                                            std::string_view base_url,
                                            std::string_view api_version, const PageReader& read);

}  // namespace coffer::api::rest

#endif  // COFFER_VAULT_CORE_API_REST_REST_HELPERS_H_
