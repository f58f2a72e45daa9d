/*
 * test_shutdown_cli.c - 'tlsaudit shutdown' as a user runs it: exit codes (0
 * conformant, 1 violations, 2 usage/load error), one-line usage errors, JSON and
 * HTML output, reproducers that replay (--only and --schedule), exhaustive mode,
 * and drivers loaded with --lib that crash or hang without stopping the run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tlsaudit.h"
#include "cli_run.h"

/* One run at a time; static because ta_run is large. */
static ta_run r;

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* How many matrix cases scenario has: the (version, role) pairs of the scenario
 * table it applies to, for one version (tls >= 0) or all (tls < 0). */
static int cases_of(const char *scenario, int tls)
{
    size_t ns;
    const ta_sd_scenario *sc = ta_sd_scenario_table(&ns);
    int n = 0;
    for (size_t i = 0; i < ns; i++) {
        if (strcmp(sc[i].name, scenario) != 0)
            continue;
        for (int v = 0; v < TA_TLS_COUNT; v++)
            for (int ro = 0; ro < TA_ROLE_COUNT; ro++)
                n +=
                    (tls < 0 || v == tls) && ta_sd_scenario_applies(&sc[i], (ta_tls)v, (ta_role)ro);
    }
    assert_true(n > 0); /* a scenario that no longer exists must not count as 0 */
    return n;
}

/* The value of the first "key":"..." after from (no escapes in our values). */
static void json_str(const char *from, const char *key, char *val, size_t cap)
{
    char k[64];
    snprintf(k, sizeof(k), "\"%s\":\"", key);
    const char *p = strstr(from, k);
    assert_non_null(p);
    p += strlen(k);
    size_t n = strcspn(p, "\"");
    assert_true(n < cap);
    memcpy(val, p, n);
    val[n] = '\0';
}

static void exit_codes(void **state)
{
    (void)state;
    ta_run_cli(&r, "shutdown --builtin drain");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "0 violations: conformant"));
    ta_run_cli(&r, "shutdown --builtin unidirectional");
    assert_int_equal(r.status, 0);
    ta_run_cli(&r, "shutdown --builtin naive");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "tls13/client/peer-data-then-reply/naive: SD-DATA-FAILS"));
}

/* --mode: the same verdicts over a full certificate handshake and over
 * resumption as over PSK, and a finding's reproducer names the mode it needs. */
static void handshake_modes(void **state)
{
    static const char *const modes[] = {"cert", "resume"};
    char repro[400];
    (void)state;
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        ta_run_cli(&r, "shutdown --builtin drain --mode %s", modes[i]);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, "0 violations: conformant"));
        ta_run_cli(&r,
                   "shutdown --builtin naive --mode %s "
                   "--only 'tls13/client/peer-data-then-reply/*' --json -",
                   modes[i]);
        assert_int_equal(r.status, 1);
        json_str(r.out, "reproducer", repro, sizeof(repro));
        char want[32];
        snprintf(want, sizeof(want), "--mode %s", modes[i]);
        assert_non_null(strstr(repro, want));
    }
    ta_run_cli(&r, "shutdown --builtin drain --mode rsa");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--mode takes one of cert|psk|resume"));
}

static void usage_errors(void **state)
{
    static const char *const bad[] = {
        "",
        "--builtin nope",
        "--builtin drain --lib x.so --symbol y",
        "--builtin drain --schedule 'tls13/client:q'",
        "--builtin drain --schedule 's>c<'",
        "--builtin drain --depth 0 --exhaustive",
        "--builtin drain --bogus",
        "--builtin drain --only no-such-case-anywhere",
        "--builtin drain --timeout -1",
        "--lib /nonexistent/sd.so --symbol x",
        "--builtin",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ta_run_cli(&r, "shutdown %s", bad[i]);
        if (r.status != 2)
            fail_msg("'%s' exited %d, not 2", bad[i], r.status);
        assert_int_equal(count(r.err, "\n"), 1); /* one clear line */
        assert_non_null(strstr(r.err, "tlsaudit shutdown"));
    }
}

static void json_and_replay(void **state)
{
    char sched[256], repro[512], rule[64];
    (void)state;
    ta_run_cli(&r, "shutdown --builtin naive --json - --only 'tls13/*/peer-data-then-reply/*'");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "\"driver\":\"naive\""));
    assert_non_null(strstr(r.out, "\"verdict\":\"violations\""));
    const int n = cases_of("peer-data-then-reply", TA_TLS13);
    assert_int_equal(count(r.out, "\"scenario\":\"peer-data-then-reply\""), n);
    assert_int_equal(count(r.out, "\"pass\":false"), n);
    json_str(r.out, "expected", rule, sizeof(rule));
    assert_string_equal(rule, "clean");
    json_str(r.out, "got", rule, sizeof(rule));
    assert_string_equal(rule, "failed");
    json_str(r.out, "rule", rule, sizeof(rule));
    assert_string_equal(rule, "SD-DATA-FAILS");
    json_str(r.out, "schedule", sched, sizeof(sched));
    json_str(r.out, "reproducer", repro, sizeof(repro));
    assert_non_null(strstr(repro, "--only tls13/client/peer-data-then-reply/naive"));
    /* The printed schedule replays the violation, and drain passes it. */
    ta_run_cli(&r, "shutdown --builtin naive --json - --schedule '%s'", sched);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "\"rule\":\"SD-DATA-FAILS\""));
    ta_run_cli(&r, "shutdown --builtin drain --schedule '%s'", sched);
    assert_int_equal(r.status, 0);
}

static void html_file(void **state)
{
    static char page[1 << 20]; /* the report file as written */
    char path[] = "/tmp/ta_sd_html_XXXXXX";
    (void)state;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    ta_run_cli(&r, "shutdown --builtin eof-is-clean --quiet --html %s", path);
    assert_int_equal(r.status, 1);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(page, 1, sizeof(page) - 1, f);
    page[n] = '\0';
    fclose(f);
    unlink(path);
    assert_non_null(strstr(page, "<table"));
    /* eof-is-clean fails exactly the EOF scenarios, in every case of each. */
    assert_int_equal(count(page, "<td class=\"fail\""), cases_of("peer-eof", -1)
                                                            + cases_of("peer-eof-mid-record", -1)
                                                            + cases_of("peer-eof-after-data", -1));
    assert_non_null(strstr(page, "SD-TRUNCATION"));
}

static void exhaustive(void **state)
{
    char sched[256];
    (void)state;
    ta_run_cli(&r, "shutdown --builtin drain --exhaustive --depth 3 --json -");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"explore\":{\"depth\":3"));
    ta_run_cli(&r, "shutdown --builtin eof-is-clean --exhaustive --depth 3 --json -");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "\"rule\":\"SD-TRUNCATION\""));
    json_str(strstr(r.out, "\"rule\":\"SD-TRUNCATION\""), "schedule", sched, sizeof(sched));
    ta_run_cli(&r, "shutdown --builtin eof-is-clean --json - --schedule '%s'", sched);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "\"rule\":\"SD-TRUNCATION\""));
}

static void lib_drivers(void **state)
{
    (void)state;
    ta_run_cli(&r, "shutdown --lib %s --symbol sd_example_drain --only 'tls13/*'",
               TA_SD_EXAMPLES_SO);
    assert_int_equal(r.status, 0);
    ta_run_cli(&r, "shutdown --lib %s --symbol no_such_symbol", TA_SD_EXAMPLES_SO);
    assert_int_equal(r.status, 2);
    /* A crash in every case that reads: each is a finding, the run goes on. */
    ta_run_cli(&r,
               "shutdown --lib %s --symbol sd_example_crash --json - --only "
               "'tls13/client/peer-replies/*,tls13/client/peer-eof/*'",
               TA_SD_EXAMPLES_SO);
    assert_int_equal(r.status, 1);
    assert_int_equal(count(r.out, "\"rule\":\"SD-CRASH\""), 2);
    assert_non_null(strstr(r.out, "crashed: ")); /* a signal, or ASan's exit */
    assert_non_null(strstr(r.out, "--lib "));
    /* A hang on cancel: only the cancel case is a finding, after the timeout. */
    ta_run_cli(&r,
               "shutdown --lib %s --symbol sd_example_hang --json - --timeout 1 --only "
               "'tls12/client/peer-silent-cancel/*,tls12/client/peer-replies/*'",
               TA_SD_EXAMPLES_SO);
    assert_int_equal(r.status, 1);
    assert_int_equal(count(r.out, "\"rule\":\"SD-CRASH\""), 1);
    assert_int_equal(count(r.out, "\"pass\":true"), 1);
    assert_non_null(strstr(r.out, "hung"));
}

int main(void)
{
    /* Run by hand without ctest: the CLI next to the working directory, as
     * before (cli_run.h would skip every test when TLSAUDIT_BIN is unset). */
    if (getenv("TLSAUDIT_BIN") == NULL && setenv("TLSAUDIT_BIN", "./tlsaudit", 0) != 0) {
        fprintf(stderr, "test_shutdown_cli: cannot set TLSAUDIT_BIN\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exit_codes),      cmocka_unit_test(usage_errors),
        cmocka_unit_test(handshake_modes), cmocka_unit_test(json_and_replay),
        cmocka_unit_test(html_file),       cmocka_unit_test(exhaustive),
        cmocka_unit_test(lib_drivers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
