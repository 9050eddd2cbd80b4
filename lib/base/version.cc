#include "lib/base/version.h"

#include <cstdio>
#include <cstring>

namespace coffer {

// COFFER_VERSION is defined for this file alone (lib/base/CMakeLists.txt), so a new version
// recompiles one file.
const char* Version() { return COFFER_VERSION; }

bool PrintVersionIfAsked(int argc, char** argv, const char* name) {
  if (argc != 2 || std::strcmp(argv[1], "--version") != 0) return false;
  std::printf("%s %s\n", name, Version());
  return true;
}

}  // namespace coffer
