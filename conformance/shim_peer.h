/*
 * shim_peer.h - the pieces of test_shims.c that are not about one case: a
 * listening socket on 127.0.0.1, what the server reads of the shim's close, a
 * shim started in its own process group with its environment, a bounded wait
 * for it (the group killed at the bound), and the verdict table of the
 * protocol (tools/shims/README.md) read back from its stdout.
 *
 * Header-only, after cmocka.h (it asserts); the one suite that includes it gets
 * its own static copy. Processes are spawned through cli_run.h.
 */
#ifndef TA_SHIM_PEER_H
#define TA_SHIM_PEER_H

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cli_run.h"

static int listen_loopback(int *out_port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 1), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *out_port = ntohs(a.sin_port);
    return fd;
}

/* What the server read from the shim until its close_notify, the transport
 * ending, or the socket's receive timeout. Bounded: each round consumes a record. */
static const char *await_close_notify(SSL *ssl)
{
    char b[512];
    for (int round = 0; round < 256; round++) {
        ERR_clear_error();
        int r = SSL_read(ssl, b, sizeof(b));
        if (r > 0)
            continue; /* the protocol says a shim sends no data; the shim's verdict tells */
        int e = SSL_get_error(ssl, r);
        if (e == SSL_ERROR_ZERO_RETURN)
            return "close_notify";
        if (e == SSL_ERROR_WANT_READ)
            return "nothing (timeout)";
        if (e == SSL_ERROR_SYSCALL)
            return errno == ECONNRESET ? "rst" : "fin";
        if (e == SSL_ERROR_SSL
            && ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            return "fin";
        return "tls error";
    }
    return "data without end";
}

typedef struct {
    pid_t pid; /* also its process group */
    char out_path[64], err_path[64];
} shim_proc;

/* Start bin in its own process group with our environment minus every
 * TA_SHIM_* variable, plus add[0..nadd). */
static void shim_start(shim_proc *p, const char *bin, char **add, size_t nadd)
{
    size_t n = 0, k = 0;
    while (environ[n] != NULL)
        n++;
    char **envp = calloc(n + nadd + 1, sizeof(*envp));
    assert_non_null(envp);
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "TA_SHIM_", 8) != 0)
            envp[k++] = environ[i];
    for (size_t i = 0; i < nadd; i++)
        envp[k++] = add[i];
    envp[k] = NULL;

    snprintf(p->out_path, sizeof(p->out_path), "/tmp/ta-shim-out-XXXXXX");
    snprintf(p->err_path, sizeof(p->err_path), "/tmp/ta-shim-err-XXXXXX");
    int ofd = mkstemp(p->out_path), efd = mkstemp(p->err_path);
    char *argv[] = {(char *)bin, NULL};
    p->pid = ta_run__spawn_group(bin, argv, envp, ofd, efd);
    free(envp);
}

/* Wait up to bound_ms for the shim to exit: its exit code, -2 for a signal,
 * -1 when it was still running (then its process group is killed). */
static int shim_wait(shim_proc *p, long bound_ms)
{
    int st = 0;
    for (long waited = 0;; waited += 5) {
        if (waitpid(p->pid, &st, WNOHANG) == p->pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -2;
        if (waited >= bound_ms) {
            kill(-p->pid, SIGKILL);
            (void)waitpid(p->pid, &st, 0);
            return -1;
        }
        nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    }
}

/* A captured stream into buf, then the file is gone (cli_run.h reads it). */
static void slurp(const char *path, char *buf, size_t cap)
{
    ta_run__slurp(path, buf, cap);
    unlink(path);
}

/* The verdict line (the last line) and the last "read N" of a shim's stdout. */
static void parse_out(char *out, char *verdict, size_t cap, long *last_read)
{
    *last_read = -1;
    verdict[0] = '\0';
    for (char *line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (strncmp(line, "read ", 5) == 0)
            *last_read = strtol(line + 5, NULL, 10);
        snprintf(verdict, cap, "%s", line);
    }
}

static int exit_code_of(const char *verdict)
{
    static const struct {
        const char *word;
        int code;
    } t[] = {
        {"clean", 0}, {"truncated", 10}, {"cancelled", 11}, {"failed", 12}, {"unimplemented", 13}};
    size_t n = strcspn(verdict, ":");
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strlen(t[i].word) == n && strncmp(verdict, t[i].word, n) == 0
            && (verdict[n] == '\0' || strcmp(t[i].word, "failed") == 0))
            return t[i].code;
    return -100; /* not a verdict line */
}

#endif
