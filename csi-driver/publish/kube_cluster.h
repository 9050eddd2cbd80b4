#ifndef COFFER_CSI_DRIVER_PUBLISH_KUBE_CLUSTER_H_
#define COFFER_CSI_DRIVER_PUBLISH_KUBE_CLUSTER_H_

// Cluster over the Kubernetes API: VaultMounts, KeyVaults and AccessPolicies (coffer.dev/
// v1alpha1) read with GET/LIST, Events written on pods. The driver needs get on vaultmounts and
// keyvaults, list on accesspolicies, and create on events.

#include <string>

#include "csi-driver/publish/backends.h"
#include "lib/base/clock.h"
#include "lib/kube/event_recorder.h"
#include "lib/kube/kube_client.h"

namespace coffer::csi {

class KubeCluster : public Cluster {
 public:
  KubeCluster(kube::KubeClient& client, Clock& clock, std::string node_id);

  absl::StatusOr<crd::MountSpec> GetVaultMount(const std::string& ns, const std::string& name) override;
  absl::StatusOr<std::string> VaultUrl(const std::string& ns, const std::string& name) override;
  absl::StatusOr<std::string> ClientId(const std::string& ns,
                                       const std::string& service_account) override;
  void Warn(const PodInfo& pod, const std::string& reason, const std::string& note) override;

 private:
  kube::KubeClient& client_;
  kube::EventRecorder events_;
};

}  // namespace coffer::csi

#endif  // COFFER_CSI_DRIVER_PUBLISH_KUBE_CLUSTER_H_
