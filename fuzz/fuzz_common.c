/* fuzz_common.c - violation and set-up failure reporting shared by every target. */
#include <stdarg.h>
#include <stdlib.h>

#include "fuzz_target.h"

void ta_fuzz_fail_at(const char *func, int line, const char *rule, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "tlsaudit-fuzz: %s: ", rule);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\ntlsaudit-fuzz: at %s:%d\n", func, line);
    fflush(stderr);
    abort();
}

void ta_fuzz_setup_failed(const char *what)
{
    char buf[512];

    fprintf(stderr, "tlsaudit-fuzz: set-up failed: %s: %s\n", what,
            ta_error_format(buf, sizeof(buf)));
    exit(2);
}
