/*
 * leaky_drain.c - the catalog's drain driver, losing 64 bytes on every clean
 * close: a correct shutdown whose only fault is a leak that LeakSanitizer alone
 * sees. test_fuzz_replay replays it to check that the replay pins the leak on
 * the input that caused it (fuzz/replay.c); it is no example to follow.
 */
#include <stdlib.h>

#include "tlsaudit.h"

void *volatile leaky_drain_lost;

static ta_sd_answer leaky_drain_step(SSL *ssl, ta_sd_event ev, void *state)
{
    const ta_sd_driver *drain = ta_sd_driver_find("drain");
    if (drain == NULL || drain->state_size > 256)
        abort(); /* the catalog changed: this file must follow */
    ta_sd_answer a = drain->step(ssl, ev, state);
    if (a == TA_SD_CLEAN) {
        leaky_drain_lost = malloc(64);
        leaky_drain_lost = NULL;
    }
    return a;
}

const ta_sd_driver leaky_drain = {"leaky-drain",
                                  "drain, losing 64 bytes on every clean close",
                                  256,
                                  leaky_drain_step,
                                  TA_SD_STATE_IN_BLOCK,
                                  ""};
