#include "csi-driver/cmd/flags.h"

#include <cstdlib>
#include <functional>
#include <map>

#include "absl/strings/numbers.h"
#include "lib/base/absl_compat.h"
#include "lib/base/command_line.h"
#include "lib/base/status.h"
#include "lib/vaultclient/url.h"

namespace coffer::csi {

const char kUsage[] =
    "usage: coffer-csi --endpoint unix:///PATH/csi.sock --node-id NAME [flags]\n"
    "\n"
    "CSI node plugin: mounts the vault objects a VaultMount names into pods as files, read\n"
    "with the pod's own ServiceAccount token. See csi-driver/README.md.\n"
    "  --endpoint unix:///PATH  the CSI socket kubelet calls (required)\n"
    "  --node-id NAME           this node's name (default: NODE_NAME)\n"
    "  --kubeconfig FILE        API server from a kubeconfig (default: in-cluster)\n"
    "  --context NAME           kubeconfig context (default: its current-context)\n"
    "  --vault-url URL          https://HOST:PORT where the vault's token service and data plane\n"
    "                           answer; requests still name each vault's own host (Host, SNI)\n"
    "                           (default: each KeyVault's status.vaultUri as it is)\n"
    "  --ca-file FILE           CA bundle that the vault's certificates chain to\n"
    "  --driver-name NAME       the CSI driver name (default secrets.coffer.dev)\n"
    "  --audience AUD           the tokenRequests audience exchanged (default api://coffer)\n"
    "  --state-dir DIR          where volumes are remembered across restarts\n"
    "                           (default /run/coffer-csi)\n"
    "  --no-tmpfs               write into the target directory without mounting a tmpfs\n"
    "                           (unprivileged local runs only: files land on that disk)\n"
    "  --tmpfs-size BYTES       size cap of each volume's tmpfs, Ki/Mi suffixes allowed\n"
    "                           (default 8Mi)\n"
    "  --cache-ttl DURATION     how long one read of an object serves every pod of the same\n"
    "                           identity (default 10s; 0s: no sharing)\n"
    "  --metrics-address H:P    /healthz, /readyz, /metrics (default 127.0.0.1:8095; '' off)\n"
    "  --log-level LEVEL        trace, debug, info, warn, err, critical, off (default info)\n"
    "  --log-format text|json\n";

namespace {

absl::Status Bad(const std::string& flag, const std::string& what) {
  return absl::InvalidArgumentError(flag + ": " + what);
}

absl::Status Set(std::string& field, const std::string& value) {
  field = value;
  return absl::OkStatus();
}

bool ParseSize(std::string text, std::int64_t* bytes) {
  std::int64_t unit = 1;
  if (text.size() > 2 && text.compare(text.size() - 2, 2, "Ki") == 0) unit = 1024;
  if (text.size() > 2 && text.compare(text.size() - 2, 2, "Mi") == 0) unit = 1024 * 1024;
  if (unit != 1) text.resize(text.size() - 2);
  std::int64_t n = 0;
  if (!absl::SimpleAtoi(text, &n) || n <= 0 || n > (std::int64_t{1} << 40) / unit) return false;
  *bytes = n * unit;
  return true;
}

}  // namespace

absl::StatusOr<CsiFlags> ParseFlags(const std::vector<std::string>& args) {
  CsiFlags flags;
  if (const char* node = std::getenv("NODE_NAME"); node != nullptr) flags.node_id = node;
  std::string endpoint;
  std::string vault_url;
  std::map<std::string, std::function<absl::Status(const std::string&)>> with_value = {
      {"--endpoint", [&](const std::string& v) { return Set(endpoint, v); }},
      {"--node-id", [&](const std::string& v) { return Set(flags.node_id, v); }},
      {"--kubeconfig", [&](const std::string& v) { return Set(flags.kubeconfig, v); }},
      {"--context", [&](const std::string& v) { return Set(flags.context, v); }},
      {"--vault-url", [&](const std::string& v) { return Set(vault_url, v); }},
      {"--ca-file", [&](const std::string& v) { return Set(flags.ca_file, v); }},
      {"--driver-name", [&](const std::string& v) { return Set(flags.driver_name, v); }},
      {"--audience", [&](const std::string& v) { return Set(flags.audience, v); }},
      {"--state-dir", [&](const std::string& v) { return Set(flags.state_dir, v); }},
      {"--tmpfs-size",
       [&](const std::string& v) {
         return ParseSize(v, &flags.tmpfs_size) ? absl::OkStatus()
                                                : Bad("--tmpfs-size", "want bytes, such as 8Mi");
       }},
      {"--cache-ttl",
       [&](const std::string& v) {
         return absl::ParseDuration(AsAbsl(v), &flags.cache_ttl) &&
                        flags.cache_ttl >= absl::ZeroDuration() &&
                        flags.cache_ttl <= absl::Minutes(10)
                    ? absl::OkStatus()
                    : Bad("--cache-ttl", "want a duration from 0s to 10m");
       }},
      {"--metrics-address", [&](const std::string& v) { return Set(flags.metrics_address, v); }},
  };
  COFFER_RETURN_IF_ERROR(ParseCommandLine(
      args, {with_value, {{"--no-tmpfs", &flags.no_tmpfs}}, &flags.log_level, &flags.log_format},
      &flags.help));
  if (flags.help) return flags;
  if (endpoint.rfind("unix://", 0) == 0) {
    flags.socket_path = endpoint.substr(7);
  } else if (endpoint.rfind("unix:", 0) == 0) {
    flags.socket_path = endpoint.substr(5);
  }
  if (flags.socket_path.empty() || flags.socket_path[0] != '/') {
    return Bad("--endpoint", endpoint.empty() ? "required" : "want unix:///ABSOLUTE/PATH");
  }
  if (flags.node_id.empty()) return Bad("--node-id", "required (or set NODE_NAME)");
  if (flags.driver_name.empty() || flags.audience.empty() || flags.state_dir.empty()) {
    return Bad("--driver-name, --audience, --state-dir", "must not be empty");
  }
  if (!vault_url.empty()) {
    auto url = vaultclient::ParseUrl(vault_url);
    if (!url.ok() || url->scheme != "https" || (!url->path.empty() && url->path != "/")) {
      return Bad("--vault-url", "want https://HOST[:PORT]");
    }
    flags.connect_to = url->host + ":" + std::to_string(url->port);
  }
  return flags;
}

}  // namespace coffer::csi
