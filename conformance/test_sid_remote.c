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


static void s_server_cmd(const ta_rfx *fx, unsigned port, const char *extra, char *out, size_t cap)
{
    snprintf(out, cap,
             "exec openssl s_server -accept 127.0.0.1:%u -cert %s -key %s -www -quiet "
             "-no_ticket %s",
             port, fx->cert, fx->key, extra);
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
               "sid --connect 127.0.0.1:%u --start \"%s\" " TA_RFX_IDS
               " --strict --sarif %s --junit %s",
               port, cmd, sarif, junit);
    assert_int_equal(run.status, 1); /* --strict: the warning fails */
    assert_non_null(strstr(run.out, "warning SID-BUCKET-COLLAPSE"));
    assert_non_null(strstr(run.out, "reproduce: tlsaudit sid --connect"));
    FILE *f = fopen(sarif, "r");
    assert_non_null(f);
    buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "\"ruleId\":\"SID-BUCKET-COLLAPSE\""));
    assert_non_null(strstr(buf, "connect:127.0.0.1:")); /* the endpoint is the subject */
    f = fopen(junit, "r");
    assert_non_null(f);
    buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "<failure"));
    assert_non_null(strstr(buf, "SID-BUCKET-COLLAPSE"));
}

/* A gate line audits a live server too: start= in quotes, the finding accepted
 * by its subject; a malformed subject or a callback key is one line, exit 2. */
static void gate_line(void **state)
{
    ta_rfx *fx = *state;
    char path[200], cmd[600];
    unsigned port = ta_rfx_port();
    need("openssl");
    s_server_cmd(fx, port, "-id_prefix www-18", cmd, sizeof(cmd));
    snprintf(path, sizeof(path), "%s/gate.conf", fx->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "sid connect:127.0.0.1:%u start=\"%s\" ids=300 bucket_n=2048 connections=2\n"
            "accept SID-BUCKET-COLLAPSE connect:127.0.0.1:%u reason=\"the -id_prefix example\"\n",
            port, cmd, port);
    fclose(f);
    ta_run_cli(&run, "gate --config %s --strict", path);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "accepted SID-BUCKET-COLLAPSE"));
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "sid connect:127.0.0.1:%u start=\"%s\" ids=300 bucket_n=2048\n", port, cmd);
    fclose(f);
    ta_run_cli(&run, "gate --config %s --strict", path);
    assert_int_equal(run.status, 1);
    static const char *const bad[] = {"sid connect:nohost", "sid connect:127.0.0.1:1 threads=2",
                                      "sid builtin:counter start=\"true\""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "%s\n", bad[i]);
        fclose(f);
        ta_run_cli(&run, "gate --config %s", path);
        assert_int_equal(run.status, 2);
        assert_int_equal(ta_run_lines(run.err), 1);
    }
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
        cmocka_unit_test(reports_and_exit_codes),   cmocka_unit_test(gate_line),
        cmocka_unit_test(bad_input_and_incomplete),
    };
    return cmocka_run_group_tests(tests, ta_rfx_setup, ta_rfx_teardown);
}
