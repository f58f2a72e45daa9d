/*
 * my_shutdown.c - the shutdown code a user of the tlsaudit package audits,
 * written as a ta_sd_driver (tlsaudit.h): tlsaudit calls step() on each event
 * of the event loop and reads back what the application would conclude.
 *
 * SSL_shutdown(3): send our close_notify once, then SSL_read until
 * SSL_ERROR_ZERO_RETURN (the peer's close_notify: a clean close). An EOF
 * before it is a truncation (RFC 8446 §6.1), never a clean close.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tlsaudit.h"

struct consumer_state {
    int close_sent;
};

static ta_sd_answer consumer_read_reply(SSL *ssl)
{
    unsigned char sink[512];
    size_t got;

    /* Application data still in flight is read and dropped, until WANT_READ.
     * After 32 records it yields to the event loop, but only with OpenSSL's
     * buffer empty: records read-ahead pulled in (SSL_has_pending(3)) make no
     * socket readable, and the loop would never call again. */
    for (int round = 1;; round++) {
        ERR_clear_error();
        int r = SSL_read_ex(ssl, sink, sizeof(sink), &got);
        if (r == 1) {
            if (round >= 32 && !SSL_has_pending(ssl))
                return TA_SD_PENDING_READ;
            continue;
        }
        int err = SSL_get_error(ssl, r);
        unsigned long lib = ERR_peek_error();
        ERR_clear_error();
        switch (err) {
        case SSL_ERROR_WANT_READ:
            return TA_SD_PENDING_READ;
        case SSL_ERROR_WANT_WRITE:
            return TA_SD_PENDING_WRITE;
        case SSL_ERROR_ZERO_RETURN:
            return TA_SD_CLEAN;
        case SSL_ERROR_SYSCALL:
            return TA_SD_TRUNCATED;
        case SSL_ERROR_SSL:
            return ERR_GET_REASON(lib) == SSL_R_UNEXPECTED_EOF_WHILE_READING ? TA_SD_TRUNCATED
                                                                             : TA_SD_FAILED;
        default:
            return TA_SD_FAILED;
        }
    }
}

static ta_sd_answer consumer_step(SSL *ssl, ta_sd_event ev, void *state)
{
    struct consumer_state *st = state;

    if (ev == TA_SD_CANCEL)
        return TA_SD_CANCELLED;
    if (!st->close_sent) {
        ERR_clear_error();
        int r = SSL_shutdown(ssl);
        if (r < 0) {
            int e = SSL_get_error(ssl, r);
            ERR_clear_error();
            /* A full transport holds our close_notify: call again when writable,
             * then again for the rest (SSL_get_error(3)). */
            if (e == SSL_ERROR_WANT_WRITE)
                return TA_SD_PENDING_WRITE;
            return e == SSL_ERROR_WANT_READ ? TA_SD_PENDING_READ : TA_SD_FAILED;
        }
        st->close_sent = 1;
        if (r == 1) /* the peer's close_notify had already been read */
            return TA_SD_CLEAN;
    }
    return consumer_read_reply(ssl);
}

const ta_sd_driver consumer_shutdown = {"consumer-shutdown",
                                        "send close_notify, read until the peer's",
                                        sizeof(struct consumer_state),
                                        consumer_step,
                                        0,
                                        ""};
