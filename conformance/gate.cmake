# The gate suite runs the CLI on the example drivers' shared object.
if(TARGET test_gate)
  target_compile_definitions(test_gate PRIVATE TA_SD_EXAMPLES_SO="$<TARGET_FILE:sd_examples>")
  add_dependencies(test_gate sd_examples tlsaudit_cli)
endif()
