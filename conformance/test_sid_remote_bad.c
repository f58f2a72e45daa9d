/*
 * test_sid_remote_bad.c - the catalog's faulty generators inside a real server
 * (sid_bad_server: a tiny OpenSSL server built here, with OpenSSL's cache or a
 * serialized external one, nginx-like): each check of `tlsaudit sid --connect`
 * fires on the server it is about, and the controls (OpenSSL's generator) come
 * out clean.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sid_remote_fixture.h"

static void bad_cmd(const ta_rfx *fx, unsigned port, const char *cb, const char *cache, char *out,
                    size_t cap)
{
    snprintf(out, cap, "exec '%s' %u %s %s %s %s", TA_BAD_SERVER, port, fx->cert, fx->key, cb,
             cache);
}


/* The catalog's faulty generators inside a real server: each remote check on
 * the server it is about, the control (OpenSSL's generator) clean. */
typedef struct bad_case {
    const char *cb, *cache, *rules;
    int status;
    const char *evidence; /* in the report, or NULL */
    const char *maybe;    /* a rule that may be found too (a race), or NULL */
} bad_case;

static const bad_case bad_cases[] = {
    {"none", "internal", "", 0, "16 of 16 attempts to resume", NULL},
    {"openssl-default", "external", "", 0, NULL, NULL},
    /* Found where it is, with its byte order, in spite of 4 parallel connections. */
    {"counter", "internal", "SID-PREDICTABLE", 0, "bytes 0-7 are a counter (little-endian", NULL},
    {"manpage-www18", "internal", "SID-BUCKET-COLLAPSE", 0, "sessions per hash chain", NULL},
    {"short-id", "internal", "SID-SHORT-ID", 0, "(most often 16 bytes)", NULL},
    /* No conflict check can see an external cache: the same id goes out again,
     * and resuming an older session finds the newest one under its id (its
     * handshake fails): whether the very newest was among the sessions we
     * resumed is a race, so SID-NEVER-RESUMES may come too. */
    {"constant", "external", "SID-DUPLICATE,SID-PREDICTABLE,SID-BUCKET-COLLAPSE", 1,
     "0-31 constant", "SID-NEVER-RESUMES"},
    {"openssl-default", "write-only", "SID-NEVER-RESUMES", 0, NULL, NULL},
    /* The cache ignores OpenSSL's removal after the fatal alert. */
    {"openssl-default", "forgetful", "SID-RESUME-AFTER-ALERT", 1, "resumed in 2 of 2 tries", NULL},
};

static void bad_server_each_check(void **state)
{
    char cmd[600], what[120];
    need("openssl");
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const bad_case *b = &bad_cases[i];
        unsigned port = ta_rfx_port();
        bad_cmd(*state, port, b->cb, b->cache, cmd, sizeof(cmd));
        audit(port, cmd, "");
        snprintf(what, sizeof(what), "bad server %s/%s", b->cb, b->cache);
        expect_exactly_or(what, b->rules, b->maybe);
        if (run.status != b->status)
            fail_msg("%s: exit %d, not %d", what, run.status, b->status);
        if (b->evidence != NULL && strstr(run.out, b->evidence) == NULL)
            fail_msg("%s: no '%s' in %s", what, b->evidence, run.out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_server_each_check),
    };
    return cmocka_run_group_tests(tests, ta_rfx_setup, ta_rfx_teardown);
}
