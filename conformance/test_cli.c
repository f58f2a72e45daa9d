/*
 * test_cli.c - the tlsaudit command line as a user meets it: --help, --version
 * (ours and the linked OpenSSL's), selfcheck, and bad input (one line naming
 * it, exit 2). Runs $TLSAUDIT_BIN as a child with posix_spawn; every child has
 * a deadline and is killed past it (cli_run.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/crypto.h>

#include "tlsaudit.h"
#include "cli_run.h"

/* Run the CLI with these arguments (each quoted for the shell). */
static void run_cli(ta_run *r, const char *const *args)
{
    char line[1024] = "";
    for (size_t i = 0; args[i] != NULL; i++)
        snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s'%s'", i ? " " : "", args[i]);
    ta_run_cli(r, "%s", line);
}

static void test_help(void **state)
{
    static ta_run r;
    (void)state;
    run_cli(&r, (const char *const[]){"--help", NULL});
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: tlsaudit"));
    assert_non_null(strstr(r.out, "selfcheck"));
    assert_non_null(strstr(r.out, "exit codes"));
    assert_string_equal(r.err, "");
}

static void test_version(void **state)
{
    static ta_run r;
    char ours[64];
    (void)state;
    run_cli(&r, (const char *const[]){"--version", NULL});
    assert_int_equal(r.status, 0);
    snprintf(ours, sizeof(ours), "tlsaudit %s\n", TA_VERSION_STRING);
    assert_non_null(strstr(r.out, ours));
    /* the OpenSSL this process (and so the CLI) runs with */
    assert_non_null(strstr(r.out, OpenSSL_version(OPENSSL_VERSION_STRING)));
}

/* variant: seeded or OS randomness */
static void test_selfcheck(void **state)
{
    static ta_run r;
    char want[64];
    (void)state;
    run_cli(&r, (const char *const[]){"selfcheck", NULL});
    if (r.status != 0)
        fail_msg("selfcheck exited %d:\n%s%s", r.status, r.out, r.err);
    snprintf(want, sizeof(want), "%d of %d cases ok", TA_TLS_COUNT * TA_MODE_COUNT,
             TA_TLS_COUNT * TA_MODE_COUNT);
    assert_non_null(strstr(r.out, want));
    run_cli(&r, (const char *const[]){"selfcheck", "--seed", "7", NULL});
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "seeded"));
    assert_non_null(strstr(r.out, want));
}

/* Bad input: exactly one line on stderr naming the culprit, nothing on stdout,
 * exit 2. */
typedef struct bad {
    const char *name;
    const char *args[4];
    const char *named; /* must appear in the line */
} bad;

static const bad bads[] = {
    {"unknown-command", {"frobnicate", NULL}, "frobnicate"},
    {"unknown-flag", {"--frobnicate", NULL}, "--frobnicate"},
    {"selfcheck/unknown-flag", {"selfcheck", "--bogus", NULL}, "--bogus"},
    {"selfcheck/bad-seed", {"selfcheck", "--seed", "x1", NULL}, "x1"},
    {"demo/unknown-flag", {"demo", "--fast", NULL}, "--fast"},
    {"demo/bad-ids", {"demo", "--ids", "0", NULL}, "--ids"},
    {"list/unknown-part", {"list", "widgets", NULL}, "widgets"},
    {"gate/no-config", {"gate", NULL}, "--config"},
};
#define N_BAD (sizeof(bads) / sizeof(bads[0]))

static void test_bad_input(void **state)
{
    const bad *b = *state;
    static ta_run r;
    run_cli(&r, b->args);
    assert_int_equal(r.status, 2);
    assert_int_equal(ta_run_lines(r.err), 1);
    assert_non_null(strstr(r.err, b->named));
    assert_string_equal(r.out, "");
}

static void test_no_arguments(void **state)
{
    static ta_run r;
    (void)state;
    run_cli(&r, (const char *const[]){NULL});
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "usage: tlsaudit"));
}

int main(void)
{
    static struct CMUnitTest tests[4 + N_BAD];
    static char names[N_BAD][64];
    size_t n = 0;

    tests[n++] = (struct CMUnitTest){"cli/--help", test_help, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"cli/--version", test_version, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"cli/selfcheck", test_selfcheck, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"cli/no-arguments", test_no_arguments, NULL, NULL, NULL};
    for (size_t i = 0; i < N_BAD; i++) {
        snprintf(names[i], sizeof(names[i]), "cli/bad/%s", bads[i].name);
        tests[n++] = (struct CMUnitTest){names[i], test_bad_input, NULL, NULL, (void *)&bads[i]};
    }
    return _cmocka_run_group_tests("test_cli", tests, n, NULL, NULL);
}
