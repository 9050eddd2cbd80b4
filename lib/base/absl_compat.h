#ifndef COFFER_LIB_BASE_ABSL_COMPAT_H_
#define COFFER_LIB_BASE_ABSL_COMPAT_H_

// Debian's abseil is built without aliasing std::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0),
// so our std::string_view values cross into absl calls through this.

#include <string_view>

#include "absl/strings/string_view.h"

namespace coffer {

inline absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view AsStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace coffer

#endif  // COFFER_LIB_BASE_ABSL_COMPAT_H_
