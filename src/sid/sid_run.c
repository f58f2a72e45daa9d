/*
 * sid_run.c - the audit: every check in its own child process (runner.h).
 *
 * Code under test is hostile until proven otherwise. Each check runs in a child
 * of the runner, which loads the callback there (the parent never does); the
 * child sends findings as records and, after the check's last one, an
 * end-of-check record. The parent also watches a shared progress counter. The
 * check is complete only with that end record: a child that dies of a signal or
 * exits (with any status) before it is SID-CRASH with the signal and call
 * number; one whose counter stops moving for the timeout is killed and reported
 * as SID-NO-TERMINATION; one cut off at the hard budget, or whose set-up failed,
 * is SID-INCOMPLETE. Findings sent before the end are kept; the next check runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/provider.h>

#include "runner.h"
#include "sid_internal.h"

#define TA__SETUP_S 60.0
#define TA__GRACE_S 2.0     /* for a child to exit after its end record */
typedef union ta__sid_rec { /* room for any record the child sends */
    ta__sid_msg m;
    ta__location loc;
    char text[512];
} ta__sid_rec;

/* ------------------------------------------------------------ child side */

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

/* What the audit learns from one check for the next ones. */
typedef struct ta__sid_learnt {
    ta__sid_cost cost; /* the cost check's measurement */
    char cuts[400];    /* "what: n of m; ..." calls cut to fit the time budget */
} ta__sid_learnt;

typedef struct ta__sid_job {
    const ta__sid_check *ck;
    size_t index;
    ta_sid_cb cb;
    const ta_sid_opts *o;
    ta__sid_shared *sh;
    ta__sid_cost cost;
} ta__sid_job;

static void ta__sid_child(ta__child *ch, void *arg)
{
    const ta__sid_job *job = arg;
    const ta_sid_opts *o = job->o;
    ta__sid_cx cx = {job->cb, o, job->sh, NULL, NULL, job->cost};
    ta_ctx *ctx = NULL;
    uint64_t seed = o->seed;

    (void)ch;
    /* Seeded first, so that a loaded object's constructors draw replayable bytes too. */
    ta__sid_seed_default_rand(o->seed ^ (0x9e3779b97f4a7c15ULL * (job->index + 1)));
    if (o->lib != NULL) {
        ta__location loc;
        void *p;
        if (ta__load_symbol(o->lib, o->symbol, 1, &p, &loc) != TA_OK) {
            const char *m = ta_last_error()->message;
            (void)ta__child_put(TA__REC_LOAD_ERROR, m, strlen(m));
            ta__child_exit();
        }
        *(void **)&cx.cb = p;
        (void)ta__child_put(TA__MSG_HELLO, &loc, sizeof(loc));
    }
    /* A real server SSL for direct calls: callbacks call SSL_get_version,
     * SSL_get_SSL_CTX, ... on it. */
    if (ta_env_new(&seed, &cx.env) != TA_OK
        || ta_ctx_new(cx.env, TA_TLS12, TA_MODE_CERT, NULL, &ctx) != TA_OK)
        ta__child_harness_fail("check set-up: %s", ta_last_error()->message);
    cx.sctx = ta_ctx_server(ctx);
    job->sh->ready = 1;
    job->ck->run(&cx);
    /* The end record: only now is the check complete. No atexit handlers, no
     * OpenSSL teardown: the parent needs nothing else. */
    (void)ta__child_put(TA__MSG_END, NULL, 0);
    ta__child_exit();
}

/* ------------------------------------------------------------ parent side */

/* "; it wrote 123 bytes to stdout/stderr, first: ..." (or nothing). */
static void ta__sid_output(const ta__child_end *end, char *out, size_t cap)
{
    char esc[200];
    out[0] = '\0';
    if (end->output_total == 0)
        return;
    ta__escape(end->output, strlen(end->output), esc, sizeof(esc));
    snprintf(out, cap, "; it wrote %llu bytes to stdout/stderr, first: \"%s\"",
             (unsigned long long)end->output_total, esc);
}

/* Runs one check. Returns TA_E_LOAD (the message in the error record) when the
 * code under test cannot be loaded: the audit stops there, a usage error. */
static ta_status ta__sid_run_check(const ta__sid_check *ck, size_t index, ta_sid_cb cb,
                                   const ta_sid_opts *o, ta_sid_report *r, ta__sid_learnt *learnt)
{
    ta__sid_shared *sh;
    ta__child *ch = NULL;
    ta__child_end end;
    ta__sid_rec rec;
    ta__sid_msg m;
    uint32_t skipped = 0;
    int hang = 0, over = 0, done = 0, gone = 0, harness = 0, load_error = 0;
    uint64_t last_calls = 0;
    double start, last_move, last_tick = 0;
    char phase[sizeof(sh->phase)], text[600], why[480] = "", out[300];
    ta__sid_job job = {ck, index, cb, o, NULL, learnt->cost};
    const ta__child_opts co = {o->mem_limit_mb, (unsigned)(o->budget_s + TA__SETUP_S) + 10};

    sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    TA_ENSURE(sh != MAP_FAILED, TA_E_CHILD, "mmap of the progress page failed");
    memset(sh, 0, sizeof(*sh));
    job.sh = sh;
    if (ta__child_start(&co, ta__sid_child, &job, &ch) != TA_OK) {
        munmap(sh, sizeof(*sh));
        return TA_E_CHILD;
    }
    start = last_move = ta__mono_s();
    while (!done && !gone && !harness && !load_error) {
        unsigned type;
        size_t len;
        int rc = ta__child_recv(ch, 50, &type, &rec, sizeof(rec), &len);
        m = rec.m;
        if (rc < 0)
            gone = 1;
        else if (rc > 0 && type == TA__MSG_END)
            done = 1;
        else if (rc > 0 && type == TA__MSG_HELLO && len == sizeof(ta__location)) {
            ta__location loc = rec.loc;
            loc.object[sizeof(loc.object) - 1] = loc.symbol[sizeof(loc.symbol) - 1] = '\0';
            ta__sid_report_locate(r, &loc);
        } else if (rc > 0 && (type == TA__REC_HARNESS || type == TA__REC_LOAD_ERROR)) {
            ta__escape(rec.text, len, why, sizeof(why));
            harness = type == TA__REC_HARNESS;
            load_error = type == TA__REC_LOAD_ERROR;
        } else if (rc > 0 && type == TA__MSG_COST && len == sizeof(ta__sid_cost)) {
            memcpy(&learnt->cost, &rec, sizeof(learnt->cost));
        } else if (rc > 0 && len == sizeof(m) && (unsigned)m.rule < TA_SID_RULE_COUNT) {
            m.text[sizeof(m.text) - 1] = '\0';
            if (type == TA__MSG_CUT) {
                size_t used = strlen(learnt->cuts);
                snprintf(learnt->cuts + used, sizeof(learnt->cuts) - used, "%s%.150s",
                         used ? "; " : "", m.text);
            } else if (type == TA__MSG_SKIP) {
                skipped |= TA__SID_BIT(m.rule);
            } else if (type == TA__MSG_FINDING) {
                snprintf(text, sizeof(text), "[%s] %s", ck->name, m.text);
                ta__sid_report_add(r, (ta_sid_rule)m.rule, text);
            }
        }
        double now = ta__mono_s();
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
        if (done || gone || harness || load_error)
            break;
        hang = now - last_move > o->timeout_s;
        over = now - start > o->budget_s;
        if (hang || over)
            break;
    }
    /* After its end record a child only has to exit; one that lost its channel
     * gets a moment, so that we see how it ended; one that hangs is killed. */
    ta__child_finish(ch, hang || over ? 0.0 : TA__GRACE_S, &end);
    memcpy(phase, (const char *)sh->phase, sizeof(phase));
    phase[sizeof(phase) - 1] = '\0';
    ta__sid_output(&end, out, sizeof(out));
    const unsigned long long calls = (unsigned long long)sh->calls;

    if (load_error) {
        munmap(sh, sizeof(*sh));
        TA_BAIL(TA_E_LOAD, "%s", why);
    }
    if (done) {
        if (out[0] != '\0')
            ta__sid_report_note(r, "check '%s'%s", ck->name, out);
    } else if (hang) {
        snprintf(text, sizeof(text),
                 "[%s] no return for %.1f s (timeout) at call %llu "
                 "while: %s%s",
                 ck->name, o->timeout_s, calls, phase, out);
        ta__sid_report_add(r, TA_SID_NO_TERMINATION, text);
    } else if (over) {
        snprintf(text, sizeof(text),
                 "[%s] cut off at the %.0f s budget after %llu calls "
                 "while: %s (findings until then are kept)%s",
                 ck->name, o->budget_s, calls, phase, out);
        ta__sid_report_add(r, TA_SID_CHECK_INCOMPLETE, text);
    } else if (harness) {
        snprintf(text, sizeof(text), "[%s] could not be set up: %s", ck->name, why);
        ta__sid_report_add(r, TA_SID_CHECK_INCOMPLETE, text);
    } else {
        /* Gone without its end record: the code under test ended it. */
        char how[160];
        const char *tail = "";
        if (end.violation)
            snprintf(how, sizeof(how),
                     "sent the harness something that is not one of its "
                     "records (the code under test wrote to its channel)");
        else if (end.signaled && !end.killed)
            snprintf(how, sizeof(how), "died of SIG%s (%s, signal %d)",
                     sigabbrev_np(end.signal) ? sigabbrev_np(end.signal) : "?",
                     strsignal(end.signal), end.signal);
        else if (end.exited) {
            snprintf(how, sizeof(how), "exited with status %d", end.status);
            tail = ", before the check's end (exit() or _exit() in the code under test),";
        } else
            snprintf(how, sizeof(how), "closed the harness's channel and was killed");
        snprintf(text, sizeof(text), "[%s] the process %s at call %llu%s while: %s%s", ck->name,
                 how, calls, tail, sh->ready ? phase : "loading the object (constructors)", out);
        ta__sid_report_add(r, TA_SID_CRASH, text);
    }
    for (int i = 0; i < TA_SID_RULE_COUNT; i++) {
        uint32_t bit = TA__SID_BIT(i);
        if (i == TA_SID_CRASH || i == TA_SID_NO_TERMINATION || i == TA_SID_CHECK_INCOMPLETE)
            ta__sid_report_cover(r, (ta_sid_rule)i, 1);
        else if ((ck->rules & bit) && !(skipped & bit))
            ta__sid_report_cover(r, (ta_sid_rule)i, done);
    }
    if (o->progress != NULL)
        o->progress(o->progress_arg, ck->name, sh->calls, sh->planned);
    munmap(sh, sizeof(*sh));
    return TA_OK;
}

ta_status ta_sid_audit(const char *subject, ta_sid_cb cb, const ta_sid_opts *o, ta_sid_report **out)
{
    ta_sid_opts def;
    ta_sid_report *r = NULL;
    const ta__sid_check *checks;
    size_t n;
    const uint32_t anywhere = TA__SID_BIT(TA_SID_CRASH) | TA__SID_BIT(TA_SID_NO_TERMINATION);

    TA_ENSURE(out != NULL, TA_E_ARG, "ta_sid_audit: NULL argument");
    *out = NULL;
    if (o == NULL) {
        ta_sid_opts_default(&def);
        o = &def;
    }
    TA_ENSURE((cb != NULL) != (o->lib != NULL) && (o->lib == NULL) == (o->symbol == NULL), TA_E_ARG,
              "ta_sid_audit: give either cb or lib and symbol");
    if (o->lib != NULL) /* only a look here: the children load it */
        TA_GUARD(ta__lib_check(o->lib));
    TA_ENSURE(o->ids >= 1 && o->ids <= TA_SID_IDS_MAX && o->timeout_s > 0 && o->budget_s > 0
                  && o->threads <= TA_SID_THREADS_MAX && o->handshakes >= 1,
              TA_E_ARG, "ta_sid_audit: options out of range");
    TA_GUARD(ta__sid_report_new(subject, o, &r));
    if (cb != NULL) {
        ta__location loc;
        if (ta__locate(*(void **)&cb, &loc))
            ta__sid_report_locate(r, &loc);
    }
    checks = ta__sid_checks(&n);
    ta__sid_learnt learnt;
    memset(&learnt, 0, sizeof(learnt));
    for (size_t i = 0; i < n; i++) {
        /* A check runs when it can report a selected rule; a crash or a hang can
         * happen anywhere, so selecting those runs everything. The cost check
         * always runs: the others budget their calls by what it measured. */
        if (o->only != 0 && !((checks[i].rules | anywhere) & o->only)
            && checks[i].run != ta__sid_check_cost)
            continue;
        ta_status st = ta__sid_run_check(&checks[i], i, cb, o, r, &learnt);
        if (st != TA_OK) {
            ta_sid_report_free(r);
            return st;
        }
    }
    if (learnt.cuts[0] != '\0') {
        /* What was not run is said: with the slowness that caused it, or as an
         * incomplete audit. */
        char text[600];
        snprintf(text, sizeof(text), "[budget] at %.3g ms a call, cut to fit the time budget: %s",
                 learnt.cost.call_s * 1e3, learnt.cuts);
        ta__sid_report_note(r, "%s", text + 9);
        const int as_slow =
            learnt.cost.slow && (o->only == 0 || (o->only & TA__SID_BIT(TA_SID_SLOW)));
        ta__sid_report_add(r, as_slow ? TA_SID_SLOW : TA_SID_CHECK_INCOMPLETE, text);
    }
    ta__sid_report_finish(r);
    *out = r;
    return TA_OK;
}
