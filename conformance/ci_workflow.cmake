# The example GitHub Actions workflow (tools/ci/github-actions.yml) holds only
# commands that run: tools/ci/check-workflow runs its steps here on this build tree
# (see the policy there: the ctest step runs the unit suites only, the upload
# actions are checked for their input). ci-workflow-fuzz also runs the fuzz step
# (3 s per target, and a first build of build-fuzz-libfuzzer). Both rebuild trees:
# label "rebuild"; the selftest checks only the checker: "fast".
add_test(NAME ci-workflow
         COMMAND ${PROJECT_SOURCE_DIR}/tools/ci/check-workflow ${CMAKE_BINARY_DIR})
set_tests_properties(ci-workflow PROPERTIES LABELS rebuild TIMEOUT 600
                     RESOURCE_LOCK tlsaudit-build-tree)
add_test(NAME ci-workflow-fuzz
         COMMAND ${PROJECT_SOURCE_DIR}/tools/ci/check-workflow ${CMAKE_BINARY_DIR} --fuzz)
set_tests_properties(ci-workflow-fuzz PROPERTIES LABELS rebuild TIMEOUT 900
                     RESOURCE_LOCK tlsaudit-build-tree)
# ... and the check itself rejects a failing step and a step it has no policy for.
add_test(NAME ci-workflow-selftest
         COMMAND ${PROJECT_SOURCE_DIR}/tools/ci/check-workflow ${CMAKE_BINARY_DIR} --selftest)
set_tests_properties(ci-workflow-selftest PROPERTIES LABELS "conformance;fast" TIMEOUT 120)
