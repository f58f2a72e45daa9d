/*
 * test_shutdown_cli.c - 'tlsaudit shutdown' as a user runs it: exit codes (0
 * conformant, 1 violations, 2 usage/load error), one-line usage errors, JSON and
 * HTML output, reproducers that replay (--only and --schedule), exhaustive mode,
 * and drivers loaded with --lib that crash or hang without stopping the run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

static const char *bin(void)
{
    const char *b = getenv("TLSAUDIT_BIN");
    return b ? b : "./tlsaudit";
}

/* Run "tlsaudit shutdown ARGS"; stdout into out (cap), stderr into err; exit code. */
static int run(char *out, size_t cap, char *err, size_t ecap, const char *fmt, ...)
{
    char args[1500], cmd[2200], efile[] = "/tmp/ta_sd_cli_XXXXXX";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    int fd = mkstemp(efile);
    assert_true(fd >= 0);
    close(fd);
    snprintf(cmd, sizeof(cmd), "%s shutdown %s 2>%s", bin(), args, efile);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    char sink[4096];
    while (fread(sink, 1, sizeof(sink), p) > 0)
        ; /* drain the rest so the child never blocks on a full pipe */
    int st = pclose(p);
    FILE *e = fopen(efile, "r");
    size_t m = e ? fread(err, 1, ecap - 1, e) : 0;
    err[m] = '\0';
    if (e)
        fclose(e);
    unlink(efile);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char out[1 << 20], err[8192];

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
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
    assert_int_equal(run(out, sizeof(out), err, sizeof(err), "--builtin drain"), 0);
    assert_non_null(strstr(out, "0 violations: conformant"));
    assert_int_equal(run(out, sizeof(out), err, sizeof(err), "--builtin unidirectional"), 0);
    assert_int_equal(run(out, sizeof(out), err, sizeof(err), "--builtin naive"), 1);
    assert_non_null(strstr(out, "tls13/client/peer-data-then-reply/naive: SD-DATA-FAILS"));
}

/* --mode: the same verdicts over a full certificate handshake and over
 * resumption as over PSK, and a finding's reproducer names the mode it needs. */
static void handshake_modes(void **state)
{
    static const char *const modes[] = {"cert", "resume"};
    char repro[400];
    (void)state;
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        assert_int_equal(run(out, sizeof(out), err, sizeof(err), "--builtin drain --mode %s",
                             modes[i]), 0);
        assert_non_null(strstr(out, "0 violations: conformant"));
        assert_int_equal(run(out, sizeof(out), err, sizeof(err), "--builtin naive --mode %s "
                             "--only 'tls13/client/peer-data-then-reply/*' --json -", modes[i]),
                         1);
        json_str(out, "reproducer", repro, sizeof(repro));
        char want[32];
        snprintf(want, sizeof(want), "--mode %s", modes[i]);
        assert_non_null(strstr(repro, want));
    }
    assert_int_equal(run(out, sizeof(out), err, sizeof(err), "--builtin drain --mode rsa"), 2);
    assert_non_null(strstr(err, "--mode takes cert, psk or resume"));
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
        int rc = run(out, sizeof(out), err, sizeof(err), "%s", bad[i]);
        if (rc != 2)
            fail_msg("'%s' exited %d, not 2", bad[i], rc);
        assert_int_equal(count(err, "\n"), 1); /* one clear line */
        assert_non_null(strstr(err, "tlsaudit shutdown"));
    }
}

static void json_and_replay(void **state)
{
    char sched[256], repro[512], rule[64];
    (void)state;
    assert_int_equal(run(out, sizeof(out), err, sizeof(err),
                         "--builtin naive --json - --only 'tls13/*/peer-data-then-reply/*'"), 1);
    assert_non_null(strstr(out, "\"driver\":\"naive\""));
    assert_non_null(strstr(out, "\"verdict\":\"violations\""));
    assert_int_equal(count(out, "\"scenario\":\"peer-data-then-reply\""), 2);
    assert_int_equal(count(out, "\"pass\":false"), 2);
    json_str(out, "expected", rule, sizeof(rule));
    assert_string_equal(rule, "clean");
    json_str(out, "got", rule, sizeof(rule));
    assert_string_equal(rule, "failed");
    json_str(out, "rule", rule, sizeof(rule));
    assert_string_equal(rule, "SD-DATA-FAILS");
    json_str(out, "schedule", sched, sizeof(sched));
    json_str(out, "reproducer", repro, sizeof(repro));
    assert_non_null(strstr(repro, "--only tls13/client/peer-data-then-reply/naive"));
    /* The printed schedule replays the violation, and drain passes it. */
    assert_int_equal(run(out, sizeof(out), err, sizeof(err),
                         "--builtin naive --json - --schedule '%s'", sched), 1);
    assert_non_null(strstr(out, "\"rule\":\"SD-DATA-FAILS\""));
    assert_int_equal(run(out, sizeof(out), err, sizeof(err),
                         "--builtin drain --schedule '%s'", sched), 0);
}

static void html_file(void **state)
{
    char path[] = "/tmp/ta_sd_html_XXXXXX";
    (void)state;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(run(out, sizeof(out), err, sizeof(err),
                         "--builtin eof-is-clean --quiet --html %s", path), 1);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = '\0';
    fclose(f);
    unlink(path);
    assert_non_null(strstr(out, "<table"));
    assert_int_equal(count(out, "<td class=\"fail\""), 12); /* 3 scenarios x 4 */
    assert_non_null(strstr(out, "SD-TRUNCATION"));
}

static void exhaustive(void **state)
{
    char sched[256];
    (void)state;
    assert_int_equal(run(out, sizeof(out), err, sizeof(err),
                         "--builtin drain --exhaustive --depth 3 --json -"), 0);
    assert_non_null(strstr(out, "\"explore\":{\"depth\":3"));
    assert_int_equal(run(out, sizeof(out), err, sizeof(err),
                         "--builtin eof-is-clean --exhaustive --depth 3 --json -"), 1);
    assert_non_null(strstr(out, "\"rule\":\"SD-TRUNCATION\""));
    json_str(strstr(out, "\"rule\":\"SD-TRUNCATION\""), "schedule", sched, sizeof(sched));
    assert_int_equal(run(out, sizeof(out), err, sizeof(err),
                         "--builtin eof-is-clean --json - --schedule '%s'", sched), 1);
    assert_non_null(strstr(out, "\"rule\":\"SD-TRUNCATION\""));
}

static void lib_drivers(void **state)
{
    (void)state;
    assert_int_equal(run(out, sizeof(out), err, sizeof(err),
                         "--lib %s --symbol sd_example_drain --only 'tls13/*'", TA_SD_EXAMPLES_SO), 0);
    assert_int_equal(run(out, sizeof(out), err, sizeof(err),
                         "--lib %s --symbol no_such_symbol", TA_SD_EXAMPLES_SO), 2);
    /* A crash in every case that reads: each is a finding, the run goes on. */
    assert_int_equal(run(out, sizeof(out), err, sizeof(err),
                         "--lib %s --symbol sd_example_crash --json - --only "
                         "'tls13/client/peer-replies/*,tls13/client/peer-eof/*'",
                         TA_SD_EXAMPLES_SO), 1);
    assert_int_equal(count(out, "\"rule\":\"SD-CRASH\""), 2);
    assert_non_null(strstr(out, "crashed: ")); /* a signal, or ASan's exit */
    assert_non_null(strstr(out, "--lib "));
    /* A hang on cancel: only the cancel case is a finding, after the timeout. */
    assert_int_equal(run(out, sizeof(out), err, sizeof(err),
                         "--lib %s --symbol sd_example_hang --json - --timeout 1 --only "
                         "'tls12/client/peer-silent-cancel/*,tls12/client/peer-replies/*'",
                         TA_SD_EXAMPLES_SO), 1);
    assert_int_equal(count(out, "\"rule\":\"SD-CRASH\""), 1);
    assert_int_equal(count(out, "\"pass\":true"), 1);
    assert_non_null(strstr(out, "hung"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exit_codes),      cmocka_unit_test(usage_errors),
        cmocka_unit_test(handshake_modes),
        cmocka_unit_test(json_and_replay), cmocka_unit_test(html_file),
        cmocka_unit_test(exhaustive),      cmocka_unit_test(lib_drivers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
