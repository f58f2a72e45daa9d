# tlsaudit_add_fuzz_target: the one definition, for tlsaudit's own tree
# (fuzz/CMakeLists.txt includes this file) and for users of the installed
# package (tlsauditConfig.cmake includes it when the package ships the sources).
#
#   tlsaudit_add_fuzz_target(NAME my_sid TARGET sid_callback
#                            SOURCES my_cb.c SYMBOL my_gen)
#   tlsaudit_add_fuzz_target(NAME my_sd TARGET shutdown_schedule
#                            SOURCES drv.c SYMBOL my_driver)
#   optional: BUILTIN <catalog name> (instead of SOURCES/SYMBOL), CORPUS <dir>
#   (default: <corpus>/<TARGET>), EXPECT_FINDING, NO_TEST; and for the smoke
#   runs of tlsaudit's own tree: SMOKE (15 s of fuzzing, no finding allowed) or
#   CANARY_RULE <regex> (with EXPECT_FINDING: fuzzing must find the bug under a
#   rule id matching <regex>).
#
# TARGET is one of tlsaudit's fuzz targets (sid_callback, shutdown_schedule,
# shutdown_records); your SOURCES are compiled into it, so a fuzzing engine
# instruments your code. Builds <NAME>-replay always (replays files and
# directories; ctest `fuzz-replay-<NAME>` replays CORPUS) and, with
# -DTLSAUDIT_FUZZ_ENGINE=libfuzzer and clang, the libFuzzer binary <NAME>. The
# installed library is not instrumented (only your code and the target are).
#
# What differs between the two places is data, set before this file is included
# (tlsaudit's tree) or defaulted below (the installed package):
#   TLSAUDIT_FUZZ_SOURCE_DIR, TLSAUDIT_CORPUS_DIR   where the sources and seeds are
#   _TLSAUDIT_FUZZ_KINDS, _TLSAUDIT_FUZZ_ENGINES    targets and engines offered
#   _TLSAUDIT_FUZZ_LIB_<engine>                     the library each engine links
#   _TLSAUDIT_FUZZ_LIB_cmplog                       AFL++'s CMPLOG copy (tree only)
#   _TLSAUDIT_FUZZ_INCLUDES, _TLSAUDIT_FUZZ_PREFIX, _TLSAUDIT_FUZZ_LABELS,
#   _TLSAUDIT_FUZZ_OUTPUT_DIR, _TLSAUDIT_FUZZ_SMOKE_SCRIPT (tree only)
include(${CMAKE_CURRENT_LIST_DIR}/tlsauditFuzzWraps.cmake)

if(NOT DEFINED _TLSAUDIT_FUZZ_KINDS)
  set(TLSAUDIT_FUZZ_ENGINE "none" CACHE STRING "tlsaudit fuzz targets: none or libfuzzer")
  set(_TLSAUDIT_FUZZ_KINDS sid_callback shutdown_schedule shutdown_records)
  set(_TLSAUDIT_FUZZ_ENGINES none libfuzzer)
  set(_TLSAUDIT_FUZZ_LIB_none tlsaudit::tlsaudit)
  set(_TLSAUDIT_FUZZ_LIB_libfuzzer tlsaudit::tlsaudit)
  set(_TLSAUDIT_FUZZ_INCLUDES ${TLSAUDIT_FUZZ_SOURCE_DIR} ${TLSAUDIT_FUZZ_SOURCE_DIR}/include)
  set(_TLSAUDIT_FUZZ_PREFIX tlsaudit_fuzz_)
  set(_TLSAUDIT_FUZZ_LABELS "tlsaudit;fuzz-replay")
endif()

# _tlsaudit_fuzz_exe(exe OUTPUT name LIB lib SRCS ... [DEFS ...] [COMPILE ...]
#                    [LINK ...] [LAUNCHER ...]): one program of a target.
function(_tlsaudit_fuzz_exe exe)
  cmake_parse_arguments(E "" "OUTPUT;LIB" "SRCS;DEFS;COMPILE;LINK;LAUNCHER" ${ARGN})
  add_executable(${exe} ${E_SRCS} ${TLSAUDIT_FUZZ_SOURCE_DIR}/fuzz_common.c
                        ${TLSAUDIT_FUZZ_SOURCE_DIR}/fixed_time.c)
  set_target_properties(${exe} PROPERTIES OUTPUT_NAME ${E_OUTPUT})
  if(_TLSAUDIT_FUZZ_OUTPUT_DIR)
    set_target_properties(${exe} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${_TLSAUDIT_FUZZ_OUTPUT_DIR})
  endif()
  target_include_directories(${exe} PRIVATE ${_TLSAUDIT_FUZZ_INCLUDES})
  target_compile_definitions(${exe} PRIVATE ${E_DEFS})
  target_compile_options(${exe} PRIVATE ${E_COMPILE})
  target_link_options(${exe} PRIVATE ${E_LINK})
  target_link_libraries(${exe} PRIVATE ${E_LIB})
  if(E_LAUNCHER)
    set_target_properties(${exe} PROPERTIES C_COMPILER_LAUNCHER "${E_LAUNCHER}")
  endif()
  if(COMMAND tlsaudit_harden)
    tlsaudit_harden(${exe})
  endif()
endfunction()

function(tlsaudit_add_fuzz_target)
  cmake_parse_arguments(T "EXPECT_FINDING;NO_TEST;SMOKE"
                        "NAME;TARGET;SYMBOL;BUILTIN;CORPUS;CANARY_RULE" "SOURCES" ${ARGN})
  set(me "tlsaudit_add_fuzz_target(${T_NAME})")
  if(NOT T_NAME OR NOT T_TARGET)
    message(FATAL_ERROR "tlsaudit_add_fuzz_target: NAME and TARGET are required, e.g. "
                        "tlsaudit_add_fuzz_target(NAME my_sid TARGET sid_callback "
                        "SOURCES my_cb.c SYMBOL my_gen)")
  endif()
  if(NOT T_TARGET IN_LIST _TLSAUDIT_FUZZ_KINDS)
    message(FATAL_ERROR "${me}: TARGET '${T_TARGET}' is not one of: ${_TLSAUDIT_FUZZ_KINDS}")
  endif()
  if(NOT EXISTS ${TLSAUDIT_FUZZ_SOURCE_DIR}/${T_TARGET}.c)
    message(FATAL_ERROR "${me}: this tlsaudit has no ${T_TARGET} target "
                        "(${TLSAUDIT_FUZZ_SOURCE_DIR}/${T_TARGET}.c)")
  endif()
  if(T_SYMBOL AND T_BUILTIN)
    message(FATAL_ERROR "${me}: give SYMBOL (your code) or BUILTIN (a catalog entry), not both")
  endif()
  if(T_SYMBOL AND NOT T_SOURCES)
    message(FATAL_ERROR "${me}: SYMBOL ${T_SYMBOL} needs the SOURCES that define it")
  endif()
  if(T_CANARY_RULE AND NOT T_EXPECT_FINDING)
    message(FATAL_ERROR "${me}: CANARY_RULE is for canaries: add EXPECT_FINDING")
  endif()
  if(T_SMOKE AND T_CANARY_RULE)
    message(FATAL_ERROR "${me}: SMOKE (no finding allowed) and CANARY_RULE (a finding "
                        "required) exclude each other")
  endif()
  if(NOT TLSAUDIT_FUZZ_ENGINE IN_LIST _TLSAUDIT_FUZZ_ENGINES)
    list(JOIN _TLSAUDIT_FUZZ_ENGINES ", " engines)
    message(FATAL_ERROR "${me}: TLSAUDIT_FUZZ_ENGINE='${TLSAUDIT_FUZZ_ENGINE}' is not one "
                        "of: ${engines}")
  endif()
  if(TLSAUDIT_FUZZ_ENGINE STREQUAL "libfuzzer" AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "TLSAUDIT_FUZZ_ENGINE=libfuzzer needs clang (CC=clang)")
  endif()

  set(srcs ${TLSAUDIT_FUZZ_SOURCE_DIR}/${T_TARGET}.c ${T_SOURCES})
  set(defs "TA_FUZZ_NAME=\"${T_NAME}\"")
  if(T_SYMBOL)
    list(APPEND defs TA_FUZZ_SYMBOL=${T_SYMBOL})
  endif()
  if(T_BUILTIN)
    list(APPEND defs "TA_FUZZ_BUILTIN=\"${T_BUILTIN}\"")
  endif()
  set(links)
  if(T_TARGET STREQUAL "sid_callback")
    # The target answers SSL_has_matching_session_id itself and reseeds the
    # randomness per input (replayable inputs): see fuzz/sid_callback.c.
    list(APPEND links ${TLSAUDIT_SID_FUZZ_WRAPS})
  endif()
  set(exe ${_TLSAUDIT_FUZZ_PREFIX}${T_NAME})
  set(lib ${_TLSAUDIT_FUZZ_LIB_${TLSAUDIT_FUZZ_ENGINE}})
  if(TLSAUDIT_FUZZ_ENGINE STREQUAL "libfuzzer")
    _tlsaudit_fuzz_exe(${exe}_replay OUTPUT ${T_NAME}-replay LIB ${lib}
                       SRCS ${srcs} ${TLSAUDIT_FUZZ_SOURCE_DIR}/replay.c DEFS ${defs}
                       COMPILE -fsanitize=fuzzer-no-link LINK -fsanitize=fuzzer-no-link ${links})
    _tlsaudit_fuzz_exe(${exe} OUTPUT ${T_NAME} LIB ${lib} SRCS ${srcs} DEFS ${defs}
                       COMPILE -fsanitize=fuzzer LINK -fsanitize=fuzzer ${links})
  elseif(TLSAUDIT_FUZZ_ENGINE STREQUAL "afl")
    _tlsaudit_fuzz_exe(${exe}_replay OUTPUT ${T_NAME}-replay LIB ${lib}
                       SRCS ${srcs} ${TLSAUDIT_FUZZ_SOURCE_DIR}/replay.c DEFS ${defs}
                       LINK ${links})
    _tlsaudit_fuzz_exe(${exe} OUTPUT ${T_NAME} LIB ${lib}
                       SRCS ${srcs} ${TLSAUDIT_FUZZ_SOURCE_DIR}/afl_driver.c DEFS ${defs}
                       LINK ${links})
    _tlsaudit_fuzz_exe(${exe}_cmplog OUTPUT ${T_NAME}-cmplog LIB ${_TLSAUDIT_FUZZ_LIB_cmplog}
                       SRCS ${srcs} ${TLSAUDIT_FUZZ_SOURCE_DIR}/afl_driver.c DEFS ${defs}
                       LINK ${links} LAUNCHER env AFL_LLVM_CMPLOG=1)
  else()
    _tlsaudit_fuzz_exe(${exe}_replay OUTPUT ${T_NAME}-replay LIB ${lib}
                       SRCS ${srcs} ${TLSAUDIT_FUZZ_SOURCE_DIR}/replay.c DEFS ${defs}
                       LINK ${links})
  endif()

  # The smoke runs (tlsaudit's tree: tools/fuzz reads the list, ctest runs them).
  set(smoke_args)
  if(T_SMOKE)
    set_property(GLOBAL APPEND PROPERTY TLSAUDIT_FUZZ_TARGETS_LIST "smoke ${T_NAME}")
    set(smoke_args ${T_NAME})
  elseif(T_CANARY_RULE)
    set_property(GLOBAL APPEND PROPERTY TLSAUDIT_FUZZ_TARGETS_LIST
                 "canary ${T_NAME} ${T_CANARY_RULE}")
    set(smoke_args ${T_NAME} --canary ${T_CANARY_RULE})
  endif()
  if(smoke_args AND _TLSAUDIT_FUZZ_SMOKE_SCRIPT AND NOT TLSAUDIT_FUZZ_ENGINE STREQUAL "none")
    # One fuzzing run at a time: each wants a core for itself, and they share the
    # tree's run directories.
    add_test(NAME fuzz-smoke-${T_NAME}
             COMMAND ${_TLSAUDIT_FUZZ_SMOKE_SCRIPT} smoke-one --engine ${TLSAUDIT_FUZZ_ENGINE}
                     --build-dir ${CMAKE_BINARY_DIR} ${smoke_args})
    set_tests_properties(fuzz-smoke-${T_NAME} PROPERTIES LABELS fuzz-smoke TIMEOUT 600
                         RESOURCE_LOCK tlsaudit-fuzzing)
  endif()

  if(T_NO_TEST)
    return()
  endif()
  if(NOT T_CORPUS)
    set(T_CORPUS ${TLSAUDIT_CORPUS_DIR}/${T_TARGET})
  endif()
  add_test(NAME fuzz-replay-${T_NAME} COMMAND ${exe}_replay ${T_CORPUS})
  set_tests_properties(fuzz-replay-${T_NAME} PROPERTIES LABELS "${_TLSAUDIT_FUZZ_LABELS}"
                                                        TIMEOUT 300)
  if(T_EXPECT_FINDING)
    # A canary's corpus must make it fail (exit 1 = some input aborted); exit 2
    # (a broken replay) must not count as "found".
    set_tests_properties(fuzz-replay-${T_NAME} PROPERTIES
                         PASS_REGULAR_EXPRESSION "replayed [0-9]+ inputs?, [1-9][0-9]* failed")
  endif()
endfunction()
