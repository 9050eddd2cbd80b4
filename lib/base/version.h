#ifndef COFFER_LIB_BASE_VERSION_H_
#define COFFER_LIB_BASE_VERSION_H_

namespace coffer {

// The project's version (CMake's PROJECT_VERSION), e.g. "0.1.0": what `--version` prints and
// what the container images are tagged with.
const char* Version();

// For main(): when the only argument is --version, prints "NAME VERSION" and returns true.
bool PrintVersionIfAsked(int argc, char** argv, const char* name);

}  // namespace coffer

#endif  // COFFER_LIB_BASE_VERSION_H_
