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
    ta_run_cli_in(&r, src_dir(),
                  "gate --config tools/ci/gate.conf --junit '%s' --sarif '%s' "
                  "--json '%s'",
                  junit, sarif, json);
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
    assert_non_null(strstr(x, "\"uri\":\"src/sid/sid_catalog.c\""));
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
    const char *c =
        config("opts.conf", "sid builtin:accepts-collision ids=2000 handshakes=2 bucket_n=300\n");
    ta_run_cli(&r, "gate --config '%s'", c);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "--handshakes 2 --bucket-n 300 --only SID-COLLISION-ACCEPTED"));
}

static void test_baseline_accepts_and_reports_stale(void **state)
{
    (void)state;
    const char *c = config(
        "accept.conf", "sid builtin:accepts-collision ids=2000\n"
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
             "shutdown lib:%s:sd_example_drain only=tls13/*\n",
             TA_SD_EXAMPLES_SO);
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
    {"lib-without-slash", "shutdown lib:nonexistent.so:drv\n", "cannot read './nonexistent.so'"},
    {"bad-number", "sid builtin:constant ids=many\n", "1: ids takes a decimal number"},
    {"hex-number", "sid builtin:constant ids=0x10\n", "1: ids takes a decimal number"},
    {"bad-option", "shutdown builtin:drain depth=3\n",
     "1: key 'depth' is not an option of shutdown lines; options: only, exhaustive, actions, "
     "capacity, seed, mode, timeout, mem_limit"},
    {"sid-unknown-key", "sid builtin:constant tagret=x\n",
     "1: key 'tagret' is not an option of sid lines; options: ids, threads, seed, timeout, "
     "handshakes, bucket_n, mem_limit, only, start, connections, budget"},
    {"replay-unknown-key", "replay corpus/sid_callback tagret=x\n",
     "1: key 'tagret' is not an option of replay lines; options: target"},
    {"fuzz-unknown-key", "fuzz sid_callback secs=5\n",
     "1: key 'secs' is not an option of fuzz lines; options: seconds, engine"},
    {"fuzz-bad-seconds", "fuzz sid_callback seconds=0\n", "1: seconds must be 1..86400"},
    {"fuzz-bad-engine", "fuzz sid_callback engine=honggfuzz\n",
     "1: engine takes one of libfuzzer|afl|afl-lto"},
    {"repeated-key", "sid builtin:constant ids=5 ids=6\n", "1: key 'ids' is given twice"},
    {"bad-handshakes", "sid builtin:constant handshakes=0\n", "handshakes must be 1..64"},
    {"bad-bucket-n", "sid builtin:constant bucket_n=1\n", "bucket_n must be 2..100000000"},
    {"bucket-n-over-ids", "sid builtin:constant ids=100 bucket_n=200\n",
     "1: bucket_n must be at most ids (100)"},
    {"threads-0", "sid builtin:constant threads=0\n", "1: threads must be 1..1024, not '0'"},
    {"bad-timeout", "sid builtin:constant timeout=inf\n", "1: timeout takes decimal seconds"},
    {"bad-mem-limit", "shutdown builtin:drain mem_limit=-1\n",
     "1: mem_limit takes a decimal number"},
    {"bad-mode", "shutdown builtin:drain mode=rsa\n", "1: mode takes one of cert|psk|resume"},
    {"exhaustive-0", "shutdown builtin:drain exhaustive=0\n", "1: exhaustive must be 1..12"},
    {"exhaustive-13", "shutdown builtin:drain exhaustive=13\n", "1: exhaustive must be 1..12"},
    {"only-no-case", "shutdown builtin:drain only=no-such-case\n",
     "1: only=no-such-case matches no case of builtin:drain"},
    {"only-no-rule", "sid builtin:constant only=SID-NOPE\n", "1: only: unknown rule 'SID-NOPE'"},
    {"only-empty", "sid builtin:constant only=\n", "1: only needs a non-empty value"},
    {"replay-not-a-dir", "replay /nonexistent/corpus\n", "is not a corpus directory"},
    {"report-twice", "sid builtin:constant\nreport json a.json\nreport json b.json\n",
     "3: a second 'report json' line"},
    {"empty", "# nothing\n", "nothing to check"},
    {"accept-empty-reason",
     "sid builtin:constant\naccept SID-DUPLICATE builtin:constant reason=\"\"\n",
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

/* More key=value options than the old fixed array held (8) and a line longer
 * than the old line buffer (4096): an error or a run, never a crash. */
static void long_lines_and_many_options(void **state)
{
    static char text[40000];
    size_t n = 0;
    (void)state;
    n += (size_t)snprintf(text + n, sizeof(text) - n, "sid builtin:constant");
    for (int i = 0; i < 200; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, " k%d=%d", i, i);
    snprintf(text + n, sizeof(text) - n, "\n");
    ta_run_cli(&r, "gate --config '%s'", config("many.conf", text));
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "many.conf:1: key 'k0' is not an option of sid lines"));
    n = (size_t)snprintf(text, sizeof(text), "sid builtin:constant");
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, " ids=%d", 300 + i);
    snprintf(text + n, sizeof(text) - n, "\n");
    ta_run_cli(&r, "gate --config '%s'", config("repeat.conf", text));
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "repeat.conf:1: key 'ids' is given twice"));
    /* Every sid key at once (8), and a reason of 20000 characters: runs. */
    n = (size_t)snprintf(text, sizeof(text),
                         "sid builtin:constant ids=300 threads=2 seed=3 timeout=2 handshakes=1 "
                         "bucket_n=100 mem_limit=0 only=SID-DUPLICATE\n"
                         "accept SID-DUPLICATE builtin:constant reason=\"");
    for (int i = 0; i < 20000; i++)
        text[n++] = 'a' + i % 26;
    snprintf(text + n, sizeof(text) - n, "\"\n");
    ta_run_cli(&r, "gate --config '%s'", config("long.conf", text));
    if (r.status != 0 || strstr(r.out, "accepted SID-DUPLICATE") == NULL)
        fail_msg("exit %d: %s%s", r.status, r.out, r.err);
}

/* A bad line anywhere stops the gate before its first item runs. */
static void whole_file_checked_before_running(void **state)
{
    (void)state;
    const char *c = config("late.conf", "sid builtin:constant ids=300\n"
                                        "shutdown builtin:drain\n"
                                        "replay corpus/sid_callback tagret=sid_callback\n");
    ta_run_cli(&r, "gate --config '%s'", c);
    assert_int_equal(r.status, 2);
    assert_int_equal(ta_run_lines(r.err), 1);
    assert_non_null(strstr(r.err, "late.conf:3: key 'tagret' is not an option of replay lines; "
                                  "options: target"));
    assert_null(strstr(r.err, "gate: sid")); /* no progress line: nothing ran */
    assert_string_equal(r.out, "");
}

/* --json - (or --junit -, --sarif -): stdout is the report alone; the table
 * goes to stderr. */
static void report_on_stdout_is_alone(void **state)
{
    char out[700], cmd[1600];
    (void)state;
    if (system("python3 -c 'import json' >/dev/null 2>&1") != 0)
        skip();
    const char *c = config("stdout.conf", "sid builtin:constant ids=300\n"
                                          "shutdown builtin:drain only=tls13/client/*\n");
    snprintf(out, sizeof(out), "%s/stdout.json", dir);
    static const char *const flags[] = {"--json -", "--sarif -"};
    for (size_t i = 0; i < 2; i++) {
        ta_run_cli(&r, "gate --config '%s' %s", c, flags[i]);
        assert_int_equal(r.status, 1);
        assert_non_null(strstr(r.err, "gate: FAIL"));
        FILE *f = fopen(out, "w");
        assert_non_null(f);
        fputs(r.out, f);
        fclose(f);
        snprintf(cmd, sizeof(cmd),
                 "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "
                 "'%s'",
                 out);
        if (system(cmd) != 0)
            fail_msg("%s: stdout is not JSON alone: %.300s", flags[i], r.out);
    }
    ta_run_cli(&r, "gate --config '%s' --junit - --json -", c);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "only one report can go to stdout"));
}

/* A report over a lib: subject's file is refused before anything runs. */
static void report_over_a_lib_is_refused(void **state)
{
    char text[2000], so[700], cmd[1600];
    (void)state;
    snprintf(so, sizeof(so), "%s/gate-drv.so", dir);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", TA_SD_EXAMPLES_SO, so);
    assert_int_equal(system(cmd), 0);
    snprintf(text, sizeof(text), "shutdown lib:%s:sd_example_drain\nreport sarif %s\n", so, so);
    ta_run_cli(&r, "gate --config '%s'", config("clobber.conf", text));
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "is the library under test"));
    snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", TA_SD_EXAMPLES_SO, so);
    assert_int_equal(system(cmd), 0);
}

/* Names from the config reach the terminal escaped. */
static void config_text_is_escaped(void **state)
{
    (void)state;
    ta_run_cli(&r, "gate --config '%s'", config("esc.conf", "sid builtin:x\033[2Jy\n"));
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "no built-in callback 'x\\x1b[2Jy'"));
    assert_null(strchr(r.err, '\033'));
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
    ta_run_cli(&r, "shutdown --builtin naive --quiet --json '%s' --junit '%s' --sarif '%s'", json,
               junit, sarif);
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
    ta_run_cli(&r,
               "sid --builtin constant --ids 2000 --quiet --json '%s' --junit '%s' "
               "--sarif '%s'",
               json, junit, sarif);
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
        cmocka_unit_test(long_lines_and_many_options),
        cmocka_unit_test(whole_file_checked_before_running),
        cmocka_unit_test(report_on_stdout_is_alone),
        cmocka_unit_test(report_over_a_lib_is_refused),
        cmocka_unit_test(config_text_is_escaped),
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
