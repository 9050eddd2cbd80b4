#include "vault-core/cli/command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "lib/base/absl_compat.h"
#include "lib/base/status.h"

namespace coffer::cli {

std::string Context::FlagOrEnv(std::string_view flag, const char* env_name) const {
  if (auto value = args_.Value(flag)) return *value;
  if (env_name != nullptr) {
    auto it = env_.find(env_name);
    if (it != env_.end()) return it->second;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<vaultclient::AdminClient>> Context::Admin() const {
  vaultclient::AdminTarget target;
  target.tcp_address = FlagOrEnv("--admin-address", nullptr);
  if (!target.tcp_address.empty()) {
    target.ca_file = FlagOrEnv("--admin-ca", nullptr);
    target.cert_file = FlagOrEnv("--admin-cert", nullptr);
    target.key_file = FlagOrEnv("--admin-key", nullptr);
    if (target.ca_file.empty() || target.cert_file.empty() || target.key_file.empty()) {
      return UsageError("--admin-address needs --admin-ca, --admin-cert and --admin-key");
    }
  } else {
    target.unix_socket = FlagOrEnv("--admin-socket", "COFFER_ADMIN_SOCKET");
    if (target.unix_socket.empty()) target.unix_socket = "./coffer-admin.sock";
  }
  auto client = vaultclient::AdminClient::Connect(target);
  if (client.ok()) return client;
  if (client.status().code() == absl::StatusCode::kInvalidArgument) {
    return UsageError(std::string(client.status().message()));
  }
  if (client.status().code() == absl::StatusCode::kUnavailable) {
    return absl::UnavailableError(
        std::string(client.status().message()) +
        " (is coffer-vault running? see --admin-socket, COFFER_ADMIN_SOCKET, --admin-address)");
  }
  return client.status();
}

absl::StatusOr<std::unique_ptr<vaultclient::DataPlaneClient>> Context::DataPlane() const {
  vaultclient::DataPlaneOptions options;
  options.vault_url = FlagOrEnv("--vault-url", "COFFER_VAULT_URL");
  if (options.vault_url.empty()) {
    return UsageError("no vault URL: give --vault-url or set COFFER_VAULT_URL");
  }
  options.connect_to = FlagOrEnv("--connect-to", "COFFER_CONNECT_TO");
  options.ca_file = FlagOrEnv("--ca-file", "COFFER_CA_FILE");
  vaultclient::DataPlaneCredentials& c = options.credentials;
  std::string missing;
  auto need = [&](const char* name) {
    std::string value = FlagOrEnv("", name);
    if (value.empty()) missing += std::string(missing.empty() ? "" : ", ") + name;
    return value;
  };
  c.tenant_id = need("AZURE_TENANT_ID");
  c.client_id = need("AZURE_CLIENT_ID");
  c.client_secret = SecretBytes(need("AZURE_CLIENT_SECRET"));
  c.authority_host = need("AZURE_AUTHORITY_HOST");
  if (!missing.empty()) {
    return UsageError("the data plane needs a service principal's credentials: set " + missing +
                      " (`coffer installation show` prints the tenant id and authority)");
  }
  auto client = vaultclient::DataPlaneClient::Create(options, http_);
  if (!client.ok() && client.status().code() == absl::StatusCode::kInvalidArgument) {
    return UsageError(std::string(client.status().message()));
  }
  return client;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError("cannot read " + path + ": " + std::strerror(errno));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

absl::Status WritePrivateFile(const std::string& path, const std::string& contents) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return absl::InvalidArgumentError("cannot write " + path + ": " + std::strerror(errno));
  bool ok = ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) return absl::InternalError("cannot write " + path + ": " + std::strerror(errno));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<absl::Time>> TimeFlag(Context& ctx, const char* flag) {
  auto text = ctx.args().Value(flag);
  if (!text) return std::optional<absl::Time>();
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, AsAbsl(*text), &time, &error)) {
    return UsageError(std::string("invalid ") + flag + " '" + *text +
                      "': expected RFC 3339 such as 2026-01-31T12:00:00Z");
  }
  return std::optional<absl::Time>(time);
}

absl::StatusOr<nlohmann::json> TagFlags(Context& ctx) {
  nlohmann::json tags = nlohmann::json::object();
  for (const std::string& tag : ctx.args().Values("--tag")) {
    std::size_t eq = tag.find('=');
    if (eq == std::string::npos || eq == 0) {
      return UsageError("invalid --tag '" + tag + "': use k=v");
    }
    tags[tag.substr(0, eq)] = tag.substr(eq + 1);
  }
  return tags;
}

absl::StatusOr<nlohmann::json> ParseAnswer(const absl::StatusOr<std::string>& body) {
  if (!body.ok()) return body.status();
  nlohmann::json doc = nlohmann::json::parse(*body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InternalError("the vault's answer is not JSON");
  return doc;
}

const nlohmann::json& ObjectAt(const nlohmann::json& o, const char* key) {
  static const nlohmann::json* const empty = new nlohmann::json(nlohmann::json::object());
  auto it = o.is_object() ? o.find(key) : o.end();
  return it != o.end() && it->is_object() ? *it : *empty;
}

std::string StringAt(const nlohmann::json& o, const char* key) {
  auto it = o.is_object() ? o.find(key) : o.end();
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

long long IntAt(const nlohmann::json& o, const char* key) {
  auto it = o.is_object() ? o.find(key) : o.end();
  return it != o.end() && it->is_number_integer() ? it->get<long long>() : 0;
}

std::pair<std::string, std::string> NameAndVersion(const std::string& id,
                                                   std::string_view collection) {
  std::size_t at = id.find(collection);
  if (at == std::string::npos) return {id, ""};
  std::string rest = id.substr(at + collection.size());
  std::size_t slash = rest.find('/');
  if (slash == std::string::npos) return {rest, ""};
  return {rest.substr(0, slash), rest.substr(slash + 1)};
}

absl::Status BackupToFile(
    Context& ctx, const char* kind,
    const std::function<absl::StatusOr<std::string>(const std::string&)>& backup) {
  auto file = ctx.args().Value("--file");
  if (!file || file->empty()) return UsageError("give the --file to write the backup to");
  COFFER_ASSIGN_OR_RETURN(std::string blob, backup(ctx.arg(0)));
  COFFER_RETURN_IF_ERROR(WritePrivateFile(*file, blob));
  PrintMessage(ctx.out(), ctx.format(),
               std::string("backed up ") + kind + " " + ctx.arg(0) + " to " + *file,
               {{"name", ctx.arg(0)}, {"file", *file}, {"bytes", blob.size()}});
  return absl::OkStatus();
}

absl::StatusOr<std::string> BackupFromFile(Context& ctx) {
  auto file = ctx.args().Value("--file");
  if (!file || file->empty()) return UsageError("give the backup --file to restore");
  COFFER_ASSIGN_OR_RETURN(std::string blob, ReadFile(*file));
  while (!blob.empty() && std::isspace(static_cast<unsigned char>(blob.back()))) blob.pop_back();
  return blob;
}

absl::Status PrintItems(Context& ctx, const absl::StatusOr<std::vector<std::string>>& items,
                        const std::vector<Column>& columns,
                        const std::function<nlohmann::json(const nlohmann::json&)>& view) {
  if (!items.ok()) return items.status();
  nlohmann::json list = nlohmann::json::array();
  for (const std::string& item : *items) {
    COFFER_ASSIGN_OR_RETURN(nlohmann::json bundle, ParseAnswer(item));
    list.push_back(view(bundle));
  }
  PrintList(ctx.out(), ctx.format(), list, columns);
  return absl::OkStatus();
}

}  // namespace coffer::cli
