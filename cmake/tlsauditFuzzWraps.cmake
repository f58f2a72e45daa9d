# The symbols the sid_callback fuzz target wraps (-Wl,--wrap): the cache query it
# answers from the input, and OpenSSL's RAND entry points it reseeds per input.
# One list for the in-tree build (fuzz/CMakeLists.txt) and the installed package
# (tlsauditFuzz.cmake); tools/ossfuzz-check compares .clusterfuzzlite/build.sh to it.
set(TLSAUDIT_SID_FUZZ_WRAPS
    "-Wl,--wrap=SSL_has_matching_session_id" "-Wl,--wrap=RAND_bytes"
    "-Wl,--wrap=RAND_priv_bytes" "-Wl,--wrap=RAND_bytes_ex"
    "-Wl,--wrap=RAND_priv_bytes_ex")
