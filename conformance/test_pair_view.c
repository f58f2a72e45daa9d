/*
 * test_pair_view.c - the record view agrees with the wire and names what each
 * record is: handshake, application data, close_notify (RFC 8446 §6.1,
 * RFC 5246 §7.2.1), including TLS 1.3's inner content type under outer type 23
 * (RFC 8446 §5.2).
 */
#include "test_pair_fixture.h"

#define FX_MAX_RECS 64

/* Every record the view lists is a record on the wire, same order, same outer
 * type and length; no bytes trail the last record. */
static void assert_view_matches_wire(ta_pair *p, ta_dir d)
{
    uint8_t types[FX_MAX_RECS];
    uint16_t lens[FX_MAX_RECS];
    size_t tail, nview;
    size_t nwire = fx_wire_records(p, d, types, lens, FX_MAX_RECS, &tail);
    const ta_record *v = ta_pair_records(p, d, &nview);

    assert_int_equal(tail, 0);
    assert_true(nwire <= FX_MAX_RECS);
    assert_int_equal(nview, nwire);
    for (size_t i = 0; i < nview; i++) {
        assert_int_equal(v[i].outer_type, types[i]);
        assert_int_equal(v[i].length, lens[i]);
    }
}

/* Find the records of a kind in direction d; returns how many, *first the index
 * of the first one. */
static size_t count_kind(ta_pair *p, ta_dir d, ta_rec_kind k, size_t *first)
{
    size_t n, count = 0;
    const ta_record *v = ta_pair_records(p, d, &n);

    *first = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        if (v[i].kind != k)
            continue;
        if (count++ == 0)
            *first = i;
    }
    return count;
}

/* A protected record shows its inner type under outer 23 in TLS 1.3 and its
 * own outer type in TLS 1.2. */
static void assert_protected(ta_tls v, const ta_record *r, uint8_t inner)
{
    assert_int_equal(r->inner_type, inner);
    assert_int_equal(r->outer_type, v == TA_TLS13 ? SSL3_RT_APPLICATION_DATA : inner);
}

/* Handshake, "ping" both ways, a clean bidirectional close. */
static void test_full_session(void **state)
{
    const fx_case *c = fx_case_of(state);
    unsigned char buf[8];
    size_t n, first, count;
    fx f;

    fx_open(&f, &fx_default_seed, c->version, c->mode, NULL);
    FX_OK(ta_pair_handshake(f.p, TA_DEFAULT_STEPS));
    for (int d = 0; d < 2; d++) {
        assert_int_equal(count_kind(f.p, (ta_dir)d, TA_REC_APPDATA, &first), 0);
        assert_int_equal(count_kind(f.p, (ta_dir)d, TA_REC_CLOSE_NOTIFY, &first), 0);
        assert_true(count_kind(f.p, (ta_dir)d, TA_REC_HANDSHAKE, &first) > 0);
        assert_int_equal(first, 0); /* ClientHello / ServerHello come first */
    }
    for (int r = 0; r < TA_ROLE_COUNT; r++) {
        ta_role peer = r == TA_CLIENT ? TA_SERVER : TA_CLIENT;
        FX_OK(ta_pair_write(f.p, (ta_role)r, "ping", 4, TA_DEFAULT_STEPS));
        FX_OK(ta_pair_read(f.p, peer, buf, sizeof(buf), &n, TA_DEFAULT_STEPS));
        assert_int_equal(n, 4);
    }
    FX_OK(ta_pair_shutdown(f.p, TA_CLIENT, TA_DEFAULT_STEPS));

    for (int d = 0; d < 2; d++) {
        const ta_record *v = ta_pair_records(f.p, (ta_dir)d, &count);
        assert_view_matches_wire(f.p, (ta_dir)d);
        /* exactly one application data record, and it is ours */
        assert_int_equal(count_kind(f.p, (ta_dir)d, TA_REC_APPDATA, &first), 1);
        assert_protected(c->version, &v[first], SSL3_RT_APPLICATION_DATA);
        /* exactly one close_notify, the last record, a warning alert */
        assert_int_equal(count_kind(f.p, (ta_dir)d, TA_REC_CLOSE_NOTIFY, &first), 1);
        assert_int_equal(first, count - 1);
        assert_protected(c->version, &v[first], SSL3_RT_ALERT);
        assert_int_equal(v[first].alert_desc, SSL_AD_CLOSE_NOTIFY);
        assert_int_equal(v[first].alert_level, SSL3_AL_WARNING);
        assert_int_equal(count_kind(f.p, (ta_dir)d, TA_REC_ALERT, &first), 0);
    }
    fx_close(&f);
}

/* The client only shuts down (one SSL_shutdown, RFC 8446 §6.1: "each party MUST
 * send a close_notify alert before closing its write side"). The server keeps
 * writing, then closes; the client reads it all: nothing follows the client's
 * close_notify, and a write after it sends nothing (SSL_R_PROTOCOL_IS_SHUTDOWN). */
static void test_half_close(void **state)
{
    const fx_case *c = fx_case_of(state);
    SSL *cl, *sv;
    unsigned char buf[16];
    size_t n = 0, count, first, tlen_at_close, tlen_end;
    ta_io_result r;
    fx f;

    fx_open(&f, &fx_default_seed, c->version, c->mode, NULL);
    cl = fx_ssl(&f, TA_CLIENT);
    sv = fx_ssl(&f, TA_SERVER);
    FX_OK(ta_pair_handshake(f.p, TA_DEFAULT_STEPS));
    ERR_clear_error();
    assert_int_equal(SSL_shutdown(cl), 0); /* sent, peer's not received */
    (void)ta_pair_transcript(f.p, TA_C2S, &tlen_at_close);

    /* server: data written after receiving close_notify is allowed */
    FX_OK(ta_pair_read(f.p, TA_SERVER, buf, sizeof(buf), &n, TA_DEFAULT_STEPS));
    assert_int_equal(n, 0); /* close_notify */
    assert_true(SSL_get_shutdown(sv) & SSL_RECEIVED_SHUTDOWN);
    FX_OK(ta_pair_write(f.p, TA_SERVER, "late", 4, TA_DEFAULT_STEPS));
    ERR_clear_error();
    assert_int_equal(SSL_shutdown(sv), 1);

    /* client: still reads (half-close), then sees the server's close_notify */
    FX_OK(ta_pair_read(f.p, TA_CLIENT, buf, sizeof(buf), &n, TA_DEFAULT_STEPS));
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "late", 4);
    FX_OK(ta_pair_read(f.p, TA_CLIENT, buf, sizeof(buf), &n, TA_DEFAULT_STEPS));
    assert_int_equal(n, 0);
    ERR_clear_error();
    ta_io_classify(cl, SSL_write(cl, "x", 1), &r);
    assert_int_equal(r.ssl_error, SSL_ERROR_SSL);
    assert_int_equal(r.reason, SSL_R_PROTOCOL_IS_SHUTDOWN);

    const ta_record *v = ta_pair_records(f.p, TA_C2S, &count);
    assert_int_equal(count_kind(f.p, TA_C2S, TA_REC_CLOSE_NOTIFY, &first), 1);
    assert_int_equal(first, count - 1);
    assert_protected(c->version, &v[first], SSL3_RT_ALERT);
    (void)ta_pair_transcript(f.p, TA_C2S, &tlen_end);
    assert_int_equal(tlen_end, tlen_at_close);
    assert_view_matches_wire(f.p, TA_C2S);
    /* the server's side: data after the close_notify it received, then its own */
    assert_int_equal(count_kind(f.p, TA_S2C, TA_REC_APPDATA, &first), 1);
    assert_int_equal(count_kind(f.p, TA_S2C, TA_REC_CLOSE_NOTIFY, &n), 1);
    assert_true(first < n);
    assert_view_matches_wire(f.p, TA_S2C);
    fx_close(&f);
}

/* An application-data record's length is the payload plus the protection
 * overhead; a bigger write is one bigger record, not more records. */
static void test_appdata_sizes(void **state)
{
    const fx_case *c = fx_case_of(state);
    static unsigned char big[1000];
    unsigned char buf[1024];
    size_t n, count, first;
    fx f;

    fx_open(&f, &fx_default_seed, c->version, c->mode, NULL);
    FX_OK(ta_pair_handshake(f.p, TA_DEFAULT_STEPS));
    FX_OK(ta_pair_write(f.p, TA_CLIENT, big, 1, TA_DEFAULT_STEPS));
    FX_OK(ta_pair_write(f.p, TA_CLIENT, big, sizeof(big), TA_DEFAULT_STEPS));
    for (int i = 0; i < 2; i++)
        FX_OK(ta_pair_read(f.p, TA_SERVER, buf, sizeof(buf), &n, TA_DEFAULT_STEPS));
    const ta_record *v = ta_pair_records(f.p, TA_C2S, &count);
    assert_int_equal(count_kind(f.p, TA_C2S, TA_REC_APPDATA, &first), 2);
    assert_int_equal(first + 2, count);
    assert_int_equal(v[first + 1].length - v[first].length, sizeof(big) - 1);
    assert_view_matches_wire(f.p, TA_C2S);
    fx_close(&f);
}

#define N_VM (TA_TLS_COUNT * TA_MODE_COUNT)
#define N_TESTS (N_VM * 3)

int main(void)
{
    static struct CMUnitTest tests[N_TESTS];
    static fx_case cases[N_TESTS];
    size_t n = 0;

    for (int v = 0; v < TA_TLS_COUNT; v++) {
        for (int m = 0; m < TA_MODE_COUNT; m++) {
            const char *vn = ta_tls_name((ta_tls)v), *mn = ta_mode_name((ta_mode)m);
            n = fx_add(tests, cases, n, test_full_session, v, m, 0,
                       "%s/%s/view/session-close-notify", vn, mn);
            n = fx_add(tests, cases, n, test_half_close, v, m, 0,
                       "%s/%s/view/nothing-after-close-notify", vn, mn);
            n = fx_add(tests, cases, n, test_appdata_sizes, v, m, 0, "%s/%s/view/appdata-lengths",
                       vn, mn);
        }
    }
    return fx_run("test_pair_view", tests, n, N_TESTS);
}
