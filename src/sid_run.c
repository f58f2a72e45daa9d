/*
 * sid_run.c - the audit: every check in its own child process.
 *
 * Code under test is hostile until proven otherwise. Each check forks; the child
 * runs it and sends findings through a pipe; the parent watches a shared
 * progress counter. A child that dies of a signal (or exits) is SID-CRASH with
 * the signal and call number; a child whose counter stops moving for the
 * timeout is killed and reported as SID-NO-TERMINATION. Either way the next
 * check runs. A hard budget per check bounds even a slow-but-moving callback.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/provider.h>

#include "sid_internal.h"

enum { TA__MSG_FINDING = 1, TA__MSG_SKIP = 2 };
#define TA__SETUP_S 60.0
typedef struct ta__sid_msg {
    int kind, rule;
    char text[480];
} ta__sid_msg; /* < PIPE_BUF: a write from any thread arrives whole */

void ta_sid_opts_default(ta_sid_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->ids = 200000;
    o->threads = 8;
    o->seed = 1;
    o->timeout_s = 2.0;
    o->budget_s = 300.0;
    o->handshakes = 8;
    o->bucket_n = 4096;
}

/* ------------------------------------------------------------ child side */

static void ta__sid_send(ta__sid_cx *cx, int kind, ta_sid_rule rule, const char *text)
{
    ta__sid_msg m;
    memset(&m, 0, sizeof(m));
    m.kind = kind;
    m.rule = (int)rule;
    snprintf(m.text, sizeof(m.text), "%s", text ? text : "");
    for (;;) {
        ssize_t w = write(cx->fd, &m, sizeof(m));
        if (w >= 0 || errno != EINTR)
            return;
    }
}

void ta__sid_emit(ta__sid_cx *cx, ta_sid_rule rule, const char *fmt, ...)
{
    char buf[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    ta__sid_send(cx, TA__MSG_FINDING, rule, buf);
}

void ta__sid_skip(ta__sid_cx *cx, ta_sid_rule rule)
{
    ta__sid_send(cx, TA__MSG_SKIP, rule, NULL);
}

void ta__sid_phase(ta__sid_cx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf((char *)cx->sh->phase, sizeof(cx->sh->phase), fmt, ap);
    va_end(ap);
}

/* Make the callback's own RAND_bytes replayable: the default library context of
 * this child draws from the seeded generator (rng.c), so --seed reproduces the
 * ids too. Possible only while that context has no DRBG yet (a parent that used
 * RAND_bytes passes its DRBGs on through fork); otherwise real randomness stays. */
static void ta__sid_seed_default_rand(uint64_t seed)
{
    OSSL_PROVIDER *prov = NULL;
    if (ta__rand_install(NULL, seed, &prov) != TA_OK)
        ta_error_clear();
    /* Loading any provider turns off the implicit "default" one: load it. */
    (void)OSSL_PROVIDER_load(NULL, "default");
    ERR_clear_error();
}

static void ta__sid_child(const ta__sid_check *ck, size_t index, ta_sid_cb cb,
                          const ta_sid_opts *o, ta__sid_shared *sh, int fd)
{
    ta__sid_cx cx = {cb, o, sh, fd, NULL, NULL};
    ta_ctx *ctx = NULL;
    uint64_t seed = o->seed;

    /* The code under test must die of its own signals: drop any handler we
     * inherited (a test framework's, a sanitizer's), so the parent sees them. */
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGSYS, SIGTRAP};
    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
        signal(fatal[i], SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    ta__sid_seed_default_rand(o->seed ^ (0x9e3779b97f4a7c15ULL * (index + 1)));
    /* A real server SSL for direct calls: callbacks call SSL_get_version,
     * SSL_get_SSL_CTX, ... on it. */
    if (ta_env_new(&seed, &cx.env) != TA_OK
        || ta_ctx_new(cx.env, TA_TLS12, TA_MODE_CERT, NULL, &ctx) != TA_OK) {
        fprintf(stderr, "tlsaudit: check set-up: %s\n", ta_last_error()->message);
        _exit(3);
    }
    cx.sctx = ta_ctx_server(ctx);
    sh->ready = 1;
    ck->run(&cx);
    /* No atexit handlers, no OpenSSL teardown: the parent only needs the pipe. */
    _exit(0);
}

/* ------------------------------------------------------------ parent side */

static double ta__mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *ta__signame(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGABRT: return "SIGABRT";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGSYS: return "SIGSYS";
    default: return "signal";
    }
}

typedef struct ta__sid_rx {
    ta__sid_msg m;
    size_t have;
    uint32_t skipped;
} ta__sid_rx;

/* Read what the child sent; returns 0 at EOF. */
static int ta__sid_drain(int fd, ta__sid_rx *rx, ta_sid_report *r, const char *check)
{
    char text[600];
    for (;;) {
        ssize_t n = read(fd, (char *)&rx->m + rx->have, sizeof(rx->m) - rx->have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return 1; /* EAGAIN: nothing more now */
        if (n == 0)
            return 0;
        rx->have += (size_t)n;
        if (rx->have < sizeof(rx->m))
            continue;
        rx->have = 0;
        rx->m.text[sizeof(rx->m.text) - 1] = '\0';
        if ((unsigned)rx->m.rule >= TA_SID_RULE_COUNT)
            continue;
        if (rx->m.kind == TA__MSG_SKIP) {
            rx->skipped |= TA__SID_BIT(rx->m.rule);
        } else {
            snprintf(text, sizeof(text), "[%s] %s", check, rx->m.text);
            ta__sid_report_add(r, (ta_sid_rule)rx->m.rule, text);
        }
    }
}

static ta_status ta__sid_run_check(const ta__sid_check *ck, size_t index, ta_sid_cb cb,
                                   const ta_sid_opts *o, ta_sid_report *r)
{
    ta__sid_shared *sh;
    ta__sid_rx rx;
    int fds[2], status = 0, hang = 0, over = 0, eof = 0;
    uint64_t last_calls = 0;
    double start, last_move, last_tick = 0;
    char phase[sizeof(sh->phase)], text[600];
    pid_t pid;

    memset(&rx, 0, sizeof(rx));
    sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    TA_ENSURE(sh != MAP_FAILED, TA_E_CHILD, "mmap of the progress page failed");
    memset(sh, 0, sizeof(*sh));
    if (pipe(fds) != 0) {
        munmap(sh, sizeof(*sh));
        TA_BAIL(TA_E_CHILD, "pipe: %s", strerror(errno));
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        munmap(sh, sizeof(*sh));
        TA_BAIL(TA_E_CHILD, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        ta__sid_child(ck, index, cb, o, sh, fds[1]);
    }
    close(fds[1]);
    {
        int fl = fcntl(fds[0], F_GETFL);
        (void)fcntl(fds[0], F_SETFL, fl | O_NONBLOCK);
    }
    start = last_move = ta__mono();
    for (;;) {
        struct pollfd pfd = {fds[0], POLLIN, 0};
        double now;
        if (!eof) {
            (void)poll(&pfd, 1, 50);
            eof = !ta__sid_drain(fds[0], &rx, r, ck->name);
        } else {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (waitpid(pid, &status, WNOHANG) == pid)
            break;
        now = ta__mono();
        /* Our own set-up (keys, contexts) is not the callback's time: the stall
         * clock starts once the child is ready, bounded by TA__SETUP_S meanwhile. */
        if (!sh->ready && now - start < TA__SETUP_S)
            last_move = now;
        if (sh->calls + sh->beat != last_calls) {
            last_calls = sh->calls + sh->beat;
            last_move = now;
        }
        if (o->progress != NULL && now - last_tick >= 0.1) {
            last_tick = now;
            o->progress(o->progress_arg, ck->name, sh->calls, sh->planned);
        }
        hang = now - last_move > o->timeout_s;
        over = now - start > o->budget_s;
        if (hang || over) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            break;
        }
    }
    while (!eof && ta__sid_drain(fds[0], &rx, r, ck->name) != 0) {
        /* The child is gone: read to EOF (no writer is left, so this ends). */
        struct pollfd pfd = {fds[0], POLLIN, 0};
        if (poll(&pfd, 1, 100) <= 0)
            break;
    }
    close(fds[0]);
    memcpy(phase, (const char *)sh->phase, sizeof(phase));
    phase[sizeof(phase) - 1] = '\0';

    const int complete = !hang && !over && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (hang) {
        snprintf(text, sizeof(text),
                 "[%s] no return for %.1f s (timeout) at call %llu while: %s", ck->name,
                 o->timeout_s, (unsigned long long)sh->calls, phase);
        ta__sid_report_add(r, TA_SID_NO_TERMINATION, text);
    } else if (over) {
        ta__sid_report_note(r, "check '%s' stopped at the %.0f s budget after %llu calls",
                            ck->name, o->budget_s, (unsigned long long)sh->calls);
    } else if (WIFSIGNALED(status)) {
        snprintf(text, sizeof(text), "[%s] the process died of %s (signal %d) at call %llu "
                 "while: %s", ck->name, ta__signame(WTERMSIG(status)), WTERMSIG(status),
                 (unsigned long long)sh->calls, phase);
        ta__sid_report_add(r, TA_SID_CRASH, text);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
        ta__sid_report_note(r, "check '%s' could not be set up (harness error, see stderr)",
                            ck->name);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        snprintf(text, sizeof(text), "[%s] the process exited with status %d at call %llu "
                 "while: %s", ck->name, WEXITSTATUS(status), (unsigned long long)sh->calls,
                 phase);
        ta__sid_report_add(r, TA_SID_CRASH, text);
    }
    for (int i = 0; i < TA_SID_RULE_COUNT; i++) {
        uint32_t bit = TA__SID_BIT(i);
        if (i == TA_SID_CRASH || i == TA_SID_NO_TERMINATION)
            ta__sid_report_cover(r, (ta_sid_rule)i, 1);
        else if ((ck->rules & bit) && !(rx.skipped & bit))
            ta__sid_report_cover(r, (ta_sid_rule)i, complete);
    }
    if (o->progress != NULL)
        o->progress(o->progress_arg, ck->name, sh->calls, sh->planned);
    munmap(sh, sizeof(*sh));
    return TA_OK;
}

ta_status ta_sid_audit(const char *subject, ta_sid_cb cb, const ta_sid_opts *o,
                       ta_sid_report **out)
{
    ta_sid_opts def;
    ta_sid_report *r = NULL;
    const ta__sid_check *checks;
    size_t n;
    const uint32_t anywhere = TA__SID_BIT(TA_SID_CRASH) | TA__SID_BIT(TA_SID_NO_TERMINATION);

    TA_ENSURE(cb != NULL && out != NULL, TA_E_ARG, "ta_sid_audit: NULL argument");
    *out = NULL;
    if (o == NULL) {
        ta_sid_opts_default(&def);
        o = &def;
    }
    TA_ENSURE(o->ids >= 1 && o->ids <= TA_SID_IDS_MAX && o->timeout_s > 0 && o->budget_s > 0
                  && o->threads <= TA_SID_THREADS_MAX && o->handshakes >= 1,
              TA_E_ARG, "ta_sid_audit: options out of range");
    TA_GUARD(ta__sid_report_new(subject, o, &r));
    checks = ta__sid_checks(&n);
    for (size_t i = 0; i < n; i++) {
        /* A check runs when it can report a selected rule; a crash or a hang can
         * happen anywhere, so selecting those runs everything. */
        if (o->only != 0 && !((checks[i].rules | anywhere) & o->only))
            continue;
        ta_status st = ta__sid_run_check(&checks[i], i, cb, o, r);
        if (st != TA_OK) {
            ta_sid_report_free(r);
            return st;
        }
    }
    ta__sid_report_finish(r);
    *out = r;
    return TA_OK;
}
