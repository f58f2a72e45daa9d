# The live-server suites of `tlsaudit sid --connect` (test_sid_remote*.c): real
# servers on 127.0.0.1 (openssl s_server, nginx, haproxy, gnutls-serv, and
# sid_bad_server below), label "endpoint" besides "conformance;fast".
#
# sid_bad_server: a tiny OpenSSL server whose generator is a catalog callback.
# It compiles the catalog (src/sid/sid_catalog*.c, self-contained) and links
# libssl/libcrypto only, never tlsaudit_lib, which defines
# SSL_has_matching_session_id itself: the callbacks must see OpenSSL's cache.
add_executable(sid_bad_server ${CMAKE_CURRENT_SOURCE_DIR}/sid_bad_server.c
                              ${PROJECT_SOURCE_DIR}/src/sid/sid_catalog.c
                              ${PROJECT_SOURCE_DIR}/src/sid/sid_catalog_rand.c)
target_include_directories(sid_bad_server PRIVATE ${PROJECT_SOURCE_DIR}/src/include
                                                  ${TLSAUDIT_PRIVATE_INCLUDE_DIRS})
target_link_libraries(sid_bad_server PRIVATE OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
foreach(suite test_sid_remote test_sid_remote_bad test_sid_remote_servers)
  if(TARGET ${suite})
    target_include_directories(${suite} PRIVATE ${TLSAUDIT_PRIVATE_INCLUDE_DIRS})
    target_compile_definitions(${suite} PRIVATE TA_BAD_SERVER="$<TARGET_FILE:sid_bad_server>")
    add_dependencies(${suite} sid_bad_server tlsaudit_cli)
    set_property(TEST ${suite} APPEND PROPERTY LABELS endpoint)
  endif()
endforeach()
