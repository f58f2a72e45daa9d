/*
 * sid_remote_resume.c - does the server resume the ids it hands out, and only
 * when it should? Three questions, each asked of fresh TLS 1.2 sessions:
 *
 * - recent sessions, k times each: small caches (s_server keeps 128) evict old
 *   ones, so only the last sessions of the collection are asked for. None
 *   resuming is SID-NEVER-RESUMES (an id the server never honours);
 * - after an unclean close (a FIN without close_notify): information, RFC 5246
 *   §7.2.1 allows both;
 * - after our fatal alert: RFC 5246 §7.2.2 says the session MUST be forgotten.
 *   The test is void unless the server was still reading when the alert came,
 *   so the connection stays open (no request: the server waits in its read)
 *   and the server must close it after the alert (endpoints-facts).
 *
 * Real endpoints race: every question is asked more than once and the report
 * gives the counts.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>

#include "sid_remote.h"

#define TA__SR_TRIES 2

/* One resumption attempt of sess: 1 resumed, 0 full handshake, -1 failed.
 * A copy is offered: how the server ends the connection (nginx: an RST after
 * our close_notify) may make our stack mark the offered session not resumable,
 * and the next attempt must offer what a client kept. */
static int ta__sr_resume_once(ta__sr_cx *cx, SSL_CTX *ctx, SSL_SESSION *sess, char *err, size_t cap)
{
    ta__sr_conn c;
    SSL_SESSION *copy = SSL_SESSION_dup(sess);
    int rc = -1;
    if (copy == NULL)
        snprintf(err, cap, "SSL_SESSION_dup: out of memory");
    else if (ta__sr_open(cx->hp, ctx, copy, cx->o->timeout_s, &c, err, cap) == 0) {
        rc = SSL_session_reused(c.ssl);
        (void)ta__sr_close_clean(&c, 1.0);
    }
    SSL_SESSION_free(copy);
    return rc;
}

/* A fresh full handshake: its session (a copy, untouched by what we do to the
 * connection afterwards) and the open connection. */
static int ta__sr_fresh(ta__sr_cx *cx, SSL_CTX *ctx, ta__sr_conn *c, SSL_SESSION **out, char *err,
                        size_t cap)
{
    *out = NULL;
    if (ta__sr_open(cx->hp, ctx, NULL, cx->o->timeout_s, c, err, cap) != 0)
        return -1;
    SSL_SESSION *s = SSL_get0_session(c->ssl);
    unsigned len = 0;
    if (s != NULL)
        (void)SSL_SESSION_get_id(s, &len);
    /* SSL_SESSION_dup: our own stack marks the live session not resumable when
     * it sends a fatal alert; the copy is what a client would have kept. */
    *out = s != NULL && len > 0 ? SSL_SESSION_dup(s) : NULL;
    if (*out == NULL) {
        snprintf(err, cap, "the server gave no session id");
        ta__sr_conn_free(c);
        return -1;
    }
    return 0;
}

static void ta__sr_unclean(ta__sr_cx *cx, SSL_CTX *ctx)
{
    int resumed = 0, tried = 0;
    char err[256];
    for (int t = 0; t < TA__SR_TRIES && ta__mono_s() < cx->deadline; t++) {
        ta__sr_conn c;
        SSL_SESSION *s;
        if (ta__sr_fresh(cx, ctx, &c, &s, err, sizeof(err)) != 0)
            continue;
        ta__sr_close_unclean(&c, cx->o->timeout_s);
        int r = ta__sr_resume_once(cx, ctx, s, err, sizeof(err));
        SSL_SESSION_free(s);
        if (r < 0)
            continue;
        tried++;
        resumed += r;
    }
    if (tried)
        ta__sid_report_note(cx->r,
                            "[tls12-ids] after an unclean close (FIN, no close_notify) the "
                            "session resumed %d of %d times (RFC 5246 §7.2.1 allows both)",
                            resumed, tried);
}

static void ta__sr_after_alert(ta__sr_cx *cx, SSL_CTX *ctx)
{
    int resumed = 0, valid = 0, voided = 0;
    char err[256], buf[256];
    size_t n;

    for (int t = 0; t < TA__SR_TRIES && ta__mono_s() < cx->deadline; t++) {
        ta__sr_conn c;
        SSL_SESSION *s;
        if (ta__sr_fresh(cx, ctx, &c, &s, err, sizeof(err)) != 0)
            continue;
        /* Still open and reading: nothing comes within a short window. */
        ta__wire_ev before = ta__wire_read(c.fd, buf, sizeof(buf), 0.05, &n);
        int sent = before == TA__WIRE_OPEN && ta__sr_send_fatal_alert(&c) == 0;
        ta__wire_ev after =
            sent ? ta__wire_read(c.fd, buf, sizeof(buf), cx->o->timeout_s, &n) : TA__WIRE_ERROR;
        ta__sr_conn_free(&c);
        /* The server closed after our alert: it read it. */
        if (!sent || (after != TA__WIRE_FIN && after != TA__WIRE_RST)) {
            voided++;
            SSL_SESSION_free(s);
            continue;
        }
        int r = ta__sr_resume_once(cx, ctx, s, err, sizeof(err));
        SSL_SESSION_free(s);
        if (r < 0) {
            voided++;
            continue;
        }
        valid++;
        resumed += r;
    }
    if (valid == 0) {
        ta__sid_report_note(cx->r,
                            "[tls12-ids] resumption after a fatal alert not evaluated: in %d "
                            "tries the server never closed the connection after our alert (it "
                            "did not read it)",
                            voided);
        return;
    }
    ta__sid_report_cover(cx->r, TA_SID_RESUME_AFTER_ALERT, 1);
    if (!resumed)
        ta__sid_report_note(cx->r,
                            "[tls12-ids] after our fatal alert (read: the server closed after it) "
                            "the session resumed 0 of %d times%s",
                            valid, voided ? " (other tries void: no close after the alert)" : "");
    if (resumed) {
        char text[480];
        snprintf(text, sizeof(text),
                 "[tls12-ids] the session of a connection we ended with a fatal bad_record_mac "
                 "alert (which the server read: it closed the connection after it) resumed in "
                 "%d of %d tries",
                 resumed, valid);
        ta__sid_report_add(cx->r, TA_SID_RESUME_AFTER_ALERT, text);
    }
}

void ta__sr_check_resume(ta__sr_cx *cx, SSL_CTX *ctx, ta__sr_collect *c12)
{
    size_t have = c12->nrecent < TA__SR_RECENT ? c12->nrecent : TA__SR_RECENT;
    size_t sessions = 0, attempts = 0, resumed = 0, failed = 0;
    char err[256] = "", first[256] = "";

    for (size_t i = 0; i < have; i++) {
        unsigned len = 0;
        SSL_SESSION *s = c12->recent[i];
        if (s == NULL || (SSL_SESSION_get_id(s, &len), len == 0))
            continue;
        sessions++;
        for (unsigned k = 0; k < cx->o->resumes && ta__mono_s() < cx->deadline; k++) {
            int r = ta__sr_resume_once(cx, ctx, s, err, sizeof(err));
            if (r < 0) {
                failed++;
                if (first[0] == '\0')
                    snprintf(first, sizeof(first), "%s", err);
                continue;
            }
            attempts++;
            resumed += (size_t)r;
        }
    }
    if (sessions == 0)
        return; /* empty ids: nothing to resume by id (noted by the id checks) */
    if (attempts == 0) {
        ta__sid_report_cover(cx->r, TA_SID_NEVER_RESUMES, 0);
        ta__sid_report_note(cx->r, "[tls12-ids] every resumption attempt failed: %s", first);
        return;
    }
    ta__sid_report_cover(cx->r, TA_SID_NEVER_RESUMES, 1);
    if (resumed == 0) {
        char text[480];
        snprintf(text, sizeof(text),
                 "[tls12-ids] none of %zu attempts to resume the %zu most recent sessions (%u "
                 "each, right after they were made) resumed: the server hands out ids it never "
                 "honours (no session cache?), so every client pays a full handshake",
                 attempts, sessions, cx->o->resumes);
        ta__sid_report_add(cx->r, TA_SID_NEVER_RESUMES, text);
        /* Nothing resumes, so nothing can resume after an alert either. */
        ta__sid_report_cover(cx->r, TA_SID_RESUME_AFTER_ALERT, 1);
        return;
    }
    ta__sid_report_note(cx->r,
                        "[tls12-ids] %zu of %zu attempts to resume the %zu most recent sessions "
                        "resumed%s%s",
                        resumed, attempts, sessions, failed ? "; failed: " : "", first);
    ta__sr_unclean(cx, ctx);
    ta__sr_after_alert(cx, ctx);
}
