# .clusterfuzzlite/build.sh under a simulated OSS-Fuzz contract (tools/ossfuzz-check):
# builds the three targets with clang + ASan + libFuzzer into a temporary $OUT and
# runs each on its seed corpus and 300 mutations. About 20-30 s on 2 idle cores
# (it compiles src/ once more): label "rebuild".
add_test(NAME ossfuzz-build COMMAND ${PROJECT_SOURCE_DIR}/tools/ossfuzz-check)
set_tests_properties(ossfuzz-build PROPERTIES LABELS rebuild TIMEOUT 600)
