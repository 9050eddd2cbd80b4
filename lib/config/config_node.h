#ifndef COFFER_LIB_CONFIG_CONFIG_NODE_H_
#define COFFER_LIB_CONFIG_CONFIG_NODE_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace coffer::config {

// A parsed configuration document: YAML's data model without yaml-cpp, so that only
// lib/config/yaml.cc includes yaml-cpp. Scalars keep their text; readers convert.
struct ConfigNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };
  Kind kind = Kind::kNull;
  std::string scalar;
  std::vector<ConfigNode> items;                        // kSequence
  std::vector<std::pair<std::string, ConfigNode>> map;  // kMap, in document order

  ConfigNode* Find(std::string_view key);
  const ConfigNode* Find(std::string_view key) const;
};

// Errors: INVALID_ARGUMENT with the line and column of a syntax error, or of a duplicate key.
absl::StatusOr<ConfigNode> ParseYaml(std::string_view text);
// Errors: NOT_FOUND (no such file), INVALID_ARGUMENT (as ParseYaml, prefixed with the path).
absl::StatusOr<ConfigNode> LoadYamlFile(const std::string& path);

// Sets the scalar at a dotted path ("http.tls.cert_file"), creating maps on the way; how flags
// (--set) and environment variables override the file. Errors: INVALID_ARGUMENT when the path
// runs through a scalar or sequence.
absl::Status SetPath(ConfigNode& root, std::string_view dotted_path, std::string value);

// Applies every environment variable named PREFIX + "A__B__C" as path "a.b.c" (lowercased):
// double underscores separate levels because single ones occur inside keys.
// e.g. COFFER__HTTP__LISTEN=0.0.0.0:8443 sets http.listen.
absl::Status ApplyEnvironment(ConfigNode& root, std::string_view prefix, char** environ);

}  // namespace coffer::config

#endif  // COFFER_LIB_CONFIG_CONFIG_NODE_H_
