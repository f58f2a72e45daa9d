# Functions that register tlsaudit audits of YOUR code as ctest tests.
#
#   tlsaudit_add_sid_audit(NAME test-name TARGET my_shared_lib SYMBOL my_gen
#                          [ARGS extra tlsaudit sid options...])
#   tlsaudit_add_shutdown_audit(NAME test-name TARGET my_shared_lib SYMBOL my_driver
#                               [ARGS extra tlsaudit shutdown options...])
#
# TARGET must be a SHARED or MODULE library that exports SYMBOL: tlsaudit loads it
# with dlopen, exactly as `tlsaudit sid --lib FILE.so --symbol NAME` does. The test
# fails (exit 1) on any error-severity finding; exit 2 means the audit could not
# start (missing symbol, not a shared object).

function(_tlsaudit_add_audit kind)
  cmake_parse_arguments(TA "" "NAME;TARGET;SYMBOL" "ARGS" ${ARGN})
  foreach(req NAME TARGET SYMBOL)
    if(NOT TA_${req})
      message(FATAL_ERROR "tlsaudit_add_${kind}_audit: ${req} is required, e.g. "
                          "tlsaudit_add_${kind}_audit(NAME t TARGET mylib SYMBOL fn)")
    endif()
  endforeach()
  if(NOT TARGET ${TA_TARGET})
    message(FATAL_ERROR "tlsaudit_add_${kind}_audit: '${TA_TARGET}' is not a target")
  endif()
  get_target_property(type ${TA_TARGET} TYPE)
  if(NOT type MATCHES "^(SHARED_LIBRARY|MODULE_LIBRARY)$")
    message(FATAL_ERROR "tlsaudit_add_${kind}_audit: '${TA_TARGET}' is a ${type}; tlsaudit "
                        "loads the code under test with dlopen. Fix: add_library(${TA_TARGET} "
                        "MODULE ...) or SHARED")
  endif()
  if(TARGET tlsaudit::cli)
    set(cli tlsaudit::cli)
  else()
    set(cli tlsaudit_cli) # inside tlsaudit's own tree
  endif()
  add_test(NAME ${TA_NAME}
           COMMAND ${cli} ${kind} --lib $<TARGET_FILE:${TA_TARGET}> --symbol ${TA_SYMBOL}
                   ${TA_ARGS})
  set_tests_properties(${TA_NAME} PROPERTIES LABELS "tlsaudit;tlsaudit-${kind}")
endfunction()

function(tlsaudit_add_sid_audit)
  _tlsaudit_add_audit(sid ${ARGN})
endfunction()

function(tlsaudit_add_shutdown_audit)
  _tlsaudit_add_audit(shutdown ${ARGN})
endfunction()

# tlsaudit_add_fuzz_target(...): in an installed package whose share/tlsaudit/fuzz
# holds the targets' sources (tlsauditFuzz.cmake). Inside tlsaudit's own tree
# fuzz/CMakeLists.txt defines it.
if(NOT COMMAND tlsaudit_add_fuzz_target AND DEFINED TLSAUDIT_FUZZ_SOURCE_DIR
   AND EXISTS "${TLSAUDIT_FUZZ_SOURCE_DIR}/replay.c")
  include("${CMAKE_CURRENT_LIST_DIR}/tlsauditFuzz.cmake")
endif()
