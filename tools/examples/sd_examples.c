/*
 * sd_examples.c - shutdown drivers in a shared object, for
 * `tlsaudit shutdown --lib sd_examples.so --symbol NAME` and its tests.
 * Only OpenSSL and the ABI types of tlsaudit.h; no tlsaudit code inside.
 *
 *   sd_example_drain  a correct driver: SSL_shutdown once, then SSL_read until
 *                     SSL_ERROR_ZERO_RETURN (SSL_shutdown(3))
 *   sd_example_crash  correct until the peer's bytes arrive, then dereferences NULL
 *   sd_example_hang   correct, except that a cancel makes it loop for ever
 *   sd_example_static_sent  sd_example_drain with its "close_notify sent" flag in a
 *                     static: the process's second connection sends none (caught by
 *                     the second-connection scenario; sd_example_drain is its twin)
 */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tlsaudit.h"

typedef struct {
    int sent;
} ex_state;

static ta_sd_answer ex_drain_with(SSL *ssl, ta_sd_event ev, int *sent)
{
    unsigned char buf[1024];
    size_t n;

    if (ev == TA_SD_CANCEL)
        return TA_SD_CANCELLED;
    if (!*sent) {
        ERR_clear_error();
        int r = SSL_shutdown(ssl);
        if (r == 1)
            return TA_SD_CLEAN;
        if (r < 0) {
            int e = SSL_get_error(ssl, r);
            ERR_clear_error();
            /* A full transport: call again when writable (SSL_get_error(3)). */
            if (e == SSL_ERROR_WANT_WRITE)
                return TA_SD_PENDING_WRITE;
            return e == SSL_ERROR_WANT_READ ? TA_SD_PENDING_READ : TA_SD_FAILED;
        }
        *sent = 1;
    }
    /* Until WANT_READ or an outcome; it yields after 16 records only with
     * OpenSSL's buffer empty: records read-ahead pulled in make no transport
     * readable (SSL_has_pending(3)), and nobody would call again. */
    for (int i = 1;; i++) {
        ERR_clear_error();
        int r = SSL_read_ex(ssl, buf, sizeof(buf), &n);
        if (r == 1) {
            if (i >= 16 && !SSL_has_pending(ssl))
                return TA_SD_PENDING_READ;
            continue;
        }
        int e = SSL_get_error(ssl, r);
        unsigned long err = ERR_peek_error();
        ERR_clear_error();
        if (e == SSL_ERROR_WANT_READ)
            return TA_SD_PENDING_READ;
        if (e == SSL_ERROR_ZERO_RETURN)
            return TA_SD_CLEAN;
        if (e == SSL_ERROR_SYSCALL
            || (e == SSL_ERROR_SSL && ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING))
            return TA_SD_TRUNCATED;
        return TA_SD_FAILED;
    }
}

static ta_sd_answer ex_drain(SSL *ssl, ta_sd_event ev, void *state)
{
    return ex_drain_with(ssl, ev, &((ex_state *)state)->sent);
}

/* The mistake: per-connection state in a static. */
static ta_sd_answer ex_static_sent(SSL *ssl, ta_sd_event ev, void *state)
{
    static int sent;
    (void)state;
    return ex_drain_with(ssl, ev, &sent);
}

static ta_sd_answer ex_crash(SSL *ssl, ta_sd_event ev, void *state)
{
    if (ev == TA_SD_READABLE) {
        volatile int *volatile p = NULL;
        *p = 1;
    }
    return ex_drain(ssl, ev, state);
}

static ta_sd_answer ex_hang(SSL *ssl, ta_sd_event ev, void *state)
{
    volatile int forever = 1;
    while (ev == TA_SD_CANCEL && forever)
        ;
    return ex_drain(ssl, ev, state);
}

const ta_sd_driver sd_example_drain = {
    "example-drain", "drain, from a shared object", sizeof(ex_state), ex_drain, 0, ""};
const ta_sd_driver sd_example_crash = {"example-crash",  "crashes on the first readable event",
                                       sizeof(ex_state), ex_crash,
                                       TA_SD_CANARY,     ""};
const ta_sd_driver sd_example_hang = {"example-hang",   "loops for ever on cancel",
                                      sizeof(ex_state), ex_hang,
                                      TA_SD_CANARY,     "peer-silent-cancel"};
const ta_sd_driver sd_example_static_sent = {
    "example-static-sent", "drain with its sent flag in a static", 0, ex_static_sent, TA_SD_CANARY,
    "second-connection"};
