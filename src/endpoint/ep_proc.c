/*
 * ep_proc.c - start a program under test, wait for its port, stop it.
 *
 * The program runs through the runner (core/runner.c) like any code under
 * test: own process group, PR_SET_PDEATHSIG, stdin on /dev/null, output
 * captured and capped. Stopping is SIGTERM to the group, a grace period, then
 * SIGKILL to the group while the leader's zombie still holds the group id.
 *
 * Its output pipe is drained by a thread of ours for as long as it runs: a
 * chatty program (gnutls-serv prints every connection, curl -v) must never
 * block on a full pipe while the audit is busy on the wire, which would turn
 * into a false hang or a starved server. Both live audits (sid --connect,
 * shutdown --connect/--client/--shim) get it from here.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "endpoint.h"

struct ta__proc {
    ta__child *ch;
    pthread_mutex_t mu; /* ch (its output buffer, its state): the drainer and the caller */
    pthread_t drainer;
    int draining, stop;
};

/* The drainer: every 20 ms, until the program ended or ta__proc_stop. A
 * pipe holds 64 KB, far more than a program writes in 20 ms of waiting. */
static void *ta__proc_drain(void *arg)
{
    ta__proc *p = arg;
    for (;;) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        pthread_mutex_lock(&p->mu);
        int go = !p->stop && ta__child_running(p->ch);
        pthread_mutex_unlock(&p->mu);
        if (!go)
            return NULL;
        nanosleep(&ts, NULL);
    }
}

typedef struct ta__exec_arg {
    const char *cmd;
    const char *const *env;
} ta__exec_arg;

/* In the child (runner set-up done): the record socket is fd 3; the program
 * under test gets no channel to us, only its exit status and its output. */
static void ta__proc_exec(ta__child *ch, void *arg)
{
    const ta__exec_arg *a = arg;
    (void)ch;
    close(3);
    for (const char *const *e = a->env; e != NULL && *e != NULL; e++)
        if (putenv((char *)*e) != 0)
            _exit(127);
    execl("/bin/sh", "sh", "-c", a->cmd, (char *)NULL);
    dprintf(STDERR_FILENO, "tlsaudit: cannot run /bin/sh: %s\n", strerror(errno));
    _exit(127);
}

ta_status ta__proc_start(const char *cmd, const ta__proc_opts *o, ta__proc **out)
{
    ta__child_opts co = {0, 0};
    ta__exec_arg a;
    ta__proc *p;
    ta_status st;

    TA_ENSURE(cmd != NULL && *cmd != '\0' && out != NULL, TA_E_ARG, "empty command");
    *out = NULL;
    p = calloc(1, sizeof(*p));
    TA_ENSURE(p != NULL, TA_E_NOMEM, "process handle");
    a.cmd = cmd;
    a.env = o != NULL ? o->env : NULL;
    co.mem_limit_mb = o != NULL ? o->mem_limit_mb : 0;
    /* The child copies a (fork) before the parent returns: a may live on our stack. */
    st = ta__child_start(&co, ta__proc_exec, &a, &p->ch);
    if (st != TA_OK) {
        free(p);
        return st;
    }
    pthread_mutex_init(&p->mu, NULL);
    /* Without the thread (resources) its output is drained by the calls below only. */
    p->draining = pthread_create(&p->drainer, NULL, ta__proc_drain, p) == 0;
    *out = p;
    return TA_OK;
}

pid_t ta__proc_pid(const ta__proc *p)
{
    return ta__child_pid(p->ch);
}

int ta__proc_running(ta__proc *p)
{
    pthread_mutex_lock(&p->mu);
    int r = ta__child_running(p->ch);
    pthread_mutex_unlock(&p->mu);
    return r;
}

int ta__proc_wait(ta__proc *p, double wait_s)
{
    const double deadline = ta__mono_s() + wait_s;
    for (;;) {
        if (!ta__proc_running(p))
            return 1;
        if (ta__mono_s() >= deadline)
            return 0;
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void ta__proc_stop(ta__proc *p, double grace_s, ta__child_end *end)
{
    int ended;
    if (p == NULL)
        return;
    ended = !ta__proc_running(p);
    if (!ended && grace_s > 0) {
        kill(-ta__child_pid(p->ch), SIGTERM);
        ended = ta__proc_wait(p, grace_s);
    }
    if (p->draining) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->drainer, NULL);
    }
    /* The runner kills the group (SIGKILL) when it has not ended: 0 grace. */
    ta__child_finish(p->ch, 0, end);
    if (end != NULL && ended)
        end->killed = 0;
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void ta__proc_end_text(const ta__child_end *end, char *out, size_t cap)
{
    if (end->exited)
        snprintf(out, cap, "exit %d", end->status);
    else if (end->killed)
        snprintf(out, cap, "still running: stopped by tlsaudit");
    else
        snprintf(out, cap, "signal %d (%s)", end->signal, strsignal(end->signal));
}

/* The first line of what the program printed, escaped, for a one-line error. */
static void ta__first_line(const ta__child_end *end, char *out, size_t cap)
{
    size_t n = strcspn(end->output, "\n");
    ta__escape(end->output, n, out, cap);
}

ta_status ta__server_start(const char *cmd, const ta__hostport *hp, double wait_s,
                           const ta__proc_opts *o, ta__proc **out)
{
    const double deadline = ta__mono_s() + wait_s;
    ta__proc *p = NULL;

    TA_ENSURE(hp != NULL && out != NULL, TA_E_ARG, "ta__server_start: NULL");
    *out = NULL;
    if (cmd != NULL)
        TA_GUARD(ta__proc_start(cmd, o, &p));
    for (;;) {
        int fd = -1;
        double left = deadline - ta__mono_s();
        /* Bounded: each attempt by what is left of the wait, the loop by the deadline. */
        if (ta__tcp_connect(hp, left > 0.5 ? 0.5 : (left > 0.01 ? left : 0.01), &fd) == TA_OK) {
            close(fd);
            *out = p;
            return TA_OK;
        }
        if (p != NULL && !ta__proc_running(p)) {
            ta__child_end end;
            char how[64], line[160];
            ta__proc_stop(p, 0, &end);
            ta__proc_end_text(&end, how, sizeof(how));
            ta__first_line(&end, line, sizeof(line));
            TA_BAIL(TA_E_NET, "the server command ended (%s) before %s:%s accepted connections%s%s",
                    how, hp->host, hp->port, line[0] ? ": " : "", line);
        }
        if (ta__mono_s() >= deadline) {
            ta__proc_stop(p, 0.5, NULL);
            TA_BAIL(TA_E_NET,
                    "%s:%s did not accept a TCP connection within %.1f s%s; check the address "
                    "and the server",
                    hp->host, hp->port, wait_s, p != NULL ? " of starting the server" : "");
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}
