# Build-wide switches. Warnings-as-errors apply to our own targets only (see CofferTargets).
option(COFFER_WERROR "Treat compiler warnings as errors" ON)
option(COFFER_SANITIZE "Build with -fsanitize=address,undefined" OFF)

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

if(COFFER_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
