#include "vault-core/domain/access_policy.h"

#include <algorithm>
#include <cctype>

namespace coffer::domain {
namespace {

const std::vector<std::string>& Known(ObjectKind kind) {
  static const std::vector<std::string> kSecrets = {"get",     "list",   "set",     "delete",
                                                    "recover", "backup", "restore", "purge"};
  static const std::vector<std::string> kKeys = {"encrypt",
                                                 "decrypt",
                                                 "wrapkey",
                                                 "unwrapkey",
                                                 "sign",
                                                 "verify",
                                                 "get",
                                                 "list",
                                                 "create",
                                                 "update",
                                                 "import",
                                                 "delete",
                                                 "backup",
                                                 "restore",
                                                 "recover",
                                                 "purge",
                                                 "rotate",
                                                 "getrotationpolicy",
                                                 "setrotationpolicy",
                                                 "release"};
  static const std::vector<std::string> kCertificates = {
      "get",         "list",       "delete",         "create",
      "import",      "update",     "managecontacts", "getissuers",
      "listissuers", "setissuers", "deleteissuers",  "manageissuers",
      "recover",     "purge",      "backup",         "restore"};
  switch (kind) {
    case ObjectKind::kSecrets:
      return kSecrets;
    case ObjectKind::kKeys:
      return kKeys;
    case ObjectKind::kCertificates:
      return kCertificates;
  }
  return kSecrets;
}

}  // namespace

const char* ObjectKindName(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kSecrets:
      return "secrets";
    case ObjectKind::kKeys:
      return "keys";
    case ObjectKind::kCertificates:
      return "certificates";
  }
  return "secrets";
}

bool AccessPolicy::Allows(ObjectKind kind, std::string_view permission) const {
  const std::set<std::string>& granted = kind == ObjectKind::kSecrets ? secrets
                                         : kind == ObjectKind::kKeys  ? keys
                                                                      : certificates;
  if (granted.count(std::string(permission)) > 0) return true;
  // Azure's manageissuers covers each of the four issuer permissions.
  return kind == ObjectKind::kCertificates && granted.count("manageissuers") > 0 &&
         (permission == "getissuers" || permission == "listissuers" ||
          permission == "setissuers" || permission == "deleteissuers");
}

absl::StatusOr<std::set<std::string>> NormalizePermissions(ObjectKind kind,
                                                           const std::vector<std::string>& names) {
  const std::vector<std::string>& known = Known(kind);
  std::set<std::string> out;
  for (std::string name : names) {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name == "all") {
      out.insert(known.begin(), known.end());
    } else if (std::find(known.begin(), known.end(), name) != known.end()) {
      out.insert(name);
    } else {
      return absl::InvalidArgumentError(std::string("unknown ") + ObjectKindName(kind) +
                                        " permission '" + name + "'");
    }
  }
  return out;
}

}  // namespace coffer::domain
