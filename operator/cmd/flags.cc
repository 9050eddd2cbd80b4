#include "operator/cmd/flags.h"

#include <unistd.h>

#include <functional>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "lib/base/absl_compat.h"
#include "lib/base/command_line.h"
#include "lib/base/status.h"
#include "lib/vaultclient/url.h"

namespace coffer::op {

const char kUsage[] =
    "usage: coffer-operator --vault-admin TARGET [flags]\n"
    "\n"
    "Reconciles KeyVault, AccessPolicy, VaultMount and SecretSync resources (coffer.dev/v1alpha1)\n"
    "against a Coffer vault, and serves the workload-identity webhook. See operator/README.md.\n"
    "  --kubeconfig FILE        API server from a kubeconfig (default: in-cluster)\n"
    "  --context NAME           kubeconfig context (default: its current-context)\n"
    "  --vault-admin TARGET     unix:///PATH/admin.sock, or HOST:PORT with mutual TLS\n"
    "  --admin-ca FILE          CA of the admin API's server certificate (TCP only)\n"
    "  --admin-cert FILE        client certificate for the admin API (TCP only)\n"
    "  --admin-key FILE         its private key\n"
    "  --cluster-name NAME      this cluster's name in Coffer (default kubernetes)\n"
    "  --cluster-domain DOMAIN  the cluster's DNS domain (default cluster.local)\n"
    "  --vault-service HOST     each KeyVault's Service is an ExternalName for HOST, the\n"
    "                           vault's own Service (coffer-vault.NS.svc.cluster.local)\n"
    "  --vault-selector K=V,..  or: labels of the coffer-vault pods each KeyVault's Service\n"
    "                           selects, in its own namespace\n"
    "                           (default app.kubernetes.io/name=coffer-vault)\n"
    "  --vault-port N           the pods' HTTPS port behind each KeyVault Service (default 8443)\n"
    "  --ca-file FILE           CA clients trust, published as ConfigMap coffer-ca (ca.crt)\n"
    "  --vault-url URL          https://HOST:PORT where SecretSyncs reach the token service and\n"
    "                           every vault (default: each KeyVault's status.vaultUri)\n"
    "  --leader-elect           only the holder of a Lease reconciles (for replicas > 1)\n"
    "  --lease-namespace NS     the Lease's namespace (default: POD_NAMESPACE, else default)\n"
    "  --lease-name NAME        the Lease's name (default coffer-operator)\n"
    "  --identity ID            this replica's name (default: POD_NAME, else the host name)\n"
    "  --token-audience AUD     audience of the tokens Coffer accepts from this cluster\n"
    "                           (default api://coffer)\n"
    "  --webhook-address H:P    serve the workload-identity webhook (/mutate-pods) over HTTPS\n"
    "  --webhook-names N,..     the webhook Service's DNS names, for its certificate\n"
    "  --webhook-cert-dir DIR   where that certificate is kept (default: a private temp dir)\n"
    "  --webhook-configuration NAME\n"
    "                           the MutatingWebhookConfiguration whose caBundle is kept\n"
    "                           equal to the installation's CA\n"
    "  --webhook-token-expiration DURATION\n"
    "                           life of the token projected into pods (10m to 48h; default 1h)\n"
    "  --resync-period DURATION requeue everything and sweep for drift (default 10m)\n"
    "  --workers N              concurrent reconciles per kind (default 2)\n"
    "  --metrics-address H:P    /healthz, /readyz, /metrics (default 127.0.0.1:8080; '' off)\n"
    "  --log-level LEVEL        trace, debug, info, warn, err, critical, off (default info)\n"
    "  --log-format text|json\n"
    "SIGTERM or SIGINT stops it: the lease is released and in-flight reconciles finish.\n";

namespace {

absl::Status Bad(const std::string& flag, const std::string& what) {
  return absl::InvalidArgumentError(flag + ": " + what);
}

// Lower-case RFC 1123 labels joined by dots, at most 253 characters (a Service's DNS name).
bool IsDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (absl::string_view label : absl::StrSplit(name, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-')) return false;
    }
  }
  return true;
}

std::string Env(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::string HostName() {
  char name[256] = {};
  return gethostname(name, sizeof(name) - 1) == 0 ? name : "coffer-operator";
}

absl::StatusOr<std::map<std::string, std::string>> ParseSelector(const std::string& text) {
  std::map<std::string, std::string> labels;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string pair = text.substr(start, comma == std::string::npos ? comma : comma - start);
    std::size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) return Bad("--vault-selector", "want KEY=VALUE,...");
    labels[pair.substr(0, eq)] = pair.substr(eq + 1);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return labels;
}

}  // namespace

absl::StatusOr<OperatorFlags> ParseFlags(const std::vector<std::string>& args) {
  OperatorFlags flags;
  bool leader_elect = false;
  kube::LeaderElectionConfig lease;
  lease.lease_namespace = Env("POD_NAMESPACE", "default");
  lease.lease_name = "coffer-operator";
  lease.identity = Env("POD_NAME", HostName());
  std::string vault_admin;
  OperatorSettings& settings = flags.manager.settings;
  std::map<std::string, std::function<absl::Status(const std::string&)>> with_value = {
      {"--kubeconfig",
       [&](const std::string& v) { return flags.kubeconfig = v, absl::OkStatus(); }},
      {"--context", [&](const std::string& v) { return flags.context = v, absl::OkStatus(); }},
      {"--vault-admin", [&](const std::string& v) { return vault_admin = v, absl::OkStatus(); }},
      {"--admin-ca",
       [&](const std::string& v) { return flags.admin.ca_file = v, absl::OkStatus(); }},
      {"--admin-cert",
       [&](const std::string& v) { return flags.admin.cert_file = v, absl::OkStatus(); }},
      {"--admin-key",
       [&](const std::string& v) { return flags.admin.key_file = v, absl::OkStatus(); }},
      {"--cluster-name",
       [&](const std::string& v) { return settings.cluster_name = v, absl::OkStatus(); }},
      {"--cluster-domain",
       [&](const std::string& v) {
         return IsDnsName(v) ? (settings.cluster_domain = v, absl::OkStatus())
                             : Bad("--cluster-domain", "want a DNS name (RFC 1123)");
       }},
      {"--vault-service",
       [&](const std::string& v) {
         return IsDnsName(v) ? (settings.vault_service = v, absl::OkStatus())
                             : Bad("--vault-service", "want a DNS name (RFC 1123)");
       }},
      {"--vault-selector",
       [&](const std::string& v) -> absl::Status {
         auto labels = ParseSelector(v);
         if (!labels.ok()) return labels.status();
         settings.vault_selector = *labels;
         return absl::OkStatus();
       }},
      {"--vault-port",
       [&](const std::string& v) {
         return absl::SimpleAtoi(v, &settings.vault_port) && settings.vault_port > 0 &&
                        settings.vault_port < 65536
                    ? absl::OkStatus()
                    : Bad("--vault-port", "want a port number");
       }},
      {"--ca-file", [&](const std::string& v) { return flags.ca_file = v, absl::OkStatus(); }},
      {"--vault-url",
       [&](const std::string& v) -> absl::Status {
         auto url = vaultclient::ParseUrl(v);
         if (!url.ok() || url->scheme != "https" || (!url->path.empty() && url->path != "/")) {
           return Bad("--vault-url", "want https://HOST[:PORT]");
         }
         flags.vault_connect_to = url->host + ":" + std::to_string(url->port);
         return absl::OkStatus();
       }},
      {"--lease-namespace",
       [&](const std::string& v) { return lease.lease_namespace = v, absl::OkStatus(); }},
      {"--lease-name",
       [&](const std::string& v) { return lease.lease_name = v, absl::OkStatus(); }},
      {"--identity", [&](const std::string& v) { return lease.identity = v, absl::OkStatus(); }},
      {"--resync-period",
       [&](const std::string& v) {
         return absl::ParseDuration(AsAbsl(v), &flags.manager.resync_period) &&
                        flags.manager.resync_period >= absl::Seconds(1)
                    ? absl::OkStatus()
                    : Bad("--resync-period", "want a duration of 1s or more, such as 10m");
       }},
      {"--workers",
       [&](const std::string& v) {
         return absl::SimpleAtoi(v, &flags.manager.workers) && flags.manager.workers >= 1 &&
                        flags.manager.workers <= 64
                    ? absl::OkStatus()
                    : Bad("--workers", "want 1 to 64");
       }},
      {"--token-audience",
       [&](const std::string& v) {
         return v.empty() ? Bad("--token-audience", "must not be empty")
                          : (settings.token_audience = v, absl::OkStatus());
       }},
      {"--webhook-address",
       [&](const std::string& v) { return flags.webhook.address = v, absl::OkStatus(); }},
      {"--webhook-names",
       [&](const std::string& v) -> absl::Status {
         flags.webhook.names = absl::StrSplit(v, ',', absl::SkipEmpty());
         for (const std::string& name : flags.webhook.names) {
           if (!IsDnsName(name)) return Bad("--webhook-names", "want DNS names (RFC 1123)");
         }
         return absl::OkStatus();
       }},
      {"--webhook-configuration",
       [&](const std::string& v) { return flags.webhook.configuration = v, absl::OkStatus(); }},
      {"--webhook-cert-dir",
       [&](const std::string& v) { return flags.webhook.cert_dir = v, absl::OkStatus(); }},
      {"--webhook-token-expiration",
       [&](const std::string& v) {
         return absl::ParseDuration(AsAbsl(v), &flags.webhook.token_expiration) &&
                        flags.webhook.token_expiration >= absl::Minutes(10) &&
                        flags.webhook.token_expiration <= absl::Hours(48)
                    ? absl::OkStatus()
                    : Bad("--webhook-token-expiration", "want a duration from 10m to 48h");
       }},
      {"--metrics-address",
       [&](const std::string& v) { return flags.metrics_address = v, absl::OkStatus(); }},
  };
  COFFER_RETURN_IF_ERROR(ParseCommandLine(
      args, {with_value, {{"--leader-elect", &leader_elect}}, &flags.log_level, &flags.log_format},
      &flags.help));
  if (flags.help) return flags;
  if (vault_admin.empty()) return Bad("--vault-admin", "required");
  if (vault_admin.rfind("unix://", 0) == 0) {
    flags.admin.unix_socket = vault_admin.substr(7);
  } else if (vault_admin.rfind("unix:", 0) == 0) {
    flags.admin.unix_socket = vault_admin.substr(5);
  } else {
    flags.admin.tcp_address = vault_admin;
  }
  if (!flags.webhook.address.empty() && flags.webhook.names.empty()) {
    return Bad("--webhook-names", "required with --webhook-address");
  }
  if (leader_elect) flags.manager.leader_election = lease;
  flags.manager.instance = lease.identity;
  return flags;
}

}  // namespace coffer::op
