#include "csi-driver/publish/volume.h"

#include "nlohmann/json.hpp"

namespace coffer::csi {
namespace {

using nlohmann::json;

constexpr char kPodName[] = "csi.storage.k8s.io/pod.name";
constexpr char kPodNamespace[] = "csi.storage.k8s.io/pod.namespace";
constexpr char kPodUid[] = "csi.storage.k8s.io/pod.uid";
constexpr char kServiceAccount[] = "csi.storage.k8s.io/serviceAccount.name";
constexpr char kTokens[] = "csi.storage.k8s.io/serviceAccount.tokens";

std::string Value(const std::map<std::string, std::string>& context, const char* key) {
  auto it = context.find(key);
  return it == context.end() ? std::string() : it->second;
}

}  // namespace

absl::Status ReadVolumeContext(const std::map<std::string, std::string>& context,
                               const std::string& audience, PublishRequest* request) {
  request->vault_mount = Value(context, "vaultMount");
  if (request->vault_mount.empty()) {
    return absl::InvalidArgumentError(
        "volumeAttributes.vaultMount is missing: name the VaultMount this volume mounts");
  }
  request->pod.name = Value(context, kPodName);
  request->pod.ns = Value(context, kPodNamespace);
  request->pod.uid = Value(context, kPodUid);
  request->pod.service_account = Value(context, kServiceAccount);
  if (request->pod.name.empty() || request->pod.ns.empty() || request->pod.uid.empty() ||
      request->pod.service_account.empty()) {
    return absl::InvalidArgumentError(
        "the volume context has no pod information: the CSIDriver object needs "
        "podInfoOnMount: true");
  }
  auto tokens = context.find(kTokens);
  if (tokens == context.end()) {
    return absl::InvalidArgumentError(
        "the volume context has no service-account token: the CSIDriver object needs "
        "tokenRequests with audience " + audience);
  }
  json parsed = json::parse(tokens->second, nullptr, false);
  const json* entry = parsed.is_object() ? &parsed[audience] : nullptr;
  const json* token = entry != nullptr && entry->is_object() && entry->contains("token")
                          ? &(*entry)["token"]
                          : nullptr;
  if (token != nullptr && token->is_string()) {
    request->pod_token = SecretBytes(token->get_ref<const std::string&>());
  }
  // The parsed copy holds every audience's token: wipe them all.
  if (parsed.is_object()) {
    for (auto& [aud, value] : parsed.items()) {
      if (value.is_object() && value.contains("token") && value["token"].is_string()) {
        std::string& t = value["token"].get_ref<std::string&>();
        internal::ZeroMemory(t.data(), t.size());
      }
    }
  }
  if (request->pod_token.empty()) {
    return absl::InvalidArgumentError(
        "csi.storage.k8s.io/serviceAccount.tokens holds no token for audience " + audience +
        ": the CSIDriver object's tokenRequests must ask for it");
  }
  return absl::OkStatus();
}

bool VolumeRecord::SameVolume(const PublishRequest& request) const {
  return request.volume_id == volume_id && request.target_path == target_path &&
         request.readonly == readonly && request.vault_mount == vault_mount &&
         request.pod.uid == pod.uid && request.pod.ns == pod.ns &&
         request.pod.service_account == pod.service_account;
}

std::string EncodeRecord(const VolumeRecord& r) {
  json written = json::object();
  for (const auto& [file, what] : r.written) written[file] = what;
  return json{{"volumeId", r.volume_id},
              {"targetPath", r.target_path},
              {"readonly", r.readonly},
              {"vaultMount", r.vault_mount},
              {"pod",
               {{"namespace", r.pod.ns},
                {"name", r.pod.name},
                {"uid", r.pod.uid},
                {"serviceAccount", r.pod.service_account}}},
              {"written", written},
              {"rotationEnabled", r.rotation_enabled},
              {"rotationIntervalSeconds", absl::ToInt64Seconds(r.rotation_interval)},
              {"refreshedUnixNanos", absl::ToUnixNanos(r.refreshed)}}
      .dump();
}

absl::StatusOr<VolumeRecord> DecodeRecord(const std::string& text) {
  json doc = json::parse(text, nullptr, false);
  VolumeRecord r;
  try {
    r.volume_id = doc.at("volumeId").get<std::string>();
    r.target_path = doc.at("targetPath").get<std::string>();
    r.readonly = doc.at("readonly").get<bool>();
    r.vault_mount = doc.at("vaultMount").get<std::string>();
    const json& pod = doc.at("pod");
    r.pod.ns = pod.at("namespace").get<std::string>();
    r.pod.name = pod.at("name").get<std::string>();
    r.pod.uid = pod.at("uid").get<std::string>();
    r.pod.service_account = pod.at("serviceAccount").get<std::string>();
    for (auto& [file, what] : doc.at("written").items()) r.written[file] = what.get<std::string>();
    r.rotation_enabled = doc.at("rotationEnabled").get<bool>();
    r.rotation_interval = absl::Seconds(doc.at("rotationIntervalSeconds").get<std::int64_t>());
    r.refreshed = absl::FromUnixNanos(doc.at("refreshedUnixNanos").get<std::int64_t>());
  } catch (const json::exception&) {
    return absl::InvalidArgumentError("not a volume record");
  }
  if (r.volume_id.empty() || r.target_path.empty()) {
    return absl::InvalidArgumentError("not a volume record");
  }
  return r;
}

}  // namespace coffer::csi
