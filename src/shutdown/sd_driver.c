/*
 * sd_driver.c - the built-in shutdown drivers (the code under test).
 *
 * Each models a real way of closing a TLS connection with OpenSSL, written
 * against the driver ABI of tlsaudit.h: the harness calls step() with an event
 * and the driver answers pending-read / pending-write or a final verdict. None
 * of them blocks or loops on the peer: every loop here is bounded, and the
 * canaries break the contract on purpose (the suite must catch them).
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>

#include "internal.h"

/* Records read per READABLE event before a drain-like driver yields back, for
 * fairness in an event loop. It yields only while OpenSSL's own buffer is empty:
 * the harness, like poll(2), calls again at once while bytes wait on the
 * transport, but it cannot see records read-ahead already pulled in (a burst of
 * more than this many records and a close_notify in one delivery stalled drain). */
#define TA__SD_READS_PER_EVENT 32

/* Classification of a failed SSL_shutdown / SSL_read shared by the drivers that
 * tell a truncation from an error: OpenSSL 3.0 reports EOF without close_notify as
 * SSL_ERROR_SSL + SSL_R_UNEXPECTED_EOF_WHILE_READING, 1.1.1 as SSL_ERROR_SYSCALL
 * with an empty queue (measured on both; ssl/record/rec_layer_s3.c). */
static ta_sd_answer ta__sd_classify(SSL *ssl, int ret, int eof_answer)
{
    int e = SSL_get_error(ssl, ret);
    unsigned long err = ERR_peek_error();

    ERR_clear_error();
    switch (e) {
    case SSL_ERROR_WANT_READ:
        return TA_SD_PENDING_READ;
    case SSL_ERROR_WANT_WRITE:
        return TA_SD_PENDING_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        return TA_SD_CLEAN;
    case SSL_ERROR_SYSCALL:
        return err == 0 ? (ta_sd_answer)eof_answer : TA_SD_FAILED;
    case SSL_ERROR_SSL:
        return ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING ? (ta_sd_answer)eof_answer
                                                                         : TA_SD_FAILED;
    default:
        return TA_SD_FAILED;
    }
}

/* ------------------------------------------------------------ drain */

/* OpenSSL's recommendation (SSL_shutdown(3), "bidirectional shutdown"): one
 * SSL_shutdown to send close_notify, then SSL_read until SSL_ERROR_ZERO_RETURN,
 * discarding application data the peer still had in flight (RFC 8446 §6.1
 * half-close). */
typedef struct {
    int sent;
} ta__sd_drain_state;

/* How a drain-like driver reads once its close_notify is out. */
typedef enum {
    TA__SD_READ_ALL,      /* until WANT_READ or a verdict (drain) */
    TA__SD_READ_YIELD,    /* one record of data per wake-up, then wait for readability */
    TA__SD_READ_YIELD_OK, /* the same, but it keeps reading while SSL_has_pending() */
    TA__SD_READ_BOUNDED,  /* at most TA__SD_READS_PER_EVENT records, then wait for readability */
} ta__sd_read_style;

static ta_sd_answer ta__sd_drain_with(SSL *ssl, ta_sd_event ev, int *sent, int eof_answer,
                                      ta__sd_read_style style)
{
    unsigned char sink[2048];
    size_t n;

    if (ev == TA_SD_CANCEL)
        return TA_SD_CANCELLED;
    if (!*sent) {
        ERR_clear_error();
        int r = SSL_shutdown(ssl);
        if (r == 1)
            return TA_SD_CLEAN;
        if (r < 0)
            return ta__sd_classify(ssl, r, eof_answer);
        *sent = 1;
    }
    /* Bounded by what was delivered: each pass takes a record out of OpenSSL's
     * buffer or the transport, and a read with neither answers WANT_READ. */
    for (int i = 1;; i++) {
        ERR_clear_error();
        int r = SSL_read_ex(ssl, sink, sizeof(sink), &n);
        if (r != 1)
            return ta__sd_classify(ssl, r, eof_answer);
        /* Data sent before the peer's close_notify: discarded. An event loop that
         * hands it to the application and waits for the next readability event
         * stalls when OpenSSL's read-ahead already holds what came with it (the
         * transport is empty): SSL_has_pending(3) says so. */
        if (style == TA__SD_READ_YIELD || (style == TA__SD_READ_YIELD_OK && !SSL_has_pending(ssl)))
            return TA_SD_PENDING_READ;
        if (i >= TA__SD_READS_PER_EVENT && (style == TA__SD_READ_BOUNDED || !SSL_has_pending(ssl)))
            return TA_SD_PENDING_READ;
    }
}

static ta_sd_answer ta__sd_drain_core(SSL *ssl, ta_sd_event ev, void *state, int eof_answer)
{
    return ta__sd_drain_with(ssl, ev, &((ta__sd_drain_state *)state)->sent, eof_answer,
                             TA__SD_READ_ALL);
}

static ta_sd_answer ta__sd_drain(SSL *ssl, ta_sd_event ev, void *state)
{
    return ta__sd_drain_core(ssl, ev, state, TA_SD_TRUNCATED);
}

/* ------------------------------------------------------------ specimens (issue 14) */

/* Faulty and correct twins of real mistakes; each faulty one is a canary that
 * named scenarios must catch, and exhaustive mode too. */

/* yield-after-data: one read per wake-up (see ta__sd_drain_with). */
static ta_sd_answer ta__sd_yield_after_data(SSL *ssl, ta_sd_event ev, void *state)
{
    return ta__sd_drain_with(ssl, ev, &((ta__sd_drain_state *)state)->sent, TA_SD_TRUNCATED,
                             TA__SD_READ_YIELD);
}

/* Its twin: the same loop, which goes on while SSL_has_pending(). */
static ta_sd_answer ta__sd_yield_checks_pending(SSL *ssl, ta_sd_event ev, void *state)
{
    return ta__sd_drain_with(ssl, ev, &((ta__sd_drain_state *)state)->sent, TA_SD_TRUNCATED,
                             TA__SD_READ_YIELD_OK);
}

/* bounded-reads: drain whose read loop yields after TA__SD_READS_PER_EVENT
 * records whatever OpenSSL still holds (the mistake this file's own drain, and
 * tlsaudit's examples, once made): a burst of records read ahead with the
 * close_notify stalls it. Its twin is drain, which yields only with the buffer
 * empty. */
static ta_sd_answer ta__sd_bounded_reads(SSL *ssl, ta_sd_event ev, void *state)
{
    return ta__sd_drain_with(ssl, ev, &((ta__sd_drain_state *)state)->sent, TA_SD_TRUNCATED,
                             TA__SD_READ_BOUNDED);
}

/* static-sent: drain with its "close_notify sent" flag in a static variable, so
 * the next connection of the process believes it sent one already. Its twin is
 * drain, which keeps the flag in its state block. */
static int ta__sd_static_sent_flag;
static ta_sd_answer ta__sd_static_sent(SSL *ssl, ta_sd_event ev, void *state)
{
    (void)state;
    return ta__sd_drain_with(ssl, ev, &ta__sd_static_sent_flag, TA_SD_TRUNCATED, TA__SD_READ_ALL);
}

/* want-write-reads: drain, but on WANT_WRITE it waits for readability: its
 * close_notify stays in OpenSSL's buffer while the peer waits for it. Its twin
 * is drain (PENDING_WRITE on WANT_WRITE). */
static ta_sd_answer ta__sd_want_write_reads(SSL *ssl, ta_sd_event ev, void *state)
{
    ta_sd_answer a = ta__sd_drain_core(ssl, ev, state, TA_SD_TRUNCATED);
    return a == TA_SD_PENDING_WRITE ? TA_SD_PENDING_READ : a;
}

/* crash-on-alert: drain that asserts a failed read is never the peer's fatal
 * alert (after one, OpenSSL 3.0 sets SSL_RECEIVED_SHUTDOWN) and aborts. Its twin
 * is drain. */
static ta_sd_answer ta__sd_crash_on_alert(SSL *ssl, ta_sd_event ev, void *state)
{
    ta_sd_answer a = ta__sd_drain_core(ssl, ev, state, TA_SD_TRUNCATED);
    if (a == TA_SD_FAILED && (SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN))
        abort();
    return a;
}

/* ------------------------------------------------------------ naive */

/* The common pattern: call SSL_shutdown until it returns 1, waiting on WANT_*.
 * SSL_shutdown refuses application data after our close_notify
 * (SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY), so this fails when the peer still
 * had data in flight. */
static ta_sd_answer ta__sd_naive(SSL *ssl, ta_sd_event ev, void *state)
{
    (void)state;
    if (ev == TA_SD_CANCEL)
        return TA_SD_CANCELLED;
    for (int i = 0; i < 4; i++) {
        ERR_clear_error();
        int r = SSL_shutdown(ssl);
        if (r == 1)
            return TA_SD_CLEAN;
        if (r < 0)
            return ta__sd_classify(ssl, r, TA_SD_TRUNCATED);
        /* 0: ours is out, call again to read theirs (do not SSL_get_error a 0). */
    }
    return TA_SD_PENDING_READ;
}

/* ------------------------------------------------------------ unidirectional */

/* Send close_notify and stop: RFC 8446 §6.1 does not require waiting for the
 * peer's ("...not required to wait for the responding close_notify"). */
static ta_sd_answer ta__sd_unidirectional(SSL *ssl, ta_sd_event ev, void *state)
{
    (void)state;
    if (ev == TA_SD_CANCEL)
        return TA_SD_CANCELLED;
    ERR_clear_error();
    int r = SSL_shutdown(ssl);
    if (r == 1)
        return TA_SD_CLEAN;
    if (r == 0)
        return TA_SD_SENT;
    ta_sd_answer a = ta__sd_classify(ssl, r, TA_SD_TRUNCATED);
    /* WANT_READ cannot stop a send-only close: ours is out if SENT is set. */
    if (a == TA_SD_PENDING_READ)
        return (SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN) ? TA_SD_SENT : TA_SD_FAILED;
    return a;
}

/* ------------------------------------------------------------ quiet-on-cancel */

/* nginx-like (ngx_ssl_shutdown): SSL_shutdown twice per wake-up, wait on WANT_*,
 * "done" on SSL_ERROR_ZERO_RETURN or an empty error queue, an error otherwise;
 * when its timer fires (our TA_SD_CANCEL) it switches to a quiet shutdown
 * (SSL_set_quiet_shutdown + SSL_set_shutdown) so that nothing more is sent. */
static ta_sd_answer ta__sd_quiet(SSL *ssl, ta_sd_event ev, void *state)
{
    (void)state;
    if (ev == TA_SD_CANCEL) {
        SSL_set_quiet_shutdown(ssl, 1);
        SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        ERR_clear_error();
        (void)SSL_shutdown(ssl); /* quiet: returns 1, writes nothing */
        ERR_clear_error();
        return TA_SD_CANCELLED;
    }
    for (int tries = 2; tries > 0; tries--) {
        ERR_clear_error();
        int n = SSL_shutdown(ssl);
        if (n == 1)
            return TA_SD_CLEAN;
        if (n == 0 && tries > 1)
            continue;
        int e = SSL_get_error(ssl, n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            ERR_clear_error();
            return e == SSL_ERROR_WANT_READ ? TA_SD_PENDING_READ : TA_SD_PENDING_WRITE;
        }
        int queued = ERR_peek_error() != 0;
        ERR_clear_error();
        return (e == SSL_ERROR_ZERO_RETURN || !queued) ? TA_SD_CLEAN : TA_SD_FAILED;
    }
    return TA_SD_PENDING_READ;
}

/* ------------------------------------------------------------ canaries */

/* spin: drain, but on WANT_READ it asks to be woken when *writable* (always
 * true): the classic 100%-CPU shutdown loop. */
static ta_sd_answer ta__sd_spin(SSL *ssl, ta_sd_event ev, void *state)
{
    ta_sd_answer a = ta__sd_drain_core(ssl, ev, state, TA_SD_TRUNCATED);
    return a == TA_SD_PENDING_READ ? TA_SD_PENDING_WRITE : a;
}

/* ignores-cancel: drain, but a cancel leaves it waiting. */
static ta_sd_answer ta__sd_ignores_cancel(SSL *ssl, ta_sd_event ev, void *state)
{
    if (ev == TA_SD_CANCEL)
        return TA_SD_PENDING_READ;
    return ta__sd_drain_core(ssl, ev, state, TA_SD_TRUNCATED);
}

/* eof-is-clean: drain, but a transport EOF is reported as a clean close. */
static ta_sd_answer ta__sd_eof_is_clean(SSL *ssl, ta_sd_event ev, void *state)
{
    return ta__sd_drain_core(ssl, ev, state, TA_SD_CLEAN);
}

/* The asio models live in sd_driver_asio.c. */
ta_sd_answer ta__sd_asio(SSL *ssl, ta_sd_event ev, void *state);
ta_sd_answer ta__sd_asio_fast_close(SSL *ssl, ta_sd_event ev, void *state);

#define TA__SD_SPIN_TARGETS                                                                \
    "peer-replies,peer-replies-late,simultaneous,peer-data-then-reply,"                    \
    "peer-tickets-pending,peer-keyupdate,peer-empty-record,peer-warning-alert,peer-eof,"   \
    "peer-eof-mid-record,peer-eof-after-data,peer-silent-cancel,peer-silent,peer-garbage," \
    "peer-hello-request,write-after-shutdown,peer-data-cn-coalesced,peer-data-cn-split,"   \
    "peer-data-split-coalesced,peer-data-burst-coalesced,second-connection,backpressure,"  \
    "backpressure-data,"                                                                   \
    "ignore-unexpected-eof"

/* Every built-in but static-sent keeps its per-connection state in its block. */
#define SIB TA_SD_STATE_IN_BLOCK
static const ta_sd_driver ta__sd_builtins[] = {
    {"drain", "one SSL_shutdown, then SSL_read until SSL_ERROR_ZERO_RETURN (OpenSSL's advice)",
     sizeof(ta__sd_drain_state), ta__sd_drain, SIB, ""},
    {"naive", "SSL_shutdown until it returns 1 (the common pattern)", 0, ta__sd_naive, SIB, ""},
    {"asio", "Boost.Asio's ssl::stream::async_shutdown (engine.ipp + io_op model)", 0, ta__sd_asio,
     SIB, ""},
    {"asio-fast-close",
     "async_shutdown, then a 1-byte async_write that fails with PROTOCOL_IS_SHUTDOWN and closes", 0,
     ta__sd_asio_fast_close, TA_SD_UNIDIRECTIONAL | SIB, ""},
    {"unidirectional", "send close_notify and stop (RFC 8446 §6.1 allows it)", 0,
     ta__sd_unidirectional, TA_SD_UNIDIRECTIONAL | SIB, ""},
    {"quiet-on-cancel", "nginx-like: SSL_shutdown twice per wake-up, quiet shutdown on its timer",
     0, ta__sd_quiet, SIB, ""},
    {"spin", "canary: busy-loops on WANT_READ (asks for writable)", sizeof(ta__sd_drain_state),
     ta__sd_spin, TA_SD_CANARY | SIB, TA__SD_SPIN_TARGETS},
    {"ignores-cancel", "canary: drain that keeps waiting after a cancel",
     sizeof(ta__sd_drain_state), ta__sd_ignores_cancel, TA_SD_CANARY | SIB, "peer-silent-cancel"},
    {"eof-is-clean", "canary: drain that reports a truncation as a clean close",
     sizeof(ta__sd_drain_state), ta__sd_eof_is_clean, TA_SD_CANARY | SIB,
     "peer-eof,peer-eof-mid-record,peer-eof-after-data"},
    {"yield-after-data",
     "canary: one SSL_read per wake-up, then waits for readability (read-ahead stalls it)",
     sizeof(ta__sd_drain_state), ta__sd_yield_after_data, TA_SD_CANARY | SIB,
     "peer-data-cn-coalesced,peer-data-burst-coalesced"},
    {"yield-checks-pending",
     "one SSL_read per wake-up, but reads on while SSL_has_pending (yield-after-data's twin)",
     sizeof(ta__sd_drain_state), ta__sd_yield_checks_pending, SIB, ""},
    {"bounded-reads",
     "canary: drain that reads 32 records per wake-up, then waits for readability (a "
     "read-ahead burst stalls it)",
     sizeof(ta__sd_drain_state), ta__sd_bounded_reads, TA_SD_CANARY | SIB,
     "peer-data-burst-coalesced"},
    {"static-sent", "canary: drain with its close_notify-sent flag in a static (per process)", 0,
     ta__sd_static_sent, TA_SD_CANARY, "second-connection"},
    {"want-write-reads", "canary: drain that waits for readability on WANT_WRITE",
     sizeof(ta__sd_drain_state), ta__sd_want_write_reads, TA_SD_CANARY | SIB,
     "backpressure,backpressure-data"},
    {"crash-on-alert", "canary: drain that aborts when the peer's fatal alert fails a read",
     sizeof(ta__sd_drain_state), ta__sd_crash_on_alert, TA_SD_CANARY | SIB, "peer-fatal-alert"},
};
#undef SIB

const ta_sd_driver *ta_sd_catalog(size_t *out_count)
{
    *out_count = sizeof(ta__sd_builtins) / sizeof(ta__sd_builtins[0]);
    return ta__sd_builtins;
}

const ta_sd_driver *ta_sd_driver_find(const char *name)
{
    size_t n;
    const ta_sd_driver *d = ta_sd_catalog(&n);
    for (size_t i = 0; name != NULL && i < n; i++)
        if (strcmp(d[i].name, name) == 0)
            return &d[i];
    return NULL;
}
