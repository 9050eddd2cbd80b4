#include "tests/kube-apiserver/server/json_patch.h"

namespace coffer::kube::standin {

absl::StatusOr<nlohmann::json> ApplyJsonPatch(const nlohmann::json& document,
                                              const nlohmann::json& patch) {
  if (!patch.is_array()) {
    return absl::InvalidArgumentError("a JSON patch is an array of operations");
  }
  try {
    return document.patch(patch);
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(e.what());
  }
}

}  // namespace coffer::kube::standin
