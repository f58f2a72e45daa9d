/*
 * sd_worker.c - shutdown cases in a worker child (runner.h).
 *
 * The named matrix, schedule replay and exhaustive mode never step a driver in
 * the calling process, built-in or loaded: a worker child loads it (for a
 * shared object, only there; sd_worker_child.c), inherits the engine and runs
 * the cases of each request, answering each with its result. A worker
 * that dies, exits, hangs past the timeout or breaks the protocol ends its case
 * as SD-CRASH with what was seen; the next case gets a fresh worker. A case
 * that our own harness could not set up (no memory for the driver's state,
 * ...) is SD-INCOMPLETE: it never passes.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sd_worker_wire.h"

/* ------------------------------------------------------------ the parent */

/* A case the code under test ended: the oracle's verdict on a crash. */
static void ta__sd_crash_result(const ta__sd_worker *w, const ta_sd_schedule *s, const char *what,
                                ta_sd_result *out)
{
    ta_sd_facts f;
    ta_sd_verdict v;

    memset(&f, 0, sizeof(f));
    f.driver_flags = w->hello.flags;
    f.sched_flags = s->flags;
    f.handshake_done = 1;
    f.write_probe = -1;
    snprintf(f.crash, sizeof(f.crash), "%s", what);
    ta_sd_oracle(&f, &v);
    memset(out, 0, sizeof(*out));
    out->tls = s->tls;
    out->role = s->role;
    out->expected = v.expected;
    out->got = TA_SD_FAILED;
    out->pass = 0;
    out->rule = v.rule;
    out->flag = -1;
    snprintf(out->detail, sizeof(out->detail), "%s", v.detail);
    ta_sd_schedule_format(s, out->schedule, sizeof(out->schedule));
}

/* How a child ended, in words, with the start of what it printed. */
static void ta__sd_describe_end(const ta__child_end *end, int timed_out, double timeout_s,
                                char *out, size_t cap)
{
    char esc[120] = "";
    if (end->output_total > 0)
        ta__escape(end->output, strlen(end->output), esc, sizeof(esc));
    if (timed_out)
        snprintf(out, cap, "hung: no answer within %.1f s", timeout_s);
    else if (end->violation)
        snprintf(out, cap, "crashed: wrote into the harness's channel (not a record)");
    else if (end->signaled && !end->killed)
        snprintf(out, cap, "crashed: signal %d (%s)", end->signal, strsignal(end->signal));
    else if (end->exited)
        snprintf(out, cap, "crashed: exit status %d inside a step (exit() or _exit())",
                 end->status);
    else
        snprintf(out, cap, "crashed: closed the harness's channel");
    if (end->output_total > 0) {
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "; output (%llu bytes): \"%s\"",
                 (unsigned long long)end->output_total, esc);
    }
}

static void ta__sd_worker_stop(ta__sd_worker *w, double grace, ta__child_end *end)
{
    ta__child_finish(w->ch, grace, end);
    w->ch = NULL;
    w->hello_due = 0;
}

static int ta__sd_worker_hello(ta__sd_worker *w);

/* Start a worker; its hello is the first record it sends (hello_due). */
static int ta__sd_worker_start(ta__sd_worker *w)
{
    const ta__child_opts co = {w->o.mem_limit_mb, 0};

    if (ta__child_start(&co, ta__sd_worker_main, w, &w->ch) != TA_OK)
        return -1;
    w->cases = 0;
    w->restarts++;
    w->hello_due = 1;
    return 0;
}

/* Start a worker and wait for its hello. 0: ready; -1: TA_E_LOAD or a harness
 * failure (error record set); 1: it died before it was ready (load_crash). */
static int ta__sd_worker_spawn(ta__sd_worker *w)
{
    if (ta__sd_worker_start(w) != 0)
        return -1;
    return ta__sd_worker_hello(w);
}

static int ta__sd_worker_hello(ta__sd_worker *w)
{
    const double wait_s = TA__SD_SETUP_S + w->o.timeout_s;
    ta__sd_hello h;
    char msg[sizeof(ta__sd_hello) + 512];
    unsigned type;
    size_t len;
    ta__child_end end;

    w->hello_due = 0;
    int rc = ta__child_recv(w->ch, (int)(wait_s * 1000), &type, msg, sizeof(msg), &len);
    if (rc > 0 && type == TA__SD_HELLO && len == sizeof(h)) {
        memcpy(&h, msg, sizeof(h));
        h.name[sizeof(h.name) - 1] = '\0';
        h.loc.object[sizeof(h.loc.object) - 1] = h.loc.symbol[sizeof(h.loc.symbol) - 1] = '\0';
        if (!w->have_hello) {
            /* A loaded driver's name is its author's bytes: shown escaped. */
            ta__escape(h.name, strlen(h.name), w->hello.name, sizeof(w->hello.name));
            w->hello.flags = h.flags;
            w->hello.loc = h.loc;
            w->have_hello = 1;
        }
        return 0;
    }
    if (rc > 0 && (type == TA__REC_LOAD_ERROR || type == TA__REC_HARNESS)) {
        char esc[400];
        ta__escape(msg, len, esc, sizeof(esc));
        ta__sd_worker_stop(w, 0, NULL);
        TA_BAIL(type == TA__REC_LOAD_ERROR ? TA_E_LOAD : TA_E_CHILD, "%s", esc);
    }
    ta__sd_worker_stop(w, rc < 0 ? 2.0 : 0.0, &end);
    ta__sd_describe_end(&end, rc == 0, wait_s, w->load_crash, sizeof(w->load_crash));
    return 1;
}

ta_status ta__sd_worker_new(const ta_sd_driver *d, const ta_sd_opts *o, ta__sd_worker **out)
{
    ta__sd_worker *w;

    TA_ENSURE(o != NULL && out != NULL && (d != NULL) != (o->lib != NULL)
                  && (o->lib == NULL) == (o->symbol == NULL),
              TA_E_ARG, "give either a driver or lib and symbol");
    TA_ENSURE(d == NULL || d->step != NULL, TA_E_ARG, "driver without a step function");
    *out = NULL;
    if (o->lib != NULL) /* only a look here: the workers load it */
        TA_GUARD(ta__lib_check(o->lib));
    w = calloc(1, sizeof(*w));
    TA_ENSURE(w != NULL, TA_E_NOMEM, "worker");
    w->d = d;
    w->o = *o;
    if (w->o.timeout_s <= 0)
        w->o.timeout_s = 5.0;
    if (ta_sd_engine_new(&w->o, &w->e) != TA_OK) {
        free(w);
        return ta_last_error()->code;
    }
    ta__sd_engine_warm(w->e);
    if (ta__sd_worker_spawn(w) < 0) {
        ta_sd_engine_free(w->e);
        free(w);
        return ta_last_error()->code;
    }
    if (!w->have_hello) /* it died loading: the name we can vouch for is the symbol */
        ta__escape(o->symbol, strlen(o->symbol), w->hello.name, sizeof(w->hello.name));
    *out = w;
    return TA_OK;
}

const char *ta__sd_worker_name(const ta__sd_worker *w)
{
    return w->hello.name;
}

const ta__location *ta__sd_worker_location(const ta__sd_worker *w)
{
    return &w->hello.loc;
}

void ta__sd_worker_set_lazy(ta__sd_worker *w, int lazy)
{
    w->lazy = lazy;
}

const char *ta__sd_worker_load_crash(const ta__sd_worker *w)
{
    return w->load_crash[0] != '\0' ? w->load_crash : NULL;
}

/* What the case expected of the driver, when the driver crashed in it: the
 * schedule replayed with a passive stand-in (it sends nothing,
 * waits for ever) gives the first deciding event the peer's actions delivered,
 * and so the verdict the oracle wanted (pending when there was none, or when no
 * worker could tell). */
ta_sd_answer ta__sd_worker_expected(ta__sd_worker *w, const ta_sd_schedule *s)
{
    static ta__sd_wire_reply r;
    unsigned type;
    size_t len;

    if ((w->ch == NULL && ta__sd_worker_spawn(w) != 0)
        || (w->hello_due && ta__sd_worker_hello(w) != 0)) {
        ta_error_clear();
        return TA_SD_PENDING_READ;
    }
    int rc = ta__child_send(w->ch, TA__SD_EXPECT, s, sizeof(*s));
    if (rc == 0)
        rc = ta__child_recv(w->ch, (int)(w->o.timeout_s * 1000), &type, &r, sizeof(r), &len);
    if (rc > 0 && type == TA__SD_REPLY && len == sizeof(r) && r.status == TA_OK)
        return r.res.expected;
    ta__sd_worker_stop(w, 1.0, NULL);
    return TA_SD_PENDING_READ;
}

/* A reply the worker sent for case s, into *out. */
static void ta__sd_decode(const ta_sd_schedule *s, ta__sd_wire_reply *r, ta__sd_reply *out)
{
    memset(out, 0, sizeof(*out));
    if (r->status != TA_OK) {
        /* Our harness could not run the case: never a pass. */
        out->res.tls = s->tls;
        out->res.role = s->role;
        out->res.expected = TA_SD_PENDING_READ;
        out->res.got = TA_SD_PENDING_READ;
        out->res.rule = TA_SD_R_INCOMPLETE;
        out->res.flag = -1;
        r->msg[sizeof(r->msg) - 1] = '\0';
        char esc[200];
        ta__escape(r->msg, strlen(r->msg), esc, sizeof(esc));
        snprintf(out->res.detail, sizeof(out->res.detail), "the case could not be run: %s", esc);
        ta_sd_schedule_format(s, out->res.schedule, sizeof(out->res.schedule));
        out->incomplete = 1;
        return;
    }
    out->res = r->res;
    out->res.detail[sizeof(out->res.detail) - 1] = '\0';
    out->res.schedule[sizeof(out->res.schedule) - 1] = '\0';
    out->got = r->got;
    out->spin = r->spin;
    out->sig = r->sig;
    out->noops = r->noops;
    out->idle = r->idle;
    out->silent = r->silent;
    out->twin = r->twin;
}

/* No reply for case s: the code under test ended this worker (rc -1) or hung
 * in it (rc 0). The worker is stopped; the next case gets a fresh one. */
static void ta__sd_ended(ta__sd_worker *w, const ta_sd_schedule *s, int rc, ta__sd_reply *out)
{
    ta__child_end end;
    char what[sizeof(((ta_sd_facts *)0)->crash)];

    memset(out, 0, sizeof(*out));
    ta__sd_worker_stop(w, rc < 0 ? 2.0 : 0.0, &end);
    ta__sd_describe_end(&end, rc == 0, w->o.timeout_s, what, sizeof(what));
    ta__sd_crash_result(w, s, what, &out->res);
    out->crashed = 1;
    if (w->lazy)
        out->expect_later = 1; /* res.expected stays pending until asked */
    else
        out->res.expected = ta__sd_worker_expected(w, s);
}

/* One worker's share of a ta__sd_workers_run call: cases first, first + step,
 * ... of the caller's array, `next` the first not yet sent, [sent0, next) the
 * batch in flight, `at` the next to be answered. */
typedef struct ta__sd_lane {
    ta__sd_worker *w;
    size_t at, next, step;
    double deadline; /* a case without an answer by then hung */
} ta__sd_lane;

/* Send the lane's next batch (a fresh worker first when the last one died);
 * cases a worker that no longer loads cannot run crash at once. A batch goes
 * out while less than one is unanswered, so the worker finds the next one
 * waiting when it ends the current one (at most two batches in flight: both
 * fit the socket's buffer, so the send never waits on the worker). */
static ta_status ta__sd_lane_send(ta__sd_lane *l, const ta_sd_schedule *cases, size_t n,
                                  size_t horizon, ta__sd_reply *out)
{
    static struct {
        ta__sd_batch_hdr h;
        ta_sd_schedule s[TA__SD_BATCH_MAX];
    } batch;
    ta__sd_worker *w = l->w;

    while (l->next < n && (l->next - l->at) / l->step < TA__SD_BATCH_MAX) {
        if (w->ch == NULL && w->have_hello) {
            /* A restart (after a crash): the driver loaded before, so the batch
             * goes out at once and the hello is taken with the answers
             * (ta__sd_lane_take); the parent does not wait for the child's
             * start while the other lanes need it. */
            if (ta__sd_worker_start(w) != 0)
                return ta_last_error()->code;
        }
        if (w->ch == NULL) {
            w->load_crash[0] = '\0';
            int rc = ta__sd_worker_spawn(w);
            if (rc < 0)
                return ta_last_error()->code;
            if (rc > 0) { /* it no longer even loads: this case crashed */
                memset(&out[l->at], 0, sizeof(out[l->at]));
                ta__sd_crash_result(w, &cases[l->at], w->load_crash, &out[l->at].res);
                out[l->at].crashed = 1;
                l->at = l->next = l->at + l->step;
                continue;
            }
        }
        size_t k = 0;
        for (size_t i = l->next; i < n && k < TA__SD_BATCH_MAX; i += l->step)
            batch.s[k++] = cases[i];
        batch.h.horizon = horizon;
        w->cases += (unsigned)k;
        if (ta__child_send(w->ch, TA__SD_CASE, &batch, sizeof(batch.h) + k * sizeof(batch.s[0]))
            != 0) {
            w->cases -= (unsigned)k;
            /* Ended with cases in flight: the answers it sent before are still to
             * be read, and the case it ended on is the first unanswered one after
             * them (ta__sd_lane_take finds it). */
            if (l->at < l->next)
                break;
            ta__sd_ended(w, &cases[l->at], -1, &out[l->at]);
            l->at = l->next = l->at + l->step;
            continue;
        }
        l->next += k * l->step;
        l->deadline = ta__mono_s() + w->o.timeout_s + (w->hello_due ? TA__SD_SETUP_S : 0);
    }
    return TA_OK;
}

/* Take every answer the lane's worker has ready (wait_ms for the first); an
 * ended or hung worker ends the case it was on. 1 when something was taken. */
static int ta__sd_lane_take(ta__sd_lane *l, const ta_sd_schedule *cases, ta__sd_reply *out,
                            int wait_ms)
{
    static ta__sd_wire_reply r;
    unsigned type;
    size_t len;
    int took = 0;

    while (l->at < l->next) {
        int rc = ta__child_recv(l->w->ch, wait_ms, &type, &r, sizeof(r), &len);
        wait_ms = 0;
        if (rc > 0 && l->w->hello_due && type == TA__SD_HELLO && len == sizeof(ta__sd_hello)) {
            l->w->hello_due = 0; /* a restarted worker is ready: its answers follow */
            l->deadline = ta__mono_s() + l->w->o.timeout_s;
            continue;
        }
        if (rc > 0 && type == TA__SD_REPLY && len == sizeof(r)) {
            ta__sd_decode(&cases[l->at], &r, &out[l->at]);
            l->at += l->step;
            l->deadline = ta__mono_s() + l->w->o.timeout_s;
            took = 1;
            continue;
        }
        if (rc == 0 && ta__mono_s() < l->deadline)
            break; /* still running */
        /* It sent something else, ended, or hung past the deadline: the cases of
         * the batch after this one are sent again to a fresh worker. */
        ta__sd_ended(l->w, &cases[l->at], rc > 0 ? -1 : rc, &out[l->at]);
        l->at += l->step;
        l->next = l->at;
        took = 1;
        break;
    }
    return took;
}

ta_status ta__sd_workers_run(ta__sd_worker *const *ws, size_t nw, const ta_sd_schedule *cases,
                             size_t n, size_t horizon, ta__sd_reply *out)
{
    ta__sd_lane lane[TA__SD_WORKERS_MAX];

    TA_ENSURE(nw >= 1 && nw <= TA__SD_WORKERS_MAX, TA_E_ARG, "%zu workers", nw);
    if (n < nw)
        nw = n; /* case i runs on worker i % nw: the same split whatever the timing */
    for (size_t k = 0; k < nw; k++) {
        lane[k] = (ta__sd_lane){ws[k], k, k, nw, 0};
        TA_GUARD(ta__sd_lane_send(&lane[k], cases, n, horizon, out));
    }
    for (;;) {
        struct pollfd pf[2 * TA__SD_WORKERS_MAX];
        size_t np = 0;
        double first = 0;
        for (size_t k = 0; k < nw; k++) {
            if (lane[k].at >= n)
                continue;
            int fd[2];
            for (size_t j = 0, m = ta__child_fds(lane[k].w->ch, fd); j < m; j++)
                pf[np++] = (struct pollfd){fd[j], POLLIN, 0};
            if (first == 0 || lane[k].deadline < first)
                first = lane[k].deadline;
        }
        if (first == 0)
            return TA_OK; /* every case answered */
        double left = first - ta__mono_s();
        if (poll(pf, np, left > 0 ? (int)(left * 1000) + 1 : 0) < 0 && errno != EINTR)
            TA_BAIL(TA_E_CHILD, "poll: %s", strerror(errno));
        int took = 0;
        for (size_t k = 0; k < nw; k++) {
            if (lane[k].at >= n)
                continue;
            took |= ta__sd_lane_take(&lane[k], cases, out, 0);
            TA_GUARD(ta__sd_lane_send(&lane[k], cases, n, horizon, out));
        }
        /* Answers come one record per case: let a few gather before the next
         * wake-up (a wake-up per case cost a quarter of the run time). */
        if (took) {
            struct timespec nap = {0, 200 * 1000};
            (void)nanosleep(&nap, NULL);
        }
    }
}

ta_status ta__sd_worker_run(ta__sd_worker *w, const ta_sd_schedule *s, ta__sd_reply *out)
{
    return ta__sd_workers_run(&w, 1, s, 1, SIZE_MAX, out);
}

int ta__sd_worker_restarts(const ta__sd_worker *w)
{
    return w->ch != NULL && w->cases > 1;
}

void ta__sd_worker_recycle(ta__sd_worker *w)
{
    if (w->ch != NULL)
        ta__sd_worker_stop(w, 1.0, NULL);
}

uint64_t ta__sd_worker_starts(const ta__sd_worker *w)
{
    return w->restarts;
}

void ta__sd_worker_free(ta__sd_worker *w)
{
    if (w == NULL)
        return;
    if (w->ch != NULL)
        ta__sd_worker_stop(w, 1.0, NULL);
    ta_sd_engine_free(w->e);
    free(w);
}
