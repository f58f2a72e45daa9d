/*
 * test_live_clients.c - 'tlsaudit shutdown --client' with curl, '--shim' with
 * shims that break the protocol (the shipped shims: test_live_shims.c), and
 * gate lines of the live forms (label "endpoint"). Asserted:
 *   - curl 7.88 exits 0 on a close-delimited body ended by a FIN without
 *     close_notify (SD-TRUNCATION-ACCEPTED), but not on a short body;
 *   - gnutls-cli 3.7.9 (stdin on /dev/null, as every client runs) answers our
 *     close_notify with a bare FIN, never a close_notify of its own, exits 0
 *     whether or not the server's close_notify came (SD-TRUNCATION-ACCEPTED on
 *     close-fin and short-body: it is no HTTP client, it does not judge the
 *     body), and ends a silent keep-alive connection by itself (exit 0, FIN);
 *   - a shim whose verdict line and exit code disagree, that prints no verdict
 *     or dies of a signal is SD-CRASH; one that hangs in a scenario that must
 *     end is SD-NO-TERMINATION / SD-CANCEL; "unimplemented" is incomplete.
 */
#include "live_fixture.h"

static void curl_accepts_a_truncated_body(void **state)
{
    (void)state;
    if (!ta_live_have("curl"))
        skip();
    ta_live_setup(&L);
    int rc = ta_live_shutdown(&L, "--client 'curl -sk --max-time 5 -o /dev/null "
                                  "https://127.0.0.1:{port}/' --repeat 2 --window 1 --timeout 3 "
                                  "--only length-cn,close-cn,close-fin,short-body");
    assert_int_equal(rc, 1);
    for (int v = 2; v <= 3; v++) {
        char n[120];
#define TA_CASE(s) (snprintf(n, sizeof(n), "tls1%d/client/%s/client", v, s), n)
        ta_live_expect(&L, TA_CASE("length-cn"), NULL, "exit 0");
        ta_live_expect(&L, TA_CASE("close-cn"), NULL, "exit 0");
        ta_live_expect(&L, TA_CASE("close-fin"), "SD-TRUNCATION-ACCEPTED", "exit 0");
        ta_live_expect(&L, TA_CASE("short-body"), NULL, "exit 18");
    }
}

static void gnutls_cli_wire_behaviour(void **state)
{
    (void)state;
    if (!ta_live_have("gnutls-cli"))
        skip();
    ta_live_setup(&L);
    int rc =
        ta_live_shutdown(&L, "--client 'gnutls-cli --insecure --port {port} 127.0.0.1' "
                             "--repeat 1 --window 1 --timeout 5 --only "
                             "length-cn,close-fin,short-body,tls13/client/silent-after-response/"
                             "client");
    assert_int_equal(rc, 1);
    for (int v = 2; v <= 3; v++) {
        char n[120];
#define TA_CASE(s) (snprintf(n, sizeof(n), "tls1%d/client/%s/client", v, s), n)
        ta_live_expect(&L, TA_CASE("length-cn"), NULL, "exit 0 [fin] x1");
        ta_live_expect(&L, TA_CASE("close-fin"), "SD-TRUNCATION-ACCEPTED", "exit 0 [fin] x1");
        ta_live_expect(&L, TA_CASE("short-body"), "SD-TRUNCATION-ACCEPTED", "exit 0 [fin] x1");
    }
    ta_live_expect(&L, "tls13/client/silent-after-response/client", NULL, "exit 0 [fin] x1");
    ta_live_expect(&L, "tls13/client/silent-after-response/client", NULL, "\"flag\":null");
}

static void shims_that_break_the_protocol(void **state)
{
    (void)state;
    ta_live_setup(&L);
    /* "clean" with exit 3; no verdict line at all; a verdict then a hang. */
    ta_live_shutdown(&L, "--shim 'echo clean; exit 3' --repeat 1 --timeout 1 --only "
                         "tls13/client/peer-cn/shim");
    ta_live_expect(&L, "tls13/client/peer-cn/shim", "SD-CRASH", "exit 3");
    /* The terminal header names the endpoint's form, not a driver. */
    assert_non_null(strstr(L.run.out, "live shim echo clean; exit 3 (our peer: OpenSSL "));
    ta_live_shutdown(&L, "--shim 'echo hello' --repeat 1 --timeout 1 --only "
                         "tls13/client/peer-cn/shim");
    ta_live_expect(&L, "tls13/client/peer-cn/shim", "SD-CRASH", "no verdict line");
    ta_live_shutdown(&L, "--shim 'kill -SEGV $$' --repeat 1 --timeout 1 --only "
                         "tls13/client/peer-cn/shim");
    ta_live_expect(&L, "tls13/client/peer-cn/shim", "SD-CRASH", "signal 11");
    ta_live_shutdown(&L, "--shim 'sleep 5' --repeat 1 --timeout 0.5 --only "
                         "tls12/client/peer-cn/shim,tls12/client/cancel/shim");
    ta_live_expect(&L, "tls12/client/peer-cn/shim", "SD-NO-TERMINATION", "hang");
    ta_live_expect(&L, "tls12/client/cancel/shim", "SD-CANCEL", "hang");
    ta_live_shutdown(&L, "--shim 'echo unimplemented; exit 13' --repeat 1 --timeout 1 --only "
                         "tls12/client/cancel/shim");
    ta_live_expect(&L, "tls12/client/cancel/shim", "SD-INCOMPLETE", "unimplemented");
    assert_non_null(strstr(L.json, "\"verdict\":\"incomplete\""));
}

/* A project gates a PR on its own client: a gate line of the client form,
 * its finding accepted by the baseline or not. */
static void gate_lines_for_live_endpoints(void **state)
{
    (void)state;
    if (!ta_live_have("curl"))
        skip();
    ta_live_setup(&L);
    ta_live_write(&L, "g.conf",
                  "shutdown client:\"curl -sk -o /dev/null https://127.0.0.1:{port}/\" "
                  "repeat=1 timeout=3 only=close-fin\n");
    ta_run_cli_in(&L.run, L.dir, "gate --config g.conf");
    assert_int_equal(L.run.status, 1);
    assert_non_null(strstr(L.run.out, "SD-TRUNCATION-ACCEPTED"));
    ta_live_write(&L, "g.conf",
                  "shutdown client:\"curl -sk -o /dev/null https://127.0.0.1:{port}/\" "
                  "repeat=1 timeout=3 only=close-fin\n"
                  "accept SD-TRUNCATION-ACCEPTED * reason=\"curl accepts it\"\n");
    ta_run_cli_in(&L.run, L.dir, "gate --config g.conf");
    assert_int_equal(L.run.status, 0);
    /* Checked before anything runs: one line naming the file and line. */
    ta_live_write(&L, "g.conf", "shutdown builtin:drain http=1\n");
    ta_run_cli_in(&L.run, L.dir, "gate --config g.conf");
    assert_int_equal(L.run.status, 2);
    assert_non_null(strstr(L.run.err, "g.conf:1:"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TA_LIVE_TEST(curl_accepts_a_truncated_body),
        TA_LIVE_TEST(gnutls_cli_wire_behaviour),
        TA_LIVE_TEST(shims_that_break_the_protocol),
        TA_LIVE_TEST(gate_lines_for_live_endpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
