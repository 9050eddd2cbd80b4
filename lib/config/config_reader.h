#ifndef COFFER_LIB_CONFIG_CONFIG_READER_H_
#define COFFER_LIB_CONFIG_CONFIG_READER_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lib/config/config_node.h"

namespace coffer::config {

// Reads one YAML map into a typed struct. Each Read names a key; a key that is absent leaves
// the field at its default. The first problem is kept with its full YAML path, and Finish()
// also reports every key that no Read asked for (strict loading: a typo is an error, not a
// silently ignored setting).
//
//   MapReader r(root, "");
//   r.Read("listen", &options.listen);
//   r.Map("tls", [&](MapReader& tls) { tls.Read("cert_file", &options.cert_file); });
//   COFFER_RETURN_IF_ERROR(r.Finish());
class MapReader {
 public:
  // `path` is this map's dotted path for messages ("" for the root).
  MapReader(const ConfigNode& node, std::string path);

  void Read(std::string_view key, std::string* out);
  void Read(std::string_view key, bool* out);
  void Read(std::string_view key, int* out, int min, int max);
  void Read(std::string_view key, std::int64_t* out, std::int64_t min, std::int64_t max);
  void Read(std::string_view key, std::vector<std::string>* out);
  // Go-style durations: "250ms", "30s", "5m", "1h30m".
  void ReadDuration(std::string_view key, absl::Duration* out);
  // One of `allowed`.
  void ReadEnum(std::string_view key, std::string* out,
                std::initializer_list<std::string_view> allowed);
  // A nested map. `read` runs even when the key is absent (on an empty map), so that checks
  // on a section's defaults run too.
  void Map(std::string_view key, const std::function<void(MapReader&)>& read);
  // A map of named maps (`clusters: {prod: {...}, dev: {...}}`): `read` runs once per entry, in
  // document order, with the entry's name.
  void Entries(std::string_view key,
               const std::function<void(const std::string& name, MapReader&)>& read);

  // Records an error at this map's `key` (for checks across fields).
  void Fail(std::string_view key, std::string_view message);

  // The first error, or unknown keys, or OK.
  absl::Status Finish();

 private:
  const ConfigNode* Scalar(std::string_view key);
  std::string PathOf(std::string_view key) const;

  const ConfigNode& node_;
  std::string path_;
  std::set<std::string, std::less<>> seen_;
  absl::Status status_;
};

}  // namespace coffer::config

#endif  // COFFER_LIB_CONFIG_CONFIG_READER_H_
