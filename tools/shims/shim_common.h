/*
 * shim_common.h - what every C/C++ shim shares: reading the TA_SHIM_* environment
 * (tools/shims/README.md is the protocol), the verdict table (word and exit code)
 * and the deadline arithmetic of the cancel timer.
 *
 * Header-only and valid C and C++, so that each shim is one program built by its
 * own compiler with its own flags (the asio shim is C++, the others C).
 */
#ifndef TA_SHIM_COMMON_H
#define TA_SHIM_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The verdicts of the protocol, each with its word and its exit code. */
typedef enum {
    TA_SHIM_CLEAN = 0,
    TA_SHIM_TRUNCATED,
    TA_SHIM_CANCELLED,
    TA_SHIM_FAILED,
    TA_SHIM_UNIMPLEMENTED,
} ta_shim_verdict;

static const struct {
    const char *word;
    int exit_code;
} ta_shim_verdicts[] = {
    {"clean", 0}, {"truncated", 10}, {"cancelled", 11}, {"failed", 12}, {"unimplemented", 13},
};

/* The parsed environment. read_n < 0 means TA_SHIM_READ=close. */
typedef struct {
    const char *host;
    const char *port;
    const char *ca; /* NULL: do not verify */
    int tls13;      /* 0: TLS 1.2, 1: TLS 1.3 */
    long read_n;
    long cancel_ms; /* 0: no cancel timer */
} ta_shim_env;

/* Print the verdict line (with ":why" for failed when why is not NULL) and exit
 * with its code. Newlines in why become spaces: the verdict is one line. */
static inline void ta_shim_finish(ta_shim_verdict v, const char *why)
{
    if (v == TA_SHIM_FAILED && why != NULL && why[0] != '\0') {
        printf("failed:");
        for (const char *p = why; *p; p++)
            putchar(*p == '\n' || *p == '\r' ? ' ' : *p);
        putchar('\n');
    } else {
        printf("%s\n", ta_shim_verdicts[v].word);
    }
    fflush(stdout);
    exit(ta_shim_verdicts[v].exit_code);
}

/* Bad environment: one line on stderr, then "failed:<what>" (exit 12): the shim
 * was not started the way the protocol says. */
static inline void ta_shim_bad_env(const char *what)
{
    fprintf(stderr, "shim: %s (see tools/shims/README.md)\n", what);
    ta_shim_finish(TA_SHIM_FAILED, what);
}

static inline long ta_shim__number(const char *name, const char *s)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (s[0] == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 1000000000L) {
        fprintf(stderr, "shim: %s='%s' is not a decimal number\n", name, s);
        ta_shim_bad_env("bad number in the environment");
    }
    return v;
}

static inline const char *ta_shim__get(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0') {
        fprintf(stderr, "shim: %s is not set\n", name);
        ta_shim_bad_env("missing environment variable");
    }
    return v;
}

/* Read the environment; on a bad value print failed and exit 12. */
static inline ta_shim_env ta_shim_env_read(void)
{
    ta_shim_env e;
    const char *tls = ta_shim__get("TA_SHIM_TLS");
    const char *rd = ta_shim__get("TA_SHIM_READ");
    const char *cancel = getenv("TA_SHIM_CANCEL_MS");
    const char *ca = getenv("TA_SHIM_CA");

    e.host = ta_shim__get("TA_SHIM_HOST");
    e.port = ta_shim__get("TA_SHIM_PORT");
    e.ca = ca != NULL && ca[0] != '\0' ? ca : NULL;
    if (strcmp(tls, "1.2") == 0)
        e.tls13 = 0;
    else if (strcmp(tls, "1.3") == 0)
        e.tls13 = 1;
    else
        ta_shim_bad_env("TA_SHIM_TLS must be 1.2 or 1.3");
    e.read_n = strcmp(rd, "close") == 0 ? -1 : ta_shim__number("TA_SHIM_READ", rd);
    e.cancel_ms = cancel != NULL && cancel[0] != '\0'
                      ? ta_shim__number("TA_SHIM_CANCEL_MS", cancel)
                      : 0;
    return e;
}

/* The "read N" progress line (total application bytes so far). */
static inline void ta_shim_report_read(long total)
{
    printf("read %ld\n", total);
    fflush(stdout);
}

/* Monotonic milliseconds. */
static inline long long ta_shim_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The poll() timeout until deadline_ms (-1: no deadline, wait for the peer). */
static inline int ta_shim_poll_timeout(long long deadline_ms)
{
    if (deadline_ms < 0)
        return -1;
    long long left = deadline_ms - ta_shim_now_ms();
    return left <= 0 ? 0 : (int)(left > 1000000000 ? 1000000000 : left);
}

/* A TCP connection to host:port (blocking connect: loopback answers at once),
 * then non-blocking when nonblock. Fails the shim when it cannot connect. */
static inline int ta_shim_connect(const ta_shim_env *e, int nonblock)
{
    struct addrinfo hints, *res = NULL;
    int fd = -1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(e->host, e->port, &hints, &res) != 0 || res == NULL)
        ta_shim_finish(TA_SHIM_FAILED, "cannot resolve TA_SHIM_HOST");
    fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        freeaddrinfo(res);
        ta_shim_finish(TA_SHIM_FAILED, strerror(errno));
    }
    freeaddrinfo(res);
    if (nonblock && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
        ta_shim_finish(TA_SHIM_FAILED, strerror(errno));
    return fd;
}

/* Wait until fd is ready for events or deadline_ms passes (-1: no deadline).
 * 1: ready (or an error/hang-up is pending, which the next read reports),
 * 0: the deadline passed, -1: poll failed. */
static inline int ta_shim_wait(int fd, short events, long long deadline_ms)
{
    struct pollfd p;
    p.fd = fd;
    p.events = events;
    p.revents = 0;
    for (;;) {
        int r = poll(&p, 1, ta_shim_poll_timeout(deadline_ms));
        if (r > 0)
            return 1;
        if (r == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

#endif
