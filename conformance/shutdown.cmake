# Extras of the shutdown suites (test_shutdown*.c): the example drivers as a real
# shared object for 'tlsaudit shutdown --lib', and the CLI built before its suite.
add_library(sd_examples MODULE ${PROJECT_SOURCE_DIR}/tools/examples/sd_examples.c)
target_include_directories(sd_examples PRIVATE ${PROJECT_SOURCE_DIR}/src/include)
target_link_libraries(sd_examples PRIVATE OpenSSL::SSL OpenSSL::Crypto)
set_target_properties(sd_examples PROPERTIES PREFIX ""
                      LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/examples)
if(TARGET test_shutdown_cli)
  target_compile_definitions(test_shutdown_cli PRIVATE
                             TA_SD_EXAMPLES_SO="$<TARGET_FILE:sd_examples>")
  add_dependencies(test_shutdown_cli sd_examples tlsaudit_cli)
endif()
