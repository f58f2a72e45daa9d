/*
 * sd_target.h - what the two shutdown targets share: the driver under test and
 * the engine, made once in LLVMFuzzerInitialize (included by shutdown_schedule.c
 * and shutdown_records.c only; each is its own program).
 *
 * Code under test: the catalog's `drain` driver by default; TA_FUZZ_BUILTIN names
 * another catalog entry; TA_FUZZ_SYMBOL a `const ta_sd_driver` compiled in.
 * TLSAUDIT_FUZZ_MODE=psk|cert|resume picks the handshake of every input: psk
 * (default, the fast path), cert (a full ECDHE + certificate handshake per input)
 * or resume.
 */
#ifndef TA_FUZZ_SD_TARGET_H
#define TA_FUZZ_SD_TARGET_H

#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"

#ifdef TA_FUZZ_SYMBOL
extern const ta_sd_driver TA_FUZZ_SYMBOL;
#endif
#ifndef TA_FUZZ_BUILTIN
#define TA_FUZZ_BUILTIN "drain"
#endif
/* How a reproducer names the driver on the tlsaudit command line. */
#define TA__STR2(x) #x
#define TA__STR(x) TA__STR2(x)
#ifdef TA_FUZZ_SYMBOL
#define TA__CLI_DRIVER "--lib YOUR.so --symbol " TA__STR(TA_FUZZ_SYMBOL)
#else
#define TA__CLI_DRIVER "--builtin " TA_FUZZ_BUILTIN
#endif

static ta_sd_engine *ta__engine;
static const ta_sd_driver *ta__driver;
static char ta__cli_mode[32]; /* " --mode cert" in reproducers, "" for psk */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ta_sd_opts o;
    const char *mode = getenv("TLSAUDIT_FUZZ_MODE");

    (void)argc;
    (void)argv;
    if (ta__engine != NULL)
        return 0;
    ta_sd_opts_default(&o);
    o.seed = 1; /* the seeded env: same input, same transcript */
    if (mode != NULL && mode[0] != '\0') {
        int m = ta_mode_from_name(mode);
        if (m < 0) {
            fprintf(stderr,
                    "tlsaudit-fuzz: TLSAUDIT_FUZZ_MODE='%s' is not psk, cert or "
                    "resume\n",
                    mode);
            exit(2);
        }
        o.mode = (ta_mode)m;
        if (o.mode != TA_MODE_PSK)
            snprintf(ta__cli_mode, sizeof(ta__cli_mode), " --mode %s", mode);
    }
#ifdef TA_FUZZ_SYMBOL
    ta__driver = &TA_FUZZ_SYMBOL;
#else
    ta__driver = ta_sd_driver_find(TA_FUZZ_BUILTIN);
    if (ta__driver == NULL) {
        fprintf(stderr, "tlsaudit-fuzz: no built-in driver '%s'\n", TA_FUZZ_BUILTIN);
        exit(2);
    }
#endif
    if (ta_sd_engine_new(&o, &ta__engine) != TA_OK)
        ta_fuzz_setup_failed("creating the shutdown engine");
    return 0;
}

#endif
