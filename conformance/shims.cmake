# Extras of test_shims: the path of every shim built in this tree
# (tools/shims/CMakeLists.txt); a shim that is not built is skip() there.
if(TARGET test_shims)
  foreach(shim IN LISTS TLSAUDIT_SHIMS)
    string(TOUPPER ${shim} up)
    if(TARGET ta_shim_${shim})
      set(path $<TARGET_FILE:ta_shim_${shim}>)
      add_dependencies(test_shims ta_shim_${shim})
    else()
      set(path ${CMAKE_BINARY_DIR}/shims/ta-shim-${shim})
    endif()
    set_property(TEST test_shims APPEND PROPERTY ENVIRONMENT "TA_TEST_SHIM_${up}=${path}")
  endforeach()
endif()
# It drives real programs (the shims) over sockets: label "endpoint" too.
if(TARGET test_shims)
  set_property(TEST test_shims APPEND PROPERTY LABELS endpoint)
endif()
