/*
 * test_cli.c - the tlsaudit command line as a user meets it: --help, --version
 * (ours and the linked OpenSSL's), selfcheck, and bad input (one line naming
 * it, exit 2). Runs $TLSAUDIT_BIN as a child with posix_spawn; every child has
 * a deadline and is killed past it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/crypto.h>

#include "tlsaudit.h"

extern char **environ;

/* Generous: selfcheck does 6 handshakes; the machine may be loaded. */
#define CLI_DEADLINE_S 120

typedef struct run {
    int status; /* exit code, or -1 if killed / not exited */
    char out[16384];
    char err[16384];
} run;

static void slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    if (f != NULL) {
        n = fread(buf, 1, cap - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
}

static void run_cli(run *r, const char *const *args)
{
    const char *bin = getenv("TLSAUDIT_BIN");
    char dir[] = "/tmp/ta-cli-XXXXXX", outp[64], errp[64];
    char *argv[16];
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int n = 0, st = 0;

    if (bin == NULL)
        skip(); /* run through ctest, which sets TLSAUDIT_BIN */
    argv[n++] = (char *)bin;
    for (; args[n - 1] != NULL && n < 15; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    assert_non_null(mkdtemp(dir));
    snprintf(outp, sizeof(outp), "%s/out", dir);
    snprintf(errp, sizeof(errp), "%s/err", dir);
    assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
    posix_spawn_file_actions_addopen(&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_int_equal(posix_spawn(&pid, bin, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);

    r->status = -1;
    for (int waited_ms = 0;; waited_ms += 10) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) {
            if (WIFEXITED(st))
                r->status = WEXITSTATUS(st);
            break;
        }
        if (waited_ms >= CLI_DEADLINE_S * 1000) {
            kill(pid, SIGKILL);
            (void)waitpid(pid, &st, 0);
            break;
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    slurp(outp, r->out, sizeof(r->out));
    slurp(errp, r->err, sizeof(r->err));
    unlink(outp);
    unlink(errp);
    rmdir(dir);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_help(void **state)
{
    static run r;
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
    static run r;
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
    static run r;
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
};
#define N_BAD (sizeof(bads) / sizeof(bads[0]))

static void test_bad_input(void **state)
{
    const bad *b = *state;
    static run r;
    run_cli(&r, b->args);
    assert_int_equal(r.status, 2);
    assert_int_equal(count_lines(r.err), 1);
    assert_non_null(strstr(r.err, b->named));
    assert_string_equal(r.out, "");
}

static void test_no_arguments(void **state)
{
    static run r;
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
        tests[n++] = (struct CMUnitTest){names[i], test_bad_input, NULL, NULL,
                                         (void *)&bads[i]};
    }
    return _cmocka_run_group_tests("test_cli", tests, n, NULL, NULL);
}
