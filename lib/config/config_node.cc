#include "lib/config/config_node.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/base/absl_compat.h"

namespace coffer::config {

ConfigNode* ConfigNode::Find(std::string_view key) {
  for (auto& [k, v] : map) {
    if (k == key) return &v;
  }
  return nullptr;
}

const ConfigNode* ConfigNode::Find(std::string_view key) const {
  return const_cast<ConfigNode*>(this)->Find(key);
}

absl::Status SetPath(ConfigNode& root, std::string_view dotted_path, std::string value) {
  ConfigNode* node = &root;
  std::string walked;
  for (absl::string_view part : absl::StrSplit(AsAbsl(dotted_path), '.')) {
    if (part.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad config path '", AsAbsl(dotted_path), "'"));
    }
    if (node->kind == ConfigNode::Kind::kNull) node->kind = ConfigNode::Kind::kMap;
    if (node->kind != ConfigNode::Kind::kMap) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot set '", AsAbsl(dotted_path), "': '", walked, "' is not a map"));
    }
    walked = walked.empty() ? std::string(part) : absl::StrCat(walked, ".", part);
    ConfigNode* child = node->Find(AsStd(part));
    if (child == nullptr) {
      node->map.emplace_back(std::string(part), ConfigNode{});
      child = &node->map.back().second;
    }
    node = child;
  }
  if (node->kind == ConfigNode::Kind::kMap || node->kind == ConfigNode::Kind::kSequence) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot set '", AsAbsl(dotted_path), "': it is not a single value"));
  }
  node->kind = ConfigNode::Kind::kScalar;
  node->scalar = std::move(value);
  return absl::OkStatus();
}

absl::Status ApplyEnvironment(ConfigNode& root, std::string_view prefix, char** environ) {
  for (char** env = environ; env != nullptr && *env != nullptr; ++env) {
    std::string_view entry(*env);
    if (entry.substr(0, prefix.size()) != prefix) continue;
    std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string path;
    for (absl::string_view part :
         absl::StrSplit(AsAbsl(entry.substr(prefix.size(), eq - prefix.size())), "__")) {
      if (!path.empty()) path.push_back('.');
      for (char c : part) path.push_back(static_cast<char>(std::tolower(c)));
    }
    absl::Status status = SetPath(root, path, std::string(entry.substr(eq + 1)));
    if (!status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "environment variable ", AsAbsl(entry.substr(0, eq)), ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace coffer::config
