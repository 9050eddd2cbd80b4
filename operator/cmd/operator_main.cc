// coffer-operator: reconciles Coffer's custom resources and serves its webhook. See
// operator/README.md.
#include <stdlib.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lib/base/clock.h"
#include "lib/base/logging.h"
#include "lib/base/status.h"
#include "lib/base/stop_signals.h"
#include "lib/base/version.h"
#include "lib/base/zero_on_free.h"
#include "lib/http/beast/server.h"
#include "lib/http/cpprest/client.h"
#include "lib/kube/http_kube_client.h"
#include "lib/kube/kube_config.h"
#include "lib/metrics/metrics.h"
#include "lib/vaultclient/admin_client.h"
#include "lib/vaultclient/data_plane_vault.h"
#include "operator/cmd/flags.h"
#include "operator/cmd/webhook_server.h"
#include "operator/runtime/manager.h"
#include "lib/metrics/ops_handler.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "coffer-operator: %s\n", message.c_str());
  return 1;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `text` as NAME in a fresh private temporary directory; returns its path.
absl::StatusOr<std::string> WritePrivateFile(const std::string& name, const std::string& text) {
  char dir[] = "/tmp/coffer-operator-XXXXXX";  // mode 0700
  if (::mkdtemp(dir) == nullptr) return absl::UnavailableError("cannot make a directory in /tmp");
  const std::string path = std::string(dir) + "/" + name;
  std::ofstream out(path);
  out << text;
  if (!out.flush()) return absl::UnavailableError("cannot write " + path);
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  if (!coffer::ZeroOpenSslMemoryOnFree()) return Fail("OpenSSL allocated memory before main()");
  if (coffer::PrintVersionIfAsked(argc, argv, "coffer-operator")) return 0;
  using namespace coffer;  // NOLINT: main only
  absl::StatusOr<op::OperatorFlags> flags =
      op::ParseFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) return Fail(std::string(flags.status().message()));
  if (flags->help) {
    std::fputs(op::kUsage, stdout);
    return 0;
  }
  const StopSignals stop_signals;  // before any thread starts
  InitLogging(flags->log_format == "json" ? LogFormat::kJson : LogFormat::kText, flags->log_level);

  absl::StatusOr<kube::KubeConfig> config = kube::LoadConfig(flags->kubeconfig, flags->context);
  if (!config.ok()) return Fail("Kubernetes API: " + std::string(config.status().message()));
  // Two clients: writes and Lease renewals time out well inside the 10 s renew deadline; list
  // and watch streams may stay quiet for minutes.
  auto kube = kube::ConnectKube(*config, absl::Seconds(8), http::cpprest::NewClient);
  auto watch_kube = kube::ConnectKube(*config, absl::Minutes(5), http::cpprest::NewClient);
  if (!kube.ok()) return Fail(std::string(kube.status().message()));
  if (!watch_kube.ok()) return Fail(std::string(watch_kube.status().message()));
  flags->manager.watch_client = watch_kube->get();
  auto admin = vaultclient::AdminClient::Connect(flags->admin);
  if (!admin.ok()) return Fail("vault admin API: " + std::string(admin.status().message()));
  // The tenant, the authority and the CA that issues every vault hostname's certificate (only
  // when needed: with --ca-file and no webhook, the operator starts while the vault is down).
  coffer::admin::v1::Installation installation;
  if (flags->ca_file.empty() || !flags->webhook.address.empty()) {
    auto got = (*admin)->GetInstallation({});
    if (!got.ok()) return Fail("vault admin API: " + std::string(got.status().message()));
    installation = *std::move(got);
  }
  flags->manager.settings.ca_pem = installation.ca_certificate_pem();
  if (!flags->ca_file.empty()) {
    auto ca = ReadFile(flags->ca_file);
    if (!ca.ok()) return Fail("--ca-file: " + std::string(ca.status().message()));
    flags->manager.settings.ca_pem = *ca;
  }

  // SecretSyncs read as their ServiceAccounts, trusting the CA clients trust.
  std::string ca_file = flags->ca_file;
  if (ca_file.empty()) {
    auto written = WritePrivateFile("ca.crt", flags->manager.settings.ca_pem);
    if (!written.ok()) return Fail(std::string(written.status().message()));
    ca_file = *written;
  }
  vaultclient::DataPlaneVault vault({flags->vault_connect_to, ca_file, absl::Seconds(10)},
                                    http::cpprest::NewClient, Clock::Real());
  flags->manager.vault = &vault;

  metrics::Registry metrics;
  op::Manager manager(**kube, **admin, Clock::Real(), metrics, flags->manager);
  metrics::OpsHandler ops(metrics, [&manager] { return manager.Ready(); });
  std::unique_ptr<http::Server> ops_server;
  if (!flags->metrics_address.empty()) {
    auto options = http::ListenOn(flags->metrics_address);
    if (!options.ok()) return Fail("--metrics-address: " + std::string(options.status().message()));
    auto started = http::beast::StartServer(*options, ops);
    if (!started.ok()) return Fail("--metrics-address: " + std::string(started.status().message()));
    ops_server = *std::move(started);
  }
  std::unique_ptr<op::WebhookServer> webhook;
  if (!flags->webhook.address.empty()) {
    op::WorkloadIdentitySettings identity;
    identity.tenant_id = installation.tenant_id();
    identity.authority_host = installation.authority_url();
    identity.audience = flags->manager.settings.token_audience;
    identity.token_expiration_seconds = absl::ToInt64Seconds(flags->webhook.token_expiration);
    auto started = op::WebhookServer::Start(flags->webhook, identity,
                                            installation.ca_certificate_pem(), **kube, **admin);
    if (!started.ok()) return Fail("--webhook-address: " + started.status().ToString());
    webhook = *std::move(started);
  }
  COFFER_LOG(kOperator, info, "coffer-operator: Kubernetes {}, vault admin API {}, cluster {}",
             config->server, (*admin)->target(), flags->manager.settings.cluster_name);

  absl::Status result;
  std::thread run([&] { result = manager.Run(); });
  std::thread wait_signal([&] {
    const int signal_number = stop_signals.Wait();
    COFFER_LOG(kOperator, info, "received {}", strsignal(signal_number));
    manager.Stop();
  });
  run.join();
  if (!result.ok()) {
    // Lost the lease: exit so that a fresh process stands for election with empty caches.
    COFFER_LOG(kOperator, err, "{}", result.ToString());
    if (ops_server) ops_server->Shutdown(absl::Seconds(1));
    webhook.reset();
    std::_Exit(2);
  }
  wait_signal.join();
  if (ops_server) ops_server->Shutdown(absl::Seconds(1));
  return 0;
}
