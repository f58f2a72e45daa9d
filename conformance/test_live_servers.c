/*
 * test_live_servers.c - 'tlsaudit shutdown --connect --start' against nginx,
 * haproxy and gnutls-serv, each from a temporary prefix with short timers
 * (label "endpoint"). Asserted: what the issue measured for Debian 12's
 * packages, as the tool observes it on the wire, and a correct server that
 * must come out clean:
 *   - nginx 1.22 answers our close_notify with a bare FIN (SD-PEER-NO-CN: the
 *     reason asio's async_shutdown reports stream_truncated against it), also
 *     after a forged warning or with forged data after it, and closes idle and
 *     keep-alive connections by its timers; it serves a GET after a TLS 1.2
 *     warning and ends a TLS 1.3 connection on a warning-level error alert;
 *   - haproxy 2.6 without TLS tickets: no finding at all, forged records
 *     included (it answers any close before a request with a 400 of its own:
 *     not an answer to data after our close_notify);
 *   - gnutls-serv 3.7.9 (no tickets) resumes a TLS 1.2 session by its id after
 *     our fatal alert (RFC 5246 §7.2.2), and closes on a warning user_canceled
 *     (SD-WARNING-CLOSE). It listens on every address, so it runs with
 *     tlsaudit in a network namespace with only loopback up.
 */
#include "live_fixture.h"

static void nginx_answers_close_notify_with_fin(void **state)
{
    (void)state;
    if (!ta_live_have("nginx"))
        skip();
    ta_live_setup(&L);
    ta_live_nginx_conf(&L);
    int rc = ta_live_shutdown(&L,
                              "--connect 127.0.0.1:%u --start 'nginx -c %s/nginx.conf -p %s -e "
                              "%s/logs/e.log' --http --repeat 2 --window 2 --idle-bound 3 "
                              "--only sanity-first,our-cn-first,data-and-cn,server-closes-first,"
                              "keepalive-timer,warning-then-cn,warning-then-request,"
                              "error-as-warning,data-after-cn,sanity-last",
                              L.port, L.dir, L.dir, L.dir);
    assert_int_equal(rc, 1);
    for (int v = 2; v <= 3; v++) {
        char n[120];
#define TA_CASE(s) (snprintf(n, sizeof(n), "tls1%d/server/%s/connect", v, s), n)
        ta_live_expect(&L, TA_CASE("our-cn-first"), "SD-PEER-NO-CN", "\"detail\":\"fin x2");
        ta_live_expect(&L, TA_CASE("server-closes-first"), NULL, NULL);
        ta_live_expect(&L, TA_CASE("keepalive-timer"), NULL, "\"flag\":null");
        ta_live_expect(&L, TA_CASE("warning-then-cn"), "SD-PEER-NO-CN", "\"detail\":\"fin x2");
        ta_live_expect(&L, TA_CASE("data-after-cn"), "SD-PEER-NO-CN", "\"detail\":\"fin x2");
        ta_live_expect(&L, TA_CASE("sanity-last"), NULL, NULL);
    }
    ta_live_expect(&L, "tls12/server/warning-then-request/connect", NULL, "data x2");
    ta_live_expect(&L, "tls13/server/error-as-warning/connect", NULL, "fin x2");
}

static void haproxy_is_clean(void **state)
{
    (void)state;
    if (!ta_live_have("haproxy"))
        skip();
    ta_live_setup(&L);
    ta_live_write(&L, "h.cfg",
                  "defaults\n mode http\n timeout client 1s\n timeout server 1s\n"
                  " timeout connect 1s\n timeout http-keep-alive 1s\n timeout http-request 1s\n"
                  "frontend fe\n bind 127.0.0.1:%u ssl crt %s/both.pem ssl-min-ver TLSv1.2 "
                  "no-tls-tickets\n http-request return status 200 content-type text/plain "
                  "string hello\n",
                  L.port, L.dir);
    int rc = ta_live_shutdown(&L,
                              "--connect 127.0.0.1:%u --start 'haproxy -db -f h.cfg' --http "
                              "--repeat 2 --window 2 --hold-bound 1 --idle-bound 2",
                              L.port);
    if (rc != 0)
        fprintf(stderr, "%s\n", L.run.out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(L.json, "\"verdict\":\"conformant\""));
    assert_null(strstr(L.json, "\"flag\":\"SD-"));
    /* Every scenario ran, in each of its versions (forged records included). */
    size_t n;
    const ta_sd_remote_scenario *t = ta_sd_remote_scenario_table(&n);
    for (size_t i = 0; i < n; i++)
        for (int v = 0; v < TA_TLS_COUNT; v++) {
            char name[160], res[4096];
            if (!(t[i].forms & (1u << TA_SD_FORM_CONNECT)) || !(t[i].versions & (1u << v)))
                continue;
            snprintf(name, sizeof(name), "%s/server/%s/connect", ta_tls_name((ta_tls)v), t[i].name);
            ta_live_result(&L, name, res, sizeof(res));
        }
    /* haproxy answers data after our close_notify with the 400 it sends to any
     * early close, never with the response: no SD-ACTED-AFTER-CN. */
    ta_live_expect(&L, "tls13/server/data-after-cn/connect", NULL, "data cn");
}

static void gnutls_serv_resumes_after_fatal_alert(void **state)
{
    (void)state;
    if (!ta_live_have("gnutls-serv") || !ta_live_have("unshare") || !ta_live_have("ip")
        || system("unshare -n true 2>/dev/null") != 0)
        skip();
    ta_live_setup(&L);
    /* tlsaudit itself runs in the namespace: a wrapper in place of the binary. */
    const char *bin = getenv("TLSAUDIT_BIN");
    char wrapper[400], old[400];
    snprintf(old, sizeof(old), "%s", bin);
    ta_live_write(&L, "ns.sh",
                  "#!/bin/sh\nexec unshare -n sh -c 'ip link set lo up && exec \"$0\" \"$@\"' "
                  "'%s' \"$@\"\n",
                  old);
    snprintf(wrapper, sizeof(wrapper), "%s/ns.sh", L.dir);
    assert_int_equal(chmod(wrapper, 0700), 0);
    setenv("TLSAUDIT_BIN", wrapper, 1);
    int rc =
        ta_live_shutdown(&L, "--connect 127.0.0.1:5556 --start 'gnutls-serv --http --port 5556 "
                             "--x509certfile c.pem --x509keyfile k.pem --noticket -q' --http "
                             "--repeat 2 --window 2 --only sanity-first,fatal-then-resume,"
                             "our-cn-first,fin-idle,warning-then-cn,data-after-cn");
    setenv("TLSAUDIT_BIN", old, 1);
    assert_int_equal(rc, 1);
    ta_live_expect(&L, "tls12/server/fatal-then-resume/connect", "SD-RESUME-AFTER-FATAL",
                   "resumed (id) x2");
    ta_live_expect(&L, "tls13/server/our-cn-first/connect", NULL, "cn fin x2");
    ta_live_expect(&L, "tls12/server/fin-idle/connect", NULL, NULL);
    /* It ends the connection on a warning user_canceled, in both versions. */
    ta_live_expect(&L, "tls12/server/warning-then-cn/connect", "SD-WARNING-CLOSE", "fin x2");
    ta_live_expect(&L, "tls13/server/warning-then-cn/connect", "SD-WARNING-CLOSE", "fin x2");
    ta_live_expect(&L, "tls13/server/data-after-cn/connect", NULL, "cn fin x2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TA_LIVE_TEST(nginx_answers_close_notify_with_fin),
        TA_LIVE_TEST(haproxy_is_clean),
        TA_LIVE_TEST(gnutls_serv_resumes_after_fatal_alert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
