# test_sid_threads_load loads every core with busy loops for about a minute:
# run it alone, so that its load does not slow the other suites' timed checks.
if(TARGET test_sid_threads_load)
  set_tests_properties(test_sid_threads_load PROPERTIES RUN_SERIAL TRUE)
endif()
