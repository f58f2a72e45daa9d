# The installed CMake package, used as a user's project would (tools/package-check):
# install this build into a temporary prefix, build tools/examples/consumer
# against it and run its audits. Needs the CLI and library built first (ctest
# runs after `cmake --build`); it builds a second small project: label "rebuild".
add_test(NAME package-consumer
         COMMAND ${PROJECT_SOURCE_DIR}/tools/package-check ${CMAKE_BINARY_DIR})
set_tests_properties(package-consumer PROPERTIES LABELS rebuild TIMEOUT 600
                     RESOURCE_LOCK tlsaudit-build-tree)
