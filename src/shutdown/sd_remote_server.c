/*
 * sd_remote_server.c - scenarios for a server under test (tlsaudit shutdown
 * --connect): tlsaudit is the client. Each play function makes one run and
 * judges what the server did on the wire; nothing here knows which server it
 * talks to.
 */
#define _GNU_SOURCE /* memmem */
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>

#include "sd_remote.h"

#define TA__BOTH ((1u << TA_TLS12) | (1u << TA_TLS13))
#define TA__CONNECT (1u << TA_SD_FORM_CONNECT)

/* ---------------------------------------------------------------- HTTP */

/* 1 once a whole HTTP response is in: the headers and Content-Length bytes, a
 * chunked body's last chunk, or (a close-delimited body) the server's close. */
int ta__r_http_done(const ta__wire *w, void *arg)
{
    const char *b = (const char *)w->in.data;
    size_t n = w->in.len;
    (void)arg;
    if (w->cn || w->dead)
        return 1;
    if (b == NULL)
        return 0;
    const char *end = memmem(b, n, "\r\n\r\n", 4);
    if (end == NULL)
        return 0;
    size_t hdr = (size_t)(end - b) + 4;
    for (const char *p = b; p < end; p++) {
        if (p == b || p[-1] == '\n') {
            if ((size_t)(end - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
                return n >= hdr + strtoul(p + 15, NULL, 10);
            if ((size_t)(end - p) > 18 && strncasecmp(p, "Transfer-Encoding:", 18) == 0)
                return n >= 5 && memcmp(b + n - 5, "0\r\n\r\n", 5) == 0;
        }
    }
    return 0;
}

const char *ta__r_http_get(int keepalive)
{
    return keepalive ? "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n"
                     : "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
}

/* Right after the handshake the server is reading (waiting for a request):
 * the state most scenarios act in. A short wait lets TLS 1.3 tickets in. */
static int ta__r_settle(ta__rrun *r, ta__wire *w)
{
    (void)r;
    ta__wire_observe(w, 0.05, NULL, NULL);
    if (w->nev > 0 && w->ev[w->nev - 1].kind == TA__WEV_OPEN)
        w->nev--; /* our own short wait, not an observation */
    return !w->fin && !w->rst && !w->cn;
}

/* A GET and its whole response (or the server's close after a close-delimited
 * one). 1 when a response came and the connection is still open. */
static int ta__r_request(ta__rrun *r, ta__wire *w, int keepalive)
{
    const char *get = ta__r_http_get(keepalive);
    if (ta__wire_queue_data(w, get, strlen(get)) != 0 || ta__wire_flush(w, 0) != 0)
        return 0;
    ta__wire_observe(w, r->o->window_s, ta__r_http_done, NULL);
    return w->app > 0 && !w->cn && !w->fin && !w->rst;
}

/* The connection a scenario acts on: handshake done, server reading. */
int ta__r_exchange(ta__rrun *r, ta__wire *w)
{
    if (ta__r_settle(r, w))
        return 1;
    char ev[160];
    ta__wire_events_text(w, 0, ev, sizeof(ev));
    ta__r_set(r, TA_SD_R_INCOMPLETE, "closed-after-handshake",
              "the server closed right after the handshake: %s", ev);
    return 0;
}

/* ---------------------------------------------------------------- judges */

static int ta__cn_seen(const ta__wire *w, void *arg)
{
    (void)arg;
    return w->cn || w->dead;
}

/* After we ended the connection (close_notify, FIN, a corrupt record): the
 * server must close its side within the window. need_cn: the server owes us
 * a close_notify (it received ours, RFC 8446 §6.1 / RFC 5246 §7.2.1). */
void ta__r_judge_close(ta__rrun *r, const ta__wire *w, size_t mark, int need_cn)
{
    char words[96], ev[200];
    ta__r_words(w, mark, words, sizeof(words));
    ta__wire_events_text(w, mark, ev, sizeof(ev));
    r->expected = need_cn ? TA_SD_CLEAN : TA_SD_TRUNCATED;
    r->got = w->cn                ? TA_SD_CLEAN
             : w->fatal           ? TA_SD_FAILED
             : (w->fin || w->rst) ? TA_SD_TRUNCATED
                                  : TA_SD_PENDING_READ;
    if (w->after_cn > 0)
        ta__r_set(r, TA_SD_R_DATA_AFTER_CN, words, "%zu bytes after its close_notify: %s",
                  w->after_cn, ev);
    else if (!w->fin && !w->rst)
        ta__r_set(r, TA_SD_R_HOLD, words, "still open %.2f s after our close: %s", r->o->window_s,
                  ev);
    else if (need_cn && !w->cn && !w->fatal)
        ta__r_set(r, TA_SD_R_PEER_NO_CN, words, "closed without its close_notify: %s", ev);
    else
        ta__r_set(r, -1, words, "%s", ev);
}

/* ---------------------------------------------------------------- scenarios */

static void ta__play_sanity(ta__rrun *r)
{
    ta__wire *w;
    if (!ta__r_dial(r, NULL, &w))
        return;
    r->expected = r->got = TA_SD_CLEAN;
    if (!r->o->http)
        ta__r_set(r, -1, "handshake", NULL);
    else if (ta__r_request(r, w, 0) || w->app > 0)
        ta__r_set(r, -1, "handshake response", NULL);
    else
        ta__r_set(r, TA_SD_R_SURVIVAL, "no-response", "no response to a GET");
    ta__r_hangup(w);
}

static void ta__play_our_cn_first(ta__rrun *r)
{
    ta__wire *w;
    if (!ta__r_dial(r, NULL, &w))
        return;
    if (ta__r_exchange(r, w)) {
        size_t mark = w->nev;
        (void)ta__wire_queue_cn(w);
        (void)ta__wire_flush(w, 0);
        ta__wire_observe(w, r->o->window_s, NULL, NULL);
        ta__r_judge_close(r, w, mark, 1);
    }
    ta__wire_free(w);
}

/* Our close_notify record in 1-byte writes: the server must reassemble a
 * record that arrives in pieces (RFC 8446 §5.1) and still answer it. */
static void ta__play_our_cn_split(ta__rrun *r)
{
    ta__wire *w;
    ta__buf q = {0};
    if (!ta__r_dial(r, NULL, &w))
        return;
    if (ta__r_exchange(r, w)) {
        size_t mark = w->nev;
        (void)ta__wire_queue_cn(w);
        ta__wire_take(w, &q);
        for (size_t i = 0; i < q.len; i++) {
            (void)ta__wire_send(w, q.data + i, 1);
            usleep(2000); /* separate segments (TCP_NODELAY is set) */
        }
        ta__wire_observe(w, r->o->window_s, NULL, NULL);
        ta__r_judge_close(r, w, mark, 1);
    }
    ta__buf_free(&q);
    ta__wire_free(w);
}

/* Data (the request, with --http) and our close_notify in one write: the server
 * must still answer it (RFC 8446 §6.1: the other direction stays open) or at
 * least close with its own close_notify. */
static void ta__play_data_and_cn(ta__rrun *r)
{
    ta__wire *w;
    static const char junk[16] = "tlsaudit-probe!";
    if (!ta__r_dial(r, NULL, &w))
        return;
    if (ta__r_exchange(r, w)) {
        size_t mark = w->nev;
        const char *get = r->o->http ? ta__r_http_get(1) : junk;
        (void)ta__wire_queue_data(w, get, r->o->http ? strlen(get) : sizeof(junk));
        (void)ta__wire_queue_cn(w);
        (void)ta__wire_flush(w, 0); /* coalesced: both records in one write */
        ta__wire_observe(w, r->o->window_s, NULL, NULL);
        ta__r_judge_close(r, w, mark, 1);
    }
    ta__wire_free(w);
}

/* The server closes first (Connection: close) and we stay silent: its
 * close_notify is sent, and then the TCP connection must not outlive the hold
 * bound (the seed answer's "resources remain alive waiting for the peer"). */
static void ta__play_server_closes(ta__rrun *r)
{
    ta__wire *w;
    char words[96], ev[200];
    if (!ta__r_dial(r, NULL, &w))
        return;
    const char *get = ta__r_http_get(0);
    (void)ta__wire_queue_data(w, get, strlen(get));
    (void)ta__wire_flush(w, 0);
    ta__wire_observe(w, r->o->window_s, ta__cn_seen, NULL);
    if (w->cn && !w->fin && !w->rst)
        ta__wire_observe(w, r->o->hold_s, NULL, NULL);
    ta__r_words(w, 0, words, sizeof(words));
    ta__wire_events_text(w, 0, ev, sizeof(ev));
    r->expected = TA_SD_CLEAN;
    r->got = w->cn ? TA_SD_CLEAN : (w->fin || w->rst) ? TA_SD_TRUNCATED : TA_SD_PENDING_READ;
    if (w->cn && !w->fin && !w->rst)
        ta__r_set(r, TA_SD_R_HOLD, "cn open",
                  "close_notify sent at %.2f s, connection still open %.2f s later (bound %.2f s)",
                  w->t_cn, r->o->hold_s, r->o->hold_s);
    else if (w->cn)
        ta__r_set(r, -1, words, "closed %.3f s after its close_notify", w->t_fin - w->t_cn);
    else if (w->fin || w->rst)
        ta__r_set(r, TA_SD_R_PEER_NO_CN, words, "closed without close_notify: %s", ev);
    else
        ta__r_set(r, TA_SD_R_HOLD, words, "no close within %.2f s of 'Connection: close': %s",
                  r->o->window_s, ev);
    ta__wire_free(w);
}

static void ta__r_fin_or_rst(ta__rrun *r, int mid_record, int rst)
{
    ta__wire *w;
    if (!ta__r_dial(r, NULL, &w))
        return;
    if (!ta__r_exchange(r, w)) {
        ta__wire_free(w);
        return;
    }
    size_t mark = w->nev;
    if (mid_record) {
        ta__buf q = {0};
        static const char data[64] = "half of this record goes out, then the transport closes";
        (void)ta__wire_queue_data(w, data, sizeof(data));
        ta__wire_take(w, &q);
        (void)ta__wire_send(w, q.data, q.len / 2);
        ta__buf_free(&q);
    }
    if (rst) {
        /* Nothing more to observe on this connection: the server must survive. */
        ta__tcp_rst(w->fd);
        w->fd = -1;
        ta__wire_free(w);
        usleep(20 * 1000);
        r->expected = r->got = TA_SD_TRUNCATED;
        if (ta__r_dial(r, NULL, &w)) {
            ta__r_set(r, -1, "survived", NULL);
            ta__r_hangup(w);
        }
        return;
    }
    ta__tcp_fin(w->fd);
    ta__wire_observe(w, r->o->window_s, NULL, NULL);
    ta__r_judge_close(r, w, mark, 0);
    ta__wire_free(w);
}

static void ta__play_fin_idle(ta__rrun *r)
{
    ta__r_fin_or_rst(r, 0, 0);
}
static void ta__play_fin_mid(ta__rrun *r)
{
    ta__r_fin_or_rst(r, 1, 0);
}
static void ta__play_rst_idle(ta__rrun *r)
{
    ta__r_fin_or_rst(r, 0, 1);
}
static void ta__play_rst_mid(ta__rrun *r)
{
    ta__r_fin_or_rst(r, 1, 1);
}

/* A record whose authentication tag is wrong (RFC 8446 §5.2: bad_record_mac,
 * then close). Answering it with data is accepting a forged record. */
static void ta__play_corrupt(ta__rrun *r)
{
    ta__wire *w;
    ta__buf q = {0};
    if (!ta__r_dial(r, NULL, &w))
        return;
    if (ta__r_exchange(r, w)) {
        size_t mark = w->nev;
        const char *get = r->o->http ? ta__r_http_get(1) : "tlsaudit-probe!";
        (void)ta__wire_queue_data(w, get, strlen(get));
        ta__wire_take(w, &q);
        if (q.len > 0)
            q.data[q.len - 1] ^= 0x5a; /* in the tag */
        (void)ta__wire_send(w, q.data, q.len);
        ta__wire_observe(w, r->o->window_s, NULL, NULL);
        ta__r_judge_close(r, w, mark, 0);
        if (r->rule < 0 && w->app > 0 && r->o->http) {
            for (size_t i = mark; i < w->nev; i++)
                if (w->ev[i].kind == TA__WEV_DATA)
                    ta__r_set(r, TA_SD_R_VERDICT, r->key, "answered a corrupted record");
        }
        r->expected = TA_SD_FAILED;
    }
    ta__buf_free(&q);
    ta__wire_free(w);
}

/* Idle timers: after the handshake (idle) or after a keep-alive response, a
 * silent client must not hold the connection for ever (bound: --idle-bound). */
static void ta__r_idle(ta__rrun *r, int after_response)
{
    ta__wire *w;
    char words[96];
    if (!ta__r_dial(r, NULL, &w))
        return;
    if (after_response && !ta__r_request(r, w, 1)) {
        r->expected = r->got = TA_SD_TRUNCATED;
        ta__r_set(r, -1, "no-keepalive",
                  "the server does not keep a connection alive after a "
                  "response: nothing to time");
        ta__r_hangup(w);
        return;
    }
    size_t mark = w->nev;
    double t = ta__mono_s() - w->t0;
    ta__wire_observe(w, r->o->idle_s, NULL, NULL);
    ta__r_words(w, mark, words, sizeof(words));
    r->expected = TA_SD_TRUNCATED;
    r->got = w->fin || w->rst ? (w->cn ? TA_SD_CLEAN : TA_SD_TRUNCATED) : TA_SD_PENDING_READ;
    if (!w->fin && !w->rst) {
        ta__r_set(r, -1, words, "still open after %.2f s idle (bound)", r->o->idle_s);
        r->flag = TA_SD_R_IDLE_TIMER;
    } else
        ta__r_set(r, -1, words, "closed after %.2f s idle", w->t_fin - t);
    ta__r_hangup(w);
}

static void ta__play_idle(ta__rrun *r)
{
    ta__r_idle(r, 0);
}
static void ta__play_keepalive(ta__rrun *r)
{
    ta__r_idle(r, 1);
}

/* Resumption is possible at all: a session closed cleanly resumes. */
static int ta__r_resumes(ta__rrun *r, SSL_SESSION *s)
{
    ta__wire *w;
    int reused;
    ta__rrun probe = *r;
    if (!ta__r_dial(&probe, s, &w))
        return -1;
    reused = SSL_session_reused(w->ssl);
    ta__r_hangup(w);
    return reused;
}

/* Our fatal alert on a live connection, then an attempt to resume its session
 * (RFC 5246 §7.2.2: a session whose connection ended with a fatal alert MUST
 * NOT be resumed). The server must have read the alert: the connection is kept
 * alive (keep-alive request) and must close after it. */
static void ta__play_fatal_resume(ta__rrun *r)
{
    ta__wire *w;
    SSL_SESSION *s1 = NULL, *s2 = NULL;
    /* A record our SSL cannot authenticate: a header and 24 bytes 1..24. */
    uint8_t junk[TA__REC_HEADER + 24] = {TA__REC_HEADER_BYTES(SSL3_RT_APPLICATION_DATA, 24)};
    for (uint8_t i = 0; i < 24; i++)
        junk[TA__REC_HEADER + i] = (uint8_t)(i + 1);
    /* The control: a cleanly closed session resumes. */
    if (!ta__r_dial(r, NULL, &w))
        return;
    if (!ta__r_exchange(r, w)) {
        ta__wire_free(w);
        return;
    }
    s1 = SSL_get1_session(w->ssl);
    ta__r_hangup(w);
    int control = s1 != NULL ? ta__r_resumes(r, s1) : 0;
    SSL_SESSION_free(s1);
    if (control <= 0) {
        ta__r_set(r, -1, "no-resumption", "a cleanly closed session does not resume: void");
        r->expected = r->got = TA_SD_FAILED;
        return;
    }
    if (!ta__r_dial(r, NULL, &w))
        return;
    if (!ta__r_exchange(r, w)) {
        ta__wire_free(w);
        return;
    }
    s1 = SSL_get1_session(w->ssl);
    s2 = s1 != NULL ? SSL_SESSION_dup(s1) : NULL; /* before our alert marks it unresumable */
    /* Our SSL reads a record it cannot authenticate and answers with its own
     * fatal alert (bad_record_mac), which goes to the server. */
    (void)BIO_write(w->rb, junk, sizeof(junk));
    size_t mark = w->nev;
    uint8_t b[64];
    ERR_clear_error();
    (void)SSL_read(w->ssl, b, sizeof(b));
    w->dead = 1;
    (void)ta__wire_flush(w, 0);
    ta__wire_observe(w, r->o->window_s, NULL, NULL);
    int read_it = w->fin || w->rst;
    ta__wire_free(w);
    (void)mark;
    int resumed = s2 != NULL ? ta__r_resumes(r, s2) : -1;
    /* A stateless ticket (RFC 5077) is a session the server cannot forget. */
    int ticket = s2 != NULL && SSL_SESSION_has_ticket(s2);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    r->expected = TA_SD_FAILED;
    if (!read_it)
        ta__r_set(r, TA_SD_R_HOLD, "alert open", "still open %.2f s after our fatal alert",
                  r->o->window_s);
    else if (resumed > 0 && r->v == TA_TLS12)
        ta__r_set(r, TA_SD_R_RESUME_AFTER_FATAL, ticket ? "resumed (ticket)" : "resumed (id)",
                  "the session of a connection we ended with a fatal alert resumed");
    else if (resumed > 0)
        ta__r_set(r, -1, "resumed",
                  "TLS 1.3: a ticket stays valid after a fatal alert "
                  "(RFC 8446 does not forbid it)");
    else
        ta__r_set(r, -1, resumed < 0 ? "no-handshake" : "not-resumed", NULL);
    r->got = resumed > 0 ? TA_SD_CLEAN : TA_SD_FAILED;
}

/* N finished connections whose client stays silent, then a fresh handshake: a
 * server that serves one connection at a time is starved (denial of service). */
static void ta__play_starvation(ta__rrun *r)
{
    ta__wire *held[16] = {0}, *w;
    unsigned n = r->o->starve_n < 16 ? r->o->starve_n : 16, got = 0;
    r->expected = TA_SD_CLEAN;
    for (; got < n; got++) {
        ta__rrun probe = *r;
        if (!ta__r_dial(&probe, NULL, &held[got])
            || (r->o->http ? (ta__r_request(&probe, held[got], 1), held[got]->app == 0)
                           : !ta__r_settle(&probe, held[got]))) {
            ta__r_set(r, got ? TA_SD_R_STARVATION : TA_SD_R_SURVIVAL, "starved",
                      "connection %u of %u could not finish while %u stayed silent: %s", got + 1, n,
                      got, probe.note[0] ? probe.note : "no response");
            ta__wire_free(held[got]);
            held[got] = NULL;
            break;
        }
    }
    if (got == n) {
        ta__rrun probe = *r;
        if (ta__r_dial(&probe, NULL, &w)) {
            ta__r_set(r, -1, "fresh-handshake", "completed with %u silent connections open", n);
            r->got = TA_SD_CLEAN;
            ta__r_hangup(w);
        } else
            ta__r_set(r, TA_SD_R_STARVATION, "starved",
                      "a fresh handshake failed with %u silent connections open: %s", n,
                      probe.note);
    }
    for (unsigned i = 0; i < n; i++)
        ta__r_hangup(held[i]);
}

const ta__rscen ta__sd_rscen_server[] = {
    {{"sanity-first", "a handshake (and with --http a response) before anything else",
      "RFC 8446 §4", TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_sanity},
    {{"our-cn-first", "we send close_notify first: the server answers with its own and closes",
      "RFC 8446 §6.1; RFC 5246 §7.2.1", TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_our_cn_first},
    {{"our-cn-split", "our close_notify record in 1-byte writes: reassembled and answered",
      "RFC 8446 §5.1, §6.1", TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_our_cn_split},
    {{"data-and-cn", "data (the request) and our close_notify in one write",
      "RFC 8446 §6.1 (half-close)", TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_data_and_cn},
    {{"server-closes-first",
      "Connection: close, then we stay silent: after its close_notify the server must not hold "
      "the connection past --hold-bound",
      "asio answer (resources remain alive)", TA__CONNECT, TA__BOTH, 1},
     .play = ta__play_server_closes},
    {{"fin-idle", "we close the transport (FIN) without close_notify between requests",
      "RFC 8446 §6.1", TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_fin_idle},
    {{"fin-mid-record", "half a record, then FIN", "RFC 8446 §6.1; §5.2", TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_fin_mid},
    {{"rst-idle", "we reset the connection (RST): the server survives", "RFC 8446 §6.1",
      TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_rst_idle},
    {{"rst-mid-record", "half a record, then RST: the server survives", "RFC 8446 §5.2",
      TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_rst_mid},
    {{"corrupt-record", "a record with a wrong tag: a fatal alert and a close, never an answer",
      "RFC 8446 §5.2 (bad_record_mac)", TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_corrupt},
    {{"idle-timer", "a silent client after the handshake: closed within --idle-bound",
      "RFC 9112 §9.8", TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_idle},
    {{"keepalive-timer", "a silent client after a keep-alive response: closed within --idle-bound",
      "RFC 9112 §9.8", TA__CONNECT, TA__BOTH, 1},
     .play = ta__play_keepalive},
    {{"fatal-then-resume",
      "our fatal alert on a live connection, then an attempt to resume its session",
      "RFC 5246 §7.2.2", TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_fatal_resume},
    {{"starvation", "N finished connections stay silent, then a fresh handshake must complete",
      "asio answer (resources remain alive)", TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_starvation},
    {{"sanity-last", "a handshake after everything else: the server survived", "RFC 8446 §4",
      TA__CONNECT, TA__BOTH, 0},
     .play = ta__play_sanity,
     .last = 1},
};
const size_t ta__sd_rscen_server_n = sizeof(ta__sd_rscen_server) / sizeof(ta__sd_rscen_server[0]);
