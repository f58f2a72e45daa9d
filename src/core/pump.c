/*
 * pump.c - bounded drivers of the pair: handshake, write, read, shutdown.
 *
 * Each round delivers everything queued in both directions, then makes one
 * OpenSSL call per side that still has work. After max_steps rounds a pump gives
 * up with TA_E_BOUND, naming the operation: no loop here waits on a peer for
 * ever. The error queue is cleared before each call whose result is classified.
 */
#include <openssl/err.h>

#include "internal.h"

void ta_io_classify(SSL *ssl, int ret, ta_io_result *r)
{
    r->ret = ret;
    r->ssl_error = ret > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, ret);
    /* libssl's own entry when there is one: with TLS 1.2 AES-GCM a bad record
     * tag queues a provider error (ERR_LIB_PROV) BEFORE libssl's
     * SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC, and reason numbers of different
     * libraries overlap, so comparing the first one to SSL_R_* misleads. */
    r->err = 0;
    for (unsigned long e; (e = ERR_get_error()) != 0;)
        if (r->err == 0 || (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_LIB(r->err) != ERR_LIB_SSL))
            r->err = e;
    r->reason = r->err ? ERR_GET_REASON(r->err) : 0;
    ERR_clear_error();
}

static ta_status ta__deliver_all(ta_pair *p)
{
    TA_GUARD(ta_pair_deliver(p, TA_C2S, TA_ALL, NULL));
    return ta_pair_deliver(p, TA_S2C, TA_ALL, NULL);
}

static int ta__retryable(const ta_io_result *r)
{
    return r->ssl_error == SSL_ERROR_WANT_READ || r->ssl_error == SSL_ERROR_WANT_WRITE;
}

static ta_status ta__io_fail(const char *what, ta_role side, const ta_io_result *r)
{
    /* The classified error was taken off the queue; put it back so that the
     * record carries OpenSSL's error and reason like every TA_E_OSSL. */
    if (r->err != 0)
        ERR_raise(ERR_GET_LIB(r->err), ERR_GET_REASON(r->err));
    return ta__error_set(TA_E_OSSL, r->err != 0, TA__FILE, __LINE__,
                         "%s on the %s: ret %d, SSL_get_error %d", what, ta_role_name(side), r->ret,
                         r->ssl_error);
}

ta_status ta_pair_handshake(ta_pair *p, int max_steps)
{
    for (int step = 0; step < max_steps; step++) {
        int done = 1;
        TA_GUARD(ta__deliver_all(p));
        for (int s = 0; s < TA_ROLE_COUNT; s++) {
            SSL *ssl = ta_pair_ssl(p, (ta_role)s);
            ta_io_result r;
            if (SSL_is_init_finished(ssl))
                continue;
            ERR_clear_error();
            ta_io_classify(ssl, SSL_do_handshake(ssl), &r);
            if (r.ret == 1)
                continue;
            done = 0;
            if (!ta__retryable(&r))
                return ta__io_fail("handshake", (ta_role)s, &r);
        }
        if (done) {
            /* The last flight (e.g. the client's Finished) is still queued;
             * deliver it so that the server sees a complete handshake. */
            TA_GUARD(ta__deliver_all(p));
            return TA_OK;
        }
    }
    TA_BAIL(TA_E_BOUND, "handshake not finished after %d steps", max_steps);
}

ta_status ta_pair_write(ta_pair *p, ta_role side, const void *buf, size_t len, int max_steps)
{
    SSL *ssl = ta_pair_ssl(p, side);

    for (int step = 0; step < max_steps; step++) {
        size_t written = 0;
        ta_io_result r;
        TA_GUARD(ta__deliver_all(p));
        ERR_clear_error();
        ta_io_classify(ssl, SSL_write_ex(ssl, buf, len, &written), &r);
        if (r.ret == 1)
            return TA_OK;
        if (!ta__retryable(&r))
            return ta__io_fail("write", side, &r);
    }
    TA_BAIL(TA_E_BOUND, "write on the %s not finished after %d steps", ta_role_name(side),
            max_steps);
}

ta_status ta_pair_read(ta_pair *p, ta_role side, void *buf, size_t cap, size_t *out_n,
                       int max_steps)
{
    SSL *ssl = ta_pair_ssl(p, side);

    *out_n = 0;
    for (int step = 0; step < max_steps; step++) {
        ta_io_result r;
        TA_GUARD(ta__deliver_all(p));
        ERR_clear_error();
        ta_io_classify(ssl, SSL_read_ex(ssl, buf, cap, out_n), &r);
        if (r.ret == 1)
            return TA_OK;
        if (r.ssl_error == SSL_ERROR_ZERO_RETURN)
            return TA_OK; /* *out_n == 0: the peer's close_notify */
        if (!ta__retryable(&r))
            return ta__io_fail("read", side, &r);
    }
    TA_BAIL(TA_E_BOUND, "read on the %s got nothing after %d steps", ta_role_name(side), max_steps);
}

/* The peer's part of a bidirectional close: read until our close_notify arrives
 * (discarding application data), then answer with its own. */
static ta_status ta__peer_answer(ta_pair *p, ta_role peer)
{
    SSL *ssl = ta_pair_ssl(p, peer);
    unsigned char sink[512];
    size_t n;
    ta_io_result r;

    if (SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN)
        return TA_OK;
    for (int i = 0; i < 64 && !(SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN); i++) {
        ERR_clear_error();
        ta_io_classify(ssl, SSL_read_ex(ssl, sink, sizeof(sink), &n), &r);
        if (r.ret == 1)
            continue;
        if (r.ssl_error == SSL_ERROR_ZERO_RETURN || ta__retryable(&r))
            break;
        return ta__io_fail("reading the close_notify", peer, &r);
    }
    if (SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN) {
        ERR_clear_error();
        int ret = SSL_shutdown(ssl);
        if (ret < 0) {
            ta_io_classify(ssl, ret, &r);
            if (!ta__retryable(&r))
                return ta__io_fail("answering shutdown", peer, &r);
        }
    }
    return TA_OK;
}

ta_status ta_pair_shutdown(ta_pair *p, ta_role side, int max_steps)
{
    SSL *ssl = ta_pair_ssl(p, side);
    ta_role peer = side == TA_CLIENT ? TA_SERVER : TA_CLIENT;

    for (int step = 0; step < max_steps; step++) {
        ta_io_result r;
        TA_GUARD(ta__deliver_all(p));
        ERR_clear_error();
        int ret = SSL_shutdown(ssl);
        if (ret == 1) {
            TA_GUARD(ta__deliver_all(p));
            return TA_OK;
        }
        if (ret < 0) {
            ta_io_classify(ssl, ret, &r);
            if (!ta__retryable(&r))
                return ta__io_fail("shutdown", side, &r);
        }
        /* ret == 0: our close_notify is out; let the peer answer. */
        TA_GUARD(ta__deliver_all(p));
        TA_GUARD(ta__peer_answer(p, peer));
    }
    TA_BAIL(TA_E_BOUND, "shutdown of the %s not finished after %d steps", ta_role_name(side),
            max_steps);
}
