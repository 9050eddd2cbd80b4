#ifndef COFFER_CSI_DRIVER_CMD_FLAGS_H_
#define COFFER_CSI_DRIVER_CMD_FLAGS_H_

// coffer-csi's command line (csi-driver/README.md lists every flag).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace coffer::csi {

struct CsiFlags {
  std::string socket_path;  // from --endpoint unix:///PATH
  std::string node_id;
  std::string kubeconfig;  // empty: in-cluster configuration
  std::string context;
  std::string connect_to;  // HOST:PORT from --vault-url; empty: each vault's own address
  std::string ca_file;
  std::string driver_name = "secrets.coffer.dev";
  std::string audience = "api://coffer";
  std::string state_dir = "/run/coffer-csi";
  bool no_tmpfs = false;
  std::int64_t tmpfs_size = 8 * 1024 * 1024;
  absl::Duration cache_ttl = absl::Seconds(10);
  std::string metrics_address = "127.0.0.1:8095";
  std::string log_level = "info";
  std::string log_format = "text";
  bool help = false;
};

// Errors: INVALID_ARGUMENT naming the flag (unknown, missing value, malformed).
absl::StatusOr<CsiFlags> ParseFlags(const std::vector<std::string>& args);

extern const char kUsage[];

}  // namespace coffer::csi

#endif  // COFFER_CSI_DRIVER_CMD_FLAGS_H_
