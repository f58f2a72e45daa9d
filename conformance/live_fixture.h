/*
 * live_fixture.h - what the live-endpoint suites (test_live_*.c) share: a
 * private directory with a fresh certificate, a free port, "is this program
 * installed" (a missing one is skip(), never a pass), one run of
 * 'tlsaudit shutdown' with its JSON report, and a result of that report by
 * case name. Header-only, like cli_run.h.
 */
#ifndef TA_LIVE_FIXTURE_H
#define TA_LIVE_FIXTURE_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "tlsaudit.h"
#include "cli_run.h"

typedef struct ta_live {
    char dir[256]; /* private: c.pem, k.pem, both.pem (cert + key), the report */
    unsigned port; /* free a moment ago, for servers that must be told theirs */
    ta_run run;    /* the last tlsaudit run */
    char json[1 << 17];
} ta_live;

/* 1 when `prog` is on PATH. */
static inline int ta_live_have(const char *prog)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "command -v '%s' >/dev/null 2>&1", prog);
    return system(cmd) == 0;
}

static inline unsigned ta_live_free_port(void)
{
    struct sockaddr_in a = {0};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* The directory and a certificate for localhost (endpoints-facts.md). */
static inline void ta_live_setup(ta_live *l)
{
    char cmd[1024];
    if (!ta_live_have("openssl"))
        skip();
    snprintf(l->dir, sizeof(l->dir), "/tmp/ta-live-XXXXXX");
    assert_non_null(mkdtemp(l->dir));
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-subj /CN=localhost -keyout k.pem -out c.pem -days 2 2>/dev/null && "
             "cat c.pem k.pem > both.pem && mkdir -p logs tmp",
             l->dir);
    assert_int_equal(system(cmd), 0);
    l->port = ta_live_free_port();
}

static inline void ta_live_teardown(ta_live *l)
{
    char cmd[300];
    if (l->dir[0] == '\0')
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", l->dir);
    (void)system(cmd);
}

/* Write a file of the directory (printf format). */
static inline void ta_live_write(const ta_live *l, const char *name, const char *fmt, ...)
    TA_PRINTF(3, 4);
static inline void ta_live_write(const ta_live *l, const char *name, const char *fmt, ...)
{
    char path[400];
    va_list ap;
    snprintf(path, sizeof(path), "%s/%s", l->dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    assert_int_equal(fclose(f), 0);
}

/* DIR/nginx.conf for nginx from the temporary prefix DIR on 127.0.0.1:l->port
 * (endpoints-facts.md): daemon off, one worker, every path under DIR, TLS 1.2
 * and 1.3 (1.22's default has no 1.3), 1 s timers, "hello" for every GET. */
static inline void ta_live_nginx_conf(const ta_live *l)
{
    const char *d = l->dir;
    ta_live_write(l, "nginx.conf",
                  "daemon off;\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/logs/e.log;\n"
                  "events { worker_connections 64; }\nhttp {\n access_log off;\n"
                  " client_body_temp_path %s/tmp; proxy_temp_path %s/tmp;\n"
                  " fastcgi_temp_path %s/tmp; uwsgi_temp_path %s/tmp; scgi_temp_path %s/tmp;\n"
                  " keepalive_timeout 1s; client_header_timeout 1s; lingering_time 1s;\n"
                  " lingering_timeout 1s; send_timeout 1s;\n"
                  " server {\n  listen 127.0.0.1:%u ssl;\n  ssl_certificate c.pem;\n"
                  "  ssl_certificate_key k.pem;\n  ssl_protocols TLSv1.2 TLSv1.3;\n"
                  "  location / { return 200 \"hello\\n\"; }\n }\n}\n",
                  d, d, d, d, d, d, d, l->port);
}

/* 'tlsaudit shutdown ARGS --json DIR/r.json' in DIR; the report is read into
 * l->json. Returns the exit status. */
static inline int ta_live_shutdown(ta_live *l, const char *fmt, ...) TA_PRINTF(2, 3);
static inline int ta_live_shutdown(ta_live *l, const char *fmt, ...)
{
    char args[3000], path[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/r.json", l->dir);
    (void)unlink(path);
    ta_run_cli_in(&l->run, l->dir, "shutdown %s --json r.json", args);
    ta_run__slurp(path, l->json, sizeof(l->json));
    if (l->run.status != 0 && l->run.status != 1)
        fprintf(stderr, "tlsaudit shutdown %s: exit %d\n%s\n", args, l->run.status, l->run.err);
    return l->run.status;
}

/* The result object of case `name` in the last report (its JSON text, up to
 * the next result), or fail the test. */
static inline const char *ta_live_result(ta_live *l, const char *name, char *out, size_t cap)
{
    char key[200];
    snprintf(key, sizeof(key), "{\"name\":\"%s\"", name);
    const char *p = strstr(l->json, key);
    if (p == NULL) {
        fprintf(stderr, "no result %s in:\n%s\n%s\n", name, l->json, l->run.err);
        fail();
    }
    const char *end = strstr(p + 1, "{\"name\":");
    size_t n = end ? (size_t)(end - p) : strlen(p);
    snprintf(out, cap, "%.*s", (int)n, p);
    return out;
}

/* Assert that case `name` passed (rule == NULL) or failed with `rule`, and
 * that its detail holds `detail` (NULL: anything). */
static inline void ta_live_expect(ta_live *l, const char *name, const char *rule,
                                  const char *detail)
{
    char res[4096], want[120];
    ta_live_result(l, name, res, sizeof(res));
    if (rule == NULL)
        snprintf(want, sizeof(want), "\"pass\":true");
    else
        snprintf(want, sizeof(want), "\"pass\":false,\"rule\":\"%s\"", rule);
    if (strstr(res, want) == NULL || (detail != NULL && strstr(res, detail) == NULL)) {
        fprintf(stderr, "%s: want %s%s%s, got:\n%s\n", name, want, detail ? " and " : "",
                detail ? detail : "", res);
        fail();
    }
}

/* The one fixture of a suite (static: ta_run and the report are large), reset
 * before and cleaned after each test. */
static ta_live L;

static int ta_live_case_setup(void **state)
{
    (void)state;
    memset(&L, 0, sizeof(L));
    return 0;
}

static int ta_live_case_teardown(void **state)
{
    (void)state;
    ta_live_teardown(&L);
    return 0;
}
#define TA_LIVE_TEST(fn) \
    cmocka_unit_test_setup_teardown(fn, ta_live_case_setup, ta_live_case_teardown)

#endif
