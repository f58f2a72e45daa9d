# tlsaudit_add_fuzz_target for users of the installed package (included by
# tlsauditConfig.cmake when the package ships the fuzz sources).
#
#   tlsaudit_add_fuzz_target(NAME my_sid TARGET sid_callback
#                            SOURCES my_cb.c SYMBOL my_gen)
#   tlsaudit_add_fuzz_target(NAME my_sd TARGET shutdown_schedule
#                            SOURCES drv.c SYMBOL my_driver)
#   optional: BUILTIN <catalog name> (instead of SOURCES/SYMBOL), CORPUS <dir>
#   (default: the seed corpus installed with the package), EXPECT_FINDING, NO_TEST.
#
# TARGET is one of tlsaudit's fuzz targets (sid_callback, shutdown_schedule,
# shutdown_records); your SOURCES are compiled into it, so a fuzzing engine
# instruments your code. Builds <NAME>-replay always (replays files and
# directories; ctest `fuzz-replay-<NAME>` replays CORPUS) and, with
# -DTLSAUDIT_FUZZ_ENGINE=libfuzzer and clang, the libFuzzer binary <NAME>.
# Same interface as tlsaudit's own fuzz/CMakeLists.txt; the installed library is
# not instrumented (only your code and the target are).
include(${CMAKE_CURRENT_LIST_DIR}/tlsauditFuzzWraps.cmake)

set(TLSAUDIT_FUZZ_ENGINE "none" CACHE STRING "tlsaudit fuzz targets: none or libfuzzer")
set(_TLSAUDIT_FUZZ_KINDS sid_callback shutdown_schedule shutdown_records)

function(_tlsaudit_fuzz_exe exe output)
  cmake_parse_arguments(E "" "" "SRCS;DEFS;COMPILE;LINK" ${ARGN})
  add_executable(${exe} ${E_SRCS} ${TLSAUDIT_FUZZ_SOURCE_DIR}/fuzz_common.c
                        ${TLSAUDIT_FUZZ_SOURCE_DIR}/fixed_time.c)
  set_target_properties(${exe} PROPERTIES OUTPUT_NAME ${output})
  target_include_directories(${exe} PRIVATE ${TLSAUDIT_FUZZ_SOURCE_DIR}
                                            ${TLSAUDIT_FUZZ_SOURCE_DIR}/include)
  target_compile_definitions(${exe} PRIVATE ${E_DEFS})
  target_compile_options(${exe} PRIVATE ${E_COMPILE})
  target_link_options(${exe} PRIVATE ${E_LINK})
  target_link_libraries(${exe} PRIVATE tlsaudit::tlsaudit)
endfunction()

function(tlsaudit_add_fuzz_target)
  cmake_parse_arguments(T "EXPECT_FINDING;NO_TEST" "NAME;TARGET;SYMBOL;BUILTIN;CORPUS"
                        "SOURCES" ${ARGN})
  if(NOT T_NAME OR NOT T_TARGET)
    message(FATAL_ERROR "tlsaudit_add_fuzz_target: NAME and TARGET are required, e.g. "
                        "tlsaudit_add_fuzz_target(NAME my_sid TARGET sid_callback "
                        "SOURCES my_cb.c SYMBOL my_gen)")
  endif()
  if(NOT T_TARGET IN_LIST _TLSAUDIT_FUZZ_KINDS)
    message(FATAL_ERROR "tlsaudit_add_fuzz_target(${T_NAME}): TARGET '${T_TARGET}' is not "
                        "one of: ${_TLSAUDIT_FUZZ_KINDS}")
  endif()
  if(NOT EXISTS ${TLSAUDIT_FUZZ_SOURCE_DIR}/${T_TARGET}.c)
    message(FATAL_ERROR "tlsaudit_add_fuzz_target(${T_NAME}): this tlsaudit package has no "
                        "${T_TARGET} target (${TLSAUDIT_FUZZ_SOURCE_DIR}/${T_TARGET}.c)")
  endif()
  if(T_SYMBOL AND T_BUILTIN)
    message(FATAL_ERROR "tlsaudit_add_fuzz_target(${T_NAME}): give SYMBOL (your code) or "
                        "BUILTIN (a catalog entry), not both")
  endif()
  if(T_SYMBOL AND NOT T_SOURCES)
    message(FATAL_ERROR "tlsaudit_add_fuzz_target(${T_NAME}): SYMBOL ${T_SYMBOL} needs the "
                        "SOURCES that define it")
  endif()
  if(NOT TLSAUDIT_FUZZ_ENGINE MATCHES "^(none|libfuzzer)$")
    message(FATAL_ERROR "tlsaudit_add_fuzz_target: TLSAUDIT_FUZZ_ENGINE='${TLSAUDIT_FUZZ_ENGINE}'"
                        " is not none or libfuzzer")
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
  if(TLSAUDIT_FUZZ_ENGINE STREQUAL "libfuzzer")
    if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
      message(FATAL_ERROR "TLSAUDIT_FUZZ_ENGINE=libfuzzer needs clang (CC=clang)")
    endif()
    _tlsaudit_fuzz_exe(tlsaudit_fuzz_${T_NAME}_replay ${T_NAME}-replay
                       SRCS ${srcs} ${TLSAUDIT_FUZZ_SOURCE_DIR}/replay.c DEFS ${defs}
                       COMPILE -fsanitize=fuzzer-no-link LINK -fsanitize=fuzzer-no-link ${links})
    _tlsaudit_fuzz_exe(tlsaudit_fuzz_${T_NAME} ${T_NAME} SRCS ${srcs} DEFS ${defs}
                       COMPILE -fsanitize=fuzzer LINK -fsanitize=fuzzer ${links})
  else()
    _tlsaudit_fuzz_exe(tlsaudit_fuzz_${T_NAME}_replay ${T_NAME}-replay
                       SRCS ${srcs} ${TLSAUDIT_FUZZ_SOURCE_DIR}/replay.c DEFS ${defs}
                       LINK ${links})
  endif()
  if(T_NO_TEST)
    return()
  endif()
  if(NOT T_CORPUS)
    set(T_CORPUS ${TLSAUDIT_CORPUS_DIR}/${T_TARGET})
  endif()
  add_test(NAME fuzz-replay-${T_NAME} COMMAND tlsaudit_fuzz_${T_NAME}_replay ${T_CORPUS})
  set_tests_properties(fuzz-replay-${T_NAME} PROPERTIES LABELS "tlsaudit;fuzz-replay")
  if(T_EXPECT_FINDING)
    # Exit 1 with at least one failed input; exit 2 (a broken replay) is no catch.
    set_tests_properties(fuzz-replay-${T_NAME} PROPERTIES
                         PASS_REGULAR_EXPRESSION "replayed [0-9]+ inputs?, [1-9][0-9]* failed")
  endif()
endfunction()
