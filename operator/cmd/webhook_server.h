#ifndef COFFER_OPERATOR_CMD_WEBHOOK_SERVER_H_
#define COFFER_OPERATOR_CMD_WEBHOOK_SERVER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "lib/kube/kube_client.h"
#include "lib/vaultclient/admin_api.h"
#include "operator/cmd/flags.h"
#include "operator/webhook/pod_identity.h"

namespace coffer::op {

// The workload-identity admission webhook as the binary runs it: /mutate-pods over HTTPS on
// every replica (leader or not: the API server calls whichever the Service picks), with a
// certificate the vault issues, and a thread that renews it and keeps the
// MutatingWebhookConfiguration's caBundle equal to the CA that issued the current certificate
// (so an installation needs no caBundle of its own, and a CA changed in the vault reaches the
// API server with the next certificate). Stops on destruction.
class WebhookServer {
 public:
  // Issues the first certificate before listening, so the API server never meets a listener
  // without one. Errors: the vault's (UNAVAILABLE...), INVALID_ARGUMENT for a bad address.
  // `installation_ca_pem` (GetInstallation's) stands in for the issuing CA when the vault does
  // not name it.
  static absl::StatusOr<std::unique_ptr<WebhookServer>> Start(
      const OperatorFlags::Webhook& flags, WorkloadIdentitySettings settings,
      std::string installation_ca_pem, kube::KubeClient& kube, vaultclient::AdminApi& admin);
  ~WebhookServer();

  int port() const;

 private:
  struct Impl;
  explicit WebhookServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_CMD_WEBHOOK_SERVER_H_
