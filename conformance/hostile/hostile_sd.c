/*
 * hostile_sd.c - shutdown drivers written to make an audit lie or take the tool
 * down, for test_hostile.c. The ABI types come from tlsaudit.h; no tlsaudit
 * code inside.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tlsaudit.h"

typedef struct {
    int sent;
} st_t;

/* Sends close_notify, then waits (correct up to the point where it misbehaves). */
static ta_sd_answer polite(SSL *ssl, ta_sd_event ev, st_t *st)
{
    if (ev == TA_SD_CANCEL)
        return TA_SD_CANCELLED;
    if (!st->sent) {
        ERR_clear_error();
        int r = SSL_shutdown(ssl);
        ERR_clear_error();
        if (r == 1)
            return TA_SD_CLEAN;
        if (r < 0)
            return TA_SD_FAILED;
        st->sent = 1;
    }
    return TA_SD_PENDING_READ;
}

static ta_sd_answer step_exit0(SSL *ssl, ta_sd_event ev, void *state)
{
    if (ev == TA_SD_READABLE)
        exit(0);
    return polite(ssl, ev, state);
}

static ta_sd_answer step__exit3(SSL *ssl, ta_sd_event ev, void *state)
{
    if (ev == TA_SD_READABLE)
        _exit(3);
    return polite(ssl, ev, state);
}

static ta_sd_answer step_segv(SSL *ssl, ta_sd_event ev, void *state)
{
    if (ev == TA_SD_READABLE) {
        void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        *(volatile int *)page = 1;
    }
    return polite(ssl, ev, state);
}

static ta_sd_answer step_hang(SSL *ssl, ta_sd_event ev, void *state)
{
    if (ev == TA_SD_READABLE)
        for (;;)
            pause();
    return polite(ssl, ev, state);
}

static ta_sd_answer step_kill_group(SSL *ssl, ta_sd_event ev, void *state)
{
    if (ev == TA_SD_READABLE)
        kill(0, SIGTERM);
    return polite(ssl, ev, state);
}

static ta_sd_answer step_flood(SSL *ssl, ta_sd_event ev, void *state)
{
    static char junk[1 << 20];
    memset(junk, 'B', sizeof(junk));
    fwrite(junk, 1, sizeof(junk), stderr);
    return polite(ssl, ev, state);
}

static ta_sd_answer step_polite(SSL *ssl, ta_sd_event ev, void *state)
{
    return polite(ssl, ev, state);
}

const ta_sd_driver hostile_sd_exit0 = {
    "exit0", "exit(0) when the peer's bytes arrive", sizeof(st_t), step_exit0, 0, ""};
const ta_sd_driver hostile_sd__exit3 = {
    "_exit3", "_exit(3) when the peer's bytes arrive", sizeof(st_t), step__exit3, 0, ""};
const ta_sd_driver hostile_sd_segv = {
    "segv", "a segfault when the peer's bytes arrive", sizeof(st_t), step_segv, 0, ""};
const ta_sd_driver hostile_sd_hang = {
    "hang", "never returns once the peer's bytes arrive", sizeof(st_t), step_hang, 0, ""};
const ta_sd_driver hostile_sd_kill_group = {
    "kill-group", "kill(0, SIGTERM) on bytes", sizeof(st_t), step_kill_group, 0, ""};
const ta_sd_driver hostile_sd_flood = {
    "flood", "1 MB on stderr per step", sizeof(st_t), step_flood, 0, ""};
/* Asks for more state than any machine has. */
const ta_sd_driver hostile_sd_huge_state = {
    "huge-state", "state_size of 2^62 bytes", (size_t)1 << 62, step_polite, 0, ""};
/* A terminal escape sequence in its name. */
const ta_sd_driver hostile_sd_escape_name = {
    "evil\033[2J\033[31mname", "", sizeof(st_t), step_polite, 0, ""};

/* A function where a driver (a data object) belongs. */
int hostile_sd_a_function(void)
{
    return 0;
}
