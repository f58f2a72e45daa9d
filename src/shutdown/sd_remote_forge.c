/*
 * sd_remote_forge.c - server scenarios with forged records (tlsaudit shutdown
 * --connect): a peer can send what OpenSSL will not make it send, so these
 * records are forged in our own name with our own keys (ep_forge.c) and the
 * server must authenticate and judge them like any other:
 *   - a warning alert before our close_notify. RFC 5246 §7.2: after a warning
 *     "the connection can continue"; user_canceled "should be followed by a
 *     close_notify" (§7.2.1). RFC 8446 §6: user_canceled is a closure alert,
 *     not an error alert; only error alerts end a connection (§6.2);
 *   - an error alert sent with level warning (TLS 1.3). RFC 8446 §6.2: such
 *     alerts "MUST be treated as error alerts when received regardless of the
 *     AlertLevel": the connection ends, nothing more is served;
 *   - application data after our close_notify, in the same write. RFC 8446
 *     §6.1: "Any data received after a closure alert has been received MUST
 *     be ignored"; answering it, or writing after its own close_notify, is a
 *     finding.
 * And one scenario that only splits (no forgery): the request in three
 * records, the last one coalesced with our close_notify (RFC 8446 §5.1: a
 * record boundary means nothing to the application; §6.1: the request before
 * our close_notify is answered).
 * The shim form's forged scenarios are rows of sd_remote_shim.c (they share
 * its shim runner).
 */
#include <string.h>
#include <unistd.h>

#include "sd_remote.h"

#define TA__BOTH ((1u << TA_TLS12) | (1u << TA_TLS13))
#define TA__CONNECT (1u << TA_SD_FORM_CONNECT)

static const char ta__probe[] = "tlsaudit-probe!"; /* without --http: junk data */

/* The request (--http: a keep-alive GET) or the probe. */
static const char *ta__fg_request(const ta__rrun *r, size_t *n)
{
    const char *q = r->o->http ? ta__r_http_get(1) : ta__probe;
    *n = strlen(q);
    return q;
}

/* Send what forging put in q, and empty q; 0 with the outcome set when it
 * could not be forged (a suite other than AES-128-GCM-SHA256: not run, never
 * a pass). */
static int ta__fg_send(ta__rrun *r, ta__wire *w, int forged_ok, ta__buf *q)
{
    if (forged_ok != 0) {
        ta__r_set(r, TA_SD_R_INCOMPLETE, "not-forged",
                  "our records could not be forged (the suite is not AES-128-GCM-SHA256?)");
        return 0;
    }
    (void)ta__wire_send(w, q->data, q->len);
    ta__buf_free(q);
    return 1;
}

/* Application data from the server in events [from, end) before its close_notify. */
static int ta__fg_answered(const ta__wire *w, size_t from)
{
    for (size_t i = from; i < w->nev && w->ev[i].kind != TA__WEV_CN; i++)
        if (w->ev[i].kind == TA__WEV_DATA)
            return 1;
    return 0;
}

/* A short look at the server after a record of ours: did it close? The window
 * running out is not an observation (the OPEN event is dropped). */
static void ta__fg_glance(ta__rrun *r, ta__wire *w)
{
    ta__wire_observe(w, r->o->window_s < 0.3 ? r->o->window_s : 0.3, NULL, NULL);
    if (w->nev > 0 && w->ev[w->nev - 1].kind == TA__WEV_OPEN)
        w->nev--;
}

/* A warning user_canceled, then (if the server is still there) our forged
 * close_notify: it must answer the close_notify like in our-cn-first. */
static void ta__play_warning_then_cn(ta__rrun *r)
{
    ta__wire *w;
    ta__buf q = {0};
    char words[96], ev[200];
    if (!ta__r_dial(r, NULL, &w))
        return;
    if (!ta__r_exchange(r, w)
        || !ta__fg_send(r, w, ta__wire_forge_alert(w, SSL3_AL_WARNING, SSL_AD_USER_CANCELLED, &q),
                        &q)) {
        ta__buf_free(&q);
        ta__wire_free(w);
        return;
    }
    size_t mark = w->nev;
    ta__fg_glance(r, w);
    if (w->fatal || ((w->fin || w->rst) && !w->cn)) {
        ta__r_words(w, mark, words, sizeof(words));
        ta__wire_events_text(w, mark, ev, sizeof(ev));
        r->expected = TA_SD_CLEAN;
        r->got = w->fatal ? TA_SD_FAILED : TA_SD_TRUNCATED;
        ta__r_set(r, TA_SD_R_WARNING_CLOSE, words, "after our warning user_canceled alone: %s", ev);
        ta__wire_free(w);
        return;
    }
    /* Its own close_notify in answer is a legal close (user_canceled announces one). */
    if (!w->fin && !w->rst) {
        static const uint8_t cn[2] = {SSL3_AL_WARNING, SSL3_AD_CLOSE_NOTIFY};
        if (ta__wire_forge(w, SSL3_RT_ALERT, cn, sizeof(cn), &q) == 0)
            (void)ta__wire_send(w, q.data, q.len);
        ta__wire_observe(w, r->o->window_s, NULL, NULL);
    }
    ta__r_judge_close(r, w, mark, 1);
    ta__buf_free(&q);
    ta__wire_free(w);
}

/* A connection on which a warning-level alert `desc` and then the request (or
 * the probe) went out in one write, forged: 1 with *out; 0 with the outcome
 * set (no connection, the server closed first, nothing could be forged). */
static int ta__fg_alert_then_request(ta__rrun *r, int desc, ta__wire **out)
{
    ta__buf q = {0};
    size_t n;
    const char *get = ta__fg_request(r, &n);
    if (!ta__r_dial(r, NULL, out))
        return 0;
    int ok = ta__r_exchange(r, *out);
    if (ok) {
        int f = ta__wire_forge_alert(*out, SSL3_AL_WARNING, desc, &q);
        ok = ta__fg_send(
            r, *out, f == 0 ? ta__wire_forge(*out, SSL3_RT_APPLICATION_DATA, get, n, &q) : f, &q);
    }
    ta__buf_free(&q);
    if (!ok) {
        ta__wire_free(*out);
        *out = NULL;
    }
    return ok;
}

/* TLS 1.2: a warning, then a keep-alive GET in the same write: a warning is
 * not a close, the request gets its response (RFC 5246 §7.2). */
static void ta__play_warning_then_request(ta__rrun *r)
{
    ta__wire *w;
    char words[96], ev[200];
    if (!ta__fg_alert_then_request(r, SSL_AD_USER_CANCELLED, &w))
        return;
    size_t mark = w->nev;
    ta__wire_observe(w, r->o->window_s, ta__r_http_done, NULL);
    ta__r_words(w, mark, words, sizeof(words));
    ta__wire_events_text(w, mark, ev, sizeof(ev));
    r->expected = TA_SD_CLEAN;
    r->got = ta__fg_answered(w, mark) ? TA_SD_CLEAN
             : w->fatal               ? TA_SD_FAILED
             : (w->fin || w->rst)     ? TA_SD_TRUNCATED
                                      : TA_SD_PENDING_READ;
    if (r->got == TA_SD_CLEAN)
        ta__r_set(r, -1, words, "%s", ev);
    else
        ta__r_set(r, TA_SD_R_WARNING_CLOSE, words,
                  "no response to a GET after our warning user_canceled: %s", ev);
    ta__wire_free(w); /* no hang-up: our SSL's own close_notify would not authenticate */
}

/* TLS 1.3: an error alert (unexpected_message) with level warning, then the
 * request: the server must end the connection, never answer. */
static void ta__play_error_as_warning(ta__rrun *r)
{
    ta__wire *w;
    if (!ta__fg_alert_then_request(r, SSL_AD_UNEXPECTED_MESSAGE, &w))
        return;
    size_t mark = w->nev;
    ta__wire_observe(w, r->o->window_s, NULL, NULL);
    ta__r_judge_close(r, w, mark, 0);
    r->expected = TA_SD_FAILED;
    if (ta__fg_answered(w, mark) || (!w->fin && !w->rst)) {
        char ev[200], key[96];
        ta__wire_events_text(w, mark, ev, sizeof(ev));
        snprintf(key, sizeof(key), "%s", r->key); /* ta__r_set writes r->key */
        ta__r_set(r, TA_SD_R_ALERT_IGNORED, key, "%s after a warning-level %s: %s",
                  ta__fg_answered(w, mark) ? "answered the request" : "still open",
                  ta__alert_name(SSL_AD_UNEXPECTED_MESSAGE), ev);
    }
    ta__wire_free(w);
}

/* The first line of what the server sent (its status line), "" for none. */
static void ta__fg_first_line(const ta__wire *w, char *out, size_t cap)
{
    size_t n = w->in.len < cap - 1 ? w->in.len : cap - 1;
    memcpy(out, w->in.data != NULL ? (const char *)w->in.data : "", n);
    out[n] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
}

/* Our close_notify and then the request in one write: the request must be
 * ignored, the close_notify answered. Some servers answer a close before any
 * request with data of their own (haproxy: 400 Bad request), so the control is
 * our close_notify alone on another connection: acting on the data is an
 * answer that differs from the control's (no data, or another first line). */
static void ta__play_data_after_cn(ta__rrun *r)
{
    ta__wire *w;
    ta__buf q = {0};
    size_t n;
    char control[64] = "", got[64];
    const char *get = ta__fg_request(r, &n);
    if (!ta__r_dial(r, NULL, &w))
        return;
    if (ta__r_exchange(r, w)) {
        (void)ta__wire_queue_cn(w);
        (void)ta__wire_flush(w, 0);
        ta__wire_observe(w, r->o->window_s, NULL, NULL);
        ta__fg_first_line(w, control, sizeof(control));
    }
    ta__wire_free(w);
    if (!ta__r_dial(r, NULL, &w))
        return;
    int ok = ta__r_exchange(r, w);
    if (ok) {
        (void)ta__wire_queue_cn(w); /* OpenSSL's own close_notify, then forged data */
        ok = ta__fg_send(r, w, ta__wire_forge(w, SSL3_RT_APPLICATION_DATA, get, n, &q), &q);
    }
    if (ok) {
        size_t mark = w->nev;
        ta__wire_observe(w, r->o->window_s, NULL, NULL);
        ta__r_judge_close(r, w, mark, 1);
        ta__fg_first_line(w, got, sizeof(got));
        if (ta__fg_answered(w, mark) && strcmp(got, control) != 0) {
            char ev[200], key[96];
            ta__wire_events_text(w, mark, ev, sizeof(ev));
            snprintf(key, sizeof(key), "%s", r->key); /* ta__r_set writes r->key */
            ta__r_set(r, TA_SD_R_ACTED_AFTER_CN, key,
                      "answered data that followed our close_notify ('%.40s'; to our "
                      "close_notify alone: '%.40s'): %s",
                      got, control, ev);
        }
    }
    ta__buf_free(&q);
    ta__wire_free(w);
}

/* The request in three records, each of the first two in a TCP write of its
 * own, the third with our close_notify in one write. */
static void ta__play_split_request_cn(ta__rrun *r)
{
    ta__wire *w;
    size_t n;
    const char *get = ta__fg_request(r, &n);
    if (!ta__r_dial(r, NULL, &w))
        return;
    if (ta__r_exchange(r, w)) {
        size_t mark = w->nev, third = n / 3;
        for (int i = 0; i < 2; i++) {
            (void)ta__wire_queue_data(w, get + (size_t)i * third, third);
            (void)ta__wire_flush(w, 0);
            usleep(2000); /* separate segments (TCP_NODELAY is set) */
        }
        (void)ta__wire_queue_data(w, get + 2 * third, n - 2 * third);
        (void)ta__wire_queue_cn(w);
        (void)ta__wire_flush(w, 0);
        ta__wire_observe(w, r->o->window_s, NULL, NULL);
        ta__r_judge_close(r, w, mark, 1);
        if (r->rule < 0 && r->o->http && !ta__fg_answered(w, mark)) {
            char key[96];
            snprintf(key, sizeof(key), "%s", r->key); /* ta__r_set writes r->key */
            ta__r_set(r, TA_SD_R_VERDICT, key,
                      "no response to a GET in three records, the last with our close_notify");
        }
    }
    ta__wire_free(w);
}

const ta__rscen ta__sd_rscen_forge[] = {
    {{"warning-then-cn",
      "a warning user_canceled, then our close_notify: the server answers the close_notify",
      "RFC 5246 §7.2, §7.2.1; RFC 8446 §6, §6.1", TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_warning_then_cn,
     .forges = 1},
    {{"warning-then-request",
      "a warning user_canceled and a GET in one write: a warning is not a close, the GET is "
      "answered",
      "RFC 5246 §7.2", TA__CONNECT, 1u << TA_TLS12, 1},
     .play = ta__play_warning_then_request,
     .forges = 1},
    {{"error-as-warning",
      "an error alert (unexpected_message) with level warning, then data: the connection ends "
      "unanswered",
      "RFC 8446 §6.2", TA__CONNECT, 1u << TA_TLS13, 0},
     .play = ta__play_error_as_warning,
     .forges = 1},
    {{"data-after-cn",
      "our close_notify and then data (the request) in one write: the data is ignored, the "
      "close_notify answered",
      "RFC 8446 §6.1", TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_data_after_cn,
     .forges = 1},
    {{"split-request-cn",
      "the request in three records and TCP writes, the last with our close_notify: answered, "
      "then the close_notify",
      "RFC 8446 §5.1, §6.1", TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_split_request_cn},
};
const size_t ta__sd_rscen_forge_n = sizeof(ta__sd_rscen_forge) / sizeof(ta__sd_rscen_forge[0]);
