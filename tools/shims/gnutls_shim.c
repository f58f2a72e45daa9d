/*
 * gnutls_shim.c - the shim for GnuTLS: a session in GNUTLS_NONBLOCK mode over a
 * non-blocking socket, gnutls_handshake / gnutls_record_recv / gnutls_bye
 * retried on GNUTLS_E_AGAIN after poll() in the direction
 * gnutls_record_get_direction() names. The protocol is tools/shims/README.md.
 *
 * What GnuTLS says, and the verdict it becomes:
 *   gnutls_record_recv() == 0                 the peer's close_notify
 *   GNUTLS_E_PREMATURE_TERMINATION            the transport closed without it: truncated
 *   gnutls_bye(GNUTLS_SHUT_RDWR) == 0         both close_notifys done: clean
 *   any other fatal code                      failed:<gnutls_strerror>
 * The cancel timer is a deadline on gnutls_bye's waits: at expiry the shim stops
 * calling gnutls_bye and closes the socket (cancelled), which is how an event loop
 * cancels a non-blocking GnuTLS shutdown.
 */
#include <gnutls/gnutls.h>

#include "shim_common.h"

/* What the shim owns, freed before the verdict is printed. */
static struct {
    gnutls_certificate_credentials_t cred;
    gnutls_session_t s;
    int fd;
} g = {NULL, NULL, -1};

static void done(ta_shim_verdict v, const char *why)
{
    if (g.s != NULL)
        gnutls_deinit(g.s);
    if (g.cred != NULL)
        gnutls_certificate_free_credentials(g.cred);
    if (g.fd >= 0)
        close(g.fd);
    gnutls_global_deinit();
    ta_shim_finish(v, why);
}

static void fail_gnutls(const char *op, int r)
{
    fprintf(stderr, "gnutls shim: %s: %d %s\n", op, r, gnutls_strerror(r));
    done(TA_SHIM_FAILED, gnutls_strerror(r));
}

/* A retry (GNUTLS_E_AGAIN, GNUTLS_E_INTERRUPTED): wait in the direction GnuTLS
 * names. 0 when the deadline passed first. */
static int wait_retry(long long deadline_ms)
{
    short ev = gnutls_record_get_direction(g.s) ? POLLOUT : POLLIN;
    int r = ta_shim_wait(g.fd, ev, deadline_ms);
    if (r < 0)
        done(TA_SHIM_FAILED, strerror(errno));
    return r;
}

static int is_retry(int r)
{
    return r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED;
}

static void handshake(void)
{
    for (;;) {
        int r = gnutls_handshake(g.s);
        if (r == GNUTLS_E_SUCCESS)
            return;
        if (is_retry(r))
            (void)wait_retry(-1); /* no deadline: a stuck handshake is a hang */
        else if (gnutls_error_is_fatal(r))
            fail_gnutls("gnutls_handshake", r);
        else
            fprintf(stderr, "gnutls shim: gnutls_handshake: %s (not fatal)\n",
                    gnutls_strerror(r));
    }
}

/* Read until read_n bytes arrived (read_n < 0: until the stream ends); a
 * truncation or an error ends the shim here. */
static void read_phase(long read_n)
{
    char buf[16384];
    long total = 0;

    while (read_n < 0 || total < read_n) {
        size_t want = sizeof(buf);
        if (read_n >= 0 && (size_t)(read_n - total) < want)
            want = (size_t)(read_n - total);
        ssize_t r = gnutls_record_recv(g.s, buf, want);
        if (r > 0) {
            total += (long)r;
            ta_shim_report_read(total);
        } else if (r == 0) {
            return; /* the peer's close_notify */
        } else if (is_retry((int)r)) {
            (void)wait_retry(-1);
        } else if (r == GNUTLS_E_PREMATURE_TERMINATION) {
            fprintf(stderr, "gnutls shim: gnutls_record_recv: %s\n", gnutls_strerror((int)r));
            done(TA_SHIM_TRUNCATED, NULL);
        } else if (gnutls_error_is_fatal((int)r)) {
            fail_gnutls("gnutls_record_recv", (int)r);
        } else {
            /* A warning alert or a rehandshake request: GnuTLS goes on. */
            fprintf(stderr, "gnutls shim: gnutls_record_recv: %s (not fatal)\n",
                    gnutls_strerror((int)r));
        }
    }
}

static void shutdown_phase(long cancel_ms)
{
    long long deadline = cancel_ms > 0 ? ta_shim_now_ms() + cancel_ms : -1;

    for (;;) {
        int r = gnutls_bye(g.s, GNUTLS_SHUT_RDWR);
        if (r == GNUTLS_E_SUCCESS)
            done(TA_SHIM_CLEAN, NULL);
        if (r == GNUTLS_E_PREMATURE_TERMINATION) {
            fprintf(stderr, "gnutls shim: gnutls_bye: %s\n", gnutls_strerror(r));
            done(TA_SHIM_TRUNCATED, NULL);
        }
        if (!is_retry(r))
            fail_gnutls("gnutls_bye", r);
        if (wait_retry(deadline) == 0) {
            fprintf(stderr, "gnutls shim: cancel timer (%ld ms) fired\n", cancel_ms);
            done(TA_SHIM_CANCELLED, NULL);
        }
    }
}

int main(void)
{
    ta_shim_env e = ta_shim_env_read();
    const char *prio = e.tls13 ? "NORMAL:-VERS-ALL:+VERS-TLS1.3" : "NORMAL:-VERS-ALL:+VERS-TLS1.2";
    int r;

    if ((r = gnutls_global_init()) < 0)
        fail_gnutls("gnutls_global_init", r);
    if ((r = gnutls_certificate_allocate_credentials(&g.cred)) < 0)
        fail_gnutls("gnutls_certificate_allocate_credentials", r);
    if (e.ca != NULL
        && (r = gnutls_certificate_set_x509_trust_file(g.cred, e.ca, GNUTLS_X509_FMT_PEM)) <= 0)
        fail_gnutls("gnutls_certificate_set_x509_trust_file", r < 0 ? r : GNUTLS_E_FILE_ERROR);
    if ((r = gnutls_init(&g.s, GNUTLS_CLIENT | GNUTLS_NONBLOCK)) < 0)
        fail_gnutls("gnutls_init", r);
    if ((r = gnutls_priority_set_direct(g.s, prio, NULL)) < 0)
        fail_gnutls("gnutls_priority_set_direct", r);
    if ((r = gnutls_credentials_set(g.s, GNUTLS_CRD_CERTIFICATE, g.cred)) < 0)
        fail_gnutls("gnutls_credentials_set", r);
    if (e.ca != NULL)
        gnutls_session_set_verify_cert(g.s, NULL, 0); /* the chain, not the name */
    g.fd = ta_shim_connect(&e, 1);
    gnutls_transport_set_int(g.s, g.fd);
    handshake();
    read_phase(e.read_n);
    shutdown_phase(e.cancel_ms);
    return 0; /* not reached: shutdown_phase always finishes */
}
