/*
 * test_gate.c - 'tlsaudit gate' as a CI job runs it: the example config passes
 * and writes the three reports; an unaccepted error fails with its reproducer;
 * the baseline accepts a finding and reports stale entries (failing under
 * --strict); every config or load error is one line naming file:line, exit 2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "tlsaudit.h"
#include "cli_run.h"

static ta_run r;
static char dir[] = "/tmp/ta-gate-XXXXXX";

static const char *src_dir(void)
{
    const char *s = getenv("TLSAUDIT_SOURCE_DIR");
    return s ? s : ".";
}

/* Write a config file into the suite's temp dir; returns its path. */
static const char *config(const char *name, const char *text)
{
    static char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static char *slurp(const char *path)
{
    static char buf[1 << 20];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return buf;
}

static void test_example_config_passes_and_writes_reports(void **state)
{
    char junit[700], sarif[700], json[700];
    (void)state;
    snprintf(junit, sizeof(junit), "%s/g.xml", dir);
    snprintf(sarif, sizeof(sarif), "%s/g.sarif", dir);
    snprintf(json, sizeof(json), "%s/g.json", dir);
    ta_run_cli_in(&r, src_dir(), "gate --config tools/ci/gate.conf --junit '%s' --sarif '%s' "
                  "--json '%s'", junit, sarif, json);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "gate: pass"));
    /* The accepted findings are listed as accepted, with nothing open. */
    assert_non_null(strstr(r.out, "accepted SID-BUCKET-COLLAPSE"));
    assert_non_null(strstr(r.out, "0 open finding(s)"));
    const char *x = slurp(junit);
    assert_non_null(strstr(x, "<testsuites name=\"tlsaudit\""));
    assert_non_null(strstr(x, "failures=\"0\""));
    assert_non_null(strstr(x, "<skipped message=\"accepted"));
    x = slurp(sarif);
    assert_non_null(strstr(x, "\"version\":\"2.1.0\""));
    assert_non_null(strstr(x, "\"ruleId\":\"SID-BUCKET-COLLAPSE\""));
    assert_non_null(strstr(x, "\"uri\":\"src/sid_catalog.c\""));
    x = slurp(json);
    assert_non_null(strstr(x, "\"verdict\":\"pass\""));
    assert_non_null(strstr(x, "\"stale\":[]"));
}

static void test_unaccepted_error_fails_with_reproducer(void **state)
{
    (void)state;
    const char *c = config("fail.conf", "sid builtin:accepts-collision ids=2000\n");
    ta_run_cli(&r, "gate --config '%s'", c);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "SID-COLLISION-ACCEPTED"));
    assert_non_null(strstr(r.out, "reproduce: tlsaudit sid --builtin accepts-collision"));
    assert_non_null(strstr(r.out, "gate: FAIL"));
}

/* handshakes= and bucket_n= reach the audit: its reproducer carries them. */
static void test_sid_handshakes_and_bucket_n(void **state)
{
    (void)state;
    const char *c = config("opts.conf",
                           "sid builtin:accepts-collision ids=2000 handshakes=2 bucket_n=300\n");
    ta_run_cli(&r, "gate --config '%s'", c);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "--handshakes 2 --bucket-n 300 --only SID-COLLISION-ACCEPTED"));
}

static void test_baseline_accepts_and_reports_stale(void **state)
{
    (void)state;
    const char *c = config("accept.conf",
                           "sid builtin:accepts-collision ids=2000\n"
                           "accept SID-COLLISION-ACCEPTED builtin:accepts-collision "
                           "reason=\"kept to test the baseline\"\n"
                           "accept SID-OVERFLOW builtin:accepts-collision reason=\"fixed long ago\"\n");
    ta_run_cli(&r, "gate --config '%s'", c);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "accepted SID-COLLISION-ACCEPTED"));
    assert_non_null(strstr(r.out, "stale baseline entry"));
    assert_non_null(strstr(r.out, "accept.conf:3"));
    ta_run_cli(&r, "gate --config '%s' --strict", c);
    assert_int_equal(r.status, 1);
}

static void test_shutdown_lib_and_canary(void **state)
{
    (void)state;
    char text[1200];
    snprintf(text, sizeof(text),
             "shutdown builtin:eof-is-clean only=*/peer-eof/*\n"
             "shutdown lib:%s:sd_example_drain only=tls13/*\n", TA_SD_EXAMPLES_SO);
    ta_run_cli(&r, "gate --config '%s'", config("sd.conf", text));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "SD-TRUNCATION"));
    assert_non_null(strstr(r.out, "FAIL shutdown  builtin:eof-is-clean"));
    assert_non_null(strstr(r.out, "ok   shutdown  lib:"));
}

typedef struct bad_config {
    const char *name, *text, *expect; /* expect: a piece of the one error line */
} bad_config;

static const bad_config bad_configs[] = {
    {"unknown-directive", "sidd builtin:constant\n", "1: unknown directive 'sidd'"},
    {"accept-no-reason", "sid builtin:constant\naccept SID-DUPLICATE builtin:constant\n",
     "2: 'accept' needs RULE SUBJECT reason="},
    {"bad-subject", "sid constant\n", "neither builtin:NAME nor lib:FILE:SYMBOL"},
    {"unknown-builtin", "sid builtin:nope\n", "no built-in callback 'nope'"},
    {"unknown-driver", "shutdown builtin:nope\n", "no built-in driver 'nope'"},
    {"missing-lib", "sid lib:/nonexistent/cb.so:gen\n", "cannot read '/nonexistent/cb.so'"},
    {"bad-number", "sid builtin:constant ids=many\n", "ids=many is not a number"},
    {"bad-option", "shutdown builtin:drain depth=3\n", "unknown shutdown option 'depth'"},
    {"bad-handshakes", "sid builtin:constant handshakes=0\n", "handshakes must be 1..64"},
    {"bad-bucket-n", "sid builtin:constant bucket_n=1\n", "bucket_n must be 2..100000000"},
    {"empty", "# nothing\n", "nothing to check"},
    {"accept-empty-reason", "sid builtin:constant\naccept SID-DUPLICATE builtin:constant reason=\"\"\n",
     "2: accepting SID-DUPLICATE needs a non-empty reason"},
    {"bad-report", "sid builtin:constant\nreport pdf out.pdf\n", "unknown report format 'pdf'"},
    {"quote", "sid builtin:constant only=\"SID-DUPLICATE\n", "unterminated double quote"},
};

static void test_config_errors_are_one_line_exit_2(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
        const bad_config *b = &bad_configs[i];
        ta_run_cli(&r, "gate --config '%s'", config(b->name, b->text));
        if (r.status != 2 || ta_run_lines(r.err) < 1 || strstr(r.err, b->expect) == NULL)
            fail_msg("%s: status %d, stderr: %s", b->name, r.status, r.err);
        /* exactly one line of error after the progress lines */
        const char *last = strstr(r.err, "tlsaudit gate: ");
        assert_non_null(last);
        assert_null(strchr(strchr(last, '\n') + 1, '\n'));
    }
    ta_run_cli(&r, "gate --config /nonexistent/gate.conf");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "cannot open the gate config"));
    ta_run_cli(&r, "gate");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--config FILE is required"));
    ta_run_cli(&r, "gate --config x --bogus");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "unknown option '--bogus'"));
}

static void test_report_path_errors_exit_2(void **state)
{
    (void)state;
    const char *c = config("ok.conf", "shutdown builtin:drain only=tls13/client/peer-replies/*\n");
    ta_run_cli(&r, "gate --config '%s' --sarif /nonexistent/dir/x.sarif", c);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "cannot write the sarif report"));
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* 'tlsaudit shutdown' writes the same results as JSON, JUnit and SARIF in one run:
 * as many JUnit failures as failed cases in the JSON, and a SARIF result for each
 * of those and each warning flagged on a pass. */
static void test_subcommand_reports_agree(void **state)
{
    char junit[700], sarif[700], json[700], want[64];
    (void)state;
    snprintf(junit, sizeof(junit), "%s/sd.xml", dir);
    snprintf(sarif, sizeof(sarif), "%s/sd.sarif", dir);
    snprintf(json, sizeof(json), "%s/sd.json", dir);
    ta_run_cli(&r, "shutdown --builtin naive --quiet --json '%s' --junit '%s' --sarif '%s'",
               json, junit, sarif);
    assert_int_equal(r.status, 1);
    int failed = count(slurp(json), "\"pass\":false");
    assert_true(failed > 0);
    snprintf(want, sizeof(want), "failures=\"%d\"", failed);
    assert_non_null(strstr(slurp(junit), want));
    /* SARIF also carries the warnings raised on passing cases ("flag"). */
    int flagged = count(slurp(json), "\"flag\":\"");
    assert_int_equal(count(slurp(sarif), "\"ruleId\":"), failed + flagged);
}

/* 'tlsaudit sid' too: a JUnit failure per error finding, a SARIF result per finding. */
static void test_sid_reports_agree(void **state)
{
    char junit[700], sarif[700], json[700], want[64];
    (void)state;
    snprintf(junit, sizeof(junit), "%s/sid.xml", dir);
    snprintf(sarif, sizeof(sarif), "%s/sid.sarif", dir);
    snprintf(json, sizeof(json), "%s/sid.json", dir);
    ta_run_cli(&r, "sid --builtin constant --ids 2000 --quiet --json '%s' --junit '%s' "
               "--sarif '%s'", json, junit, sarif);
    assert_int_equal(r.status, 1);
    int errors = count(slurp(json), "\"severity\":\"error\"");
    int findings = count(slurp(json), "\"severity\":");
    assert_true(errors > 0 && findings > errors);
    snprintf(want, sizeof(want), "failures=\"%d\"", errors);
    assert_non_null(strstr(slurp(junit), want));
    assert_int_equal(count(slurp(sarif), "\"ruleId\":"), findings);
    /* located at the catalog's source, relative to the checkout when run from it */
    assert_non_null(strstr(slurp(sarif), "sid_catalog.c"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_config_passes_and_writes_reports),
        cmocka_unit_test(test_unaccepted_error_fails_with_reproducer),
        cmocka_unit_test(test_sid_handshakes_and_bucket_n),
        cmocka_unit_test(test_baseline_accepts_and_reports_stale),
        cmocka_unit_test(test_shutdown_lib_and_canary),
        cmocka_unit_test(test_config_errors_are_one_line_exit_2),
        cmocka_unit_test(test_report_path_errors_exit_2),
        cmocka_unit_test(test_subcommand_reports_agree),
        cmocka_unit_test(test_sid_reports_agree),
    };
    if (mkdtemp(dir) == NULL)
        return 1;
    int rc = cmocka_run_group_tests_name("gate", tests, NULL, NULL);
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = rc ? rc : 1;
    return rc;
}
