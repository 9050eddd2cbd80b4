#ifndef COFFER_VAULT_CORE_SERVER_VERSION_H_
#define COFFER_VAULT_CORE_SERVER_VERSION_H_

namespace coffer::server {

inline constexpr char kVersion[] = "0.1.0";

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_VERSION_H_
