/*
 * test_live_openssl.c - 'tlsaudit shutdown --connect' against a real
 * `openssl s_server -www`, and '--client' with a real `openssl s_client`
 * (label "endpoint"). What is asserted is what the issue measured for
 * OpenSSL 3.0 (endpoints-facts.md), observed on the wire by the tool:
 *   - s_server sends its response and close_notify, then holds the TCP
 *     connection until the client acts (SD-HOLD, with the measured time);
 *   - it serves one connection at a time: one silent client starves the next
 *     handshake (SD-STARVATION);
 *   - it answers our FIN with a fatal decode_error (OpenSSL 3.0's unexpected
 *     EOF), which is legal;
 *   - a TLS 1.2 session whose connection we ended with a fatal alert resumes
 *     through its stateless ticket, never through the session cache
 *     (-no_ticket: not resumed);
 *   - a GET in three records, the last with our close_notify: answered, then
 *     its close_notify;
 *   - forged records: it answers our close_notify after a warning
 *     user_canceled, ignores data after our close_notify, serves a GET after a
 *     TLS 1.2 warning, and (TLS 1.3) answers a GET that follows a
 *     warning-level unexpected_message (SD-ALERT-IGNORED, RFC 8446 §6.2; the
 *     openssl shim's SSL_read fails on the same record: test_live_shims).
 */
#include "live_fixture.h"

#define TA_SSERVER "openssl s_server -accept 127.0.0.1:%u -cert c.pem -key k.pem -www -quiet"

static void s_server_holds_and_starves(void **state)
{
    (void)state;
    ta_live_setup(&L);
    int rc = ta_live_shutdown(
        &L,
        "--connect 127.0.0.1:%u --start '" TA_SSERVER "' --http --repeat 2 --window 1 "
        "--hold-bound 0.5 --idle-bound 0.5 --only "
        "sanity-first,server-closes-first,starvation,fin-idle,corrupt-record,idle-timer,"
        "fatal-then-resume,warning-then-cn,warning-then-request,error-as-warning,data-after-cn,"
        "split-request-cn,sanity-last",
        L.port, L.port);
    assert_int_equal(rc, 1);
    for (int v = 2; v <= 3; v++) {
        char n[120];
#define TA_CASE(s) (snprintf(n, sizeof(n), "tls1%d/server/%s/connect", v, s), n)
        ta_live_expect(&L, TA_CASE("sanity-first"), NULL, "handshake response x2");
        ta_live_expect(&L, TA_CASE("server-closes-first"), "SD-HOLD", "still open 0.50 s later");
        ta_live_expect(&L, TA_CASE("starvation"), "SD-STARVATION", "connection 2 of 3");
        ta_live_expect(&L, TA_CASE("fin-idle"), NULL, "alert:decode_error fin");
        ta_live_expect(&L, TA_CASE("corrupt-record"), NULL, "alert:bad_record_mac");
        ta_live_expect(&L, TA_CASE("idle-timer"), NULL, "\"flag\":\"SD-IDLE-TIMER\"");
        ta_live_expect(&L, TA_CASE("warning-then-cn"), NULL, "cn");
        ta_live_expect(&L, TA_CASE("data-after-cn"), NULL, "cn");
        ta_live_expect(&L, TA_CASE("split-request-cn"), NULL, "data cn");
        ta_live_expect(&L, TA_CASE("sanity-last"), NULL, NULL);
    }
    ta_live_expect(&L, "tls12/server/warning-then-request/connect", NULL, "data");
    ta_live_expect(&L, "tls13/server/error-as-warning/connect", "SD-ALERT-IGNORED",
                   "answered the request after a warning-level unexpected_message");
    ta_live_expect(&L, "tls12/server/fatal-then-resume/connect", "SD-RESUME-AFTER-FATAL",
                   "resumed (ticket) x2");
    ta_live_expect(&L, "tls13/server/fatal-then-resume/connect", NULL, NULL);
    /* Every finding names the command that replays it alone. */
    assert_non_null(strstr(L.run.out, "--only tls12/server/starvation/connect"));
}

static void s_server_no_ticket_forgets_the_session(void **state)
{
    (void)state;
    ta_live_setup(&L);
    int rc = ta_live_shutdown(&L,
                              "--connect 127.0.0.1:%u --start '" TA_SSERVER " -no_ticket' "
                              "--repeat 1 --window 1 --only fatal-then-resume,our-cn-first",
                              L.port, L.port);
    assert_int_equal(rc, 0);
    ta_live_expect(&L, "tls12/server/fatal-then-resume/connect", NULL, "not-resumed x1");
    ta_live_expect(&L, "tls13/server/fatal-then-resume/connect", NULL, "not-resumed x1");
    /* It answers our close_notify with its own (RFC 8446 §6.1). */
    ta_live_expect(&L, "tls13/server/our-cn-first/connect", NULL, "cn fin x1");
}

static void reports_name_the_endpoint(void **state)
{
    (void)state;
    ta_live_setup(&L);
    ta_run_cli_in(&L.run, L.dir,
                  "shutdown --connect 127.0.0.1:%u --start '" TA_SSERVER "' --http --repeat 1 "
                  "--window 1 --hold-bound 0.3 --only server-closes-first --sarif r.sarif "
                  "--junit r.xml --html r.html --quiet",
                  L.port, L.port);
    assert_int_equal(L.run.status, 1);
    assert_string_equal(L.run.out, "");
    char path[400], buf[1 << 16];
    snprintf(path, sizeof(path), "%s/r.sarif", L.dir);
    ta_run__slurp(path, buf, sizeof(buf));
    assert_non_null(strstr(buf, "\"SD-HOLD\""));
    assert_non_null(strstr(buf, "server 127.0.0.1:"));
    snprintf(path, sizeof(path), "%s/r.xml", L.dir);
    ta_run__slurp(path, buf, sizeof(buf));
    assert_non_null(strstr(buf, "tls13/server/server-closes-first/connect"));
    snprintf(path, sizeof(path), "%s/r.html", L.dir);
    ta_run__slurp(path, buf, sizeof(buf));
    assert_non_null(strstr(buf, "server-closes-first"));
}

/* s_client is no HTTP client: what it shows is TLS-level closure. It ends
 * with 0 on our close_notify and reports an unexpected EOF (exit 1) on a FIN
 * without one: a client that notices truncation. */
static void s_client_notices_truncation(void **state)
{
    (void)state;
    ta_live_setup(&L);
    int rc = ta_live_shutdown(&L, "--client 'openssl s_client -connect 127.0.0.1:{port} -quiet "
                                  "-ign_eof' --repeat 1 --window 1 --timeout 3 --only "
                                  "length-cn,close-fin");
    assert_int_equal(rc, 0);
    ta_live_expect(&L, "tls13/client/length-cn/client", NULL, "exit 0");
    ta_live_expect(&L, "tls12/client/close-fin/client", NULL, "exit 1");
    ta_live_expect(&L, "tls13/client/close-fin/client", NULL, "exit 1");
}

static void usage_errors_are_one_line(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "--client 'curl https://127.0.0.1/'",        /* no {port} */
        "--builtin drain --http",                    /* a live option without a live form */
        "--connect 127.0.0.1:1 --builtin drain",     /* two forms */
        "--connect 127.0.0.1:1 --client 'x {port}'", /* two forms */
        "--shim ./x --hold-bound 1",                 /* connect-only option */
        "--connect nonsense",                        /* no port */
        "--connect 127.0.0.1:1 --repeat 0",          /* out of range */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ta_run_cli(&L.run, "shutdown %s", bad[i]);
        if (L.run.status != 2 || ta_run_lines(L.run.err) != 1) {
            fprintf(stderr, "%s: exit %d, stderr:\n%s", bad[i], L.run.status, L.run.err);
            fail();
        }
    }
    /* Nothing listens: one line naming the address, exit 2. */
    unsigned port = ta_live_free_port();
    ta_run_cli(&L.run, "shutdown --connect 127.0.0.1:%u --repeat 1", port);
    assert_int_equal(L.run.status, 2);
    assert_int_equal(ta_run_lines(L.run.err), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TA_LIVE_TEST(s_server_holds_and_starves),
        TA_LIVE_TEST(s_server_no_ticket_forgets_the_session),
        TA_LIVE_TEST(reports_name_the_endpoint),
        TA_LIVE_TEST(s_client_notices_truncation),
        TA_LIVE_TEST(usage_errors_are_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
