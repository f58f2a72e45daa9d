/*
 * test_live_clients.c - 'tlsaudit shutdown --client' with curl and
 * '--shim' with a minimal Python shim (conformance/endpoint/pyshim.py) and
 * shims that break the protocol (label "endpoint"). Asserted:
 *   - curl 7.88 exits 0 on a close-delimited body ended by a FIN without
 *     close_notify (SD-TRUNCATION-ACCEPTED), but not on a short body;
 *   - the Python shim (ssl.SSLSocket.unwrap) is clean, truncated and
 *     cancelled where it should be, hangs without a deadline when we stay
 *     silent (a warning), and fails on TLS 1.3 data before our close_notify
 *     (SD-DATA-FAILS: unwrap is SSL_shutdown alone, like asio's);
 *   - a shim whose verdict line and exit code disagree, or that prints no
 *     verdict, is SD-CRASH; one that hangs in a scenario that must end is
 *     SD-NO-TERMINATION / SD-CANCEL.
 */
#include "live_fixture.h"

static ta_live L;

static int setup(void **state)
{
    (void)state;
    memset(&L, 0, sizeof(L));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ta_live_teardown(&L);
    return 0;
}

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

static void python_shim(void **state)
{
    (void)state;
    const char *shim = getenv("TA_PYSHIM");
    if (shim == NULL || access("/usr/bin/python3", X_OK) != 0)
        skip();
    ta_live_setup(&L);
    int rc = ta_live_shutdown(&L, "--shim '/usr/bin/python3 %s' --repeat 2 --window 1 --timeout 2",
                              shim);
    assert_int_equal(rc, 1);
    for (int v = 2; v <= 3; v++) {
        char n[120];
#undef TA_CASE
#define TA_CASE(s) (snprintf(n, sizeof(n), "tls1%d/client/%s/shim", v, s), n)
        ta_live_expect(&L, TA_CASE("peer-cn"), NULL, "clean [cn fin] x2");
        ta_live_expect(&L, TA_CASE("peer-fin"), NULL, "truncated");
        ta_live_expect(&L, TA_CASE("shim-first"), NULL, "clean [cn");
        ta_live_expect(&L, TA_CASE("shim-first-fin"), NULL, "truncated");
        ta_live_expect(&L, TA_CASE("silent"), NULL, "\"flag\":\"SD-NO-TERMINATION\"");
        ta_live_expect(&L, TA_CASE("cancel"), NULL, "cancelled");
    }
    ta_live_expect(&L, "tls13/client/data-before-cn/shim", "SD-DATA-FAILS", "failed");
}

static void shims_that_break_the_protocol(void **state)
{
    (void)state;
    ta_live_setup(&L);
    /* "clean" with exit 3; no verdict line at all; a verdict then a hang. */
    ta_live_shutdown(&L, "--shim 'echo clean; exit 3' --repeat 1 --timeout 1 --only "
                         "tls13/client/peer-cn/shim");
    ta_live_expect(&L, "tls13/client/peer-cn/shim", "SD-CRASH", "exit 3");
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
        cmocka_unit_test_setup_teardown(curl_accepts_a_truncated_body, setup, teardown),
        cmocka_unit_test_setup_teardown(python_shim, setup, teardown),
        cmocka_unit_test_setup_teardown(shims_that_break_the_protocol, setup, teardown),
        cmocka_unit_test_setup_teardown(gate_lines_for_live_endpoints, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
