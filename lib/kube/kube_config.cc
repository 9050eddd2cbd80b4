#include "lib/kube/kube_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "lib/config/config_node.h"

extern char** environ;

namespace coffer::kube {
namespace {

using config::ConfigNode;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return absl::NotFoundError(path + ": no such file");
    return absl::UnavailableError(path + ": " + std::strerror(errno));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string Scalar(const ConfigNode* node, std::string_view key) {
  if (node == nullptr) return "";
  const ConfigNode* child = node->Find(key);
  if (child == nullptr || child->kind != ConfigNode::Kind::kScalar) return "";
  return child->scalar;
}

// The `field` map of the entry named `name` in the sequence `list` ("clusters").
absl::StatusOr<const ConfigNode*> FindNamed(const ConfigNode& root, std::string_view list,
                                            std::string_view field, const std::string& name) {
  const ConfigNode* items = root.Find(list);
  if (items != nullptr && items->kind == ConfigNode::Kind::kSequence) {
    for (const ConfigNode& item : items->items) {
      if (Scalar(&item, "name") != name) continue;
      const ConfigNode* body = item.Find(field);
      if (body == nullptr || body->kind != ConfigNode::Kind::kMap) {
        return absl::InvalidArgumentError(std::string(list) + "[name=" + name + "]." +
                                          std::string(field) + " is missing or not a map");
      }
      return body;
    }
  }
  return absl::NotFoundError(std::string(list) + "[name=" + name + "] not found");
}

std::string Resolve(const std::string& dir, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  return dir + "/" + path;
}

absl::StatusOr<std::string> DecodeData(const ConfigNode* node, std::string_view key,
                                       const std::string& where) {
  std::string text = Scalar(node, key);
  std::string compact;
  for (char c : text) {
    if (c != '\n' && c != '\r' && c != ' ') compact.push_back(c);
  }
  std::optional<std::string> decoded = Base64Decode(compact);
  if (!decoded) {
    return absl::InvalidArgumentError(where + "." + std::string(key) + " is not valid base64");
  }
  return *std::move(decoded);
}

absl::Status ReadCluster(const ConfigNode& cluster, const std::string& where,
                         const std::string& dir, KubeConfig& out) {
  out.server = Scalar(&cluster, "server");
  if (out.server.empty()) return absl::InvalidArgumentError(where + ".server is missing");
  out.ca_file = Resolve(dir, Scalar(&cluster, "certificate-authority"));
  if (!Scalar(&cluster, "certificate-authority-data").empty()) {
    COFFER_ASSIGN_OR_RETURN(out.ca_data, DecodeData(&cluster, "certificate-authority-data", where));
  }
  return absl::OkStatus();
}

absl::Status ReadUser(const ConfigNode& user, const std::string& where, const std::string& dir,
                      KubeConfig& out) {
  out.token = SecretBytes(Scalar(&user, "token"));
  out.token_file = Resolve(dir, Scalar(&user, "tokenFile"));
  out.client_cert_file = Resolve(dir, Scalar(&user, "client-certificate"));
  out.client_key_file = Resolve(dir, Scalar(&user, "client-key"));
  if (!Scalar(&user, "client-certificate-data").empty()) {
    COFFER_ASSIGN_OR_RETURN(out.client_cert_data,
                            DecodeData(&user, "client-certificate-data", where));
  }
  if (!Scalar(&user, "client-key-data").empty()) {
    COFFER_ASSIGN_OR_RETURN(std::string key, DecodeData(&user, "client-key-data", where));
    out.client_key_data = SecretBytes(key);
    std::fill(key.begin(), key.end(), '\0');
  }
  if (user.Find("exec") != nullptr || user.Find("auth-provider") != nullptr) {
    return absl::InvalidArgumentError(where +
                                      ": exec and auth-provider credentials are not "
                                      "supported");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<KubeConfig> LoadKubeconfig(const std::string& path, std::string_view context) {
  COFFER_ASSIGN_OR_RETURN(ConfigNode root, config::LoadYamlFile(path));
  auto fail = [&](const absl::Status& status) { return WithContext(status, "kubeconfig " + path); };
  std::string context_name(context);
  if (context_name.empty()) context_name = Scalar(&root, "current-context");
  if (context_name.empty()) {
    return fail(absl::InvalidArgumentError("current-context is not set"));
  }
  absl::StatusOr<const ConfigNode*> ctx = FindNamed(root, "contexts", "context", context_name);
  if (!ctx.ok()) return fail(ctx.status());
  std::string ctx_where = "contexts[name=" + context_name + "].context";
  std::string cluster_name = Scalar(*ctx, "cluster");
  if (cluster_name.empty()) {
    return fail(absl::InvalidArgumentError(ctx_where + ".cluster is missing"));
  }
  KubeConfig out;
  std::string ns = Scalar(*ctx, "namespace");
  if (!ns.empty()) out.namespace_ = ns;
  std::string dir = ".";
  if (size_t slash = path.rfind('/'); slash != std::string::npos) dir = path.substr(0, slash);

  absl::StatusOr<const ConfigNode*> cluster = FindNamed(root, "clusters", "cluster", cluster_name);
  if (!cluster.ok()) return fail(cluster.status());
  absl::Status status =
      ReadCluster(**cluster, "clusters[name=" + cluster_name + "].cluster", dir, out);
  if (!status.ok()) return fail(status);

  std::string user_name = Scalar(*ctx, "user");
  if (!user_name.empty()) {
    absl::StatusOr<const ConfigNode*> user = FindNamed(root, "users", "user", user_name);
    if (!user.ok()) return fail(user.status());
    status = ReadUser(**user, "users[name=" + user_name + "].user", dir, out);
    if (!status.ok()) return fail(status);
  }
  return out;
}

absl::StatusOr<KubeConfig> InClusterConfig(const std::map<std::string, std::string>& env,
                                           const std::string& service_account_dir) {
  auto host = env.find("KUBERNETES_SERVICE_HOST");
  auto port = env.find("KUBERNETES_SERVICE_PORT");
  if (host == env.end() || port == env.end() || host->second.empty() || port->second.empty()) {
    return absl::FailedPreconditionError(
        "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be "
        "set");
  }
  KubeConfig out;
  bool ipv6 = host->second.find(':') != std::string::npos;
  out.server = "https://" + (ipv6 ? "[" + host->second + "]" : host->second) + ":" + port->second;
  out.token_file = service_account_dir + "/token";
  COFFER_RETURN_IF_ERROR(TokenFile(out.token_file).Token().status());
  out.ca_file = service_account_dir + "/ca.crt";
  absl::StatusOr<std::string> ns = ReadFile(service_account_dir + "/namespace");
  if (ns.ok()) {
    while (!ns->empty() && (ns->back() == '\n' || ns->back() == ' ')) ns->pop_back();
    if (!ns->empty()) out.namespace_ = *ns;
  }
  return out;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

absl::StatusOr<SecretBytes> TokenFile::Token() {
  struct stat info;
  if (stat(path_.c_str(), &info) != 0) {
    if (errno == ENOENT) return absl::NotFoundError("token file " + path_ + " does not exist");
    return absl::UnavailableError("token file " + path_ + ": " + std::strerror(errno));
  }
  std::string stamp = std::to_string(info.st_ino) + "/" + std::to_string(info.st_size) + "/" +
                      std::to_string(info.st_mtim.tv_sec) + "." +
                      std::to_string(info.st_mtim.tv_nsec);
  absl::MutexLock lock(&mu_);
  if (stamp == stamp_ && !token_.empty()) return token_;
  COFFER_ASSIGN_OR_RETURN(std::string text, ReadFile(path_));
  size_t end = text.find_last_not_of(" \r\n\t");
  SecretBytes token(std::string_view(text).substr(0, end == std::string::npos ? 0 : end + 1));
  std::fill(text.begin(), text.end(), '\0');
  if (token.empty()) return absl::InvalidArgumentError("token file " + path_ + " is empty");
  token_ = std::move(token);
  stamp_ = std::move(stamp);
  return token_;
}

namespace {

absl::Status WritePrivate(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) return absl::UnavailableError("cannot write " + path);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsFiles>> TlsFiles::Create(const KubeConfig& config) {
  std::unique_ptr<TlsFiles> files(new TlsFiles());
  files->options_.base_url = config.server;
  files->options_.ca_file = config.ca_file;
  files->options_.client_cert_file = config.client_cert_file;
  files->options_.client_key_file = config.client_key_file;
  if (config.ca_data.empty() && config.client_cert_data.empty() && config.client_key_data.empty()) {
    return files;
  }
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/coffer-kube-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {  // mkdtemp creates the directory 0700
    return absl::UnavailableError("mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  files->dir_ = pattern;
  if (!config.ca_data.empty()) {
    files->options_.ca_file = files->dir_ + "/ca.crt";
    COFFER_RETURN_IF_ERROR(WritePrivate(files->options_.ca_file, config.ca_data));
  }
  if (!config.client_cert_data.empty()) {
    files->options_.client_cert_file = files->dir_ + "/client.crt";
    COFFER_RETURN_IF_ERROR(WritePrivate(files->options_.client_cert_file, config.client_cert_data));
  }
  if (!config.client_key_data.empty()) {
    files->options_.client_key_file = files->dir_ + "/client.key";
    COFFER_RETURN_IF_ERROR(
        WritePrivate(files->options_.client_key_file, config.client_key_data.reveal()));
  }
  return files;
}

TlsFiles::~TlsFiles() {
  if (dir_.empty()) return;
  for (const char* name : {"/ca.crt", "/client.crt", "/client.key"}) {
    unlink((dir_ + name).c_str());
  }
  rmdir(dir_.c_str());
}

absl::StatusOr<KubeConfig> LoadConfig(const std::string& kubeconfig, std::string_view context) {
  return kubeconfig.empty() ? InClusterConfig(ProcessEnvironment())
                            : LoadKubeconfig(kubeconfig, context);
}

}  // namespace coffer::kube
