# Extras of test_hostile.c: shared objects written to make an audit lie
# (conformance/hostile/). The load-time misbehaviours need one object each.
add_library(hostile_sid MODULE ${CMAKE_CURRENT_SOURCE_DIR}/hostile/hostile_sid.c)
add_library(hostile_sd MODULE ${CMAKE_CURRENT_SOURCE_DIR}/hostile/hostile_sd.c)
set(TA_HOSTILE_OBJECTS hostile_sid hostile_sd)
foreach(mode CTOR_EXIT0 CTOR_SEGV CTOR_CHDIR DTOR_EXIT0)
  string(TOLOWER ${mode} lower)
  add_library(hostile_${lower} MODULE ${CMAKE_CURRENT_SOURCE_DIR}/hostile/hostile_load.c)
  target_compile_definitions(hostile_${lower} PRIVATE HOSTILE_LOAD_${mode})
  list(APPEND TA_HOSTILE_OBJECTS hostile_${lower})
endforeach()
foreach(obj IN LISTS TA_HOSTILE_OBJECTS)
  target_link_libraries(${obj} PRIVATE OpenSSL::SSL OpenSSL::Crypto)
  target_include_directories(${obj} PRIVATE ${PROJECT_SOURCE_DIR}/src/include)
  set_target_properties(${obj} PROPERTIES PREFIX "" LIBRARY_OUTPUT_DIRECTORY
                                                      ${CMAKE_BINARY_DIR}/hostile)
endforeach()
if(TARGET test_hostile)
  add_dependencies(test_hostile tlsaudit_cli ${TA_HOSTILE_OBJECTS})
  target_compile_definitions(test_hostile PRIVATE
                             TA_HOSTILE_DIR="${CMAKE_BINARY_DIR}/hostile")
endif()
