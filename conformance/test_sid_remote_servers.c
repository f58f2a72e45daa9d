/*
 * test_sid_remote_servers.c - `tlsaudit sid --connect` against the servers
 * people deploy, each started by the audit (--start) from a temporary prefix on
 * 127.0.0.1: nginx (shared session cache, tickets off, 2 workers), haproxy,
 * gnutls-serv with and without --nodb. gnutls-serv listens on every address, so
 * the whole suite runs in a network namespace of its own with only loopback up
 * (unshare(CLONE_NEWNET), as root); where that is not possible, gnutls-serv's
 * tests skip and the others run on the host's loopback.
 *
 * What each must give is what the servers do (endpoints-facts.md): nginx and
 * haproxy are clean; gnutls-serv --nodb hands out ids it never resumes; plain
 * gnutls-serv keeps a session after the client's fatal alert (GnuTLS leaves
 * gnutls_db_remove_session to the application, and gnutls-serv never calls
 * it): SID-RESUME-AFTER-ALERT, RFC 5246 §7.2.2.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sid_remote_fixture.h"

static int in_netns;

static void audit_exactly(unsigned port, const char *cmd, const char *rules, int status)
{
    audit(port, cmd, "");
    expect_exactly(cmd, rules);
    if (run.status != status)
        fail_msg("%s: exit %d, not %d", cmd, run.status, status);
    /* Every check ran: resumption too. */
    assert_true(ta_rfx_result(run.out, "SID-NEVER-RESUMES", "pass")
                || ta_rfx_result(run.out, "SID-NEVER-RESUMES", "found"));
}

static void nginx_shared_cache(void **state)
{
    ta_rfx *fx = *state;
    char conf[200], cmd[600], dir[128];
    unsigned port = ta_rfx_port();
    if (!ta_rfx_have("nginx"))
        skip();
    snprintf(dir, sizeof(dir), "%s/nginx", fx->dir);
    snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(conf, "w");
    assert_non_null(f);
    /* nginx 1.22's default protocols have no TLS 1.3; short timers. */
    fprintf(f,
            "daemon off; worker_processes 2; pid %s/nginx.pid; error_log %s/error.log;\n"
            "events { worker_connections 256; }\n"
            "http { access_log off; client_body_temp_path %s; proxy_temp_path %s;\n"
            "  fastcgi_temp_path %s; uwsgi_temp_path %s; scgi_temp_path %s;\n"
            "  keepalive_timeout 5; lingering_timeout 1; lingering_time 2;\n"
            "  client_header_timeout 5;\n"
            "  server { listen 127.0.0.1:%u ssl; ssl_certificate %s; ssl_certificate_key %s;\n"
            "    ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:S:1m;\n"
            "    ssl_session_tickets off; location / { return 200 \"ok\"; } } }\n",
            dir, dir, dir, dir, dir, dir, dir, port, fx->cert, fx->key);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "exec nginx -c %s -p %s", conf, dir);
    audit_exactly(port, cmd, "", 0);
    /* Tickets off: TLS 1.3 tickets are stateful, the generator's ids. */
    assert_non_null(strstr(run.out, "stateful (each is a session id"));
}

static void haproxy_default(void **state)
{
    ta_rfx *fx = *state;
    char conf[200], cmd[600];
    unsigned port = ta_rfx_port();
    if (!ta_rfx_have("haproxy"))
        skip();
    snprintf(conf, sizeof(conf), "%s/haproxy.cfg", fx->dir);
    FILE *f = fopen(conf, "w");
    assert_non_null(f);
    fprintf(f,
            "global\n  maxconn 256\ndefaults\n  mode http\n  timeout connect 2s\n"
            "  timeout client 5s\n  timeout server 5s\nfrontend f\n"
            "  bind 127.0.0.1:%u ssl crt %s\n"
            "  http-request return status 200 content-type text/plain string ok\n",
            port, fx->both);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "exec haproxy -db -f %s", conf);
    audit_exactly(port, cmd, "", 0);
    /* haproxy's TLS 1.3 tickets are stateless: reported as such, not analysed. */
    assert_non_null(strstr(run.out, "stateless (encrypted state"));
}

static void gnutls(void **state, const char *extra, const char *rules, int status)
{
    ta_rfx *fx = *state;
    char cmd[600];
    unsigned port = ta_rfx_port();
    if (!in_netns || !ta_rfx_have("gnutls-serv"))
        skip();
    snprintf(cmd, sizeof(cmd), "exec gnutls-serv -p %u --x509certfile %s --x509keyfile %s %s", port,
             fx->cert, fx->key, extra);
    audit_exactly(port, cmd, rules, status);
}

static void gnutls_serv(void **state)
{
    gnutls(state, "", "SID-RESUME-AFTER-ALERT", 1);
}

static void gnutls_serv_nodb(void **state)
{
    gnutls(state, "--nodb", "SID-NEVER-RESUMES", 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nginx_shared_cache),
        cmocka_unit_test(haproxy_default),
        cmocka_unit_test(gnutls_serv),
        cmocka_unit_test(gnutls_serv_nodb),
    };
    /* A namespace with only loopback up: gnutls-serv cannot reach beyond it. */
    if (unshare(CLONE_NEWNET) == 0 && system("ip link set lo up 2>/dev/null") == 0)
        in_netns = 1;
    return cmocka_run_group_tests(tests, ta_rfx_setup, ta_rfx_teardown);
}
