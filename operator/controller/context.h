#ifndef COFFER_OPERATOR_CONTROLLER_CONTEXT_H_
#define COFFER_OPERATOR_CONTROLLER_CONTEXT_H_

// What the reconcilers share: the clients they act through and the operator's settings.

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "lib/base/clock.h"
#include "lib/kube/event_recorder.h"
#include "lib/kube/kube_client.h"
#include "lib/vaultclient/admin_api.h"
#include "nlohmann/json.hpp"
#include "operator/api/v1alpha1/types.h"

namespace coffer::op {

struct OperatorSettings {
  // This cluster's name in Coffer: managed identities are ServiceAccounts of it.
  std::string cluster_name = "kubernetes";
  // The cluster's DNS domain: each KeyVault is also NAME.NAMESPACE.svc.<cluster_domain>.
  std::string cluster_domain = "cluster.local";
  // The DNS name of the vault's own Service (coffer-vault.coffer-system.svc.cluster.local):
  // each KeyVault's Service is then an ExternalName for it, which reaches the vault from any
  // namespace. Empty: each KeyVault's Service selects the vault pods by `vault_selector`, which
  // only finds pods in the KeyVault's own namespace (a vault run beside its KeyVaults).
  std::string vault_service;
  // The labels of the coffer-vault pods, which each KeyVault's Service selects.
  std::map<std::string, std::string> vault_selector = {{"app.kubernetes.io/name", "coffer-vault"}};
  int vault_port = 8443;  // the pods' HTTPS port; the Service listens on 443
  // PEM of the CA that signs the vault's serving certificates, published as ConfigMap coffer-ca
  // (key ca.crt) in each namespace with a KeyVault. Empty: not published.
  std::string ca_pem;
  // The audience of the service-account tokens Coffer's token service accepts from this
  // cluster (its `identity.clusters.NAME.audience`): what the workload-identity webhook
  // projects into pods and what SecretSync mints to read as a ServiceAccount.
  std::string token_audience = "api://coffer";
};

// Reads an object from an informer's cache (nullopt when absent).
using Lister = std::function<std::optional<nlohmann::json>(const v1alpha1::ObjectKey& key)>;

struct ReconcilerContext {
  kube::KubeClient& kube;
  vaultclient::AdminApi& admin;
  kube::EventRecorder& events;
  Clock& clock;
  const OperatorSettings& settings;
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_CONTROLLER_CONTEXT_H_
