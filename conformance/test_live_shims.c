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
 * The measurement, reproduced directly: the real asio shim closes first
 * (TA_SHIM_READ=0) against a real nginx 1.22 from a temporary prefix, which
 * answers its close_notify with a bare FIN: async_shutdown reports
 * stream_truncated ("truncated", exit 10); against openssl s_server, which
 * answers with its own close_notify, the same shim says clean (the control).
 * The model-vs-real-asio check lives here only (test_shims asserts the shims
 * against its own table).
 */
#include "live_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

extern char **environ;

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

/* /bin/sh -c cmd in a process group of its own, stdout and stderr to files
 * of L.dir (name.out, name.err). */
static pid_t spawn_sh(const char *cmd, const char *name)
{
    char out[400], err[400];
    char *argv[] = {(char *)"sh", (char *)"-c", (char *)cmd, NULL};
    snprintf(out, sizeof(out), "%s/%s.out", L.dir, name);
    snprintf(err, sizeof(err), "%s/%s.err", L.dir, name);
    int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600),
        efd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    return ta_run__spawn_group("/bin/sh", argv, environ, ofd, efd);
}

/* Its exit code within bound_s, or -1: then its group is killed. */
static int wait_bounded(pid_t pid, double bound_s)
{
    int st = 0;
    for (long ms = 0;; ms += 10) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -2;
        if (ms >= (long)(bound_s * 1000)) {
            kill(-pid, SIGKILL);
            (void)waitpid(pid, &st, 0);
            return -1;
        }
        usleep(10 * 1000);
    }
}

static void stop_group(pid_t pid)
{
    kill(-pid, SIGTERM);
    if (wait_bounded(pid, 3.0) == -1)
        fprintf(stderr, "server group %d killed after SIGTERM\n", (int)pid);
}

/* Wait (bounded) for 127.0.0.1:port to accept a TCP connection. */
static int port_open(unsigned port, double bound_s)
{
    for (long ms = 0; ms < (long)(bound_s * 1000); ms += 20) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        if (fd >= 0)
            close(fd);
        if (ok)
            return 1;
        usleep(20 * 1000);
    }
    return 0;
}

/* The asio shim, closing first, against the server on L.port: its verdict
 * line (the last of its stdout) and exit code. */
static int asio_closes_first(const char *tls, char *verdict, size_t cap)
{
    char cmd[1200], path[400], out[4096];
    snprintf(cmd, sizeof(cmd),
             "TA_SHIM_HOST=127.0.0.1 TA_SHIM_PORT=%u TA_SHIM_TLS=%s TA_SHIM_READ=0 "
             "TA_SHIM_CANCEL_MS=0 TA_SHIM_SCENARIO=closes-first TA_SHIM_CA='%s/c.pem' exec '%s'",
             L.port, tls, L.dir, shim_path("asio"));
    int code = wait_bounded(spawn_sh(cmd, "shim"), 10.0);
    snprintf(path, sizeof(path), "%s/shim.out", L.dir);
    ta_run__slurp(path, out, sizeof(out));
    out[strcspn(out, "\r\n")] = '\0'; /* READ=0: no "read N" line, the verdict first */
    snprintf(verdict, cap, "%.100s", out);
    return code;
}

static void asio_against_real_nginx(void **state)
{
    char cmd[1200], verdict[200];
    (void)state;
    shim_path("asio");
    if (!ta_live_have("nginx"))
        skip();
    ta_live_setup(&L);
    ta_live_nginx_conf(&L);
    snprintf(cmd, sizeof(cmd), "cd '%s' && exec nginx -c %s/nginx.conf -p %s -e %s/logs/e.log",
             L.dir, L.dir, L.dir, L.dir);
    pid_t nginx = spawn_sh(cmd, "nginx");
    int up = port_open(L.port, 10.0);
    int c12 = up ? asio_closes_first("1.2", verdict, sizeof(verdict)) : -3;
    char v12[200];
    snprintf(v12, sizeof(v12), "%s", verdict);
    int c13 = up ? asio_closes_first("1.3", verdict, sizeof(verdict)) : -3;
    stop_group(nginx);
    assert_true(up);
    print_message("asio vs nginx: tls12 %s (exit %d), tls13 %s (exit %d)\n", v12, c12, verdict,
                  c13);
    assert_string_equal(v12, "truncated");
    assert_int_equal(c12, 10);
    assert_string_equal(verdict, "truncated");
    assert_int_equal(c13, 10);

    /* The control: a server that answers close_notify with its own. */
    L.port = ta_live_free_port();
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && exec openssl s_server -accept 127.0.0.1:%u -cert c.pem -key k.pem "
             "-www -quiet",
             L.dir, L.port);
    pid_t sserver = spawn_sh(cmd, "s_server");
    up = port_open(L.port, 10.0);
    c13 = up ? asio_closes_first("1.3", verdict, sizeof(verdict)) : -3;
    stop_group(sserver);
    assert_true(up);
    assert_string_equal(verdict, "clean");
    assert_int_equal(c13, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TA_LIVE_TEST(openssl_shim_is_conformant), TA_LIVE_TEST(asio_shim),
        TA_LIVE_TEST(python_and_gnutls_shims),    TA_LIVE_TEST(shims_hang_on_a_silent_peer),
        TA_LIVE_TEST(asio_against_real_nginx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
