#ifndef COFFER_OPERATOR_CMD_FLAGS_H_
#define COFFER_OPERATOR_CMD_FLAGS_H_

// coffer-operator's command line (operator/README.md lists every flag).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/vaultclient/admin_client.h"
#include "operator/runtime/manager.h"

namespace coffer::op {

struct OperatorFlags {
  std::string kubeconfig;  // empty: in-cluster configuration
  std::string context;
  vaultclient::AdminTarget admin;
  std::string ca_file;  // published as ConfigMap coffer-ca
  // "HOST:PORT" every SecretSync read is sent to, whatever the vault URL's host (which is still
  // sent as Host and checked against the certificate). Empty: each vault's own URL.
  std::string vault_connect_to;
  std::string metrics_address = "127.0.0.1:8080";
  std::string log_level = "info";
  std::string log_format = "text";
  bool help = false;
  ManagerOptions manager;
  // The workload-identity admission webhook (operator/webhook): served on `address` over
  // HTTPS with a certificate for `names` from the vault, kept in `cert_dir`. Off when empty.
  struct Webhook {
    std::string address;
    std::vector<std::string> names;
    std::string cert_dir;  // empty: a private temporary directory
    // The MutatingWebhookConfiguration whose caBundle is kept equal to the installation's CA.
    std::string configuration;
    absl::Duration token_expiration = absl::Hours(1);
  } webhook;
};

// Errors: INVALID_ARGUMENT naming the flag (unknown, missing value, malformed).
absl::StatusOr<OperatorFlags> ParseFlags(const std::vector<std::string>& args);

extern const char kUsage[];

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_CMD_FLAGS_H_
