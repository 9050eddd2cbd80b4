#ifndef COFFER_VAULT_CORE_API_REST_JSON_DUMP_H_
#define COFFER_VAULT_CORE_API_REST_JSON_DUMP_H_

#include <string>

#include "nlohmann/json.hpp"

namespace coffer::api::rest {

// Serialises a response body. Text that came from a request (a name, an api-version) may not
// be UTF-8; it is replaced rather than letting the serialiser throw.
inline std::string Dump(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace coffer::api::rest

#endif  // COFFER_VAULT_CORE_API_REST_JSON_DUMP_H_
