/*
 * test_pair.c - the memory-BIO pair against real OpenSSL: handshakes in every
 * version and mode, resumption that really resumes, and delivery byte by byte
 * and record by record. Faults (EOF, garbage, bounds): test_pair_faults.c.
 */
#include "test_pair_fixture.h"

/* ------------------------------------------------------------ handshake */

/* OpenSSL marks a handshake as "reused" whenever a PSK was accepted: a resumed
 * session, but also a TLS 1.3 external PSK (both use the RFC 8446 §4.2.11
 * pre_shared_key extension; OpenSSL sets s->hit for either). TLS 1.2 PSK
 * (RFC 4279) is a full handshake. Measured on 3.0; see the report. */
static int expect_reused(ta_tls v, ta_mode m)
{
    return m == TA_MODE_RESUME || (m == TA_MODE_PSK && v == TA_TLS13);
}

/* variant 0: seeded randomness, 1: the OS's (what users run without --seed). */
static void test_handshake(void **state)
{
    const fx_case *c = fx_case_of(state);
    fx f;

    fx_open(&f, c->variant ? NULL : &fx_default_seed, c->version, c->mode, NULL);
    FX_OK(ta_pair_handshake(f.p, TA_DEFAULT_STEPS));
    for (int r = 0; r < TA_ROLE_COUNT; r++) {
        SSL *s = fx_ssl(&f, (ta_role)r);
        assert_true(SSL_is_init_finished(s));
        assert_int_equal(SSL_version(s), fx_wire_version(c->version));
        assert_int_equal(SSL_session_reused(s), expect_reused(c->version, c->mode));
    }
    /* A PSK handshake carries no certificate; cert and resume (whose session
     * remembers it) do. */
    assert_int_equal(SSL_get0_peer_certificate(fx_ssl(&f, TA_CLIENT)) != NULL,
                     c->mode != TA_MODE_PSK);
    if (c->mode == TA_MODE_PSK)
        assert_string_equal(SSL_get_cipher(fx_ssl(&f, TA_CLIENT)), c->version == TA_TLS12
                                                                       ? "PSK-AES128-GCM-SHA256"
                                                                       : "TLS_AES_128_GCM_SHA256");
    if (c->mode == TA_MODE_RESUME && c->version == TA_TLS12) {
        /* Session-ID resumption: the client resumed exactly the primed session. */
        unsigned int a, b;
        const unsigned char *ia = SSL_SESSION_get_id(ta_ctx_session(f.ctx), &a);
        const unsigned char *ib = SSL_SESSION_get_id(SSL_get_session(fx_ssl(&f, TA_CLIENT)), &b);
        assert_int_equal(a, b);
        assert_memory_equal(ia, ib, a);
    }
    fx_close(&f);
}

/* Every pair of a resume context resumes, not only the first: the fuzz targets
 * rely on this fast path. (OpenSSL's client marks a TLS 1.3 session it has used
 * not resumable, RFC 8446 §C.4 "clients SHOULD NOT reuse a ticket"; the pair
 * must offer a copy of the saved session, never the saved object itself.) */
static void test_resume_repeat(void **state)
{
    const fx_case *c = fx_case_of(state);
    fx f;

    fx_open(&f, &fx_default_seed, c->version, TA_MODE_RESUME, NULL);
    for (int i = 0; i < 4; i++) {
        if (i > 0) {
            ta_pair_free(f.p);
            f.p = NULL;
            FX_OK(ta_pair_new(f.ctx, &f.p));
        }
        FX_OK(ta_pair_handshake(f.p, TA_DEFAULT_STEPS));
        if (!SSL_session_reused(fx_ssl(&f, TA_CLIENT))
            || !SSL_session_reused(fx_ssl(&f, TA_SERVER)))
            fail_msg("%s: pair %d of the context made a full handshake", c->name, i + 1);
        FX_OK(ta_pair_shutdown(f.p, TA_CLIENT, TA_DEFAULT_STEPS));
    }
    assert_true(SSL_SESSION_is_resumable(ta_ctx_session(f.ctx)));
    fx_close(&f);
}

/* ------------------------------------------------------------ partial delivery */

/* Drive both handshakes ourselves; variant 0 moves 1 byte per direction per
 * round, variant 1 one whole record (checked against the sender's record view). */
static void test_partial(void **state)
{
    const fx_case *c = fx_case_of(state);
    size_t moved[2] = {0, 0}, rec_at[2] = {0, 0}, rounds = 0;
    int done = 0;
    fx f;

    fx_open(&f, &fx_default_seed, c->version, c->mode, NULL);
    for (; rounds < FX_MAX_ROUNDS && !done; rounds++) {
        for (int d = 0; d < 2; d++) {
            size_t n = 0;
            if (c->variant == 0) {
                FX_OK(ta_pair_deliver(f.p, (ta_dir)d, 1, &n));
                assert_true(n <= 1);
            } else {
                size_t count;
                const ta_record *recs = ta_pair_records(f.p, (ta_dir)d, &count);
                FX_OK(ta_pair_deliver_record(f.p, (ta_dir)d, &n));
                if (n > 0) {
                    /* exactly the next record the sender wrote, header included */
                    assert_true(rec_at[d] < count);
                    assert_int_equal(n, 5 + (size_t)recs[rec_at[d]].length);
                    rec_at[d]++;
                }
            }
            moved[d] += n;
        }
        for (int r = 0; r < TA_ROLE_COUNT; r++) {
            SSL *s = fx_ssl(&f, (ta_role)r);
            ta_io_result res;
            if (SSL_is_init_finished(s))
                continue;
            ERR_clear_error();
            ta_io_classify(s, SSL_do_handshake(s), &res);
            if (res.ret != 1 && !fx_retryable(&res))
                fail_msg("%s: handshake failed on the %s: SSL_get_error %d reason %d", c->name,
                         ta_role_name((ta_role)r), res.ssl_error, res.reason);
        }
        done = SSL_is_init_finished(fx_ssl(&f, TA_CLIENT))
               && SSL_is_init_finished(fx_ssl(&f, TA_SERVER));
    }
    assert_true(done);
    assert_true(moved[TA_C2S] > 0 && moved[TA_S2C] > 0);
    if (c->variant == 0) {
        /* Everything the server got came in pieces: as many rounds as bytes. */
        assert_true(rounds >= moved[TA_C2S]);
    } else {
        /* Whatever is still queued (e.g. TLS 1.3 tickets) also goes record by
         * record, and then every record the sender wrote went alone. */
        for (int d = 0; d < 2; d++) {
            size_t count, n = 1;
            const ta_record *recs = ta_pair_records(f.p, (ta_dir)d, &count);
            for (int i = 0; i < FX_MAX_ROUNDS && n > 0; i++) {
                FX_OK(ta_pair_deliver_record(f.p, (ta_dir)d, &n));
                if (n > 0) {
                    assert_true(rec_at[d] < count);
                    assert_int_equal(n, 5 + (size_t)recs[rec_at[d]].length);
                    rec_at[d]++;
                }
            }
            assert_int_equal(ta_pair_pending(f.p, (ta_dir)d), 0);
            assert_int_equal(rec_at[d], count);
        }
    }

    /* The connection works afterwards, still fed 1 byte at a time. */
    {
        unsigned char buf[8];
        size_t n = 0, total = 0, got = 0;
        assert_int_equal(SSL_write(fx_ssl(&f, TA_CLIENT), "hello", 5), 5);
        for (int i = 0; i < FX_MAX_ROUNDS && got == 0; i++) {
            ta_io_result res;
            FX_OK(ta_pair_deliver(f.p, TA_C2S, 1, &n));
            total += n;
            ERR_clear_error();
            ta_io_classify(fx_ssl(&f, TA_SERVER),
                           SSL_read_ex(fx_ssl(&f, TA_SERVER), buf, sizeof(buf), &got), &res);
            if (res.ret != 1)
                assert_true(fx_retryable(&res));
        }
        assert_int_equal(got, 5);
        assert_memory_equal(buf, "hello", 5);
        assert_true(total > 5); /* a whole record arrived byte by byte */
    }
    fx_close(&f);
}

/* A record only moves once it is complete in the queue. */
static void test_record_incomplete(void **state)
{
    static const uint8_t hdr[5] = {0x17, 0x03, 0x03, 0x00, 0x10};
    static const uint8_t body[16] = {0};
    size_t n = 1;
    fx f;
    (void)state;

    fx_open(&f, &fx_default_seed, TA_TLS13, TA_MODE_PSK, NULL);
    FX_OK(ta_pair_inject(f.p, TA_C2S, hdr, 3));
    FX_OK(ta_pair_deliver_record(f.p, TA_C2S, &n));
    assert_int_equal(n, 0);
    FX_OK(ta_pair_inject(f.p, TA_C2S, hdr + 3, 2));
    FX_OK(ta_pair_inject(f.p, TA_C2S, body, 15));
    FX_OK(ta_pair_deliver_record(f.p, TA_C2S, &n));
    assert_int_equal(n, 0);
    assert_int_equal(ta_pair_pending(f.p, TA_C2S), 20);
    FX_OK(ta_pair_inject(f.p, TA_C2S, body, 16)); /* completes it, plus 15 more */
    FX_OK(ta_pair_deliver_record(f.p, TA_C2S, &n));
    assert_int_equal(n, 21);
    assert_int_equal(ta_pair_pending(f.p, TA_C2S), 15);
    fx_close(&f);
}

/* ------------------------------------------------------------ the matrix */

#define N_VM (TA_TLS_COUNT * TA_MODE_COUNT)
#define N_TESTS (N_VM * (2 + 2) + TA_TLS_COUNT + 1)

int main(void)
{
    static struct CMUnitTest tests[N_TESTS];
    static fx_case cases[N_TESTS];
    static const char *const envs[] = {"", "/os-rand"};
    static const char *const deliveries[] = {"1-byte", "1-record"};
    size_t n = 0;

    for (int v = 0; v < TA_TLS_COUNT; v++) {
        for (int m = 0; m < TA_MODE_COUNT; m++) {
            const char *vn = ta_tls_name((ta_tls)v), *mn = ta_mode_name((ta_mode)m);
            for (int e = 0; e < 2; e++)
                n = fx_add(tests, cases, n, test_handshake, v, m, e, "%s/%s/handshake%s", vn, mn,
                           envs[e]);
            for (int d = 0; d < 2; d++)
                n = fx_add(tests, cases, n, test_partial, v, m, d, "%s/%s/deliver-%s", vn, mn,
                           deliveries[d]);
        }
    }
    for (int v = 0; v < TA_TLS_COUNT; v++)
        n = fx_add(tests, cases, n, test_resume_repeat, v, TA_MODE_RESUME, 0,
                   "%s/resume/every-pair-resumes", ta_tls_name((ta_tls)v));
    n = fx_add(tests, cases, n, test_record_incomplete, TA_TLS13, TA_MODE_PSK, 0,
               "deliver-record/incomplete-holds");
    return fx_run("test_pair", tests, n, N_TESTS);
}
