#include "operator/cmd/webhook_server.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "lib/base/base64.h"
#include "lib/base/clock.h"
#include "lib/base/log_throttle.h"
#include "lib/base/logging.h"
#include "lib/base/status.h"
#include "lib/http/beast/server.h"
#include "operator/runtime/webhook_certificate.h"
#include "operator/webhook/admission_handler.h"
#include "operator/webhook/client_id_lookup.h"

namespace coffer::op {
namespace {

const kube::ResourceRef kWebhookConfigurations{"admissionregistration.k8s.io", "v1",
                                               "mutatingwebhookconfigurations", false};

// Sets every webhook's clientConfig.caBundle of configuration `name` to `ca_pem`; no write
// when they all have it. NOT_FOUND when the configuration does not exist.
absl::Status EnsureCaBundle(kube::KubeClient& kube, const std::string& name,
                            const std::string& ca_pem) {
  if (ca_pem.empty()) return absl::FailedPreconditionError("no CA to put in caBundle");
  COFFER_ASSIGN_OR_RETURN(nlohmann::json configuration, kube.Get(kWebhookConfigurations, "", name));
  const std::string bundle = Base64Encode(ca_pem);
  bool changed = false;
  nlohmann::json& webhooks = configuration["webhooks"];
  if (!webhooks.is_array()) return absl::OkStatus();
  for (nlohmann::json& webhook : webhooks) {
    if (!webhook.is_object()) continue;
    nlohmann::json& client = webhook["clientConfig"];
    if (!client.is_object()) client = nlohmann::json::object();
    if (client.value("caBundle", nlohmann::json()) == bundle) continue;
    client["caBundle"] = bundle;
    changed = true;
  }
  if (!changed) return absl::OkStatus();
  return kube.Update(kWebhookConfigurations, "", configuration).status();
}

}  // namespace

struct WebhookServer::Impl {
  Impl(const OperatorFlags::Webhook& flags, WorkloadIdentitySettings settings,
       std::string start_ca_pem, kube::KubeClient& kube, vaultclient::AdminApi& admin,
       std::string cert_dir)
      : kube(kube),
        configuration(flags.configuration),
        start_ca_pem(std::move(start_ca_pem)),
        lookup(kube),
        handler(lookup, std::move(settings), Clock::Real()),
        certificate(admin, Clock::Real(), flags.names, std::move(cert_dir)) {}

  // Every 10 seconds: whether the certificate is due (the vault is called only when it is),
  // and whether the configuration's caBundle still names the CA (one GET; a configuration
  // applied after the operator started works within seconds).
  void RenewUntilStopped() {
    do {
      absl::Status renewed = certificate.Refresh();
      if (!renewed.ok()) {
        COFFER_LOG(kOperator, warn, "webhook certificate not renewed (asking again soon): {}",
                   renewed.ToString());
      }
      if (configuration.empty()) continue;
      // A vault older than ServingCertificate.ca_certificate_pem names none: the CA it said
      // at start (GetInstallation) then, never an empty bundle.
      const std::string issued_by = certificate.ca_pem();
      absl::Status bundled =
          EnsureCaBundle(kube, configuration, issued_by.empty() ? start_ca_pem : issued_by);
      std::int64_t held_back = 0;
      if (!bundled.ok() && quiet.Admit("caBundle", &held_back)) {
        COFFER_LOG(kOperator, warn,
                   "MutatingWebhookConfiguration {}: caBundle not set ({} more times since the "
                   "last line): {}",
                   configuration, held_back, bundled.ToString());
      }
    } while (!stop.WaitForNotificationWithTimeout(absl::Seconds(10)));
  }

  kube::KubeClient& kube;
  const std::string configuration;
  const std::string start_ca_pem;
  LogThrottle quiet{Clock::Real(), absl::Minutes(10)};  // a missing configuration is retried
  KubeClientIdLookup lookup;
  AdmissionHandler handler;
  WebhookCertificate certificate;
  std::string dir;
  bool own_dir = false;  // made here, so removed on the way out
  std::unique_ptr<http::Server> server;
  absl::Notification stop;
  std::thread renewer;
};

absl::StatusOr<std::unique_ptr<WebhookServer>> WebhookServer::Start(
    const OperatorFlags::Webhook& flags, WorkloadIdentitySettings settings,
    std::string installation_ca_pem, kube::KubeClient& kube, vaultclient::AdminApi& admin) {
  std::string dir = flags.cert_dir;
  if (dir.empty()) {
    char temp[] = "/tmp/coffer-webhook-XXXXXX";  // mode 0700
    if (::mkdtemp(temp) == nullptr) return absl::UnavailableError("cannot make a directory in /tmp");
    dir = temp;
  }
  auto impl = std::make_unique<Impl>(flags, std::move(settings), std::move(installation_ca_pem),
                                     kube, admin, dir);
  impl->dir = dir;
  impl->own_dir = flags.cert_dir.empty();
  absl::Status issued = impl->certificate.Refresh();
  if (!issued.ok()) {
    return absl::Status(issued.code(), "webhook certificate: " + std::string(issued.message()));
  }
  COFFER_ASSIGN_OR_RETURN(http::ServerOptions options, http::ListenOn(flags.address));
  options.tls = http::TlsFiles{impl->certificate.cert_file(), impl->certificate.key_file()};
  options.threads = 2;
  // An AdmissionReview carries the pod once, and the API server stores objects of up to
  // 1.5 MiB. Anyone who reaches the port may send one: parsed, 2 MiB costs about 60 MiB.
  options.max_body_bytes = 2 * 1024 * 1024;
  options.read_timeout = absl::Seconds(10);  // the API server gives up after timeoutSeconds
  COFFER_ASSIGN_OR_RETURN(impl->server, http::beast::StartServer(options, impl->handler));
  impl->renewer = std::thread([raw = impl.get()] { raw->RenewUntilStopped(); });
  COFFER_LOG(kOperator, info, "workload-identity webhook on {} (HTTPS), port {}", flags.address,
             impl->server->port());
  return std::unique_ptr<WebhookServer>(new WebhookServer(std::move(impl)));
}

WebhookServer::WebhookServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebhookServer::~WebhookServer() {
  impl_->server->Shutdown(absl::Seconds(1));
  impl_->stop.Notify();
  impl_->renewer.join();
  if (impl_->own_dir) {
    std::remove(impl_->certificate.key_file().c_str());
    std::remove(impl_->certificate.cert_file().c_str());
    ::rmdir(impl_->dir.c_str());
  }
}

int WebhookServer::port() const { return impl_->server->port(); }

}  // namespace coffer::op
