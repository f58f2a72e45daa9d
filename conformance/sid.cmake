# Extras of the session-id auditor's suites (test_sid_*.c).
# The example callbacks as a real shared object (no tlsaudit inside): the suites
# dlopen it, or pass it to 'tlsaudit sid --lib', to prove that a loaded object's
# SSL_has_matching_session_id calls reach the auditor.
add_library(sid_examples MODULE ${PROJECT_SOURCE_DIR}/tools/examples/sid_examples.c)
target_link_libraries(sid_examples PRIVATE OpenSSL::SSL OpenSSL::Crypto)
set_target_properties(sid_examples PROPERTIES PREFIX ""
                      LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/examples)
foreach(suite test_sid_invoke test_sid_cli)
  if(TARGET ${suite})
    target_compile_definitions(${suite} PRIVATE
                               TA_SID_EXAMPLES_SO="$<TARGET_FILE:sid_examples>")
    add_dependencies(${suite} sid_examples)
  endif()
endforeach()
# The CLI suite runs the CLI: make sure it is built first.
if(TARGET test_sid_cli)
  add_dependencies(test_sid_cli tlsaudit_cli)
endif()
