#ifndef COFFER_TESTS_E2E_CSI_HARNESS_H_
#define COFFER_TESTS_E2E_CSI_HARNESS_H_

// coffer-csi as kubelet meets it, on top of the cluster harness: coffer-operator running,
// KeyVault prod Ready, ServiceAccount billing granted get and list on its secrets and get on its
// keys, a writer principal for the test's own changes (secrets, certificates), and a coffer-csi
// process whose unix socket is called with the CSI gRPC API. Needs root: the driver mounts real
// tmpfs volumes.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "csi/v1/csi.grpc.pb.h"
#include "lib/vaultclient/data_plane_client.h"
#include "tests/e2e/cluster_harness.h"

namespace coffer::testing {

// The file's contents, "<missing>" when it cannot be read.
std::string ReadOrMissing(const std::string& path);

class CsiHarnessTest : public ClusterHarnessTest {
 protected:
  void SetUp() override;
  void TearDown() override;  // unmounts what a failed test left mounted

  // Starts (or restarts) coffer-csi with the harness's flags plus `extra` (e.g. --cache-ttl)
  // and waits for Probe.
  void StartDriver(const std::vector<std::string>& extra = {});

  // A pod of ServiceAccount billing, and a token bound to it, as kubelet requests one.
  void NewPod(const std::string& name);
  std::string PodToken(const std::string& pod);

  // What kubelet sends for `pod`'s inline volume `volume_id` of VaultMount `mount`.
  ::csi::v1::NodePublishVolumeRequest PublishRequest(const std::string& pod,
                                                     const std::string& token,
                                                     const std::string& mount,
                                                     const std::string& volume_id);
  grpc::Status Publish(const ::csi::v1::NodePublishVolumeRequest& request);
  grpc::Status Unpublish(const std::string& volume_id, const std::string& target);
  std::string Target(const std::string& volume_id) { return dir_.File("vol-" + volume_id); }
  std::string Metrics();

  // Has the vault issue certificate `name` at once, as the writer, through the data-plane REST
  // API: issuer Self, `subject` ("CN=..."), an exportable EC P-256 key, its secret stored as
  // PKCS#12 (the default). Fails the test unless the operation completes.

  std::unique_ptr<Subprocess> operator_;
  std::unique_ptr<Subprocess> driver_;
  std::unique_ptr<vaultclient::DataPlaneClient> writer_;  // secrets, certificates
  std::unique_ptr<::csi::v1::Identity::Stub> identity_;
  std::unique_ptr<::csi::v1::Node::Stub> node_;

 private:
  std::string ca_bundle_;
  int metrics_port_ = 0;
  std::vector<std::string> targets_;
};

}  // namespace coffer::testing

#endif  // COFFER_TESTS_E2E_CSI_HARNESS_H_
