#ifndef COFFER_VAULT_CORE_SERVER_CONFIG_H_
#define COFFER_VAULT_CORE_SERVER_CONFIG_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace coffer::server {

// coffer-vault's configuration; docs/configuration.md describes every key. Defaults are the
// embedded single-node setup: SQLite and a PKCS#11 HSM, HTTPS on loopback.
struct VaultConfig {
  struct Log {
    std::string level = "info";
    std::string format = "text";  // text | json
  } log;

  struct Http {
    std::string host = "127.0.0.1";
    int port = 8443;
    int threads = 2;
    std::string cert_file;  // PEM; both or neither
    std::string key_file;
    // A CA of the installation's choosing that issues the vault hostnames' certificates (PEM
    // certificate and key, both or neither); otherwise the installation makes its own.
    std::string ca_cert_file;
    std::string ca_key_file;
    bool plaintext = false;  // serve without TLS: only behind a TLS-terminating proxy or in tests
    int max_header_bytes = 16 * 1024;
    int max_body_bytes = 1024 * 1024;
    int max_connections = 0;  // 0: the file-descriptor limit less 128
    int max_connections_per_address = 512;
    absl::Duration drain_timeout = absl::Seconds(10);
  } http;

  struct Storage {
    std::string backend = "sqlite";  // sqlite (one replica) | etcd (several)
    std::string sqlite_path = "coffer.db";
    struct Etcd {
      std::vector<std::string> endpoints;  // host:port, http:// or https://
      std::string prefix = "/coffer/";
      std::string ca_file;  // TLS: all three, or the CA alone, or none (loopback tests only)
      std::string cert_file;
      std::string key_file;
      // A write caught by a leader election fails (503) only when this runs out: it bounds
      // the pause a failover can cause.
      absl::Duration timeout = absl::Seconds(3);
      absl::Duration dial_timeout = absl::Seconds(3);
    } etcd;
  } storage;

  // This replica's name: it signs its audit chain and campaigns for the background jobs under
  // it. Empty: the host name (a StatefulSet pod's name).
  std::string replica;

  struct Hsm {
    std::string backend = "pkcs11";  // the only one: tests' software key store is not offered
    std::string module;              // path of the PKCS#11 module
    std::string token_label;
    std::string pin_file;  // the PIN comes from a file or an environment variable,
    std::string pin_env;   // never from this config
    int session_pool_size = 4;
  } hsm;

  struct Identity {
    // What clients use as AZURE_AUTHORITY_HOST: must reach this server over HTTPS.
    // Empty: https://<http.host>:<http.port>.
    std::string authority_url;
    absl::Duration token_lifetime = absl::Hours(1);
    // Kubernetes clusters whose service-account tokens managed identities log in with, by the
    // cluster name their managed identities carry.
    struct Cluster {
      std::string issuer;                     // the tokens' "iss"
      std::string audience = "api://coffer";  // the "aud" they must carry
      std::string kubeconfig;                 // how to reach its API server for TokenReview...
      bool in_cluster = false;                // ...or this pod's own in-cluster configuration
      // How tokens are checked: "tokenreview" (the API server's TokenReview) or "jwks" (the
      // cluster's published keys here, then GETs of the ServiceAccount and bound pod).
      std::string verify = "tokenreview";
    };
    std::map<std::string, Cluster> clusters;
  } identity;

  struct Audit {
    std::string path = "coffer-audit.log";
    // "SEQ:HASH", the line the store saw last, which the refusal to start names: the log may
    // start without it (and the lines before). Set once, knowingly, after a log was lost
    // (docs/audit-log.md, "The anchor"); it excuses no other loss.
    std::string accepted_lost_through;
    // Online rotation (docs/audit-log.md, "Rotation"): at this size, or this age of the log's
    // first line, whichever comes first; 0 turns either off. Rotated files kept: the newest
    // `retain` (0: all of them).
    std::int64_t rotate_bytes = 256 << 20;
    absl::Duration rotate_every = absl::Hours(24);
    int retain = 0;
    // How often a signed checkpoint is written while lines are (docs/audit-log.md, "Signed
    // checkpoints"); 0: never. One is also written before each rotation and at a clean stop.
    absl::Duration checkpoint_every = absl::Minutes(1);
    // Where lines are also sent as they become durable, for a log collector: "stdout" or
    // "unix:PATH" (a stream socket the collector listens on); empty: nowhere.
    std::string ship;
  } audit;

  struct Admin {
    std::string socket = "coffer-admin.sock";  // empty: no unix socket
    std::string tcp_address;                   // "host:port" to serve over mutual TLS
    std::string cert_file;
    std::string key_file;
    std::string client_ca_file;
  } admin;

  // How often soft-deleted objects and vaults past their retention are purged.
  absl::Duration purge_interval = absl::Minutes(1);
};

// Reads `path` (empty: defaults only), then environment variables COFFER__SECTION__KEY, then
// `overrides` ("http.port=9443", from --set flags), and checks the result. Errors:
// INVALID_ARGUMENT naming the YAML path of the first problem; NOT_FOUND for a missing file.
absl::StatusOr<VaultConfig> LoadVaultConfig(const std::string& path,
                                            const std::vector<std::string>& overrides,
                                            char** environ);

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_CONFIG_H_
