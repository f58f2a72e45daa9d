/*
 * cli_run.h - run the tlsaudit CLI from a cmocka suite, as a user would.
 *
 *   ta_run r;
 *   ta_run_cli(&r, "gate --config '%s'", path);   // "$TLSAUDIT_BIN gate --config ..."
 *   assert_int_equal(r.status, 0);  r.out / r.err hold stdout / stderr
 *
 * The command goes through /bin/sh (quoting and redirections work) in its own
 * process group, with a deadline: past it the whole group is killed and status
 * is -1, so a hung child fails the test instead of hanging ctest. Header-only:
 * every suite that includes it gets its own static copy.
 */
#ifndef TA_CLI_RUN_H
#define TA_CLI_RUN_H

#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Generous: the machine may be loaded; a deadline only stops real hangs. */
#define TA_RUN_DEADLINE_S 300

typedef struct ta_run {
    int status;        /* exit code; -1 when killed at the deadline or by a signal */
    char out[1 << 18]; /* stdout (truncated to fit) */
    char err[1 << 14]; /* stderr */
} ta_run;

static void ta_run__slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
}

/* Start path with argv and envp in a process group of its own (its pid), stdout
 * and stderr into the files ofd and efd, which it closes. Stop the child with
 * kill(-pid, ...): its group, never a name. */
static pid_t ta_run__spawn_group(const char *path, char *const argv[], char *const envp[], int ofd,
                                 int efd)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    pid_t pid;

    assert_true(ofd >= 0 && efd >= 0);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, ofd, 1);
    posix_spawn_file_actions_adddup2(&fa, efd, 2);
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    assert_int_equal(posix_spawn(&pid, path, &fa, &at, argv, envp), 0);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(ofd);
    close(efd);
    return pid;
}

static void ta_run__v(ta_run *r, const char *dir, const char *fmt, va_list ap)
{
    const char *bin = getenv("TLSAUDIT_BIN");
    char args[4096], cmd[5200], outp[] = "/tmp/ta-run-out-XXXXXX",
                                errp[] = "/tmp/ta-run-err-XXXXXX";
    pid_t pid;
    int st = 0, ofd, efd;

    if (bin == NULL)
        skip();
    vsnprintf(args, sizeof(args), fmt, ap);
    if (dir != NULL)
        snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s", dir, bin, args);
    else
        snprintf(cmd, sizeof(cmd), "'%s' %s", bin, args);
    ofd = mkstemp(outp);
    efd = mkstemp(errp);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    pid = ta_run__spawn_group("/bin/sh", argv, environ, ofd, efd);
    r->status = -1;
    for (long waited_ms = 0;; waited_ms += 10) {
        if (waitpid(pid, &st, WNOHANG) == pid) {
            if (WIFEXITED(st))
                r->status = WEXITSTATUS(st);
            break;
        }
        if (waited_ms >= TA_RUN_DEADLINE_S * 1000L) {
            kill(-pid, SIGKILL);
            (void)waitpid(pid, &st, 0);
            break;
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    ta_run__slurp(outp, r->out, sizeof(r->out));
    ta_run__slurp(errp, r->err, sizeof(r->err));
    unlink(outp);
    unlink(errp);
}

/* Run "$TLSAUDIT_BIN <args>"; args is a printf format. Skips the test when
 * TLSAUDIT_BIN is not set (the suite was not started by ctest). */
static inline void ta_run_cli(ta_run *r, const char *fmt, ...) TA_PRINTF(2, 3);
static inline void ta_run_cli(ta_run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ta_run__v(r, NULL, fmt, ap);
    va_end(ap);
}

/* The same, with dir as the working directory. */
static inline void ta_run_cli_in(ta_run *r, const char *dir, const char *fmt, ...) TA_PRINTF(3, 4);
static inline void ta_run_cli_in(ta_run *r, const char *dir, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ta_run__v(r, dir, fmt, ap);
    va_end(ap);
}

/* Lines in s (a last line without '\n' counts). */
static inline int ta_run_lines(const char *s)
{
    int n = 0;
    for (const char *p = s; *p; p++)
        n += *p == '\n' || (p[1] == '\0');
    return n;
}

#endif
