#include "vault-core/server/config.h"

#include <unistd.h>

#include <limits>

#include "lib/base/status.h"
#include "lib/config/config_node.h"
#include "lib/config/config_reader.h"

namespace coffer::server {
namespace {

using config::ConfigNode;
using config::MapReader;

void ReadHttp(MapReader& r, VaultConfig::Http& http) {
  r.Read("host", &http.host);
  r.Read("port", &http.port, 0, 65535);
  r.Read("threads", &http.threads, 1, 256);
  r.Map("tls", [&](MapReader& tls) {
    tls.Read("cert_file", &http.cert_file);
    tls.Read("key_file", &http.key_file);
    tls.Read("ca_cert_file", &http.ca_cert_file);
    tls.Read("ca_key_file", &http.ca_key_file);
  });
  r.Read("plaintext", &http.plaintext);
  r.Read("max_header_bytes", &http.max_header_bytes, 1024, 1 << 20);
  r.Read("max_body_bytes", &http.max_body_bytes, 1024, 64 << 20);
  r.Read("max_connections", &http.max_connections, 0, 1 << 20);
  r.Read("max_connections_per_address", &http.max_connections_per_address, 1, 1 << 20);
  r.ReadDuration("drain_timeout", &http.drain_timeout);
  if (http.cert_file.empty() != http.key_file.empty()) {
    r.Fail("tls", "cert_file and key_file go together");
  } else if (http.cert_file.empty() && !http.plaintext) {
    r.Fail("tls", "set cert_file and key_file, or plaintext: true to serve without TLS");
  } else if (!http.cert_file.empty() && http.plaintext) {
    r.Fail("plaintext", "cannot be true when tls is configured");
  } else if (http.ca_cert_file.empty() != http.ca_key_file.empty()) {
    r.Fail("tls", "ca_cert_file and ca_key_file go together");
  }
}

void ReadStorage(MapReader& r, VaultConfig::Storage& storage) {
  r.ReadEnum("backend", &storage.backend, {"sqlite", "etcd"});
  r.Map("sqlite", [&](MapReader& s) { s.Read("path", &storage.sqlite_path); });
  VaultConfig::Storage::Etcd& etcd = storage.etcd;
  r.Map("etcd", [&](MapReader& e) {
    e.Read("endpoints", &etcd.endpoints);
    e.Read("prefix", &etcd.prefix);
    e.ReadDuration("timeout", &etcd.timeout);
    e.ReadDuration("dial_timeout", &etcd.dial_timeout);
    e.Map("tls", [&](MapReader& tls) {
      tls.Read("ca_file", &etcd.ca_file);
      tls.Read("cert_file", &etcd.cert_file);
      tls.Read("key_file", &etcd.key_file);
    });
  });
  if (storage.backend == "sqlite" && storage.sqlite_path.empty()) {
    r.Fail("sqlite.path", "is required for the sqlite backend");
  }
  if (storage.backend == "etcd") {
    if (etcd.endpoints.empty()) r.Fail("etcd.endpoints", "needs at least one host:port");
    if (etcd.prefix.empty()) r.Fail("etcd.prefix", "must not be empty (e.g. /coffer/)");
    if (etcd.cert_file.empty() != etcd.key_file.empty()) {
      r.Fail("etcd.tls", "cert_file and key_file go together");
    }
    if (etcd.timeout < absl::Milliseconds(100) || etcd.dial_timeout < absl::Milliseconds(100)) {
      r.Fail("etcd", "timeout and dial_timeout must be at least 100ms");
    }
  }
}

void ReadHsm(MapReader& r, VaultConfig::Hsm& hsm) {
  r.ReadEnum("backend", &hsm.backend, {"pkcs11"});
  r.Map("pkcs11", [&](MapReader& p) {
    p.Read("module", &hsm.module);
    p.Read("token_label", &hsm.token_label);
    p.Read("pin_file", &hsm.pin_file);
    p.Read("pin_env", &hsm.pin_env);
    p.Read("session_pool_size", &hsm.session_pool_size, 1, 256);
  });
  if (hsm.module.empty()) r.Fail("pkcs11.module", "is required");
  if (hsm.token_label.empty()) r.Fail("pkcs11.token_label", "is required");
  if (hsm.pin_file.empty() == hsm.pin_env.empty()) {
    r.Fail("pkcs11", "set exactly one of pin_file and pin_env");
  }
}

void ReadIdentity(MapReader& r, VaultConfig::Identity& identity) {
  r.Read("authority_url", &identity.authority_url);
  r.ReadDuration("token_lifetime", &identity.token_lifetime);
  if (!identity.authority_url.empty() && identity.authority_url.rfind("https://", 0) != 0) {
    r.Fail("authority_url", "must be an https:// URL (the Azure SDK refuses anything else)");
  }
  if (identity.token_lifetime < absl::Minutes(10) || identity.token_lifetime > absl::Hours(24)) {
    r.Fail("token_lifetime", "must be between 10m and 24h");
  }
  r.Entries("clusters", [&](const std::string& name, MapReader& c) {
    VaultConfig::Identity::Cluster& cluster = identity.clusters[name];
    c.Read("issuer", &cluster.issuer);
    c.Read("audience", &cluster.audience);
    c.Read("kubeconfig", &cluster.kubeconfig);
    c.Read("in_cluster", &cluster.in_cluster);
    c.Read("verify", &cluster.verify);
    if (cluster.verify != "tokenreview" && cluster.verify != "jwks") {
      c.Fail("verify", "must be tokenreview or jwks");
    }
    if (cluster.issuer.empty()) c.Fail("issuer", "is required");
    if (cluster.audience.empty()) c.Fail("audience", "must not be empty");
    if (cluster.kubeconfig.empty() == !cluster.in_cluster) {
      c.Fail("kubeconfig", "set exactly one of kubeconfig and in_cluster: true");
    }
    if (cluster.audience == cluster.issuer) {
      c.Fail("audience", "must differ from the issuer (every pod's default token carries that)");
    }
    for (const auto& [other, known] : identity.clusters) {
      if (other != name && known.issuer == cluster.issuer) {
        c.Fail("issuer", "is also cluster " + other + "'s: a token must name one cluster");
      }
    }
  });
}

void ReadAdmin(MapReader& r, VaultConfig::Admin& admin) {
  r.Read("socket", &admin.socket);
  r.Map("tcp", [&](MapReader& tcp) {
    tcp.Read("address", &admin.tcp_address);
    tcp.Read("cert_file", &admin.cert_file);
    tcp.Read("key_file", &admin.key_file);
    tcp.Read("client_ca_file", &admin.client_ca_file);
  });
  if (!admin.tcp_address.empty() &&
      (admin.cert_file.empty() || admin.key_file.empty() || admin.client_ca_file.empty())) {
    r.Fail("tcp", "address needs cert_file, key_file and client_ca_file (mutual TLS)");
  }
}

}  // namespace

absl::StatusOr<VaultConfig> LoadVaultConfig(const std::string& path,
                                            const std::vector<std::string>& overrides,
                                            char** environ) {
  ConfigNode root;
  if (!path.empty()) {
    COFFER_ASSIGN_OR_RETURN(root, config::LoadYamlFile(path));
  }
  COFFER_RETURN_IF_ERROR(config::ApplyEnvironment(root, "COFFER__", environ));
  for (const std::string& o : overrides) {
    std::size_t eq = o.find('=');
    if (eq == std::string::npos) {
      return absl::InvalidArgumentError("--set wants path=value, got '" + o + "'");
    }
    COFFER_RETURN_IF_ERROR(config::SetPath(root, o.substr(0, eq), o.substr(eq + 1)));
  }
  VaultConfig cfg;
  MapReader r(root, "");
  r.Map("log", [&](MapReader& log) {
    log.ReadEnum("level", &cfg.log.level, {"trace", "debug", "info", "warn", "error"});
    log.ReadEnum("format", &cfg.log.format, {"text", "json"});
  });
  r.Map("http", [&](MapReader& h) { ReadHttp(h, cfg.http); });
  r.Map("storage", [&](MapReader& s) { ReadStorage(s, cfg.storage); });
  r.Map("hsm", [&](MapReader& h) { ReadHsm(h, cfg.hsm); });
  r.Map("identity", [&](MapReader& i) { ReadIdentity(i, cfg.identity); });
  r.Map("audit", [&](MapReader& a) {
    a.Read("path", &cfg.audit.path);
    a.Read("accepted_lost_through", &cfg.audit.accepted_lost_through);
    // A rotation writes a line and renames a file: more often than each MiB is a mistake.
    a.Read("rotate_bytes", &cfg.audit.rotate_bytes, 0, std::int64_t{1} << 50);
    if (cfg.audit.rotate_bytes != 0 && cfg.audit.rotate_bytes < (1 << 20)) {
      a.Fail("rotate_bytes", "must be 0 (never) or at least 1048576 (1 MiB)");
    }
    a.ReadDuration("rotate_every", &cfg.audit.rotate_every);
    if (cfg.audit.rotate_every != absl::ZeroDuration() && cfg.audit.rotate_every < absl::Minutes(1)) {
      a.Fail("rotate_every", "must be 0 (never) or at least 1m");
    }
    a.Read("retain", &cfg.audit.retain, 0, 1 << 20);
    a.Read("ship", &cfg.audit.ship);
    const std::string& ship = cfg.audit.ship;
    if (!ship.empty() && ship != "stdout" && (ship.rfind("unix:", 0) != 0 || ship.size() == 5)) {
      a.Fail("ship", "must be stdout or unix:PATH");
    }
    // Each checkpoint is an HSM signature on the audit writer's path.
    a.ReadDuration("checkpoint_every", &cfg.audit.checkpoint_every);
    if (cfg.audit.checkpoint_every != absl::ZeroDuration() &&
        cfg.audit.checkpoint_every < absl::Seconds(1)) {
      a.Fail("checkpoint_every", "must be 0 (never) or at least 1s");
    }
    const std::string& accepted = cfg.audit.accepted_lost_through;
    const std::size_t colon = accepted.find(':');
    if (!accepted.empty() &&
        (colon == 0 || colon == std::string::npos || colon + 65 != accepted.size() ||
         accepted.find_first_not_of("0123456789") != colon ||
         accepted.find_first_not_of("0123456789abcdef", colon + 1) != std::string::npos)) {
      a.Fail("accepted_lost_through",
             "must be SEQ:HASH, the line a refusal to start names (64 hex digits of hash)");
    }
  });
  r.Map("admin", [&](MapReader& a) { ReadAdmin(a, cfg.admin); });
  r.Read("replica", &cfg.replica);
  if (cfg.replica.empty()) {
    char host[256] = {};
    cfg.replica = gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0' ? host : "replica";
  }
  if (cfg.replica.size() > 64) r.Fail("replica", "must be at most 64 characters");
  r.ReadDuration("purge_interval", &cfg.purge_interval);
  if (cfg.purge_interval < absl::Seconds(1)) r.Fail("purge_interval", "must be at least 1s");
  if (cfg.identity.authority_url.empty()) {
    // Clients must be able to reach the authority, so a wildcard or picked port cannot stand in.
    if (cfg.http.port == 0 || cfg.http.host == "0.0.0.0" || cfg.http.host == "::") {
      r.Fail("identity.authority_url", "is required when http.host is a wildcard or port is 0");
    }
    cfg.identity.authority_url = "https://" + cfg.http.host + ":" + std::to_string(cfg.http.port);
  }
  COFFER_RETURN_IF_ERROR(r.Finish());
  return cfg;
}

}  // namespace coffer::server
