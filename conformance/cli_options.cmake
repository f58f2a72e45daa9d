# Extras of test_cli_options.c: it reads the option tables themselves
# (tools/cli_tables.c) to check that --help and the man page list every row,
# runs the CLI, and installs the build into a temporary prefix.
if(TARGET test_cli_options)
  target_sources(test_cli_options PRIVATE ${PROJECT_SOURCE_DIR}/tools/cli_tables.c)
  target_include_directories(test_cli_options PRIVATE ${PROJECT_SOURCE_DIR}/tools)
  target_compile_definitions(test_cli_options PRIVATE
    TA_MAN_PAGE="${CMAKE_BINARY_DIR}/tlsaudit.1" TA_BUILD_DIR="${CMAKE_BINARY_DIR}"
    TA_CMAKE_COMMAND="${CMAKE_COMMAND}"
    TA_SD_EXAMPLES_SO="$<TARGET_FILE:sd_examples>" TA_SID_EXAMPLES_SO="$<TARGET_FILE:sid_examples>")
  add_dependencies(test_cli_options tlsaudit_cli tlsaudit_man sd_examples sid_examples)
endif()
