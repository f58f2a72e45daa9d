/*
 * example_driver.c - how to fuzz YOUR shutdown code
 *
 *   tlsaudit_add_fuzz_target(NAME example_shutdown TARGET shutdown_schedule
 *                            SOURCES fuzz/examples/example_driver.c
 *                            SYMBOL example_shutdown_driver)
 *
 * A non-blocking bidirectional close written against the driver ABI of
 * tlsaudit.h: send close_notify once, then read (discarding the peer's late
 * application data, RFC 8446 §6.1) until its close_notify (clean), EOF without
 * it (truncated), an error (failed) or a cancel (cancelled).
 */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tlsaudit.h"

typedef struct {
    int close_sent;
} example_state;

/* What a failed SSL_shutdown / SSL_read means for the close (OpenSSL 3.0:
 * EOF without close_notify is SSL_R_UNEXPECTED_EOF_WHILE_READING). */
static ta_sd_answer example_outcome(SSL *ssl, int ret)
{
    int err = SSL_get_error(ssl, ret);
    unsigned long e = ERR_peek_error();

    ERR_clear_error();
    if (err == SSL_ERROR_WANT_READ)
        return TA_SD_PENDING_READ;
    if (err == SSL_ERROR_WANT_WRITE)
        return TA_SD_PENDING_WRITE;
    if (err == SSL_ERROR_ZERO_RETURN)
        return TA_SD_CLEAN;
    if ((err == SSL_ERROR_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
        || (err == SSL_ERROR_SYSCALL && e == 0))
        return TA_SD_TRUNCATED;
    return TA_SD_FAILED;
}

static ta_sd_answer example_step(SSL *ssl, ta_sd_event ev, void *state)
{
    example_state *st = state;
    unsigned char junk[1024];
    size_t got;

    if (ev == TA_SD_CANCEL)
        return TA_SD_CANCELLED;
    if (!st->close_sent) {
        ERR_clear_error();
        int r = SSL_shutdown(ssl);
        if (r == 1)
            return TA_SD_CLEAN; /* the peer's close_notify had already arrived */
        if (r < 0)
            return example_outcome(ssl, r);
        st->close_sent = 1;
    }
    /* Read until WANT_READ (or an outcome). After 16 records it may yield to
     * the event loop, which calls again while bytes wait on the transport, but
     * only when OpenSSL's own buffer is empty: records that read-ahead already
     * pulled in (SSL_has_pending(3)) make no socket readable, so a driver that
     * yielded on them would wait for ever. */
    for (int i = 1;; i++) {
        ERR_clear_error();
        int r = SSL_read_ex(ssl, junk, sizeof(junk), &got);
        if (r != 1)
            return example_outcome(ssl, r);
        if (i >= 16 && !SSL_has_pending(ssl))
            return TA_SD_PENDING_READ;
    }
}

extern const ta_sd_driver example_shutdown_driver;
const ta_sd_driver example_shutdown_driver = {
    .name = "example",
    .summary = "send close_notify, drain until the peer's (fuzz/examples)",
    .state_size = sizeof(example_state),
    .step = example_step,
    .flags = 0,
    .caught_by = "",
};
