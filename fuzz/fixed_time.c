/*
 * fixed_time.c - a fixed wall clock for the fuzz binaries only.
 *
 * OpenSSL 3.0 stamps sessions and tickets with time(NULL) (ssl/ssl_sess.c) and
 * checks ticket age against it, so two runs of one input a second apart could
 * take different paths; AFL++ would count that as instability. Defining time()
 * in the executable interposes it for libssl too (the executable comes first in
 * symbol lookup). Linked into fuzz binaries only, never into the library.
 */
#include <time.h>

#include "fuzz_target.h"

time_t time(time_t *out)
{
    if (out != NULL)
        *out = (time_t)TA_FUZZ_FIXED_TIME;
    return (time_t)TA_FUZZ_FIXED_TIME;
}
