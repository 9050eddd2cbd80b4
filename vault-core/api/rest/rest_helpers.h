#ifndef COFFER_VAULT_CORE_API_REST_REST_HELPERS_H_
#define COFFER_VAULT_CORE_API_REST_REST_HELPERS_H_

// What every object kind's REST handler shares: path segments, JSON answers and paging.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
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

// maxresults (1..25, default 25) and the continuation from $skiptoken.
absl::Status PageParams(const http::Request& request, std::size_t* max_results,
                        std::string* continuation);

// The absolute link to the next page, or null on the last one.
void WriteNextLink(JsonWriter& w, std::string_view base_url, const http::Request& request,
                   std::string_view api_version, const std::string& continuation);

}  // namespace coffer::api::rest

#endif  // COFFER_VAULT_CORE_API_REST_REST_HELPERS_H_
