/*
 * test_hostile.c - code under test is an adversary (a pull request's own code):
 * nothing it does may turn a failing audit into exit 0, or take the tool down
 * without a report. Each test runs the real CLI on a shared object written for
 * one trick (conformance/hostile/) and checks the exit code, the rule and that
 * the report is there and valid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "sanitized.h"

#include "tlsaudit.h"
#include "cli_run.h"

#ifndef TA_HOSTILE_DIR
#error "TA_HOSTILE_DIR: set by conformance/hostile.cmake"
#endif
#define SID_SO TA_HOSTILE_DIR "/hostile_sid.so"
#define SD_SO TA_HOSTILE_DIR "/hostile_sd.so"
/* Small audits: every check still runs, each in its own child. */
#define SID_SMALL "--ids 2000 --threads 2 --handshakes 2 --bucket-n 64 --timeout 2"

static ta_run run;
static char dir[64];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* python3 checks the JSON report at path: its verdict, and that rule appears
 * (sid: a finding; shutdown: a result). Skips the test without python3. */
static void json_has(const char *path, const char *verdict, const char *rule)
{
    char cmd[1400];
    if (system("python3 -c '' 2>/dev/null") != 0)
        skip();
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import json,sys\n"
             "d=json.load(open(sys.argv[1]))\n"
             "rules=[f[\"rule\"] for f in d.get(\"findings\",[])+d.get(\"results\",[])]\n"
             "ok=d[\"verdict\"]==sys.argv[2] and (sys.argv[3]==\"\" or sys.argv[3] in rules)\n"
             "sys.exit(0 if ok else 1)' '%s' '%s' '%s'",
             path, verdict, rule ? rule : "");
    if (system(cmd) != 0) {
        char show[600];
        snprintf(show, sizeof(show), "cat '%s' | head -c 2000; echo", path);
        (void)!system(show);
        fail_msg("%s: wanted verdict %s with %s", path, verdict, rule ? rule : "(any)");
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/ta-hostile-XXXXXX");
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* tlsaudit sid on one hostile callback: exit 1, rule in a valid report. */
static void sid_fails_in(const char *so, const char *symbol, const char *rule, const char *extra)
{
    char json[128];
    snprintf(json, sizeof(json), "%s/%s.json", dir, symbol);
    ta_run_cli(&run, "sid --lib %s --symbol %s " SID_SMALL " %s --quiet --json %s", so, symbol,
               extra ? extra : "", json);
    if (run.status != 1)
        fail_msg("%s: exit %d, want 1\nstdout: %.800s\nstderr: %.800s", symbol, run.status, run.out,
                 run.err);
    json_has(json, "fail", rule);
}

static void sid_fails_with(const char *symbol, const char *rule, const char *extra)
{
    sid_fails_in(SID_SO, symbol, rule, extra);
}

static void sid_exit0_after_duplicates_keeps_them(void **state)
{
    (void)state;
    sid_fails_with("hostile_dup_then_exit0", "SID-DUPLICATE", NULL);
    json_has(strcat(strcpy((char[160]){0}, dir), "/hostile_dup_then_exit0.json"), "fail",
             "SID-CRASH");
}

static void sid_exit_with_any_status_is_a_crash(void **state)
{
    (void)state;
    sid_fails_with("hostile_exit0", "SID-CRASH", NULL);
    sid_fails_with("hostile__exit0", "SID-CRASH", NULL);
    sid_fails_with("hostile__exit3", "SID-CRASH", NULL);
}

static void sid_segv_handler_that_exits_0_is_a_crash(void **state)
{
    (void)state;
    sid_fails_with("hostile_segv_handler_exit0", "SID-CRASH", NULL);
}

static void sid_closing_the_channel_is_a_crash(void **state)
{
    (void)state;
    sid_fails_with("hostile_close_fds", "SID-CRASH", NULL);
}

static void sid_forged_records_are_a_crash(void **state)
{
    (void)state;
    sid_fails_with("hostile_forge_records", "SID-CRASH", NULL);
}

static void sid_only_never_hides_a_crash(void **state)
{
    (void)state;
    sid_fails_with("hostile_segv_handler_exit0", "SID-CRASH", "--only SID-DUPLICATE");
}

/* A forked grandchild holding stdout must not hold the tool's pipe: the
 * orphan sleeps 120 s, the audit takes a few. */
static void sid_forked_orphans_do_not_hold_stdout(void **state)
{
    (void)state;
    double t0 = now_s();
    ta_run_cli(&run, "sid --lib %s --symbol hostile_fork_orphan " SID_SMALL " | cat", SID_SO);
    double took = now_s() - t0;
    assert_int_equal(run.status, 0); /* cat's status; the audit itself is correct code */
    if (took > 100)
        fail_msg("the pipe stayed open %.0f s: an orphan kept the tool's stdout", took);
}

static void sid_kill_of_its_group_spares_the_tool(void **state)
{
    char json[128];
    (void)state;
    snprintf(json, sizeof(json), "%s/kill.json", dir);
    ta_run_cli(&run, "sid --lib %s --symbol hostile_kill_group " SID_SMALL " --quiet --json %s",
               SID_SO, json);
    /* SIGTERM reached only the check's own group: the child died of it. */
    assert_int_equal(run.status, 1);
    json_has(json, "fail", "SID-CRASH");
}

static void sid_output_flood_stays_out_of_json_stdout(void **state)
{
    char path[128];
    (void)state;
    snprintf(path, sizeof(path), "%s/flood.json", dir);
    ta_run_cli(&run, "sid --lib %s --symbol hostile_flood " SID_SMALL " --json - > %s", SID_SO,
               path);
    /* Correct ids; the noise itself is not a finding. Writing 1 MiB a call
     * through a pipe blocks for a few ms, which SID-SLOW may report (it is
     * blocking I/O in every handshake): either way the JSON on stdout is whole. */
    if (run.status == 1) {
        json_has(path, "fail", "SID-SLOW");
    } else {
        assert_int_equal(run.status, 0);
        json_has(path, "pass", NULL);
    }
}

static void sid_runaway_memory_is_stopped(void **state)
{
    (void)state;
    if (TA_TEST_SANITIZED)
        skip(); /* RLIMIT_AS cannot apply under AddressSanitizer (its shadow memory) */
    sid_fails_with("hostile_memhog", "SID-CRASH", "--mem-limit 512");
}

static void sid_data_symbol_is_a_load_error(void **state)
{
    (void)state;
    ta_run_cli(&run, "sid --lib %s --symbol hostile_not_a_function", SID_SO);
    assert_int_equal(run.status, 2);
    assert_non_null(strstr(run.err, "is not a function"));
}

static void sid_constructor_exit_or_crash_is_a_finding(void **state)
{
    char json[128];
    (void)state;
    static const char *const objs[] = {"hostile_ctor_exit0", "hostile_ctor_segv"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(json, sizeof(json), "%s/%s.json", dir, objs[i]);
        ta_run_cli(&run,
                   "sid --lib %s/%s.so --symbol hostile_load_constant " SID_SMALL
                   " --quiet --json %s",
                   TA_HOSTILE_DIR, objs[i], json);
        if (run.status != 1)
            fail_msg("%s: exit %d\n%s", objs[i], run.status, run.err);
        json_has(json, "fail", "SID-CRASH");
    }
}

/* chdir() in a constructor must not move the reports, nor a destructor's
 * _exit(0) decide the exit code. */
static void sid_constructor_chdir_and_destructor_exit_change_nothing(void **state)
{
    (void)state;
    ta_run_cli(&run,
               "sid --lib %s/hostile_ctor_chdir.so --symbol hostile_load_constant " SID_SMALL
               " --quiet --json rel.json",
               TA_HOSTILE_DIR);
    /* ta_run_cli runs in our cwd: the relative report lands here. */
    assert_int_equal(run.status, 1);
    json_has("rel.json", "fail", "SID-DUPLICATE");
    unlink("rel.json");
    sid_fails_in(TA_HOSTILE_DIR "/hostile_dtor_exit0.so", "hostile_load_constant", "SID-DUPLICATE",
                 NULL);
}

/* A slow callback cut off at the budget: its findings are kept and the audit
 * is incomplete, never a pass (the library API, loading in the children). */
static void sid_budget_cut_is_incomplete(void **state)
{
    ta_sid_opts o;
    ta_sid_report *r = NULL;
    (void)state;
    ta_sid_opts_default(&o);
    o.ids = 2000;
    o.threads = 2;
    o.handshakes = 2;
    o.bucket_n = 64;
    o.budget_s = 1.0;
    o.timeout_s = 5.0;
    o.only = 1u << TA_SID_DUPLICATE; /* only the checks that can find duplicates */
    o.lib = SID_SO;
    o.symbol = "hostile_sleeper";
    assert_int_equal(ta_sid_audit("sleeper", NULL, &o, &r), TA_OK);
    assert_int_equal(ta_sid_report_verdict(r), TA_VERDICT_INCOMPLETE);
    assert_true(ta_sid_report_failed(r));
    assert_int_equal(ta_sid_report_rule(r, TA_SID_CHECK_INCOMPLETE), TA_SID_FOUND);
    assert_int_equal(ta_sid_report_rule(r, TA_SID_DUPLICATE), TA_SID_INCOMPLETE);
    ta_sid_report_free(r);
}

/* ------------------------------------------------------------ shutdown */

static void sd_fails_with(const char *so, const char *symbol, const char *verdict, const char *rule,
                          const char *extra)
{
    char json[128];
    snprintf(json, sizeof(json), "%s/%s.json", dir, symbol);
    ta_run_cli(&run, "shutdown --lib %s --symbol %s %s --quiet --json %s", so, symbol,
               extra ? extra : "", json);
    if (run.status != 1)
        fail_msg("%s: exit %d, want 1\nstdout: %.800s\nstderr: %.800s", symbol, run.status, run.out,
                 run.err);
    json_has(json, verdict, rule);
}

static void sd_exit_segv_in_a_step_is_a_crash_and_the_run_goes_on(void **state)
{
    (void)state;
    sd_fails_with(SD_SO, "hostile_sd_exit0", "violations", "SD-CRASH", NULL);
    sd_fails_with(SD_SO, "hostile_sd__exit3", "violations", "SD-CRASH", NULL);
    sd_fails_with(SD_SO, "hostile_sd_segv", "violations", "SD-CRASH", NULL);
    sd_fails_with(SD_SO, "hostile_sd_kill_group", "violations", "SD-CRASH", NULL);
}

static void sd_hang_is_a_crash(void **state)
{
    (void)state;
    char json[128];
    /* Two cases: the second runs after the first hung (each hang waits out --timeout). */
    sd_fails_with(SD_SO, "hostile_sd_hang", "violations", "SD-CRASH",
                  "--timeout 1 --only 'tls13/client/peer-replies/*,tls13/client/peer-first/*'");
    snprintf(json, sizeof(json), "%s/hostile_sd_hang.json", dir);
    FILE *f = fopen(json, "r");
    assert_non_null(f);
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_non_null(strstr(text, "\"tls13/client/peer-replies/hang\""));
    assert_non_null(strstr(text, "\"tls13/client/peer-first/hang\""));
}

static void sd_exhaustive_runs_in_children(void **state)
{
    (void)state;
    sd_fails_with(SD_SO, "hostile_sd_exit0", "violations", "SD-CRASH", "--exhaustive --depth 2");
    assert_null(strstr(run.err, "harness"));
    sd_fails_with(SD_SO, "hostile_sd_segv", "violations", "SD-CRASH", "--exhaustive --depth 2");
}

static void sd_huge_state_is_incomplete_not_a_pass(void **state)
{
    (void)state;
    sd_fails_with(SD_SO, "hostile_sd_huge_state", "incomplete", "SD-INCOMPLETE", NULL);
}

static void sd_output_flood_stays_out_of_json_stdout(void **state)
{
    char path[128];
    (void)state;
    snprintf(path, sizeof(path), "%s/sdflood.json", dir);
    ta_run_cli(&run,
               "shutdown --lib %s --symbol hostile_sd_flood --only 'tls12/*' "
               "--json - > %s",
               SD_SO, path);
    /* polite() never drains: some cases fail; the JSON must still parse */
    assert_true(run.status == 0 || run.status == 1);
    json_has(path, run.status ? "violations" : "conformant", NULL);
}

static void sd_driver_name_is_escaped_on_the_terminal(void **state)
{
    (void)state;
    ta_run_cli(&run, "shutdown --lib %s --symbol hostile_sd_escape_name --only 'tls12/client/*'",
               SD_SO);
    assert_true(run.status == 0 || run.status == 1);
    assert_null(strchr(run.out, '\033'));
    assert_non_null(strstr(run.out, "evil\\x1b"));
}

static void sd_function_symbol_is_a_load_error(void **state)
{
    (void)state;
    ta_run_cli(&run, "shutdown --lib %s --symbol hostile_sd_a_function", SD_SO);
    assert_int_equal(run.status, 2);
    assert_non_null(strstr(run.err, "is a function"));
    /* A session-id callback handed to shutdown, and a libc function. */
    ta_run_cli(&run, "shutdown --lib %s --symbol hostile_exit0", SID_SO);
    assert_int_equal(run.status, 2);
    assert_non_null(strstr(run.err, "is a function"));
}

static void sd_constructor_exit_is_a_finding(void **state)
{
    (void)state;
    sd_fails_with(TA_HOSTILE_DIR "/hostile_ctor_exit0.so", "hostile_load_driver", "violations",
                  "SD-CRASH", NULL);
    sd_fails_with(TA_HOSTILE_DIR "/hostile_dtor_exit0.so", "hostile_load_driver", "violations",
                  "SD-EARLY", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sid_exit0_after_duplicates_keeps_them),
        cmocka_unit_test(sid_exit_with_any_status_is_a_crash),
        cmocka_unit_test(sid_segv_handler_that_exits_0_is_a_crash),
        cmocka_unit_test(sid_closing_the_channel_is_a_crash),
        cmocka_unit_test(sid_forged_records_are_a_crash),
        cmocka_unit_test(sid_only_never_hides_a_crash),
        cmocka_unit_test(sid_forked_orphans_do_not_hold_stdout),
        cmocka_unit_test(sid_kill_of_its_group_spares_the_tool),
        cmocka_unit_test(sid_output_flood_stays_out_of_json_stdout),
        cmocka_unit_test(sid_runaway_memory_is_stopped),
        cmocka_unit_test(sid_data_symbol_is_a_load_error),
        cmocka_unit_test(sid_constructor_exit_or_crash_is_a_finding),
        cmocka_unit_test(sid_constructor_chdir_and_destructor_exit_change_nothing),
        cmocka_unit_test(sid_budget_cut_is_incomplete),
        cmocka_unit_test(sd_exit_segv_in_a_step_is_a_crash_and_the_run_goes_on),
        cmocka_unit_test(sd_hang_is_a_crash),
        cmocka_unit_test(sd_exhaustive_runs_in_children),
        cmocka_unit_test(sd_huge_state_is_incomplete_not_a_pass),
        cmocka_unit_test(sd_output_flood_stays_out_of_json_stdout),
        cmocka_unit_test(sd_driver_name_is_escaped_on_the_terminal),
        cmocka_unit_test(sd_function_symbol_is_a_load_error),
        cmocka_unit_test(sd_constructor_exit_is_a_finding),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
