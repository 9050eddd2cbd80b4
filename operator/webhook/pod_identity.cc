#include "operator/webhook/pod_identity.h"

#include <cstddef>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "operator/webhook/json_fields.h"

namespace coffer::op {
namespace {

using json_fields::ArrayAt;
using json_fields::At;
using json_fields::StringAt;
using nlohmann::json;

// The `name` of each object of `items` (volumes, env, mounts); `items` may be null.
std::set<std::string> NamesIn(const json* items) {
  std::set<std::string> names;
  if (items == nullptr) return names;
  for (const json& item : *items) names.insert(StringAt(item, {"name"}));
  return names;
}

std::string_view WithoutTrailingSlashes(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

std::string FileIn(std::string_view directory, std::string_view file) {
  directory = WithoutTrailingSlashes(directory);
  std::string out(directory);
  if (out != "/") out += '/';
  return out + std::string(file);
}

// Adds `values` to the array at `path`, whose current value is `existing` (null when absent or
// not an array): the whole array in one op, or one op per value at its end.
void AppendAll(const json* existing, const std::string& path, json values, json& patch) {
  if (values.empty()) return;
  if (existing == nullptr) {
    patch.push_back(json{{"op", "add"}, {"path", path}, {"value", std::move(values)}});
    return;
  }
  for (json& value : values) {
    patch.push_back(json{{"op", "add"}, {"path", path + "/-"}, {"value", std::move(value)}});
  }
}

// A volume we add, and where a container that we give a mount finds its file.
struct OurVolume {
  const char* name;
  const char* mount_path;
  const char* file_name;
};

constexpr OurVolume kToken{kTokenVolumeName, kTokenMountPath, kTokenFileName};
constexpr OurVolume kCa{kCaVolumeName, kCaMountPath, kCaFileName};

json TokenVolume(const WorkloadIdentitySettings& settings) {
  json token = {{"path", kTokenFileName},
                {"audience", settings.audience},
                {"expirationSeconds", settings.token_expiration_seconds}};
  json source = {{"serviceAccountToken", std::move(token)}};
  json projected = {{"sources", json::array({std::move(source)})}};
  return json{{"name", kTokenVolumeName}, {"projected", std::move(projected)}};
}

json CaVolume(const WorkloadIdentitySettings& settings) {
  json item = {{"key", kCaFileName}, {"path", kCaFileName}};
  json config_map = {{"name", settings.ca_config_map}, {"items", json::array({std::move(item)})}};
  return json{{"name", kCaVolumeName}, {"configMap", std::move(config_map)}};
}

// The path at which `container` sees the file of `volume`, or nullopt when it cannot see it.
// Appends our mount to `mounts` when the container mounts neither the volume nor anything else
// at our path.
std::optional<std::string> FileSeenBy(const json& container, const OurVolume& volume,
                                      json& mounts) {
  bool path_taken = false;
  bool mounted_in_part = false;
  if (const json* existing = ArrayAt(container, {"volumeMounts"})) {
    for (const json& mount : *existing) {
      const std::string mount_path = StringAt(mount, {"mountPath"});
      if (WithoutTrailingSlashes(mount_path) == volume.mount_path) path_taken = true;
      if (StringAt(mount, {"name"}) != volume.name) continue;
      const std::string sub_path = StringAt(mount, {"subPath"});
      if (!StringAt(mount, {"subPathExpr"}).empty()) {
        mounted_in_part = true;
      } else if (sub_path.empty()) {
        return FileIn(mount_path, volume.file_name);
      } else if (WithoutTrailingSlashes(sub_path) == volume.file_name) {
        return std::string(WithoutTrailingSlashes(mount_path));
      } else {
        mounted_in_part = true;
      }
    }
  }
  if (path_taken || mounted_in_part) return std::nullopt;
  mounts.push_back(
      json{{"name", volume.name}, {"mountPath", volume.mount_path}, {"readOnly", true}});
  return FileIn(volume.mount_path, volume.file_name);
}

struct Injection {
  std::string_view client_id;
  const WorkloadIdentitySettings& settings;
  bool inject_ca;
};

// The ops for the container at `path` ("/spec/containers/0").
void PatchContainer(const json& container, const std::string& path, const Injection& injection,
                    json& patch) {
  json mounts = json::array();
  const std::optional<std::string> token_file = FileSeenBy(container, kToken, mounts);
  std::optional<std::string> ca_file;
  if (injection.inject_ca) ca_file = FileSeenBy(container, kCa, mounts);

  std::vector<std::pair<const char*, std::string>> wanted = {
      {"AZURE_CLIENT_ID", std::string(injection.client_id)},
      {"AZURE_TENANT_ID", injection.settings.tenant_id},
      {"AZURE_AUTHORITY_HOST", injection.settings.authority_host},
      {"AZURE_FEDERATED_TOKEN_FILE", token_file.value_or("")}};
  if (ca_file.has_value()) {
    for (const char* name : {"SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE"}) {
      wanted.emplace_back(name, *ca_file);
    }
  }
  const json* env = ArrayAt(container, {"env"});
  const std::set<std::string> already_set = NamesIn(env);
  json added = json::array();
  for (const auto& [name, value] : wanted) {
    if (value.empty() || already_set.count(name) > 0) continue;
    added.push_back(json{{"name", name}, {"value", value}});
  }
  AppendAll(ArrayAt(container, {"volumeMounts"}), path + "/volumeMounts", std::move(mounts), patch);
  AppendAll(env, path + "/env", std::move(added), patch);
}

bool CaOptedOut(const json& pod) {
  return StringAt(pod, {"metadata", "annotations", kInjectCaAnnotation}) == "false";
}

}  // namespace

json WorkloadIdentityPatch(const json& pod, std::string_view client_id,
                           const WorkloadIdentitySettings& settings) {
  json patch = json::array();
  const json* spec = At(pod, {"spec"});
  if (spec == nullptr || !spec->is_object()) return patch;
  const bool inject_ca = !CaOptedOut(pod);

  const json* volumes = ArrayAt(*spec, {"volumes"});
  const std::set<std::string> present = NamesIn(volumes);
  json added = json::array();
  if (present.count(kTokenVolumeName) == 0) added.push_back(TokenVolume(settings));
  if (inject_ca && present.count(kCaVolumeName) == 0) added.push_back(CaVolume(settings));
  AppendAll(volumes, "/spec/volumes", std::move(added), patch);

  const Injection injection{client_id, settings, inject_ca};
  for (const char* kind : {"initContainers", "containers"}) {
    const json* containers = ArrayAt(*spec, {kind});
    if (containers == nullptr) continue;
    for (std::size_t i = 0; i < containers->size(); ++i) {
      const json& container = (*containers)[i];
      if (!container.is_object()) continue;
      PatchContainer(container, "/spec/" + std::string(kind) + "/" + std::to_string(i), injection,
                     patch);
    }
  }
  return patch;
}

}  // namespace coffer::op
