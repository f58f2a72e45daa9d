/*
 * sd_driver_asio.c - models of Boost.Asio's ssl::stream shutdown.
 *
 * Written from reading asio's ssl/detail/impl/engine.ipp, io.hpp and
 * shutdown_op.hpp (not copied): engine::do_shutdown calls SSL_shutdown, and once
 * more when it returned 0; engine::perform turns the result into "want" values:
 *   SSL_ERROR_SSL / SYSCALL        -> the operation completes with that error
 *   WANT_WRITE or new output       -> write it out, retry (or done when ret > 0)
 *   WANT_READ                      -> read from the transport, retry
 *   RECEIVED_SHUTDOWN / ret 1      -> done (eof, which shutdown_op maps to success)
 * A transport EOF while reading ends io_op with error::eof, which
 * engine::map_error_code turns into ssl::error::stream_truncated unless
 * SSL_RECEIVED_SHUTDOWN is set; with OpenSSL 3.0, asio defines stream_truncated
 * as SSL_R_UNEXPECTED_EOF_WHILE_READING, the error OpenSSL gives here too.
 * Cancellation (socket cancel/close) completes the operation with
 * operation_aborted. Asio has no draining read in shutdown: application data
 * after our close_notify fails it (SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY).
 */
#include <openssl/err.h>

#include "internal.h"

ta_sd_answer ta__sd_asio(SSL *ssl, ta_sd_event ev, void *state);
ta_sd_answer ta__sd_asio_fast_close(SSL *ssl, ta_sd_event ev, void *state);

/* One engine::perform(&engine::do_shutdown) and what io_op does with the want
 * value; loops over want_output_and_retry (bounded). */
static ta_sd_answer ta__sd_asio_perform(SSL *ssl)
{
    BIO *wbio = SSL_get_wbio(ssl);

    for (int round = 0; round < 4; round++) {
        size_t before = BIO_ctrl_pending(wbio);
        ERR_clear_error();
        int result = SSL_shutdown(ssl);
        if (result == 0)
            result = SSL_shutdown(ssl);
        int ssl_error = SSL_get_error(ssl, result);
        unsigned long sys_error = ERR_get_error();
        size_t after = BIO_ctrl_pending(wbio);
        ERR_clear_error();

        if (ssl_error == SSL_ERROR_SSL)
            return ERR_GET_REASON(sys_error) == SSL_R_UNEXPECTED_EOF_WHILE_READING
                       ? TA_SD_TRUNCATED /* == asio::ssl::error::stream_truncated */
                       : TA_SD_FAILED;
        if (ssl_error == SSL_ERROR_SYSCALL)
            return sys_error == 0 ? TA_SD_TRUNCATED : TA_SD_FAILED; /* 1.1.1 EOF */
        if (ssl_error == SSL_ERROR_WANT_WRITE)
            return TA_SD_PENDING_WRITE;
        if (after > before) {
            if (result > 0)
                return TA_SD_CLEAN; /* want_output: write, then complete */
            continue;               /* want_output_and_retry */
        }
        if (ssl_error == SSL_ERROR_WANT_READ)
            return TA_SD_PENDING_READ; /* want_input_and_retry */
        if (SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN)
            return TA_SD_CLEAN; /* error::eof, mapped to success by shutdown_op */
        return result > 0 ? TA_SD_CLEAN : TA_SD_FAILED;
    }
    return TA_SD_PENDING_WRITE;
}

ta_sd_answer ta__sd_asio(SSL *ssl, ta_sd_event ev, void *state)
{
    (void)state;
    if (ev == TA_SD_CANCEL)
        return TA_SD_CANCELLED; /* operation_aborted */
    return ta__sd_asio_perform(ssl);
}

/* The answer's second pattern: async_shutdown(...), then async_write of
 * `const char buffer[] = ""` -- one byte (the NUL) -- whose handler closes the
 * transport when it fails with SSL_R_PROTOCOL_IS_SHUTDOWN; closing cancels the
 * pending shutdown. Our close_notify is out and we deliberately stop waiting:
 * "sent". */
ta_sd_answer ta__sd_asio_fast_close(SSL *ssl, ta_sd_event ev, void *state)
{
    (void)state;
    if (ev == TA_SD_CANCEL)
        return TA_SD_CANCELLED;
    ta_sd_answer a = ta__sd_asio_perform(ssl);
    if (TA_SD_IS_FINAL(a))
        return a;
    static const char buffer[] = "";
    ERR_clear_error();
    int r = SSL_write(ssl, buffer, (int)sizeof(buffer));
    int e = SSL_get_error(ssl, r);
    unsigned long err = ERR_peek_error();
    ERR_clear_error();
    if (r <= 0 && e == SSL_ERROR_SSL && ERR_GET_REASON(err) == SSL_R_PROTOCOL_IS_SHUTDOWN)
        return TA_SD_SENT; /* the handler closes the socket: shutdown aborted */
    return TA_SD_FAILED;   /* the write did not fail as the pattern needs */
}
