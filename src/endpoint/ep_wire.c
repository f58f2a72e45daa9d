/*
 * ep_wire.c - the scripted OpenSSL peer on a real socket (wire.h).
 *
 * The peer's SSL sits on two memory BIOs; this file is its transport: what the
 * SSL writes waits in the write BIO until a scenario sends it (whole, split per
 * record, cut or corrupted: ta__wire_take + ta__wire_send), and what the socket
 * gives goes into the read BIO and through SSL_read, so alerts arrive decrypted
 * in the message callback. Every wait is bounded by the caller's window.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "wire.h"

static void ta__wire_event(ta__wire *w, ta__wev_kind k, int level, int desc, size_t n)
{
    ta__wev *e;
    /* Consecutive data events merge: one line per burst, not per record. */
    if (w->nev > 0 && (k == TA__WEV_DATA || k == TA__WEV_AFTER_CN) && w->ev[w->nev - 1].kind == k) {
        w->ev[w->nev - 1].n += n;
        return;
    }
    if (w->nev == TA__WIRE_EVENTS)
        return;
    e = &w->ev[w->nev++];
    e->t = ta__mono_s() - w->t0;
    e->kind = k;
    e->level = level;
    e->desc = desc;
    e->n = n;
}

/* SSL_set_msg_callback(3): alerts the endpoint sent, after decryption. */
static void ta__wire_msg(int write_p, int version, int content_type, const void *buf, size_t len,
                         SSL *ssl, void *arg)
{
    ta__wire *w = arg;
    const uint8_t *b = buf;
    (void)version;
    (void)ssl;
    if (write_p || content_type != SSL3_RT_ALERT || len < 2)
        return;
    if (b[1] == SSL3_AD_CLOSE_NOTIFY) {
        if (!w->cn) {
            w->cn = 1;
            w->t_cn = ta__mono_s() - w->t0;
            ta__wire_event(w, TA__WEV_CN, b[0], b[1], 0);
        }
        return;
    }
    if (b[0] == SSL3_AL_FATAL)
        w->fatal = 1;
    ta__wire_event(w, TA__WEV_ALERT, b[0], b[1], 0);
}

ta_status ta__wire_new(SSL_CTX *ctx, int fd, int is_server, ta__wire **out)
{
    ta__wire *w = calloc(1, sizeof(*w));
    BIO *ir = NULL, *ow = NULL;

    TA_ENSURE(w != NULL, TA_E_NOMEM, "wire peer");
    w->fd = fd;
    w->t0 = ta__mono_s();
    w->ssl = SSL_new(ctx);
    ir = BIO_new(BIO_s_mem());
    ow = BIO_new(BIO_s_mem());
    if (w->ssl == NULL || ir == NULL || ow == NULL) {
        BIO_free(ir);
        BIO_free(ow);
        SSL_free(w->ssl);
        free(w);
        TA_BAIL_OSSL("wire peer: SSL_new");
    }
    BIO_set_mem_eof_return(ir, -1); /* empty: retry, until the socket says FIN */
    SSL_set_bio(w->ssl, ir, ow);
    w->rb = ir;
    w->wb = ow;
    SSL_set_msg_callback(w->ssl, ta__wire_msg);
    SSL_set_msg_callback_arg(w->ssl, w);
    SSL_set_app_data(w->ssl, w); /* the keylog callback of a forging context */
    w->is_server = is_server;
    if (is_server)
        SSL_set_accept_state(w->ssl);
    else {
        SSL_set_connect_state(w->ssl);
        (void)SSL_set_tlsext_host_name(w->ssl, "localhost");
    }
    *out = w;
    return TA_OK;
}

void ta__wire_free(ta__wire *w)
{
    if (w == NULL)
        return;
    SSL_free(w->ssl);
    if (w->fd >= 0)
        close(w->fd);
    ta__buf_free(&w->in);
    ta__buf_free(&w->sent);
    free(w);
}

void ta__wire_take(ta__wire *w, ta__buf *out)
{
    uint8_t b[4096];
    int n;
    while ((n = BIO_read(w->wb, b, sizeof(b))) > 0) {
        /* After a forged record our SSL's sequence numbers are stale: what it
         * writes now (an alert of its own, a KeyUpdate) would not authenticate. */
        if (w->forged)
            continue;
        /* The transcript the forger counts records in (ep_forge.c), bounded. */
        if (w->sent.len < TA__WIRE_SENT_KEEP)
            (void)ta__buf_append(&w->sent, b, (size_t)n);
        if (ta__buf_append(out, b, (size_t)n) != TA_OK)
            break;
    }
}

int ta__wire_send(ta__wire *w, const void *b, size_t n)
{
    return n == 0 ? 0 : ta__wire_write(w->fd, b, n, 2.0);
}

int ta__wire_flush(ta__wire *w, int split)
{
    ta__buf q = {0};
    int rc = 0;
    ta__wire_take(w, &q);
    if (!split)
        rc = ta__wire_send(w, q.data, q.len);
    for (size_t off = 0; split && off + TA__REC_HEADER <= q.len && rc == 0;) {
        size_t len = ta__rec_len(q.data + off);
        if (len > q.len - off)
            len = q.len - off;
        rc = ta__wire_send(w, q.data + off, len);
        off += len;
    }
    ta__buf_free(&q);
    return rc;
}

int ta__wire_queue_data(ta__wire *w, const void *b, size_t n)
{
    ERR_clear_error();
    return SSL_write(w->ssl, b, (int)n) == (int)n ? 0 : -1;
}

int ta__wire_queue_cn(ta__wire *w)
{
    ERR_clear_error();
    return SSL_shutdown(w->ssl) >= 0 ? 0 : -1;
}

/* Run our SSL over what arrived: application data, alerts (message callback),
 * and whatever it answers (flushed: a ticket acknowledgement, our own alert). */
static void ta__wire_pump(ta__wire *w)
{
    uint8_t b[16384];
    for (int i = 0; i < 64 && !w->dead; i++) {
        ERR_clear_error();
        int n = SSL_read(w->ssl, b, sizeof(b));
        if (n > 0) {
            w->app += (size_t)n;
            ta__wire_event(w, TA__WEV_DATA, 0, 0, (size_t)n);
            if (w->in.len < TA__WIRE_APP_KEEP)
                (void)ta__buf_append(&w->in, b, (size_t)n);
            continue;
        }
        int e = SSL_get_error(w->ssl, n);
        if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_WANT_READ)
            break;
        if (e == SSL_ERROR_WANT_WRITE)
            continue;
        /* A fatal alert received (seen by the callback), or bytes our SSL
         * refused: either way the TLS connection is over for us. */
        w->dead = 1;
        if (!w->fatal) {
            snprintf(w->err, sizeof(w->err), "%s",
                     ERR_reason_error_string(ERR_peek_last_error())
                         ? ERR_reason_error_string(ERR_peek_last_error())
                         : "TLS error");
            ta__wire_event(w, TA__WEV_ERROR, 0, 0, 0);
        }
    }
    (void)ta__wire_flush(w, 0);
}

/* Feed n bytes from the socket: through the SSL until its close_notify, raw
 * after it (RFC 8446 §6.1: nothing may follow a close_notify). */
static void ta__wire_feed(ta__wire *w, const uint8_t *b, size_t n)
{
    if (w->cn || w->dead) {
        if (w->cn) {
            w->after_cn += n;
            ta__wire_event(w, TA__WEV_AFTER_CN, 0, 0, n);
        }
        return;
    }
    (void)BIO_write(w->rb, b, (int)n);
    ta__wire_pump(w);
    /* Bytes our SSL has not consumed when the close_notify arrived follow it. */
    if (w->cn && BIO_ctrl_pending(w->rb) > 0) {
        size_t left = BIO_ctrl_pending(w->rb);
        w->after_cn += left;
        ta__wire_event(w, TA__WEV_AFTER_CN, 0, 0, left);
        (void)BIO_reset(w->rb);
    }
}

void ta__wire_observe(ta__wire *w, double window_s, int (*done)(const ta__wire *w, void *arg),
                      void *arg)
{
    const double deadline = ta__mono_s() + window_s;
    uint8_t b[16384];

    while (!w->fin && !w->rst && (done == NULL || !done(w, arg))) {
        double left = deadline - ta__mono_s();
        size_t n;
        if (left <= 0) {
            ta__wire_event(w, TA__WEV_OPEN, 0, 0, 0);
            return;
        }
        ta__wire_ev e = ta__wire_read(w->fd, b, sizeof(b), left, &n);
        if (e == TA__WIRE_DATA)
            ta__wire_feed(w, b, n);
        else if (e == TA__WIRE_FIN || e == TA__WIRE_RST) {
            *(e == TA__WIRE_FIN ? &w->fin : &w->rst) = 1;
            w->t_fin = ta__mono_s() - w->t0;
            ta__wire_event(w, e == TA__WIRE_FIN ? TA__WEV_FIN : TA__WEV_RST, 0, 0, 0);
        } else if (e == TA__WIRE_ERROR) {
            w->rst = 1; /* another socket error: the connection is gone */
            w->t_fin = ta__mono_s() - w->t0;
            ta__wire_event(w, TA__WEV_RST, 0, 0, n);
        }
    }
}

int ta__wire_handshake(ta__wire *w, double timeout_s)
{
    const double deadline = ta__mono_s() + timeout_s;
    uint8_t b[16384];

    for (;;) {
        ERR_clear_error();
        int r = SSL_do_handshake(w->ssl);
        int e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(w->ssl, r);
        if (ta__wire_flush(w, 0) != 0 && r != 1) {
            snprintf(w->err, sizeof(w->err), "write: %s", strerror(errno));
            return 0;
        }
        if (r == 1)
            return 1;
        if (e != SSL_ERROR_WANT_READ) {
            const char *why = ERR_reason_error_string(ERR_peek_last_error());
            snprintf(w->err, sizeof(w->err), "handshake: %s", why ? why : "failed");
            return 0;
        }
        double left = deadline - ta__mono_s();
        size_t n;
        ta__wire_ev ev = left > 0 ? ta__wire_read(w->fd, b, sizeof(b), left, &n) : TA__WIRE_OPEN;
        if (ev != TA__WIRE_DATA) {
            snprintf(w->err, sizeof(w->err), "handshake: %s",
                     ev == TA__WIRE_OPEN ? "no answer within the window" : ta__wire_ev_name(ev));
            return 0;
        }
        (void)BIO_write(w->rb, b, (int)n);
    }
}

const char *ta__alert_name(int desc)
{
    return SSL_alert_desc_string_long(desc);
}

void ta__wire_events_text(const ta__wire *w, size_t from, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = from; i < w->nev && len + 1 < cap; i++) {
        const ta__wev *e = &w->ev[i];
        const char *sep = len ? " " : "";
        int k;
        switch (e->kind) {
        case TA__WEV_CN:
            k = snprintf(out + len, cap - len, "%scn@%.2f", sep, e->t);
            break;
        case TA__WEV_ALERT:
            k = snprintf(out + len, cap - len, "%salert(%s,%s)@%.2f", sep,
                         e->level == SSL3_AL_FATAL ? "fatal" : "warning", ta__alert_name(e->desc),
                         e->t);
            break;
        case TA__WEV_DATA:
        case TA__WEV_AFTER_CN:
            k = snprintf(out + len, cap - len, "%s%s:%zu", sep,
                         e->kind == TA__WEV_DATA ? "data" : "after-cn", e->n);
            break;
        default: {
            static const char *const nm[] = {"", "", "", "", "fin", "rst", "open", "tls-error"};
            k = snprintf(out + len, cap - len, "%s%s@%.2f", sep, nm[e->kind], e->t);
        }
        }
        if (k < 0 || (size_t)k >= cap - len)
            break;
        len += (size_t)k;
    }
}
