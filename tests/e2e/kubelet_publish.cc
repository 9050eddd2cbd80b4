// kubelet-publish: calls a CSI node plugin as kubelet does for a pod's inline ephemeral volume,
// for the whole-stack demo (scripts/demo) and by hand. The pod's details and its token come on
// the command line (kubectl gets them: `kubectl get pod`, `kubectl create token`).
//
//   kubelet-publish publish --endpoint unix:///PATH --volume-id ID --target DIR
//       --pod NAME --namespace NS --pod-uid UID --service-account SA --token-file FILE
//       [--audience api://coffer] [--attribute KEY=VALUE]...
//   kubelet-publish unpublish --endpoint unix:///PATH --volume-id ID --target DIR

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "csi/v1/csi.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "lib/base/command_line.h"
#include "nlohmann/json.hpp"

namespace {

constexpr char kUsage[] =
    "usage: kubelet-publish publish|unpublish --endpoint unix:///PATH --volume-id ID\n"
    "         --target DIR [publish: --pod NAME --namespace NS --pod-uid UID\n"
    "         --service-account SA --token-file FILE [--audience AUD] [--attribute K=V]...]\n";

struct Flags {
  std::string endpoint, volume_id, target, pod, ns, pod_uid, service_account, token_file;
  std::string audience = "api://coffer";
  std::map<std::string, std::string> attributes;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "kubelet-publish: %s\n", message.c_str());
  return 1;
}

// What kubelet puts in volume_context for a CSIDriver with podInfoOnMount and tokenRequests.
csi::v1::NodePublishVolumeRequest PublishRequest(const Flags& flags, const std::string& token) {
  csi::v1::NodePublishVolumeRequest request;
  request.set_volume_id(flags.volume_id);
  request.set_target_path(flags.target);
  request.set_readonly(true);
  request.mutable_volume_capability()->mutable_mount();
  request.mutable_volume_capability()->mutable_access_mode()->set_mode(
      csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_READER_ONLY);
  auto& context = *request.mutable_volume_context();
  for (const auto& [key, value] : flags.attributes) context[key] = value;
  context["csi.storage.k8s.io/pod.name"] = flags.pod;
  context["csi.storage.k8s.io/pod.namespace"] = flags.ns;
  context["csi.storage.k8s.io/pod.uid"] = flags.pod_uid;
  context["csi.storage.k8s.io/serviceAccount.name"] = flags.service_account;
  context["csi.storage.k8s.io/ephemeral"] = "true";
  context["csi.storage.k8s.io/serviceAccount.tokens"] = nlohmann::json{
      {flags.audience,
       {{"token", token},
        {"expirationTimestamp", "2099-01-01T00:00:00Z"}}}}.dump();
  return request;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || (std::string(argv[1]) != "publish" && std::string(argv[1]) != "unpublish")) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const bool publish = std::string(argv[1]) == "publish";
  Flags flags;
  coffer::CommandLineFlags spec;
  for (auto [name, field] : std::vector<std::pair<const char*, std::string*>>{
           {"--endpoint", &flags.endpoint},
           {"--volume-id", &flags.volume_id},
           {"--target", &flags.target},
           {"--pod", &flags.pod},
           {"--namespace", &flags.ns},
           {"--pod-uid", &flags.pod_uid},
           {"--service-account", &flags.service_account},
           {"--token-file", &flags.token_file},
           {"--audience", &flags.audience}}) {
    spec.with_value[name] = [field = field](const std::string& v) {
      *field = v;
      return absl::OkStatus();
    };
  }
  spec.with_value["--attribute"] = [&flags](const std::string& v) {
    const std::size_t eq = v.find('=');
    if (eq == std::string::npos) return absl::InvalidArgumentError("--attribute: want KEY=VALUE");
    flags.attributes[v.substr(0, eq)] = v.substr(eq + 1);
    return absl::OkStatus();
  };
  bool help = false;
  absl::Status parsed =
      coffer::ParseCommandLine(std::vector<std::string>(argv + 2, argv + argc), spec, &help);
  if (help) return std::fputs(kUsage, stdout), 0;
  if (!parsed.ok()) return Fail(std::string(parsed.message()));
  if (flags.endpoint.empty() || flags.volume_id.empty() || flags.target.empty()) {
    return Fail("--endpoint, --volume-id and --target are required");
  }
  if (publish && (flags.pod.empty() || flags.ns.empty() || flags.pod_uid.empty() ||
                  flags.service_account.empty() || flags.token_file.empty())) {
    return Fail("publish needs --pod, --namespace, --pod-uid, --service-account, --token-file");
  }

  auto channel = grpc::CreateChannel(flags.endpoint, grpc::InsecureChannelCredentials());
  auto node = csi::v1::Node::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  grpc::Status status;
  if (publish) {
    std::ifstream in(flags.token_file);
    std::stringstream token;
    token << in.rdbuf();
    std::string value = token.str();
    value.erase(value.find_last_not_of("\r\n") + 1);
    if (!in || value.empty()) return Fail("--token-file: cannot read a token");
    csi::v1::NodePublishVolumeResponse response;
    status = node->NodePublishVolume(&context, PublishRequest(flags, value), &response);
  } else {
    csi::v1::NodeUnpublishVolumeRequest request;
    request.set_volume_id(flags.volume_id);
    request.set_target_path(flags.target);
    csi::v1::NodeUnpublishVolumeResponse response;
    status = node->NodeUnpublishVolume(&context, request, &response);
  }
  if (!status.ok()) {
    return Fail(std::string(publish ? "NodePublishVolume" : "NodeUnpublishVolume") + ": code " +
                std::to_string(status.error_code()) + ": " + status.error_message());
  }
  return 0;
}
