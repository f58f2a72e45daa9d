/*
 * test_sid_remote.c - `tlsaudit sid --connect` against real servers started by
 * the audit itself (--start) on 127.0.0.1: openssl s_server with and without
 * -id_prefix, and sid_bad_server (a tiny OpenSSL server built here whose
 * generator is one of the catalog's callbacks, with an OpenSSL or an external
 * cache), so that each remote check fires on the server it should and only
 * there. Small --ids keep each audit to a second or two; the statistics are
 * built to hold at that size (sid_remote_stats.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sid_remote_fixture.h"

#define IDS "--ids 300 --bucket-n 2048 --connections 4"

static ta_run run; /* big: not on the stack */

static void s_server_cmd(const ta_rfx *fx, unsigned port, const char *extra, char *out, size_t cap)
{
    snprintf(out, cap,
             "exec openssl s_server -accept 127.0.0.1:%u -cert %s -key %s -www -quiet "
             "-no_ticket %s",
             port, fx->cert, fx->key, extra);
}

static void bad_cmd(const ta_rfx *fx, unsigned port, const char *cb, const char *cache, char *out,
                    size_t cap)
{
    snprintf(out, cap, "exec '%s' %u %s %s %s %s", TA_BAD_SERVER, port, fx->cert, fx->key, cb,
             cache);
}

/* Audit the server cmd starts, JSON on stdout; the report must be one. */
static void audit(unsigned port, const char *cmd, const char *extra)
{
    ta_run_cli(&run, "sid --connect 127.0.0.1:%u --start \"%s\" " IDS " %s --json -", port, cmd,
               extra);
    if (strncmp(run.out, "{\"subject\":\"endpoint:127.0.0.1:", 31) != 0)
        fail_msg("no JSON report (exit %d): %s", run.status, run.err);
}

/* Exactly these findings (a comma list of rule ids; info rules too), and maybe
 * one more (NULL: none). */
static void expect_exactly_or(const char *what, const char *rules, const char *maybe)
{
    char buf[256];
    int want = 0;
    snprintf(buf, sizeof(buf), "%s", rules);
    for (char *t = strtok(buf, ","); t != NULL; t = strtok(NULL, ","), want++)
        if (!ta_rfx_found(run.out, t))
            fail_msg("%s: no %s in %s", what, t, run.out);
    if (maybe != NULL && ta_rfx_found(run.out, maybe))
        want++;
    if (ta_rfx_count(run.out) != want)
        fail_msg("%s: expected only {%s}: %s", what, rules, run.out);
}

static void expect_exactly(const char *what, const char *rules)
{
    expect_exactly_or(what, rules, NULL);
}

static void need(const char *prog)
{
    if (!ta_rfx_have(prog))
        skip();
}

static void s_server_plain_is_clean(void **state)
{
    char cmd[600];
    unsigned port = ta_rfx_port();
    need("openssl");
    s_server_cmd(*state, port, "", cmd, sizeof(cmd));
    audit(port, cmd, "--strict");
    expect_exactly("s_server", "");
    assert_int_equal(run.status, 0);
    assert_true(ta_rfx_result(run.out, "SID-BUCKET-COLLAPSE", "pass"));
    assert_true(ta_rfx_result(run.out, "SID-PREDICTABLE", "pass"));
    assert_true(ta_rfx_result(run.out, "SID-NEVER-RESUMES", "pass"));
    assert_true(ta_rfx_result(run.out, "SID-RESUME-AFTER-ALERT", "pass"));
    /* TLS 1.3 stateful tickets (-no_ticket) are the generator's ids. */
    assert_non_null(strstr(run.out, "stateful (each is a session id"));
}

static void s_server_id_prefix_collapses(void **state)
{
    char cmd[600];
    unsigned port = ta_rfx_port();
    need("openssl");
    s_server_cmd(*state, port, "-id_prefix www-18", cmd, sizeof(cmd));
    audit(port, cmd, "");
    expect_exactly("s_server -id_prefix", "SID-BUCKET-COLLAPSE");
    assert_int_equal(run.status, 0); /* a warning: a pass unless --strict */
    /* In TLS 1.2 ids and in TLS 1.3 stateful tickets alike, with the cost. */
    assert_non_null(strstr(run.out, "[tls12-ids] the first 4 bytes"));
    assert_non_null(strstr(run.out, "[tls13-tickets]"));
    assert_non_null(strstr(run.out, "measured at 2048 cached sessions"));
    assert_non_null(strstr(run.out, "0-5 constant (7777772d3138 \\\"www-18\\\")"));
    /* The reproducer is the command, narrowed to the rule. */
    assert_non_null(strstr(run.out, "\"reproducer\":\"tlsaudit sid --connect 127.0.0.1:"));
    assert_non_null(strstr(run.out, "--bucket-n 2048 --only SID-BUCKET-COLLAPSE\""));
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

static void reports_and_exit_codes(void **state)
{
    ta_rfx *fx = *state;
    char cmd[600], sarif[200], junit[200], buf[1 << 16];
    unsigned port = ta_rfx_port();
    need("openssl");
    s_server_cmd(fx, port, "-id_prefix www-18", cmd, sizeof(cmd));
    snprintf(sarif, sizeof(sarif), "%s/r.sarif", fx->dir);
    snprintf(junit, sizeof(junit), "%s/r.xml", fx->dir);
    ta_run_cli(&run,
               "sid --connect 127.0.0.1:%u --start \"%s\" " IDS " --strict --sarif %s --junit %s",
               port, cmd, sarif, junit);
    assert_int_equal(run.status, 1); /* --strict: the warning fails */
    assert_non_null(strstr(run.out, "warning SID-BUCKET-COLLAPSE"));
    assert_non_null(strstr(run.out, "reproduce: tlsaudit sid --connect"));
    FILE *f = fopen(sarif, "r");
    assert_non_null(f);
    buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "\"ruleId\":\"SID-BUCKET-COLLAPSE\""));
    assert_non_null(strstr(buf, "endpoint:127.0.0.1:")); /* the endpoint is the subject */
    f = fopen(junit, "r");
    assert_non_null(f);
    buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "<failure"));
    assert_non_null(strstr(buf, "SID-BUCKET-COLLAPSE"));
}

/* A server that cannot be started or reached is one line and exit 2; options
 * of a callback audit are refused; a budget too small for the audit is
 * SID-INCOMPLETE, exit 1, never a pass. */
static void bad_input_and_incomplete(void **state)
{
    ta_rfx *fx = *state;
    char cmd[600];
    unsigned port = ta_rfx_port();

    ta_run_cli(&run, "sid --connect nonsense");
    assert_int_equal(run.status, 2);
    assert_int_equal(ta_run_lines(run.err), 1);
    ta_run_cli(&run, "sid --connect 127.0.0.1:%u --timeout 1", port); /* nothing listens */
    assert_int_equal(run.status, 2);
    assert_int_equal(ta_run_lines(run.err), 1);
    ta_run_cli(&run, "sid --connect 127.0.0.1:%u --start 'echo no such server >&2; exit 3'", port);
    assert_int_equal(run.status, 2);
    assert_non_null(strstr(run.err, "no such server"));
    ta_run_cli(&run, "sid --connect 127.0.0.1:%u --threads 4", port);
    assert_int_equal(run.status, 2);
    assert_non_null(strstr(run.err, "--threads is for a callback audit"));
    ta_run_cli(&run, "sid --start 'true'");
    assert_int_equal(run.status, 2);
    need("openssl");
    s_server_cmd(fx, port, "", cmd, sizeof(cmd));
    ta_run_cli(&run, "sid --connect 127.0.0.1:%u --start \"%s\" --ids 100000 --budget 1 --json -",
               port, cmd);
    assert_int_equal(run.status, 1);
    assert_true(ta_rfx_found(run.out, "SID-INCOMPLETE"));
    assert_non_null(strstr(run.out, "\"verdict\":\"incomplete\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(s_server_plain_is_clean),  cmocka_unit_test(s_server_id_prefix_collapses),
        cmocka_unit_test(bad_server_each_check),    cmocka_unit_test(reports_and_exit_codes),
        cmocka_unit_test(bad_input_and_incomplete),
    };
    return cmocka_run_group_tests(tests, ta_rfx_setup, ta_rfx_teardown);
}
