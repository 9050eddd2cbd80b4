#ifndef COFFER_LIB_BASE_JSON_DEPTH_H_
#define COFFER_LIB_BASE_JSON_DEPTH_H_

#include <string_view>

namespace coffer {

// Whether the arrays and objects of JSON text `text` nest deeper than `max_depth`, judged by a
// scan of its brackets (those inside strings are text). For bodies from strangers: checked
// before parsing, since walking a parsed document (wiping, dumping) recurses once per level and
// a deep one also costs far more memory than its size. Says nothing of validity.
inline bool JsonNestsDeeperThan(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

}  // namespace coffer

#endif  // COFFER_LIB_BASE_JSON_DEPTH_H_
