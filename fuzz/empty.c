/* empty.c - a target that does nothing: the exec/s baseline of tools/bench-fuzz. */
#include "fuzz_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    return 0;
}
