/*
 * sid_remote.c - `tlsaudit sid --connect HOST:PORT [--start CMD]`: the session
 * ids a live server hands out, audited with the session-id rules and reports.
 *
 * The server is not code we load: it runs in its own process (started by us
 * through the endpoint layer, or by someone else), and all we see is the wire.
 * So the checks are black-box ones (sid_remote_stats.c, sid_remote_resume.c),
 * the run is bounded by a budget, and an audit that could not collect what it
 * set out to is SID-INCOMPLETE, never a pass.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sid_remote.h"

void ta_sid_remote_opts_default(ta_sid_remote_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->ids = 2000;
    o->tls13 = (size_t)-1; /* ids / 4 */
    o->connections = 4;
    o->resumes = 2;
    o->timeout_s = 5;
    o->budget_s = 120;
    o->start_wait_s = 20;
    o->bucket_n = 20480; /* SSL_SESSION_CACHE_MAX_SIZE_DEFAULT (ssl/ssl_local.h) */
    o->seed = 1;
}

/* 'CMD' for a shell, with ' as '\'' */
static void ta__sr_quote(const char *s, char *out, size_t cap)
{
    size_t u = 0;
    if (cap < 3)
        return;
    out[u++] = '\'';
    for (; *s && u + 6 < cap; s++) {
        if (*s == '\'') {
            memcpy(out + u, "'\\''", 4);
            u += 4;
        } else
            out[u++] = *s;
    }
    out[u++] = '\'';
    out[u] = '\0';
}

static void ta__sr_collect_report(ta__sr_cx *cx, const char *label, ta__sr_collect *c)
{
    char text[480];
    if (c->ok > 0 && c->hs_fail > 0) {
        snprintf(text, sizeof(text),
                 "[%s] %zu of %zu handshakes failed (%s): the server cannot always complete a "
                 "handshake",
                 label, c->hs_fail, c->ok + c->hs_fail, c->first_error);
        ta__sid_report_add(cx->r, TA_SID_HANDSHAKE, text);
    }
    if (c->ok > 0)
        ta__sid_report_cover(cx->r, TA_SID_HANDSHAKE, 1);
    if (c->cut) {
        snprintf(text, sizeof(text),
                 "[%s] %zu of %zu handshakes done in %.1f s, then cut %s (%zu connections "
                 "failed or timed out, %zu handshakes failed%s%s): the checks saw only what was "
                 "collected",
                 label, c->ok, c->want, c->seconds,
                 ta__mono_s() > c->deadline ? "at the budget (--budget)"
                                            : "after too many failures",
                 c->conn_fail, c->hs_fail, c->first_error[0] ? ": " : "", c->first_error);
        ta__sid_report_add(cx->r, TA_SID_CHECK_INCOMPLETE, text);
    }
    if (c->ok > 0)
        ta__sid_report_note(cx->r,
                            "[%s] %zu full handshakes in %.2f s (%.0f/s) over %u connections",
                            label, c->ok, c->seconds, (double)c->ok / c->seconds, c->conns);
}

static void ta__sr_tls13_notes(ta__sr_cx *cx, const ta__sr_collect *c)
{
    if (c->ok == 0)
        return;
    if (c->tickets == 0) {
        ta__sid_report_note(cx->r,
                            "[tls13-tickets] %zu handshakes, no NewSessionTicket: the "
                            "server offers no TLS 1.3 resumption",
                            c->ok);
        return;
    }
    ta__sid_report_note(cx->r,
                        "[tls13-tickets] %zu tickets in %zu handshakes (%zu-%zu each), lifetime "
                        "%lu-%lu s, %zu-%zu bytes: %s",
                        c->tickets, c->ok, c->per_conn_min, c->per_conn_max, c->life_min,
                        c->life_max, c->ticket_min, c->ticket_max,
                        c->stateless == c->tickets ? "stateless (encrypted state, not ids: not "
                                                     "analysed)"
                        : c->stateless ? "some stateless, the ids of the others analysed"
                                       : "stateful (each is a session id from the generator)");
}

/* One collection: TA_OK, or a harness failure (the audit cannot go on). */
static ta_status ta__sr_collect_one(ta__sr_cx *cx, ta__sr_collect *c, int version, size_t want,
                                    double deadline)
{
    memset(c, 0, sizeof(*c));
    c->hp = cx->hp;
    c->version = version;
    c->want = want;
    c->conns = cx->o->connections;
    c->timeout_s = cx->o->timeout_s;
    c->deadline = deadline;
    c->progress = cx->o->progress;
    c->progress_arg = cx->o->progress_arg;
    return want ? ta__sr_collect_run(c) : TA_OK;
}

/* Resumption right after the TLS 1.2 collection: small caches (s_server: 128
 * sessions, shared with TLS 1.3's stateful tickets) keep only the latest. */
static void ta__sr_resume_phase(ta__sr_cx *cx, ta__sr_collect *c12, double deadline)
{
    const ta_sid_remote_opts *o = cx->o;
    if (c12->ok == 0)
        return;
    if (ta__mono_s() >= deadline) {
        ta__sid_report_add(cx->r, TA_SID_CHECK_INCOMPLETE,
                           "[resumption] not run: the budget (--budget) was spent collecting");
        return;
    }
    SSL_CTX *ctx = ta__sr_client_ctx(TLS1_2_VERSION);
    if (o->progress != NULL)
        o->progress(o->progress_arg, "resumption", 0, 0);
    if (ctx != NULL)
        ta__sr_check_resume(cx, ctx, c12);
    SSL_CTX_free(ctx);
    if (ta__mono_s() >= deadline)
        ta__sid_report_add(cx->r, TA_SID_CHECK_INCOMPLETE,
                           "[resumption] cut at the budget (--budget): its answers are partial");
}

static ta_status ta__sr_audit(ta__sr_cx *cx, double deadline)
{
    ta__sr_collect c12, c13;
    const ta_sid_remote_opts *o = cx->o;
    size_t n13 = o->tls13 == (size_t)-1 ? (o->ids / 4 > 16 ? o->ids / 4 : 16) : o->tls13;
    ta_status st = ta__sr_collect_one(cx, &c12, TLS1_2_VERSION, o->ids, deadline);

    memset(&c13, 0, sizeof(c13));
    if (st == TA_OK) {
        ta__sr_resume_phase(cx, &c12, deadline);
        st = ta__sr_collect_one(cx, &c13, TLS1_3_VERSION, n13, deadline);
    }
    if (st != TA_OK) {
        ta__sr_collect_free(&c12);
        ta__sr_collect_free(&c13);
        return st;
    }
    /* A version the server does not offer at all is a fact, not a cut. */
    if (c12.ok == 0 && c13.ok > 0 && c12.hs_fail > 0) {
        ta__sid_report_note(cx->r,
                            "[tls12-ids] no TLS 1.2 handshake succeeded (%s): TLS 1.2 "
                            "not offered",
                            c12.first_error);
        c12.cut = 0;
        c12.hs_fail = 0;
    }
    if (c13.ok == 0 && c12.ok > 0 && c13.hs_fail > 0) {
        ta__sid_report_note(cx->r,
                            "[tls13-tickets] no TLS 1.3 handshake succeeded (%s): TLS "
                            "1.3 not offered",
                            c13.first_error);
        c13.cut = 0;
        c13.hs_fail = 0;
    }
    if (c12.ok == 0 && c13.ok == 0) {
        char text[480];
        snprintf(
            text, sizeof(text),
            "[connect] no handshake succeeded in TLS 1.2 (%.180s) or TLS 1.3 (%.180s): nothing "
            "was audited",
            c12.first_error[0] ? c12.first_error : "not tried",
            c13.first_error[0] ? c13.first_error : "not tried");
        ta__sid_report_add(cx->r, TA_SID_CHECK_INCOMPLETE, text);
    } else {
        ta__sr_collect_report(cx, "tls12-ids", &c12);
        ta__sr_collect_report(cx, "tls13-tickets", &c13);
        ta__sr_tls13_notes(cx, &c13);
        ta__sr_check_ids(cx, "tls12-ids", &c12.ids);
        ta__sr_check_ids(cx, "tls13-tickets", &c13.ids);
    }
    ta__sr_collect_free(&c12);
    ta__sr_collect_free(&c13);
    return TA_OK;
}

ta_status ta_sid_remote_audit(const ta_sid_remote_opts *o, ta_sid_report **out)
{
    ta__hostport hp;
    ta__proc *proc = NULL;
    ta_sid_opts so;
    ta_sid_report *r = NULL;
    ta_env *env = NULL;
    char subject[300], repro[400], quoted[300] = "";
    ta_status st;
    double t0 = ta__mono_s();

    TA_ENSURE(o != NULL && out != NULL && o->connect != NULL, TA_E_ARG,
              "ta_sid_remote_audit: NULL argument");
    *out = NULL;
    TA_GUARD(ta__hostport_parse(o->connect, &hp));
    snprintf(subject, sizeof(subject), "connect:%s", o->connect); /* as gate lines name it */
    if (o->start != NULL)
        ta__sr_quote(o->start, quoted, sizeof(quoted));
    if (o->reproduce != NULL)
        snprintf(repro, sizeof(repro), "tlsaudit sid %s", o->reproduce);
    else {
        ta_sid_remote_opts def;
        char extra[64] = "";
        ta_sid_remote_opts_default(&def);
        if (o->bucket_n != def.bucket_n) /* it shapes SID-BUCKET-COLLAPSE */
            snprintf(extra, sizeof(extra), " --bucket-n %zu", o->bucket_n);
        snprintf(repro, sizeof(repro), "tlsaudit sid --connect %s%s%s --ids %zu --connections %u%s",
                 o->connect, o->start ? " --start " : "", quoted, o->ids, o->connections, extra);
    }
    ta_sid_opts_default(&so);
    so.only = o->only;
    so.strict = o->strict;
    so.seed = o->seed;
    so.target = subject;
    TA_GUARD(ta__sid_report_new(subject, &so, &r));
    ta__sid_report_reproduce(r, repro);
    /* The server is up, or this is exit 2 with one line: nothing to audit. */
    st = ta__server_start(o->start, &hp, o->start ? o->start_wait_s : o->timeout_s, NULL, &proc);
    if (st == TA_OK)
        st = ta_env_new(NULL, &env);
    if (st != TA_OK) {
        ta__proc_stop(proc, 2.0, NULL);
        ta_sid_report_free(r);
        return st;
    }
    ta__sr_cx cx = {r, o, &hp, env, t0 + o->budget_s};
    /* A server that closes while we write (our close_notify after its RST)
     * must be an answer, not a SIGPIPE that kills the tool: ignored for the
     * audit, restored after. */
    struct sigaction ign, old_pipe;
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old_pipe);
    ta__sid_report_cover(r, TA_SID_CHECK_INCOMPLETE, 1);
    /* A chatty server's output is drained meanwhile (ep_proc.c). */
    st = ta__sr_audit(&cx, cx.deadline);
    if (proc != NULL) {
        ta__child_end end;
        char how[200], text[300];
        int running = ta__proc_running(proc);
        ta__proc_stop(proc, 2.0, &end);
        if (!running) {
            ta__proc_end_text(&end, how, sizeof(how));
            snprintf(text, sizeof(text),
                     "[server] the server started with --start ended during the audit (%s)", how);
            ta__sid_report_add(r, TA_SID_CHECK_INCOMPLETE, text);
        }
    }
    sigaction(SIGPIPE, &old_pipe, NULL);
    ta_env_free(env);
    if (st != TA_OK) {
        ta_sid_report_free(r);
        return st;
    }
    ta__sid_report_finish(r);
    *out = r;
    return TA_OK;
}
