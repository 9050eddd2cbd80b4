# Helpers that give every target of ours the same include root and warnings.
#
#   coffer_library(NAME SRCS a.cc ... DEPS x y)
#   coffer_test(NAME SRCS a_test.cc ... DEPS x y [LABELS l])

set(COFFER_WARNINGS -Wall -Wextra -Werror=return-type)
if(COFFER_WERROR)
  list(APPEND COFFER_WARNINGS -Werror)
endif()

function(coffer_apply_defaults target)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/proto)
  target_compile_options(${target} PRIVATE ${COFFER_WARNINGS})
endfunction()

function(coffer_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  coffer_apply_defaults(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

function(coffer_test name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  coffer_apply_defaults(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "unit;${ARG_LABELS}" TIMEOUT 300)
endfunction()

function(coffer_binary name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  coffer_apply_defaults(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()
