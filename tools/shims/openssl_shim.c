/*
 * openssl_shim.c - the shim for OpenSSL used the way a non-blocking event loop
 * uses it: one socket in O_NONBLOCK, SSL_connect / SSL_read_ex / SSL_shutdown
 * retried on SSL_ERROR_WANT_READ / WANT_WRITE after poll(). The protocol is
 * tools/shims/README.md.
 *
 * Shutdown follows SSL_shutdown(3): 1 means both close_notifys are done (clean);
 * 0 means ours went out and the peer's has not arrived, so SSL_read until it does
 * (SSL_ERROR_ZERO_RETURN), then SSL_shutdown once more for its 1; -1 with
 * WANT_READ/WANT_WRITE means wait for the socket. The peer closing the transport
 * without close_notify is SSL_ERROR_SSL with SSL_R_UNEXPECTED_EOF_WHILE_READING
 * on OpenSSL 3.0+ (SSL_ERROR_SYSCALL with errno 0 on 1.1.1): truncated. The error
 * queue is cleared before every call whose result is classified (a stale entry
 * turns WANT_READ into a hard error). The cancel timer is a deadline on the
 * shutdown's waits: at expiry the shim stops calling SSL_shutdown and closes the
 * socket, which is how an event loop cancels a non-blocking shutdown.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "shim_common.h"

/* What the shim owns, freed before the verdict is printed. */
static struct {
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
    long cancel_ms;
} g = {NULL, NULL, -1, 0};

static void done(ta_shim_verdict v, const char *why)
{
    SSL_free(g.ssl);
    SSL_CTX_free(g.ctx);
    if (g.fd >= 0)
        close(g.fd);
    ta_shim_finish(v, why);
}

/* The first error of the queue as text, for failed:<why> and stderr. */
static void fail_ssl(const char *op, int err)
{
    unsigned long e = ERR_peek_error();
    const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;
    char why[256];

    fprintf(stderr, "openssl shim: %s: SSL_get_error %d\n", op, err);
    ERR_print_errors_fp(stderr);
    snprintf(why, sizeof(why), "%s", reason != NULL ? reason : "SSL error without a reason");
    done(TA_SHIM_FAILED, why);
}

/* The transport ended without close_notify: both spellings of it across
 * OpenSSL versions (see the file comment). */
static int is_truncation(int err)
{
    if (err == SSL_ERROR_SYSCALL)
        return 1;
    return err == SSL_ERROR_SSL
           && ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

/* Wait for what err asks for; 0 when the deadline passed first. Any other
 * error is classified by the caller before it gets here. */
static int wait_for(int err, long long deadline_ms)
{
    int r = ta_shim_wait(g.fd, err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, deadline_ms);
    if (r < 0)
        done(TA_SHIM_FAILED, strerror(errno));
    return r;
}

/* The cancel timer fired: stop calling OpenSSL, close the socket. */
static void cancelled(void)
{
    fprintf(stderr, "openssl shim: cancel timer (%ld ms) fired\n", g.cancel_ms);
    done(TA_SHIM_CANCELLED, NULL);
}

static void handshake(void)
{
    for (;;) {
        ERR_clear_error();
        int r = SSL_connect(g.ssl);
        if (r == 1)
            return;
        int err = SSL_get_error(g.ssl, r);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
            fail_ssl("SSL_connect", err);
        /* No deadline: a handshake that never ends is a hang for tlsaudit to see. */
        (void)wait_for(err, -1);
    }
}

/* Read until read_n bytes arrived (read_n < 0: until the stream ends); the
 * count goes to *total_out. Returns 1 when the peer's close_notify ended the
 * stream, 0 when read_n bytes arrived first; a truncation or an error ends the
 * shim here. */
static int read_phase(long read_n, long *total_out)
{
    unsigned char buf[16384];
    long total = 0;

    while (read_n < 0 || total < read_n) {
        size_t want = sizeof(buf), n = 0;
        if (read_n >= 0 && (size_t)(read_n - total) < want)
            want = (size_t)(read_n - total);
        ERR_clear_error();
        if (SSL_read_ex(g.ssl, buf, want, &n) == 1) {
            total += (long)n;
            *total_out = total;
            ta_shim_report_read(total);
            continue;
        }
        int err = SSL_get_error(g.ssl, 0);
        if (err == SSL_ERROR_ZERO_RETURN)
            return 1;
        if (is_truncation(err)) {
            fprintf(stderr, "openssl shim: SSL_read_ex: transport closed without "
                            "close_notify (errno %d)\n",
                    errno);
            done(TA_SHIM_TRUNCATED, NULL);
        }
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
            fail_ssl("SSL_read_ex", err);
        (void)wait_for(err, -1);
    }
    return 0;
}

/* After our close_notify went out (SSL_shutdown returned 0): SSL_read until the
 * peer's close_notify (SSL_ERROR_ZERO_RETURN), as SSL_shutdown(3) says, then
 * SSL_shutdown once more for its 1. Reading rather than calling SSL_shutdown
 * again is what lets a TLS 1.3 peer send data after our close_notify (RFC 8446
 * §6.1): SSL_shutdown refuses it (SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY),
 * SSL_read hands it over; it counts in the "read N" lines. */
static void drain(long long deadline, long *total)
{
    unsigned char buf[16384];

    for (;;) {
        size_t n = 0;
        if (deadline >= 0 && ta_shim_now_ms() >= deadline)
            cancelled(); /* a peer that keeps sending does not outlast the timer */
        ERR_clear_error();
        if (SSL_read_ex(g.ssl, buf, sizeof(buf), &n) == 1) {
            *total += (long)n;
            ta_shim_report_read(*total);
            continue;
        }
        int err = SSL_get_error(g.ssl, 0);
        if (err == SSL_ERROR_ZERO_RETURN) {
            ERR_clear_error();
            int r = SSL_shutdown(g.ssl);
            if (r == 1)
                done(TA_SHIM_CLEAN, NULL);
            fail_ssl("SSL_shutdown after the peer's close_notify", SSL_get_error(g.ssl, r));
        }
        if (is_truncation(err)) {
            fprintf(stderr, "openssl shim: SSL_read_ex after our close_notify: transport "
                            "closed without close_notify (errno %d)\n",
                    errno);
            done(TA_SHIM_TRUNCATED, NULL);
        }
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
            fail_ssl("SSL_read_ex after our close_notify", err);
        if (wait_for(err, deadline) == 0)
            cancelled();
    }
}

static void shutdown_phase(long long deadline, long *total)
{
    for (;;) {
        ERR_clear_error();
        int r = SSL_shutdown(g.ssl);
        if (r == 1)
            done(TA_SHIM_CLEAN, NULL);
        if (r == 0)
            drain(deadline, total); /* does not return */
        int err = SSL_get_error(g.ssl, r);
        if (is_truncation(err)) {
            fprintf(stderr, "openssl shim: SSL_shutdown: transport closed without "
                            "close_notify (errno %d)\n",
                    errno);
            done(TA_SHIM_TRUNCATED, NULL);
        }
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
            fail_ssl("SSL_shutdown", err);
        if (wait_for(err, deadline) == 0)
            cancelled();
    }
}

int main(void)
{
    ta_shim_env e = ta_shim_env_read();
    int version = e.tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;

    g.ctx = SSL_CTX_new(TLS_client_method());
    if (g.ctx == NULL || !SSL_CTX_set_min_proto_version(g.ctx, version)
        || !SSL_CTX_set_max_proto_version(g.ctx, version))
        fail_ssl("SSL_CTX_new", 0);
    if (e.ca != NULL) {
        if (!SSL_CTX_load_verify_locations(g.ctx, e.ca, NULL))
            fail_ssl("SSL_CTX_load_verify_locations", 0);
        SSL_CTX_set_verify(g.ctx, SSL_VERIFY_PEER, NULL);
    }
    g.fd = ta_shim_connect(&e, 1);
    g.ssl = SSL_new(g.ctx);
    if (g.ssl == NULL || !SSL_set_fd(g.ssl, g.fd))
        fail_ssl("SSL_new", 0);
    handshake();
    long total = 0;
    (void)read_phase(e.read_n, &total);
    /* Both ways the read ends (N bytes, or the peer's close_notify) lead to our
     * own shutdown: after a received close_notify SSL_shutdown answers it and
     * returns 1 at once. The cancel timer starts with the shutdown. */
    g.cancel_ms = e.cancel_ms;
    shutdown_phase(e.cancel_ms > 0 ? ta_shim_now_ms() + e.cancel_ms : -1, &total);
    return 0; /* not reached: shutdown_phase always finishes */
}
