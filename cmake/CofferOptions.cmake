# Build-wide switches. Warnings-as-errors apply to our own targets only (see CofferTargets).
option(COFFER_WERROR "Treat compiler warnings as errors" ON)
option(COFFER_SANITIZE "Build with -fsanitize=address,undefined" OFF)
option(COFFER_FUZZ "Build the libFuzzer targets in fuzz/ (clang; scripts/fuzz)" OFF)

# ccache with paths taken relative to the checkout, so that another clone of the repository
# (CI clones afresh) reuses the cache instead of compiling everything again.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${PROJECT_SOURCE_DIR} CCACHE_NOHASHDIR=true
      ${CCACHE_PROGRAM})
endif()

if(COFFER_SANITIZE)
  # Undefined behaviour stops the program, so that a test or a fuzzer cannot run past it.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # Third-party code the checks cannot judge, each entry explained in the file.
    add_compile_options(-fsanitize-ignorelist=${CMAKE_SOURCE_DIR}/scripts/ubsan-ignorelist.txt)
  endif()
endif()
if(COFFER_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "COFFER_FUZZ needs clang (-DCMAKE_CXX_COMPILER=clang++; scripts/fuzz)")
  endif()
  # Coverage feedback for libFuzzer in every library a fuzz target links.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
