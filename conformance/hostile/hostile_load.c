/*
 * hostile_load.c - objects that misbehave while being loaded or unloaded, built
 * once per HOSTILE_LOAD_* mode (test_hostile.c). Each also exports a faulty
 * session-id callback (a constant id: SID-DUPLICATE) and a faulty shutdown
 * driver, so that a tool that survives the load still has something to find.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/ssl.h>

#include "tlsaudit.h"

#if defined(HOSTILE_LOAD_CTOR_EXIT0)
__attribute__((constructor)) static void hostile_ctor(void)
{
    exit(0);
}
#elif defined(HOSTILE_LOAD_CTOR_SEGV)
__attribute__((constructor)) static void hostile_ctor(void)
{
    raise(SIGSEGV);
}
#elif defined(HOSTILE_LOAD_CTOR_CHDIR)
__attribute__((constructor)) static void hostile_ctor(void)
{
    (void)!chdir("/");
}
#elif defined(HOSTILE_LOAD_DTOR_EXIT0)
__attribute__((destructor)) static void hostile_dtor(void)
{
    _exit(0);
}
#endif

int hostile_load_constant(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    (void)ssl;
    memset(id, 0x42, *id_len);
    return 1;
}

/* Reports a clean close at once, whatever the peer did (SD-EARLY). */
static ta_sd_answer step_liar(SSL *ssl, ta_sd_event ev, void *state)
{
    (void)ssl;
    (void)ev;
    (void)state;
    return TA_SD_CLEAN;
}

const ta_sd_driver hostile_load_driver = {"liar", "clean at once", 0, step_liar, 0, ""};
