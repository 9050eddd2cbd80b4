// coffer-csi: the CSI node plugin that mounts vault objects into pods. See csi-driver/README.md.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "csi-driver/cmd/flags.h"
#include "csi-driver/csi/identity_server.h"
#include "csi-driver/csi/node_server.h"
#include "csi-driver/mount/mounter.h"
#include "csi-driver/publish/kube_cluster.h"
#include "csi-driver/publish/object_cache.h"
#include "csi-driver/publish/publisher.h"
#include "lib/base/clock.h"
#include "lib/base/logging.h"
#include "lib/base/stop_signals.h"
#include "lib/base/version.h"
#include "lib/base/zero_on_free.h"
#include "lib/grpcutil/grpc_server.h"
#include "lib/http/beast/server.h"
#include "lib/http/cpprest/client.h"
#include "lib/kube/http_kube_client.h"
#include "lib/kube/kube_config.h"
#include "lib/metrics/metrics.h"
#include "lib/metrics/ops_handler.h"
#include "lib/vaultclient/data_plane_vault.h"

namespace {

constexpr char kVersion[] = "0.1.0";

int Fail(const std::string& message) {
  std::fprintf(stderr, "coffer-csi: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (!coffer::ZeroOpenSslMemoryOnFree()) return Fail("OpenSSL allocated memory before main()");
  if (coffer::PrintVersionIfAsked(argc, argv, "coffer-csi")) return 0;
  using namespace coffer;  // NOLINT: main only
  absl::StatusOr<coffer::csi::CsiFlags> flags =
      coffer::csi::ParseFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) return Fail(std::string(flags.status().message()));
  if (flags->help) {
    std::fputs(coffer::csi::kUsage, stdout);
    return 0;
  }
  const StopSignals stop_signals;  // before any thread starts
  InitLogging(flags->log_format == "json" ? LogFormat::kJson : LogFormat::kText, flags->log_level);

  absl::StatusOr<kube::KubeConfig> config = kube::LoadConfig(flags->kubeconfig, flags->context);
  if (!config.ok()) return Fail("Kubernetes API: " + std::string(config.status().message()));
  auto kube = kube::ConnectKube(*config, absl::Seconds(10), http::cpprest::NewClient);
  if (!kube.ok()) return Fail("Kubernetes API: " + std::string(kube.status().message()));

  metrics::Registry metrics;
  Clock& clock = Clock::Real();
  coffer::csi::KubeCluster cluster(**kube, clock, flags->node_id);
  coffer::vaultclient::DataPlaneVaultOptions vault_options;
  vault_options.connect_to = flags->connect_to;
  vault_options.ca_file = flags->ca_file;
  coffer::vaultclient::DataPlaneVault vault(vault_options, http::cpprest::NewClient, clock);
  std::unique_ptr<coffer::csi::Mounter> mounter =
      flags->no_tmpfs ? coffer::csi::NewDirectoryMounter() : coffer::csi::NewLinuxMounter();
  coffer::csi::ObjectCache cache(clock, flags->cache_ttl);
  metrics.AddGauge("coffer_csi_backend_reads", "Reads of vault objects (cache misses)",
                   [&cache] { return static_cast<double>(cache.fetches()); });
  coffer::csi::PublisherOptions publisher_options;
  publisher_options.state_dir = flags->state_dir;
  publisher_options.tmpfs_size = flags->tmpfs_size;
  coffer::csi::Publisher publisher(cluster, vault, *mounter, cache, clock, metrics, publisher_options);
  absl::Status recovered = publisher.Recover();
  if (!recovered.ok()) return Fail(std::string(recovered.message()));

  coffer::csi::IdentityServer identity(flags->driver_name, kVersion, [] { return true; });
  coffer::csi::NodeServer node(publisher, flags->node_id, flags->audience);
  grpcutil::GrpcServerOptions grpc_options;
  grpc_options.unix_socket = flags->socket_path;
  auto server = grpcutil::StartGrpcServer(grpc_options, {&identity, &node});
  if (!server.ok()) return Fail("--endpoint: " + std::string(server.status().message()));

  metrics::OpsHandler ops(metrics, [] { return true; });
  std::unique_ptr<http::Server> ops_server;
  if (!flags->metrics_address.empty()) {
    auto options = http::ListenOn(flags->metrics_address);
    if (!options.ok()) return Fail("--metrics-address: " + std::string(options.status().message()));
    auto started = http::beast::StartServer(*options, ops);
    if (!started.ok()) return Fail("--metrics-address: " + std::string(started.status().message()));
    ops_server = *std::move(started);
  }
  COFFER_LOG(kCsi, info, "coffer-csi {} on {}: driver {}, node {}, Kubernetes {}{}", kVersion,
             flags->socket_path, flags->driver_name, flags->node_id, config->server,
             flags->no_tmpfs ? ", no tmpfs" : "");

  const int signal_number = stop_signals.Wait();
  COFFER_LOG(kCsi, info, "received {}", strsignal(signal_number));
  (*server)->Shutdown(absl::Seconds(5));
  if (ops_server) ops_server->Shutdown(absl::Seconds(1));
  return 0;
}
