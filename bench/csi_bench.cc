// coffer-csi publish latency, shared reads and rotation latency, measured as kubelet would see
// them: NodePublishVolume over the driver's unix socket, pod-bound tokens from the stand-in, a
// real coffer-vault and coffer-operator (the e2e cluster harness), real tmpfs mounts (root).
//
// Reference, in the same run: the vault's own floor for the same reads, i.e. one GET per secret
// over a kept-alive connection with an access token already held (lib/vaultclient, as an
// application using the Azure SDK reads once it is logged in). The driver pays on top: the
// token exchange (a TokenReview at the API server), three Kubernetes reads, the mount, files.
//
// Run by hand: build/bench/coffer_csi_bench (a single gtest, to reuse the e2e fixtures).
#include <grpcpp/grpcpp.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "csi/v1/csi.grpc.pb.h"
#include "gtest/gtest.h"
#include "lib/http/cpprest/client.h"
#include "lib/testing/status_matchers.h"
#include "tests/e2e/cluster_harness.h"

namespace coffer {
namespace {

namespace v1 = ::coffer::admin::v1;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class CsiBench : public testing::ClusterHarnessTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "the benchmark mounts real tmpfs volumes: run it as root";
    ClusterHarnessTest::SetUp();
    if (HasFatalFailure()) return;
    operator_ = StartOperator("op-1");
    Apply("kv", KeyVaultYaml());
    ASSERT_EQ(Kubectl({"create", "serviceaccount", "billing", "-n", "team-a"}).exit_code, 0);
    Apply("billing", PolicyYaml("billing", "{serviceAccount: {name: billing}}", "get, list"));
    ASSERT_TRUE(testing::PollUntil([&] { return Ready("kv", "prod") && Ready("kvap", "billing"); }));
    std::string writer_id;
    vaultclient::DataPlaneCredentials writer = NewPrincipal(*admin_, "writer", &writer_id);
    v1::SetAccessPolicyRequest grant;
    grant.set_vault("team-a-prod");
    grant.mutable_policy()->set_object_id(writer_id);
    grant.mutable_policy()->add_secrets("set");
    grant.mutable_policy()->add_secrets("get");
    COFFER_ASSERT_OK(admin_->SetAccessPolicy(grant).status());
    writer_ = DataPlane("prod.vault.coffer.test", writer);
    for (int i = 0; i < 50; ++i) {
      COFFER_ASSERT_OK(
          writer_->SetSecret("s" + std::to_string(i), SecretBytes(std::string(64, 'x'))).status());
    }
    for (int n : {1, 10, 50}) {
      std::string yaml = "apiVersion: coffer.dev/v1alpha1\nkind: VaultMount\nmetadata: {name: m" +
                         std::to_string(n) + ", namespace: team-a}\nspec:\n  vaultRef: {name: "
                         "prod}\n  rotation: {interval: 1s}\n  objects:\n";
      for (int i = 0; i < n; ++i) {
        yaml += "    - {name: s" + std::to_string(i) + ", type: secret}\n";
      }
      Apply("m" + std::to_string(n), yaml);
    }
    ca_bundle_ = dir_.File("ca-bundle.pem");
    std::ofstream(ca_bundle_) << Jsonpath("configmap", "coffer-ca", "{.data.ca\\.crt}") << "\n"
                              << Read(pki_.ca_cert);
  }

  void TearDown() override {
    if (driver_) driver_->Stop(SIGTERM);
    for (const std::string& target : targets_) umount2(target.c_str(), MNT_DETACH);
  }

  void StartDriver(const std::string& cache_ttl) {
    if (driver_) driver_->Stop(SIGTERM);
    metrics_port_ = testing::PickFreePort();
    std::string socket = dir_.File("csi-" + cache_ttl + ".sock");
    driver_ = std::make_unique<testing::Subprocess>(
        std::vector<std::string>{CSI_BINARY, "--endpoint", "unix://" + socket, "--node-id",
                                 "node-1", "--kubeconfig", kubeconfig_, "--vault-url",
                                 "https://127.0.0.1:" + std::to_string(port_), "--ca-file",
                                 ca_bundle_, "--state-dir", dir_.File("state-" + cache_ttl),
                                 "--cache-ttl", cache_ttl, "--log-level", "warn",
                                 "--metrics-address",
                                 "127.0.0.1:" + std::to_string(metrics_port_)},
        dir_.File("csi-" + cache_ttl + ".log"));
    ASSERT_TRUE(driver_->Start());
    auto channel = grpc::CreateChannel("unix://" + socket, grpc::InsecureChannelCredentials());
    node_ = ::csi::v1::Node::NewStub(channel);
    auto identity = ::csi::v1::Identity::NewStub(channel);
    ASSERT_TRUE(testing::PollUntil([&] {
      grpc::ClientContext context;
      ::csi::v1::ProbeResponse probe;
      return identity->Probe(&context, {}, &probe).ok();
    }));
  }

  // A pod of ServiceAccount billing and a token bound to it, as kubelet would hand over.
  std::string NewPod(const std::string& name) {
    Apply(name, "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
                    ", namespace: team-a}\nspec:\n  serviceAccountName: billing\n  containers: "
                    "[{name: app, image: registry.invalid/app}]\n");
    testing::RunResult minted =
        Kubectl({"create", "token", "billing", "-n", "team-a", "--audience", "api://coffer",
                 "--bound-object-kind", "Pod", "--bound-object-name", name});
    EXPECT_EQ(minted.exit_code, 0);
    pod_uids_[name] = Jsonpath("pod", name, "{.metadata.uid}");
    return minted.output.substr(0, minted.output.find_first_of("\r\n"));
  }

  ::csi::v1::NodePublishVolumeRequest Request(const std::string& pod, const std::string& token,
                                              const std::string& mount,
                                              const std::string& volume) {
    ::csi::v1::NodePublishVolumeRequest r;
    r.set_volume_id(volume);
    r.set_target_path(dir_.File("vol-" + volume));
    r.mutable_volume_capability()->mutable_mount();
    r.set_readonly(true);
    auto& c = *r.mutable_volume_context();
    c["vaultMount"] = mount;
    c["csi.storage.k8s.io/pod.name"] = pod;
    c["csi.storage.k8s.io/pod.namespace"] = "team-a";
    c["csi.storage.k8s.io/pod.uid"] = pod_uids_[pod];
    c["csi.storage.k8s.io/serviceAccount.name"] = "billing";
    c["csi.storage.k8s.io/serviceAccount.tokens"] =
        R"({"api://coffer":{"token":")" + token + R"(","expirationTimestamp":"2030-01-01T00:00:00Z"}})";
    targets_.push_back(r.target_path());
    return r;
  }

  grpc::Status Publish(const ::csi::v1::NodePublishVolumeRequest& r) {
    grpc::ClientContext context;
    ::csi::v1::NodePublishVolumeResponse response;
    return node_->NodePublishVolume(&context, r, &response);
  }
  void Unpublish(const ::csi::v1::NodePublishVolumeRequest& r) {
    grpc::ClientContext context;
    ::csi::v1::NodeUnpublishVolumeRequest request;
    request.set_volume_id(r.volume_id());
    request.set_target_path(r.target_path());
    ::csi::v1::NodeUnpublishVolumeResponse response;
    ASSERT_TRUE(node_->NodeUnpublishVolume(&context, request, &response).ok());
  }

  double BackendReads() {
    http::ClientOptions options;
    options.base_url = "http://127.0.0.1:" + std::to_string(metrics_port_);
    auto client = http::cpprest::NewClient(options);
    std::string text = client.ok() ? Get(**client, "/metrics").body : "";
    std::smatch m;
    return std::regex_search(text, m, std::regex("coffer_csi_backend_reads ([0-9.e+]+)"))
               ? std::stod(m[1])
               : -1;
  }

  // The reference: N GETs by a logged-in client over a kept-alive connection.
  double DirectRead(int n) {
    auto start = Clock::now();
    for (int i = 0; i < n; ++i) EXPECT_TRUE(writer_->GetSecret("s" + std::to_string(i)).ok());
    return Ms(Clock::now() - start);
  }

  std::unique_ptr<testing::Subprocess> operator_;
  std::unique_ptr<testing::Subprocess> driver_;
  std::unique_ptr<vaultclient::DataPlaneClient> writer_;
  std::unique_ptr<::csi::v1::Node::Stub> node_;
  std::map<std::string, std::string> pod_uids_;
  std::vector<std::string> targets_;
  std::string ca_bundle_;
  int metrics_port_ = 0;
};

TEST_F(CsiBench, PublishLatencySharedReadsAndRotation) {
  const int samples = std::stoi(std::getenv("SAMPLES") ? std::getenv("SAMPLES") : "50");
  std::printf("\ncoffer-csi, %d samples per row; first publish of a new volume: token exchange, "
              "Kubernetes reads, object reads, tmpfs mount, files\n\n", samples);
  std::printf("| secrets | publish p50 | publish p99 | reference p50 (GETs, logged in) | ratio |\n"
              "| ---: | ---: | ---: | ---: | ---: |\n");
  StartDriver("0s");  // every publish reads the vault: the cold cost
  std::string token = NewPod("web");
  for (int n : {1, 10, 50}) {
    std::vector<double> publish, reference;
    for (int i = 0; i < samples; ++i) {
      auto r = Request("web", token, "m" + std::to_string(n),
                       "v" + std::to_string(n) + "-" + std::to_string(i));
      auto start = Clock::now();
      grpc::Status status = Publish(r);
      publish.push_back(Ms(Clock::now() - start));
      ASSERT_TRUE(status.ok()) << status.error_message() << driver_->Log();
      Unpublish(r);
      reference.push_back(DirectRead(n));
    }
    std::printf("| %d | %.1f ms | %.1f ms | %.1f ms | %.2f |\n", n, Percentile(publish, 0.5),
                Percentile(publish, 0.99), Percentile(reference, 0.5),
                Percentile(publish, 0.5) / Percentile(reference, 0.5));
  }

  // 100 pods of one ServiceAccount publish the same 10 secrets at once (8 at a time, as
  // kubelet's parallel pod workers might), with the default 10 s cache.
  StartDriver("10s");
  std::vector<::csi::v1::NodePublishVolumeRequest> pods;
  for (int p = 0; p < 100; ++p) {
    std::string name = "pod-" + std::to_string(p);
    pods.push_back(Request(name, NewPod(name), "m10", "p" + std::to_string(p)));
  }
  double before = BackendReads();
  std::atomic<int> next{0}, failed{0};
  auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w) {
    workers.emplace_back([&] {
      for (int i = next++; i < 100; i = next++) failed += !Publish(pods[i]).ok();
    });
  }
  for (auto& w : workers) w.join();
  double wall = Ms(Clock::now() - start);
  EXPECT_EQ(failed.load(), 0) << driver_->Log();
  std::printf("\n100 pods x 10 secrets (one ServiceAccount, 8 concurrent publishes): %.0f ms "
              "wall, %.0f backend reads (target <= 10), 100 token exchanges\n",
              wall, BackendReads() - before);
  for (auto& r : pods) Unpublish(r);

  // Rotation at the minimum interval (1s): kubelet republishes every 100 ms; measured from the
  // new versions being written to the file showing them.
  StartDriver("0s");
  auto r = Request("web", token, "m10", "rot");
  ASSERT_TRUE(Publish(r).ok());
  std::vector<double> rotation;
  for (int round = 1; round <= 5; ++round) {
    std::string value = "round-" + std::to_string(round);
    auto changed = Clock::now();
    COFFER_ASSERT_OK(writer_->SetSecret("s0", SecretBytes(value)).status());
    while (Read(r.target_path() + "/s0") != value) {
      Publish(r);
      if (Read(r.target_path() + "/s0") == value) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    rotation.push_back(Ms(Clock::now() - changed));
  }
  Unpublish(r);
  std::printf("\nrotation, interval 1s, republish every 100 ms: change -> files swapped p50 %.0f "
              "ms, max %.0f ms (5 rounds)\n\n",
              Percentile(rotation, 0.5), Percentile(rotation, 1.0));
}

}  // namespace
}  // namespace coffer
