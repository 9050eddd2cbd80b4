#include "tests/e2e/csi_harness.h"

#include <sys/mount.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "lib/http/cpprest/client.h"
#include "lib/testing/status_matchers.h"
#include "nlohmann/json.hpp"

namespace coffer::testing {

std::string ReadOrMissing(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return in ? text.str() : "<missing>";
}

void CsiHarnessTest::SetUp() {
  ASSERT_EQ(geteuid(), 0u) << "coffer-csi mounts real tmpfs volumes: run as root (CI does)";
  ClusterHarnessTest::SetUp();
  if (HasFatalFailure()) return;
  operator_ = StartOperator("op-1");
  Apply("kv", KeyVaultYaml());
  ASSERT_EQ(Kubectl({"create", "serviceaccount", "billing", "-n", "team-a"}).exit_code, 0);
  Apply("billing", PolicyYaml("billing", "{serviceAccount: {name: billing}}", "get, list", "get"));
  ASSERT_TRUE(PollUntil([&] { return Ready("kv", "prod") && Ready("kvap", "billing"); }))
      << operator_->Log();
  writer_ = Writer();
  ASSERT_NE(writer_, nullptr);
  // The vault's Service names carry certificates from the vault's own CA (ConfigMap
  // coffer-ca); its token service answers with the test PKI's.
  ca_bundle_ = dir_.File("ca-bundle.pem");
  std::ofstream(ca_bundle_) << Jsonpath("configmap", "coffer-ca", "{.data.ca\\.crt}") << "\n"
                            << ReadOrMissing(pki_.ca_cert);
}

void CsiHarnessTest::TearDown() {
  if (driver_) driver_->Stop(SIGTERM);
  for (const std::string& target : targets_) umount2(target.c_str(), MNT_DETACH);
}

void CsiHarnessTest::StartDriver(const std::vector<std::string>& extra) {
  if (driver_) driver_->Stop(SIGTERM);
  metrics_port_ = PickFreePort();
  const std::string socket = dir_.File("csi.sock");
  std::vector<std::string> argv = {CSI_BINARY, "--endpoint", "unix://" + socket, "--node-id",
                                   "node-1", "--kubeconfig", kubeconfig_, "--vault-url",
                                   "https://127.0.0.1:" + std::to_string(port_), "--ca-file",
                                   ca_bundle_, "--state-dir", dir_.File("csi-state"),
                                   "--metrics-address",
                                   "127.0.0.1:" + std::to_string(metrics_port_)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  driver_ = std::make_unique<Subprocess>(argv, dir_.File("csi.log"));
  ASSERT_TRUE(driver_->Start());
  auto channel = grpc::CreateChannel("unix://" + socket, grpc::InsecureChannelCredentials());
  identity_ = ::csi::v1::Identity::NewStub(channel);
  node_ = ::csi::v1::Node::NewStub(channel);
  ASSERT_TRUE(PollUntil([&] {
    grpc::ClientContext context;
    ::csi::v1::ProbeResponse probe;
    return identity_->Probe(&context, {}, &probe).ok() && probe.ready().value();
  })) << driver_->Log();
}

void CsiHarnessTest::NewPod(const std::string& name) {
  Apply(name, "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
                  ", namespace: team-a}\nspec:\n  serviceAccountName: billing\n  containers: "
                  "[{name: app, image: registry.invalid/app}]\n");
}

std::string CsiHarnessTest::PodToken(const std::string& pod) {
  RunResult minted = Kubectl({"create", "token", "billing", "-n", "team-a", "--audience",
                              "api://coffer", "--bound-object-kind", "Pod",
                              "--bound-object-name", pod});
  EXPECT_EQ(minted.exit_code, 0) << minted.output;
  return minted.output.substr(0, minted.output.find_first_of("\r\n"));
}

::csi::v1::NodePublishVolumeRequest CsiHarnessTest::PublishRequest(const std::string& pod,
                                                                    const std::string& token,
                                                                    const std::string& mount,
                                                                    const std::string& volume_id) {
  ::csi::v1::NodePublishVolumeRequest request;
  request.set_volume_id(volume_id);
  request.set_target_path(Target(volume_id));
  request.mutable_volume_capability()->mutable_mount();
  request.mutable_volume_capability()->mutable_access_mode()->set_mode(
      ::csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_READER_ONLY);
  request.set_readonly(true);
  auto& context = *request.mutable_volume_context();
  context["vaultMount"] = mount;
  context["csi.storage.k8s.io/pod.name"] = pod;
  context["csi.storage.k8s.io/pod.namespace"] = "team-a";
  context["csi.storage.k8s.io/pod.uid"] = Jsonpath("pod", pod, "{.metadata.uid}");
  context["csi.storage.k8s.io/serviceAccount.name"] = "billing";
  context["csi.storage.k8s.io/ephemeral"] = "true";
  context["csi.storage.k8s.io/serviceAccount.tokens"] =
      R"({"api://coffer":{"token":")" + token +
      R"(","expirationTimestamp":"2030-01-01T00:00:00Z"}})";
  targets_.push_back(request.target_path());
  return request;
}

grpc::Status CsiHarnessTest::Publish(const ::csi::v1::NodePublishVolumeRequest& request) {
  grpc::ClientContext context;
  ::csi::v1::NodePublishVolumeResponse response;
  return node_->NodePublishVolume(&context, request, &response);
}

grpc::Status CsiHarnessTest::Unpublish(const std::string& volume_id, const std::string& target) {
  grpc::ClientContext context;
  ::csi::v1::NodeUnpublishVolumeRequest request;
  request.set_volume_id(volume_id);
  request.set_target_path(target);
  ::csi::v1::NodeUnpublishVolumeResponse response;
  return node_->NodeUnpublishVolume(&context, request, &response);
}

std::string CsiHarnessTest::Metrics() {
  http::ClientOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(metrics_port_);
  auto client = http::cpprest::NewClient(options);
  return client.ok() ? Get(**client, "/metrics").body : "";
}

}  // namespace coffer::testing
