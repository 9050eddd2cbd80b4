# Every third-party dependency, found once. All come from Debian 12 packages (scripts/setup).
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(Protobuf REQUIRED)             # module mode: Debian ships no protobuf config
find_package(gRPC CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS system)
find_package(cpprestsdk CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(GTest CONFIG REQUIRED)
find_package(benchmark CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(Python3 REQUIRED COMPONENTS Interpreter)  # the layering check (tests/layering)
pkg_check_modules(P11KIT REQUIRED IMPORTED_TARGET p11-kit-1)

# The server binaries use tcmalloc: many small, short-lived allocations per request, freed on
# other threads than allocated them, are where glibc's malloc spends most (bench/README.md).
# Debian's runtime package ships only the versioned file.
find_library(TCMALLOC_MINIMAL NAMES tcmalloc_minimal libtcmalloc_minimal.so.4 REQUIRED)
if(COFFER_SANITIZE)
  set(TCMALLOC_MINIMAL "")  # AddressSanitizer brings its own allocator
endif()
