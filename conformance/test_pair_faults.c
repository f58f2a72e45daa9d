/*
 * test_pair_faults.c - the pair when things go wrong, against real OpenSSL: the
 * transport closes without close_notify (before, during and after the
 * handshake), garbage is injected, and every pump stops at its bound and says so
 * in the last-error record.
 */
#include "test_pair_fixture.h"

/* ------------------------------------------------------------ EOF */

/* The peer closes the transport without close_notify (RFC 8446 §6.1: a
 * truncation attack unless it is signalled). variant: which side reads. */
static void test_eof(void **state)
{
    const fx_case *c = fx_case_of(state);
    ta_role reader = (ta_role)c->variant;
    ta_dir toward = reader == TA_CLIENT ? TA_S2C : TA_C2S;
    unsigned char buf[16];
    size_t n = 0;
    ta_io_result res;
    fx f;

    fx_open(&f, &fx_default_seed, c->version, c->mode, NULL);
    FX_OK(ta_pair_handshake(f.p, TA_DEFAULT_STEPS));
    assert_false(ta_pair_is_closed(f.p, toward));
    FX_OK(ta_pair_close(f.p, toward));
    assert_true(ta_pair_is_closed(f.p, toward));
    /* Nothing moves into a closed direction. */
    assert_int_equal(ta_pair_inject(f.p, toward, "x", 1), TA_E_CLOSED);
    assert_int_equal(ta_last_error()->code, TA_E_CLOSED);

    ERR_clear_error();
    ta_io_classify(fx_ssl(&f, reader), SSL_read_ex(fx_ssl(&f, reader), buf, sizeof(buf), &n), &res);
    assert_int_equal(res.ret, 0);
    if (fx_ossl3()) {
        assert_int_equal(res.ssl_error, SSL_ERROR_SSL);
        assert_int_equal(ERR_GET_LIB(res.err), ERR_LIB_SSL);
        assert_int_equal(res.reason, SSL_R_UNEXPECTED_EOF_WHILE_READING);
    } else {
        assert_int_equal(res.ssl_error, SSL_ERROR_SYSCALL);
    }
    /* The peer never sent close_notify, so none was received. */
    assert_false(SSL_get_shutdown(fx_ssl(&f, reader)) & SSL_RECEIVED_SHUTDOWN);
    fx_close(&f);
}

/* EOF in the middle of the handshake, after the ClientHello: reported the
 * same way by SSL_do_handshake (-1 instead of SSL_read_ex's 0), and the
 * handshake pump stops with TA_E_OSSL instead of waiting out its bound.
 * variant: which side is left without its peer. */
static void test_eof_handshake(void **state)
{
    const fx_case *c = fx_case_of(state);
    ta_role victim = (ta_role)c->variant;
    SSL *cl, *sv, *v;
    size_t n;
    ta_io_result res;
    fx f;

    fx_open(&f, &fx_default_seed, c->version, c->mode, NULL);
    cl = fx_ssl(&f, TA_CLIENT);
    sv = fx_ssl(&f, TA_SERVER);
    v = victim == TA_CLIENT ? cl : sv;
    ERR_clear_error();
    assert_int_equal(SSL_do_handshake(cl), -1); /* ClientHello out, WANT_READ */
    if (victim == TA_SERVER) {
        FX_OK(ta_pair_deliver(f.p, TA_C2S, TA_ALL, &n));
        ERR_clear_error();
        assert_int_equal(SSL_do_handshake(sv), -1); /* first flight out, WANT_READ */
    }
    FX_OK(ta_pair_close(f.p, victim == TA_CLIENT ? TA_S2C : TA_C2S));
    ERR_clear_error();
    ta_io_classify(v, SSL_do_handshake(v), &res);
    assert_int_equal(res.ret, -1);
    if (fx_ossl3()) {
        assert_int_equal(res.ssl_error, SSL_ERROR_SSL);
        assert_int_equal(res.reason, SSL_R_UNEXPECTED_EOF_WHILE_READING);
    } else {
        assert_int_equal(res.ssl_error, SSL_ERROR_SYSCALL);
    }
    fx_close(&f);

    fx_open(&f, &fx_default_seed, c->version, c->mode, NULL);
    FX_OK(ta_pair_close(f.p, victim == TA_CLIENT ? TA_S2C : TA_C2S));
    assert_int_equal(ta_pair_handshake(f.p, TA_DEFAULT_STEPS), TA_E_OSSL);
    assert_non_null(strstr(ta_last_error()->message, ta_role_name(victim)));
    fx_close(&f);
}

/* The read pump reports the same EOF as an error with OpenSSL's reason. */
static void test_eof_pump(void **state)
{
    const fx_case *c = fx_case_of(state);
    unsigned char buf[16];
    size_t n = 7;
    fx f;

    fx_open(&f, &fx_default_seed, c->version, c->mode, NULL);
    FX_OK(ta_pair_handshake(f.p, TA_DEFAULT_STEPS));
    FX_OK(ta_pair_close(f.p, TA_C2S));
    assert_int_equal(ta_pair_read(f.p, TA_SERVER, buf, sizeof(buf), &n, 8), TA_E_OSSL);
    assert_int_equal(n, 0);
    assert_int_equal(ta_last_error()->code, TA_E_OSSL);
    assert_non_null(strstr(ta_last_error()->message, "read on the server"));
    assert_string_equal(ta_last_error()->file, "src/core/pump.c");
    /* the record carries OpenSSL's error like every TA_E_OSSL */
    assert_int_equal(ERR_GET_LIB(ta_last_error()->ossl_err), ERR_LIB_SSL);
    assert_string_equal(ta_last_error()->ossl_reason,
                        ERR_reason_error_string(ta_last_error()->ossl_err));
    if (fx_ossl3())
        assert_int_equal(ERR_GET_REASON(ta_last_error()->ossl_err),
                         SSL_R_UNEXPECTED_EOF_WHILE_READING);
    assert_int_equal(ERR_peek_error(), 0); /* the queue was cleared */
    fx_close(&f);
}

/* ------------------------------------------------------------ inject */

typedef struct garbage {
    const char *name;
    uint8_t bytes[40];
    size_t len;
    int reason; /* expected OpenSSL reason, 0: any protocol error */
} garbage;

static const garbage garbages[] = {
    /* A well-formed application_data header over bytes no key produced:
     * the AEAD check fails (RFC 8446 §5.2, RFC 5246 §6.2.3.3). */
    {"bad-record-mac",
     {0x17, 0x03, 0x03, 0x00, 0x20, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5,
      0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5,
      0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5},
     37,
     SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC},
    /* Not TLS at all. */
    {"not-tls", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27, 0},
};
#define N_GARBAGE (sizeof(garbages) / sizeof(garbages[0]))

static void test_inject(void **state)
{
    const fx_case *c = fx_case_of(state);
    const garbage *g = &garbages[c->variant];
    unsigned char buf[16];
    size_t n = 0, before, after, nrec;
    ta_io_result res;
    fx f;

    fx_open(&f, &fx_default_seed, c->version, c->mode, NULL);
    FX_OK(ta_pair_handshake(f.p, TA_DEFAULT_STEPS));
    (void)ta_pair_transcript(f.p, TA_C2S, &before);
    FX_OK(ta_pair_inject(f.p, TA_C2S, g->bytes, g->len));
    assert_int_equal(ta_pair_pending(f.p, TA_C2S), g->len);
    FX_OK(ta_pair_deliver(f.p, TA_C2S, TA_ALL, &n));
    assert_int_equal(n, g->len);
    /* Injected bytes are not the client's: its transcript did not grow. */
    (void)ta_pair_transcript(f.p, TA_C2S, &after);
    assert_int_equal(before, after);

    /* ta_io_classify reports libssl's error even when a lower layer queued one
     * first (TLS 1.2 AES-GCM: the provider's, lib 57, before libssl's). */
    ERR_clear_error();
    ta_io_classify(fx_ssl(&f, TA_SERVER), SSL_read_ex(fx_ssl(&f, TA_SERVER), buf, sizeof(buf), &n),
                   &res);
    assert_int_equal(res.ret, 0);
    assert_int_equal(res.ssl_error, SSL_ERROR_SSL);
    assert_int_equal(ERR_GET_LIB(res.err), ERR_LIB_SSL);
    if (g->reason != 0)
        assert_int_equal(res.reason, g->reason);
    else
        assert_int_not_equal(res.reason, 0);
    assert_int_equal(ERR_peek_error(), 0);
    /* The server answered with a fatal alert (RFC 8446 §6.2, RFC 5246 §7.2.2). */
    const ta_record *r = ta_pair_records(f.p, TA_S2C, &nrec);
    assert_true(nrec > 0);
    assert_int_equal(r[nrec - 1].kind, TA_REC_ALERT);
    assert_int_equal(r[nrec - 1].alert_level, SSL3_AL_FATAL);
    fx_close(&f);
}

/* ------------------------------------------------------------ bounds */

static void assert_bound_record(const char *what, int steps)
{
    const ta_error *e = ta_last_error();
    char want[32];

    assert_int_equal(e->code, TA_E_BOUND);
    assert_non_null(strstr(e->message, what));
    snprintf(want, sizeof(want), "after %d steps", steps);
    assert_non_null(strstr(e->message, want));
    assert_string_equal(e->file, "src/core/pump.c");
    assert_true(e->line > 0);
    assert_int_equal(e->ossl_err, 0);
}

static void test_bound_handshake(void **state)
{
    const fx_case *c = fx_case_of(state);
    fx f;

    fx_open(&f, &fx_default_seed, c->version, c->mode, NULL);
    assert_int_equal(ta_pair_handshake(f.p, 1), TA_E_BOUND);
    assert_bound_record("handshake", 1);
    /* The bound left the pair usable: more steps finish the handshake. */
    FX_OK(ta_pair_handshake(f.p, TA_DEFAULT_STEPS));
    fx_close(&f);
}

/* A read whose peer never writes stops at the bound; the data then flows. */
static void test_bound_read(void **state)
{
    const fx_case *c = fx_case_of(state);
    unsigned char buf[8];
    size_t n = 9;
    fx f;

    fx_open(&f, &fx_default_seed, c->version, c->mode, NULL);
    FX_OK(ta_pair_handshake(f.p, TA_DEFAULT_STEPS));
    assert_int_equal(ta_pair_read(f.p, TA_CLIENT, buf, sizeof(buf), &n, 5), TA_E_BOUND);
    assert_int_equal(n, 0);
    assert_bound_record("read on the client", 5);
    FX_OK(ta_pair_write(f.p, TA_SERVER, "late", 4, TA_DEFAULT_STEPS));
    FX_OK(ta_pair_read(f.p, TA_CLIENT, buf, sizeof(buf), &n, TA_DEFAULT_STEPS));
    assert_int_equal(n, 4);
    fx_close(&f);
}

/* A write before the handshake runs the handshake, which cannot end in 1 round. */
static void test_bound_write(void **state)
{
    const fx_case *c = fx_case_of(state);
    fx f;

    fx_open(&f, &fx_default_seed, c->version, c->mode, NULL);
    assert_int_equal(ta_pair_write(f.p, TA_CLIENT, "x", 1, 1), TA_E_BOUND);
    assert_bound_record("write on the client", 1);
    fx_close(&f);
}

/* One round sends our close_notify and lets the peer answer; the bound is
 * reached before we read that answer, and a second call completes. */
static void test_bound_shutdown(void **state)
{
    const fx_case *c = fx_case_of(state);
    fx f;

    fx_open(&f, &fx_default_seed, c->version, c->mode, NULL);
    FX_OK(ta_pair_handshake(f.p, TA_DEFAULT_STEPS));
    assert_int_equal(ta_pair_shutdown(f.p, TA_CLIENT, 1), TA_E_BOUND);
    assert_bound_record("shutdown of the client", 1);
    assert_true(SSL_get_shutdown(fx_ssl(&f, TA_CLIENT)) & SSL_SENT_SHUTDOWN);
    FX_OK(ta_pair_shutdown(f.p, TA_CLIENT, TA_DEFAULT_STEPS));
    assert_int_equal(SSL_get_shutdown(fx_ssl(&f, TA_CLIENT)),
                     SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    fx_close(&f);
}

/* ------------------------------------------------------------ the matrix */

#define N_VM (TA_TLS_COUNT * TA_MODE_COUNT)
#define N_TESTS (N_VM * (2 + 2 + 1 + N_GARBAGE + 4))

int main(void)
{
    static struct CMUnitTest tests[N_TESTS];
    static fx_case cases[N_TESTS];
    size_t n = 0;

    for (int v = 0; v < TA_TLS_COUNT; v++) {
        for (int m = 0; m < TA_MODE_COUNT; m++) {
            const char *vn = ta_tls_name((ta_tls)v), *mn = ta_mode_name((ta_mode)m);
            for (int r = 0; r < TA_ROLE_COUNT; r++)
                n = fx_add(tests, cases, n, test_eof, v, m, r, "%s/%s/eof/%s-reads", vn, mn,
                           ta_role_name((ta_role)r));
            for (int r = 0; r < TA_ROLE_COUNT; r++)
                n = fx_add(tests, cases, n, test_eof_handshake, v, m, r,
                           "%s/%s/eof/mid-handshake/%s-stranded", vn, mn, ta_role_name((ta_role)r));
            n = fx_add(tests, cases, n, test_eof_pump, v, m, 0, "%s/%s/eof/read-pump", vn, mn);
            for (size_t g = 0; g < N_GARBAGE; g++)
                n = fx_add(tests, cases, n, test_inject, v, m, (int)g, "%s/%s/inject/%s", vn, mn,
                           garbages[g].name);
            n = fx_add(tests, cases, n, test_bound_handshake, v, m, 0,
                       "%s/%s/bound/handshake-1-step", vn, mn);
            n = fx_add(tests, cases, n, test_bound_read, v, m, 0, "%s/%s/bound/read-silent-peer",
                       vn, mn);
            n = fx_add(tests, cases, n, test_bound_write, v, m, 0,
                       "%s/%s/bound/write-before-handshake", vn, mn);
            n = fx_add(tests, cases, n, test_bound_shutdown, v, m, 0, "%s/%s/bound/shutdown-1-step",
                       vn, mn);
        }
    }
    return fx_run("test_pair_faults", tests, n, N_TESTS);
}
