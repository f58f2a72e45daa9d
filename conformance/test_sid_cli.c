/*
 * test_sid_cli.c - 'tlsaudit sid' as a user runs it (TLSAUDIT_BIN): exit codes
 * 0/1/2, one clear line on bad input, --lib/--symbol with a real shared object
 * whose cache queries reach the auditor, the JSON shape, and reproducers that
 * reproduce their finding alone.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tlsaudit.h"
#include "cli_run.h"

/* One run at a time; static because ta_run is large. */
static ta_run r;
static char ta_t_dir[256]; /* files the CLI writes with --json PATH */

/* Files the CLI wrote, read whole. */
static char *ta_t_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

/* Newline characters in s: the one-line check counts terminated lines only
 * (ta_run_lines would also count an unterminated last one). */
static int ta_t_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* ------------------------------------------------------------ a JSON syntax check */

static const char *ta_j_value(const char *p);
static const char *ta_j_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}
static const char *ta_j_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    while (*p && *p != '"') {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!isxdigit((unsigned char)p[i]))
                        return NULL;
                p += 4;
            } else if (!strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
        p++;
    }
    return *p == '"' ? p + 1 : NULL;
}
static const char *ta_j_seq(const char *p, char close, int keyed)
{
    p = ta_j_ws(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (keyed) {
            if ((p = ta_j_string(ta_j_ws(p))) == NULL)
                return NULL;
            p = ta_j_ws(p);
            if (*p++ != ':')
                return NULL;
        }
        if ((p = ta_j_value(p)) == NULL)
            return NULL;
        p = ta_j_ws(p);
        if (*p == close)
            return p + 1;
        if (*p++ != ',')
            return NULL;
    }
}
static const char *ta_j_value(const char *p)
{
    p = ta_j_ws(p);
    if (*p == '{')
        return ta_j_seq(p, '}', 1);
    if (*p == '[')
        return ta_j_seq(p, ']', 0);
    if (*p == '"')
        return ta_j_string(p);
    if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
        return p + 4;
    if (strncmp(p, "false", 5) == 0)
        return p + 5;
    if (*p == '-' || isdigit((unsigned char)*p)) {
        p++;
        while (isdigit((unsigned char)*p) || strchr(".eE+-", *p))
            p++;
        return p;
    }
    return NULL;
}
static void ta_t_valid_json(const char *s)
{
    const char *end = ta_j_value(s);
    assert_non_null(end);
    assert_true(*ta_j_ws(end) == '\0');
}

/* ------------------------------------------------------------ tests */

static void exit_0_for_a_correct_callback(void **state)
{
    (void)state;
    ta_run_cli(&r, "sid --builtin openssl-default --ids 500 --quiet");
    assert_int_equal(r.status, 0);
}

static void exit_1_for_an_error(void **state)
{
    (void)state;
    ta_run_cli(&r, "sid --builtin constant --ids 500");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "SID-DUPLICATE"));
}

static void warnings_fail_only_under_strict(void **state)
{
    (void)state;
    ta_run_cli(&r, "sid --builtin no-cache-check --ids 500 --quiet");
    assert_int_equal(r.status, 0);
    ta_run_cli(&r, "sid --builtin no-cache-check --ids 500 --quiet --strict");
    assert_int_equal(r.status, 1);
}

/* Bad input: exit 2 and exactly one line on stderr naming the problem. */
static void exit_2_with_one_clear_line(void **state)
{
    static const struct {
        const char *args, *says;
    } cases[] = {
        {"--lib /nonexistent/cb.so --symbol f", "cannot read"},
        {"--lib " TA_SID_EXAMPLES_SO, "--symbol"},
        {"--builtin no-such-callback", "no built-in callback"},
        {"--builtin constant --only SID-NOPE", "unknown rule 'SID-NOPE'"},
        {"--builtin constant --ids many", "--ids takes a decimal number"},
        {"--builtin constant --timeout -1", "--timeout"},
        {"--builtin constant --handshakes 0", "--handshakes must be 1..64"},
        {"--builtin constant --handshakes 65", "--handshakes must be 1..64"},
        {"--builtin constant --bucket-n 1", "--bucket-n must be"},
        {"--builtin constant --frobnicate", "unknown option"},
        {"", "exactly one of"},
        {"--builtin constant --lib x.so --symbol f", "exactly one of"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ta_run_cli(&r, "sid %s", cases[i].args);
        if (r.status != 2 || ta_t_lines(r.err) != 1 || strstr(r.err, cases[i].says) == NULL)
            fail_msg("'%s': exit %d, stderr '%s'", cases[i].args, r.status, r.err);
    }
}

/* Load errors of --lib come from the children that load it (src/ since issue
 * 10): still one line and exit 2. Fails until the src/ runner lands. */
static void lib_load_errors_are_one_line(void **state)
{
    static const struct {
        const char *args, *says;
    } cases[] = {
        {"--lib " TA_SID_EXAMPLES_SO " --symbol no_such_symbol", "no_such_symbol"},
        {"--lib ${TLSAUDIT_SOURCE_DIR}/tools/examples/sid_examples.c --symbol f", "load"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ta_run_cli(&r, "sid %s", cases[i].args);
        if (r.status != 2 || ta_t_lines(r.err) != 1 || strstr(r.err, cases[i].says) == NULL)
            fail_msg("'%s': exit %d, stderr '%s'", cases[i].args, r.status, r.err);
    }
}

/* The shared object's queries reach our cache: the correct example passes
 * (no SID-NO-CACHE-CHECK: its queries were counted), the one that ignores our
 * "taken" is caught (only our answers can make it collide). */
static void lib_symbol_audits_a_shared_object(void **state)
{
    (void)state;
    ta_run_cli(&r, "sid --lib " TA_SID_EXAMPLES_SO " --symbol sid_example_good "
                   "--ids 500 --json -");
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.out, "SID-NO-CACHE-CHECK\":\"found"));
    assert_non_null(strstr(r.out, "\"SID-NO-CACHE-CHECK\":\"pass\""));
    ta_run_cli(&r, "sid --lib " TA_SID_EXAMPLES_SO " --symbol sid_example_accepts_collision "
                   "--ids 500 --quiet --json -");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "\"rule\":\"SID-COLLISION-ACCEPTED\""));
    assert_non_null(
        strstr(r.out, "--lib " TA_SID_EXAMPLES_SO " --symbol sid_example_accepts_collision"));
    ta_run_cli(&r, "sid --lib " TA_SID_EXAMPLES_SO " --symbol sid_example_overflow "
                   "--ids 500 --quiet --only SID-OVERFLOW --json -");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "first bad offset 32"));
    /* A DRBG of its own chained to OpenSSL's primary works under the seeded
     * randomness, as in a plain server: no SID-HANDSHAKE (issue 14). */
    ta_run_cli(&r, "sid --lib " TA_SID_EXAMPLES_SO " --symbol sid_example_thread_drbg "
                   "--ids 500 --handshakes 2 --json -");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"SID-HANDSHAKE\":\"pass\""));
}

static void json_shape(void **state)
{
    char path[320], *js;
    (void)state;
    snprintf(path, sizeof(path), "%s/constant.json", ta_t_dir);
    ta_run_cli(&r, "sid --builtin constant --ids 500 --quiet --json %s", path);
    assert_int_equal(r.status, 1);
    js = ta_t_slurp(path);
    ta_t_valid_json(js);
    assert_true(strncmp(js,
                        "{\"subject\":\"constant\",\"verdict\":\"fail\",\"findings\":[{"
                        "\"rule\":\"SID-",
                        60)
                == 0);
    /* Each finding: rule, severity, message, reproducer - in that order. */
    int findings = 0;
    for (const char *p = strstr(js, "{\"rule\":"); p; p = strstr(p + 1, "{\"rule\":")) {
        const char *sev = strstr(p, ",\"severity\":\""), *msg = strstr(p, ",\"message\":\"");
        const char *rep = strstr(p, ",\"reproducer\":\"tlsaudit sid --builtin constant ");
        assert_true(sev && msg && rep && sev < msg && msg < rep);
        findings++;
    }
    assert_true(findings >= 5);
    free(js);
    ta_run_cli(&r, "sid --builtin host-tag --ids 500 --quiet --json -");
    assert_int_equal(r.status, 0);
    ta_t_valid_json(r.out);
    assert_non_null(strstr(r.out, "\"verdict\":\"pass\""));
}

/* A finding's reproducer, run as printed, reports that rule and nothing else. */
static void reproducer_reproduces_alone(void **state)
{
    char *js, *p, *q, repro[600], path[320];
    (void)state;
    ta_run_cli(&r, "sid --builtin len-grown --ids 300 --quiet --json -");
    assert_int_equal(r.status, 1);
    p = strstr(r.out, "\"reproducer\":\"tlsaudit sid ");
    assert_non_null(p);
    p += strlen("\"reproducer\":\"tlsaudit sid ");
    q = strchr(p, '"');
    assert_non_null(q);
    snprintf(repro, sizeof(repro), "%.*s", (int)(q - p), p);
    snprintf(path, sizeof(path), "%s/repro.json", ta_t_dir);
    ta_run_cli(&r, "sid %s --quiet --json %s", repro, path);
    assert_int_equal(r.status, 1);
    js = ta_t_slurp(path);
    const char *only = strstr(repro, "--only ") + strlen("--only ");
    int n = 0;
    for (p = strstr(js, "\"rule\":\""); p; p = strstr(p + 1, "\"rule\":\"")) {
        assert_true(strncmp(p + 8, only, strlen(only)) == 0);
        n++;
    }
    assert_int_equal(n, 1);
    free(js);
}

/* --handshakes and --bucket-n reach the run (the findings quote what was
 * measured) and the reproducer, which then carries them. */
static void handshakes_and_bucket_n_shape_the_run(void **state)
{
    (void)state;
    ta_run_cli(&r, "sid --builtin manpage-www18 --ids 2000 --bucket-n 300 --handshakes 3 "
                   "--only SID-BUCKET-COLLAPSE,SID-NEVER-CALLED --quiet --json -");
    assert_int_equal(r.status, 0);
    if (strstr(r.out, "at 300 cached sessions") == NULL
        || strstr(r.out, "in 3 full handshakes") == NULL
        || strstr(r.out, "--handshakes 3 --bucket-n 300") == NULL)
        fail_msg("the options did not reach the report: %s", r.out);
    /* Defaults stay out of the reproducer. */
    ta_run_cli(&r, "sid --builtin manpage-www18 --ids 2000 --only SID-BUCKET-COLLAPSE "
                   "--quiet --json -");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "at 2000 cached sessions"));
    assert_null(strstr(r.out, "--bucket-n"));
}

static int ta_t_setup(void **state)
{
    (void)state;
    if (getenv("TLSAUDIT_BIN") == NULL)
        return -1;
    snprintf(ta_t_dir, sizeof(ta_t_dir), "/tmp/tlsaudit-sid-cli-XXXXXX");
    return mkdtemp(ta_t_dir) == NULL ? -1 : 0;
}

static int ta_t_teardown(void **state)
{
    char cmd[300];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ta_t_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    if (getenv("TLSAUDIT_BIN") == NULL) {
        fprintf(stderr, "test_sid_cli: TLSAUDIT_BIN is not set (run it through ctest)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exit_0_for_a_correct_callback),
        cmocka_unit_test(exit_1_for_an_error),
        cmocka_unit_test(warnings_fail_only_under_strict),
        cmocka_unit_test(exit_2_with_one_clear_line),
        cmocka_unit_test(lib_load_errors_are_one_line),
        cmocka_unit_test(lib_symbol_audits_a_shared_object),
        cmocka_unit_test(json_shape),
        cmocka_unit_test(reproducer_reproduces_alone),
        cmocka_unit_test(handshakes_and_bucket_n_shape_the_run),
    };
    return cmocka_run_group_tests(tests, ta_t_setup, ta_t_teardown);
}
