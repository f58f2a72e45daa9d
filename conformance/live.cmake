# The live-endpoint suites (test_live_*.c): real programs over real sockets on
# 127.0.0.1 (or in a network namespace). Label "endpoint" on top of
# conformance/fast, so a pass can include or exclude them (ctest -LE endpoint).
file(GLOB TA_LIVE_SUITES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test_live_*.c)
foreach(src IN LISTS TA_LIVE_SUITES)
  get_filename_component(name ${src} NAME_WE)
  set_property(TEST ${name} APPEND PROPERTY LABELS endpoint)
  add_dependencies(${name} tlsaudit_cli)
endforeach()
# The shipped shims (tools/shims/): test_live_shims finds them here and skips
# the ones this tree did not build.
if(TARGET test_live_shims)
  set_property(TEST test_live_shims APPEND PROPERTY ENVIRONMENT
               "TA_SHIM_DIR=${CMAKE_BINARY_DIR}/shims")
  foreach(shim IN LISTS TLSAUDIT_SHIMS)
    if(TARGET ta_shim_${shim})
      add_dependencies(test_live_shims ta_shim_${shim})
    endif()
  endforeach()
endif()
