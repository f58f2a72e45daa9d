/*
 * sid_remote_conn.c - one client connection to a live server: a plain SSL over
 * the socket's fd (the fastest client OpenSSL has), every blocking call bounded
 * by the socket's timeouts, and the three ways the audit ends a connection:
 * cleanly, uncleanly, with a fatal alert of ours.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <openssl/err.h>

#include "sid_remote.h"

SSL_CTX *ta__sr_client_ctx(int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        (void)ta__error_set(TA_E_OSSL, 1, TA__FILE, __LINE__, "SSL_CTX_new");
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL); /* ids are the subject, not the chain */
    if (!SSL_CTX_set_min_proto_version(ctx, version)
        || !SSL_CTX_set_max_proto_version(ctx, version)) {
        (void)ta__error_set(TA_E_OSSL, 1, TA__FILE, __LINE__, "protocol version %#x", version);
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* TLS 1.2: offering no ticket extension makes the session id the only way
     * to resume (RFC 5077 §3.4), so the server's generator is what we see. */
    if (version == TLS1_2_VERSION)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    /* Sessions are kept by the collector itself, not a client cache; "client"
     * mode is what makes OpenSSL call the new-session callback (the TLS 1.3
     * tickets). */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    /* A server that answers our close_notify with a bare FIN (s_server -www)
     * must not make our stack fail the connection: OpenSSL 3.0 would then mark
     * the session not resumable, on our side, and resumption would look broken. */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    return ctx;
}

static void ta__sr_timeouts(int fd, double s)
{
    struct timeval tv;
    tv.tv_sec = (time_t)s;
    tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
    if (tv.tv_sec == 0 && tv.tv_usec == 0)
        tv.tv_usec = 1000;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* One line for a failed SSL call: OpenSSL's reason, or the errno (a timeout).
 * 1 when OpenSSL gave a reason (a TLS failure), 0 for the transport. */
static int ta__sr_ssl_error(SSL *ssl, int rc, const char *what, char *err, size_t cap)
{
    int e = SSL_get_error(ssl, rc), saved = errno;
    unsigned long q = ERR_peek_error();
    char buf[160];
    if (q != 0)
        ERR_error_string_n(q, buf, sizeof(buf));
    else if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        snprintf(buf, sizeof(buf), "%s",
                 saved == EAGAIN || saved == EWOULDBLOCK ? "timed out"
                 : saved                                 ? strerror(saved)
                                                         : "connection closed by the server");
    else
        snprintf(buf, sizeof(buf), "SSL error %d", e);
    snprintf(err, cap, "%s: %s", what, buf);
    ERR_clear_error();
    return q != 0 || e == SSL_ERROR_SSL;
}

void ta__sr_conn_free(ta__sr_conn *c)
{
    SSL_free(c->ssl);
    if (c->fd >= 0)
        close(c->fd);
    c->ssl = NULL;
    c->fd = -1;
}

int ta__sr_open(const ta__hostport *hp, SSL_CTX *ctx, SSL_SESSION *resume, double timeout_s,
                ta__sr_conn *c, char *err, size_t cap)
{
    int rc;

    c->fd = -1;
    c->ssl = NULL;
    if (ta__tcp_connect(hp, timeout_s, &c->fd) != TA_OK) {
        snprintf(err, cap, "connect: %s", ta_last_error()->message);
        return -1;
    }
    ta__sr_timeouts(c->fd, timeout_s);
    ERR_clear_error();
    c->ssl = SSL_new(ctx);
    if (c->ssl == NULL || !SSL_set_fd(c->ssl, c->fd)
        || (resume != NULL && !SSL_set_session(c->ssl, resume))) {
        snprintf(err, cap, "SSL_new: out of memory");
        ta__sr_conn_free(c);
        return -2;
    }
    (void)SSL_set_tlsext_host_name(c->ssl, hp->host);
    rc = SSL_connect(c->ssl);
    if (rc != 1) {
        int tls = ta__sr_ssl_error(c->ssl, rc, "handshake", err, cap);
        ta__sr_conn_free(c);
        return tls ? -2 : -1;
    }
    return 0;
}

int ta__sr_close_clean(ta__sr_conn *c, double wait_s)
{
    char buf[4096];
    int answered = 0;
    double end = ta__mono_s() + wait_s;

    ERR_clear_error();
    if (SSL_shutdown(c->ssl) >= 0) {
        ta__sr_timeouts(c->fd, wait_s);
        /* Read what the server still sends (tickets, its close_notify) until it
         * closes; bounded by the socket timeout per read and wait_s in all. */
        while (ta__mono_s() < end) {
            ERR_clear_error();
            int n = SSL_read(c->ssl, buf, sizeof(buf));
            if (n > 0)
                continue;
            int e = SSL_get_error(c->ssl, n);
            answered = e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SSL
                       || (e == SSL_ERROR_SYSCALL && errno != EAGAIN && errno != EWOULDBLOCK);
            break;
        }
    }
    ERR_clear_error();
    ta__sr_conn_free(c);
    return answered;
}

void ta__sr_close_unclean(ta__sr_conn *c, double wait_s)
{
    char buf[512];
    size_t n;
    double end = ta__mono_s() + wait_s;

    /* The server's OpenSSL reads EOF without close_notify: its session is then
     * "bad" (ssl_clear_bad_session), unless its stack keeps it anyway. */
    ta__tcp_fin(c->fd);
    while (ta__mono_s() < end
           && ta__wire_read(c->fd, buf, sizeof(buf), end - ta__mono_s(), &n) == TA__WIRE_DATA)
        ;
    SSL_set_quiet_shutdown(c->ssl, 1);
    ta__sr_conn_free(c);
}

int ta__sr_send_fatal_alert(ta__sr_conn *c)
{
    /* An application_data record the server never sent: its MAC cannot verify,
     * so our stack answers with a fatal bad_record_mac alert (RFC 5246 §7.2.2)
     * on the real socket (the write BIO stays the fd). 48 bytes cover any
     * cipher's explicit nonce and tag. */
    static const unsigned char forged[5 + 48] = {23, 3, 3, 0, 48, 0x5a};
    BIO *mem = BIO_new_mem_buf(forged, sizeof(forged));
    char buf[64];
    int rc;

    if (mem == NULL)
        return -1;
    SSL_set0_rbio(c->ssl, mem); /* the SSL owns it now */
    ERR_clear_error();
    rc = SSL_read(c->ssl, buf, sizeof(buf));
    int e = SSL_get_error(c->ssl, rc);
    ERR_clear_error();
    /* SSL_ERROR_SSL: the record failed and the alert was written. */
    return rc <= 0 && e == SSL_ERROR_SSL ? 0 : -1;
}
