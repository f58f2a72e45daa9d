/*
 * afl_driver.c - runs a libFuzzer-style target under AFL++ (afl-clang-fast/-lto).
 *
 * Persistent mode: one process runs up to 10,000 inputs read from AFL++'s shared
 * memory (__AFL_FUZZ_TESTCASE_BUF), so the fork server forks rarely. Deferred
 * initialisation: LLVMFuzzerInitialize (contexts, keys, the resumed session) runs
 * once, before __AFL_INIT starts the fork server, so no child repeats it.
 * Outside afl-fuzz (afl-tmin, a plain run) the same macros read one input from
 * stdin.
 */
#include <unistd.h>

#include "fuzz_target.h"

__AFL_FUZZ_INIT();

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    __AFL_INIT();
    /* After __AFL_INIT: the buffer is the shared-memory one in fuzzing mode. */
    unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(10000)) {
        int len = __AFL_FUZZ_TESTCASE_LEN;
        LLVMFuzzerTestOneInput(buf, (size_t)len);
    }
    return 0;
}
