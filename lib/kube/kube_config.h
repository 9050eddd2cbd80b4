#ifndef COFFER_LIB_KUBE_KUBE_CONFIG_H_
#define COFFER_LIB_KUBE_KUBE_CONFIG_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/secret_bytes.h"
#include "lib/http/client.h"

namespace coffer::kube {

// Where and how to reach an API server. For each credential, either the file or the inline
// data is set (kubeconfig allows both forms; the *_data fields hold PEM, already decoded).
struct KubeConfig {
  std::string server;  // "https://host:port"
  std::string ca_file;
  std::string ca_data;
  std::string client_cert_file;
  std::string client_cert_data;
  std::string client_key_file;
  SecretBytes client_key_data;
  SecretBytes token;       // a static bearer token
  std::string token_file;  // re-read when it changes (wins over `token`)
  std::string namespace_ = "default";
};

// Reads `context` (the current-context when empty) from a kubeconfig file. Relative file paths
// in it are relative to the kubeconfig's directory.
// Errors: NOT_FOUND (no such file, or a named context/cluster/user missing), INVALID_ARGUMENT
// (bad YAML, no current-context, a missing or malformed field; the message names the field).
absl::StatusOr<KubeConfig> LoadKubeconfig(const std::string& path, std::string_view context = "");

inline constexpr char kServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

// The in-cluster configuration: KUBERNETES_SERVICE_HOST/_PORT from `env`, and token, ca.crt
// and namespace from `service_account_dir`.
// Errors: FAILED_PRECONDITION (not in a cluster: variables unset), NOT_FOUND (token missing).
absl::StatusOr<KubeConfig> InClusterConfig(
    const std::map<std::string, std::string>& env,
    const std::string& service_account_dir = kServiceAccountDir);

// The process environment as a map, for InClusterConfig.
std::map<std::string, std::string> ProcessEnvironment();

// What a binary's --kubeconfig/--context flags name: that kubeconfig, or with an empty path the
// pod's in-cluster configuration. The errors of LoadKubeconfig and InClusterConfig.
absl::StatusOr<KubeConfig> LoadConfig(const std::string& kubeconfig, std::string_view context = "");

// A bearer token file that kubelet rotates: re-read whenever its inode, size or mtime
// changes. Thread-safe.
class TokenFile {
 public:
  explicit TokenFile(std::string path) : path_(std::move(path)) {}
  // Errors: NOT_FOUND, INVALID_ARGUMENT (empty file), UNAVAILABLE (unreadable).
  absl::StatusOr<SecretBytes> Token();

 private:
  const std::string path_;
  absl::Mutex mu_;
  std::string stamp_ ABSL_GUARDED_BY(mu_);
  SecretBytes token_ ABSL_GUARDED_BY(mu_);
};

// The TLS files an http::Client needs. Inline PEM data from the config is written to a private
// (0700) temporary directory that is removed with this object; keep it alive as long as the
// client. Not thread-safe to destroy while in use.
class TlsFiles {
 public:
  // Errors: UNAVAILABLE (cannot write the temporary files).
  static absl::StatusOr<std::unique_ptr<TlsFiles>> Create(const KubeConfig& config);
  ~TlsFiles();
  TlsFiles(const TlsFiles&) = delete;
  TlsFiles& operator=(const TlsFiles&) = delete;

  // base_url, ca_file, client_cert_file and client_key_file filled in.
  const http::ClientOptions& options() const { return options_; }

 private:
  TlsFiles() = default;
  std::string dir_;  // empty when nothing was written
  http::ClientOptions options_;
};

}  // namespace coffer::kube

#endif  // COFFER_LIB_KUBE_KUBE_CONFIG_H_
