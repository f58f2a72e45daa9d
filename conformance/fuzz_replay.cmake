# test_fuzz_replay runs the replay programs that fuzz/CMakeLists.txt builds in
# this tree (part of `all`); it skips itself when they are not there.
if(TARGET test_fuzz_replay)
  set_property(TEST test_fuzz_replay APPEND PROPERTY ENVIRONMENT
               "TA_FUZZ_BIN_DIR=${CMAKE_BINARY_DIR}/fuzz")
endif()
