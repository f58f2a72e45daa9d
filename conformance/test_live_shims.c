/*
 * test_live_shims.c - 'tlsaudit shutdown --shim' with every shim shipped in
 * tools/shims/ (label "endpoint"), and the in-process asio model driver
 * (src/shutdown/sd_driver_asio.c) checked against the real Boost.Asio shim:
 * the model stays only while it gives the real stack's verdicts.
 * Asserted, as measured on Debian 12 (issue 12, endpoints-facts.md):
 *   - asio 1.74 async_shutdown: clean, truncated and cancelled where it should
 *     be; hangs without a deadline when the peer stays silent; fails on TLS 1.3
 *     data before the peer's close_notify (SD-DATA-FAILS);
 *   - the OpenSSL non-blocking shim is conformant (the correct client);
 *   - Python 3.11's ssl reads a FIN without close_notify as a clean close
 *     (it sets SSL_OP_IGNORE_UNEXPECTED_EOF): SD-TRUNCATION;
 *   - GnuTLS 3.7's gnutls_bye reports success when we answer its close_notify
 *     with a FIN alone: SD-TRUNCATION.
 * Forged records, a reset mid-record and a silent peer under READ=close:
 *   - every shim fails on a TLS 1.3 error alert sent with level warning (RFC
 *     8446 §6.2), and hangs (no deadline) when we stay silent after the data;
 *   - a reset in the middle of a record: OpenSSL and Python truncated, asio
 *     and GnuTLS failed (both allowed, never clean);
 *   - asio turns our close_notify into stream_truncated when data follows it
 *     in the same read (it never answers: SD-ACTED-AFTER-CN);
 *   - GnuTLS fails a TLS 1.3 connection on a warning user_canceled, a closure
 *     alert (RFC 8446 §6.1): SD-WARNING-CLOSE; the others read on to our
 *     close_notify.
 * The model-vs-real-asio check lives here only (test_shims asserts the shims
 * against its own table).
 */
#include "live_fixture.h"

/* The shim's path from the build (conformance/live.cmake), or skip. */
static const char *shim_path(const char *name)
{
    static char path[600];
    const char *dir = getenv("TA_SHIM_DIR");
    if (dir == NULL)
        skip();
    snprintf(path, sizeof(path), "%s/ta-shim-%s", dir, name);
    if (access(path, X_OK) != 0)
        skip();
    return path;
}

/* One shim through every scenario of `only` (NULL: all). The hard timeout is
 * generous (an ASan build starts slowly); only `silent` waits it out. */
static void run_shim(const char *name, const char *only)
{
    ta_live_setup(&L);
    ta_live_shutdown(&L, "--shim '%s' --repeat 1 --window 2 --timeout 4%s%s", shim_path(name),
                     only ? " --only " : "", only ? only : "");
}

#define TA_FORGED "peer-rst-mid-record,peer-warning-cn,peer-cn-then-data,peer-error-as-warning"

static void openssl_shim_is_conformant(void **state)
{
    (void)state;
    run_shim("openssl",
             "peer-cn,peer-fin,shim-first,shim-first-fin,data-before-cn,cancel," TA_FORGED);
    assert_int_equal(L.run.status, 0);
    ta_live_expect(&L, "tls13/client/data-before-cn/shim", NULL, "clean");
    ta_live_expect(&L, "tls12/client/shim-first-fin/shim", NULL, "truncated");
    for (int v = 2; v <= 3; v++) {
        char n[120];
#define TA_CASE(s) (snprintf(n, sizeof(n), "tls1%d/client/%s/shim", v, s), n)
        ta_live_expect(&L, TA_CASE("peer-rst-mid-record"), NULL, "truncated");
        ta_live_expect(&L, TA_CASE("peer-warning-cn"), NULL, "clean [cn");
        ta_live_expect(&L, TA_CASE("peer-cn-then-data"), NULL, "clean [cn");
    }
    ta_live_expect(&L, "tls13/client/peer-error-as-warning/shim", NULL, "failed");
}

/* READ=close and we stay silent after the data: no shim has a deadline of its
 * own there, each is still reading at the hard timeout (a warning, not a
 * violation: the protocol gives the read no end). A short timeout: nothing
 * else runs. */
static void shims_hang_on_a_silent_peer(void **state)
{
    static const char *const names[] = {"openssl", "asio", "python", "gnutls"};
    (void)state;
    size_t ran = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *dir = getenv("TA_SHIM_DIR");
        char path[600];
        snprintf(path, sizeof(path), "%s/ta-shim-%s", dir ? dir : "", names[i]);
        if (dir == NULL || access(path, X_OK) != 0)
            continue;
        ta_live_setup(&L);
        ta_live_shutdown(&L,
                         "--shim '%s' --repeat 1 --window 1 --timeout 1.5 --only "
                         "tls13/client/silent-before-close/shim",
                         path);
        ta_live_expect(&L, "tls13/client/silent-before-close/shim", NULL, "hang [open]");
        ta_live_expect(&L, "tls13/client/silent-before-close/shim", NULL,
                       "\"flag\":\"SD-NO-TERMINATION\"");
        ta_live_teardown(&L);
        memset(&L, 0, sizeof(L));
        ran++;
    }
    if (ran == 0)
        skip();
}

static void asio_model_matches_the_real_asio(void);

/* The real asio, and the model checked against it. */
static void asio_shim(void **state)
{
    (void)state;
    run_shim("asio", "peer-cn,peer-fin,shim-first,shim-first-fin,data-before-cn,silent,cancel,"
                     "peer-rst-mid-record,peer-warning-cn,peer-cn-then-data,"
                     "peer-error-as-warning");
    assert_int_equal(L.run.status, 1);
    for (int v = 2; v <= 3; v++) {
        char n[120];
#define TA_CASE(s) (snprintf(n, sizeof(n), "tls1%d/client/%s/shim", v, s), n)
        ta_live_expect(&L, TA_CASE("peer-cn"), NULL, "clean");
        ta_live_expect(&L, TA_CASE("shim-first"), NULL, "clean");
        ta_live_expect(&L, TA_CASE("shim-first-fin"), NULL, "truncated");
        ta_live_expect(&L, TA_CASE("cancel"), NULL, "cancelled");
        ta_live_expect(&L, TA_CASE("silent"), NULL, "\"flag\":\"SD-NO-TERMINATION\"");
        ta_live_expect(&L, TA_CASE("peer-rst-mid-record"), NULL, "failed");
        ta_live_expect(&L, TA_CASE("peer-warning-cn"), NULL, "clean [cn");
        /* Our close_notify with bytes behind it: stream_truncated, no answer. */
        ta_live_expect(&L, TA_CASE("peer-cn-then-data"), "SD-ACTED-AFTER-CN", "truncated [fin]");
    }
    ta_live_expect(&L, "tls13/client/data-before-cn/shim", "SD-DATA-FAILS", "failed");
    ta_live_expect(&L, "tls13/client/peer-error-as-warning/shim", NULL, "failed");
    asio_model_matches_the_real_asio();
}

static void python_and_gnutls_shims(void **state)
{
    (void)state;
    run_shim("python", "tls13/client/peer-fin/shim,tls13/client/peer-cn/shim," TA_FORGED);
    ta_live_expect(&L, "tls13/client/peer-fin/shim", "SD-TRUNCATION", "clean");
    ta_live_expect(&L, "tls13/client/peer-cn/shim", NULL, "clean");
    ta_live_expect(&L, "tls12/client/peer-rst-mid-record/shim", NULL, "truncated");
    ta_live_expect(&L, "tls13/client/peer-warning-cn/shim", NULL, "clean [cn");
    ta_live_expect(&L, "tls13/client/peer-cn-then-data/shim", NULL, "clean [cn");
    ta_live_expect(&L, "tls13/client/peer-error-as-warning/shim", NULL, "failed");
    ta_live_teardown(&L);
    run_shim("gnutls", "tls13/client/shim-first-fin/shim,tls13/client/peer-fin/shim," TA_FORGED);
    ta_live_expect(&L, "tls13/client/shim-first-fin/shim", "SD-TRUNCATION", "clean");
    ta_live_expect(&L, "tls13/client/peer-fin/shim", NULL, "truncated");
    ta_live_expect(&L, "tls13/client/peer-rst-mid-record/shim", NULL, "failed");
    ta_live_expect(&L, "tls12/client/peer-warning-cn/shim", NULL, "clean [cn");
    ta_live_expect(&L, "tls13/client/peer-warning-cn/shim", "SD-WARNING-CLOSE", "failed");
    ta_live_expect(&L, "tls13/client/peer-cn-then-data/shim", NULL, "clean [cn");
    ta_live_expect(&L, "tls13/client/peer-error-as-warning/shim", NULL, "failed");
}

/* The model's scenario and the live scenario where the peer does the same. */
static const struct {
    const char *model, *live;
} pairs[] = {
    {"peer-replies", "shim-first"}, {"peer-first", "peer-cn"},
    {"peer-eof", "shim-first-fin"}, {"peer-silent-cancel", "cancel"},
    {"peer-silent", "silent"},      {"peer-data-then-reply", "data-before-cn"},
};

static const char *got_of(const char *json, const char *name, char *out, size_t cap)
{
    char key[200];
    snprintf(key, sizeof(key), "{\"name\":\"%s\"", name);
    const char *p = strstr(json, key);
    if (p == NULL)
        return NULL;
    p = strstr(p, "\"got\":\"");
    assert_non_null(p);
    p += 7;
    snprintf(out, cap, "%.*s", (int)strcspn(p, "\""), p);
    return out;
}

/* Run after asio_shim's checks, on the same report. */
static void asio_model_matches_the_real_asio(void)
{
    static char model[sizeof(L.run.out)];
    ta_run_cli(&L.run, "shutdown --builtin asio --only 'tls1*/client/*/asio' --json -");
    assert_int_equal(L.run.status, 1);
    snprintf(model, sizeof(model), "%s", L.run.out);
    size_t compared = 0;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        for (int v = 2; v <= 3; v++) {
            char mn[160], ln[160], mg[32], lg[32];
            snprintf(mn, sizeof(mn), "tls1%d/client/%s/asio", v, pairs[i].model);
            snprintf(ln, sizeof(ln), "tls1%d/client/%s/shim", v, pairs[i].live);
            if (got_of(model, mn, mg, sizeof(mg)) == NULL
                || got_of(L.json, ln, lg, sizeof(lg)) == NULL)
                continue; /* TLS 1.3 only */
            if (strcmp(mg, lg) != 0) {
                fprintf(stderr, "model %s says %s, the real asio %s says %s\n", mn, mg, ln, lg);
                fail();
            }
            compared++;
        }
    assert_int_equal(compared, 11);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TA_LIVE_TEST(openssl_shim_is_conformant),
        TA_LIVE_TEST(asio_shim),
        TA_LIVE_TEST(python_and_gnutls_shims),
        TA_LIVE_TEST(shims_hang_on_a_silent_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
