// The only file that includes yaml-cpp: it turns YAML text into a ConfigNode.
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "lib/config/config_node.h"

namespace coffer::config {
namespace {

absl::Status At(const YAML::Mark& mark, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("line ", mark.line + 1, ", column ",
                                                 mark.column + 1, ": ", std::string(message)));
}

absl::StatusOr<ConfigNode> Convert(const YAML::Node& in) {
  ConfigNode out;
  switch (in.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return out;
    case YAML::NodeType::Scalar:
      out.kind = ConfigNode::Kind::kScalar;
      out.scalar = in.Scalar();
      return out;
    case YAML::NodeType::Sequence:
      out.kind = ConfigNode::Kind::kSequence;
      for (const auto& item : in) {
        auto child = Convert(item);
        if (!child.ok()) return child.status();
        out.items.push_back(std::move(*child));
      }
      return out;
    case YAML::NodeType::Map: {
      out.kind = ConfigNode::Kind::kMap;
      std::set<std::string> keys;
      for (const auto& entry : in) {
        if (!entry.first.IsScalar()) return At(entry.first.Mark(), "map keys must be scalars");
        std::string key = entry.first.Scalar();
        if (!keys.insert(key).second) {
          return At(entry.first.Mark(), absl::StrCat("duplicate key '", key, "'"));
        }
        auto child = Convert(entry.second);
        if (!child.ok()) return child.status();
        out.map.emplace_back(std::move(key), std::move(*child));
      }
      return out;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<ConfigNode> ParseYaml(std::string_view text) {
  try {
    return Convert(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    return At(e.mark, e.msg);
  }
}

absl::StatusOr<ConfigNode> LoadYamlFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read config file ", path));
  std::stringstream text;
  text << in.rdbuf();
  auto node = ParseYaml(text.str());
  if (!node.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", node.status().message()));
  }
  return node;
}

}  // namespace coffer::config
