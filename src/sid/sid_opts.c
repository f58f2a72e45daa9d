/* sid_opts.c - the audit's defaults (the CLI's, the gate's and the reports'). */
#include <string.h>

#include "sid_internal.h"

void ta_sid_opts_default(ta_sid_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->ids = 200000;
    o->threads = 8;
    o->seed = 1;
    o->timeout_s = 2.0;
    o->budget_s = 300.0;
    o->handshakes = 8;
    o->bucket_n = 4096;
    o->mem_limit_mb = 4096;
}
