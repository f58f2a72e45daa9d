/*
 * sid_remote_fixture.h - what the live-server suites of `tlsaudit sid
 * --connect` share (test_sid_remote.c, test_sid_remote_servers.c): a
 * certificate made at test time in a temporary directory (openssl req, P-256),
 * free ports on 127.0.0.1, the programs a test needs (skip() when one is
 * missing), and reading the rules out of a JSON report. Header-only.
 */
#ifndef TA_SID_REMOTE_FIXTURE_H
#define TA_SID_REMOTE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endpoint.h" /* tlsaudit.h first: cli_run.h needs TA_PRINTF */
#include "cli_run.h"

typedef struct ta_rfx {
    char dir[64]; /* the temporary directory: cert.pem, key.pem, both.pem */
    char cert[128], key[128], both[128];
} ta_rfx;

/* 1 when prog is an executable on PATH (or a path that is). */
static inline int ta_rfx_have(const char *prog)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "command -v '%s' >/dev/null 2>&1", prog);
    return system(cmd) == 0;
}

static inline int ta_rfx_setup(void **state)
{
    static ta_rfx fx;
    char cmd[1200];
    snprintf(fx.dir, sizeof(fx.dir), "/tmp/ta-sidr-XXXXXX");
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    snprintf(fx.cert, sizeof(fx.cert), "%s/cert.pem", fx.dir);
    snprintf(fx.key, sizeof(fx.key), "%s/key.pem", fx.dir);
    snprintf(fx.both, sizeof(fx.both), "%s/both.pem", fx.dir);
    if (ta_rfx_have("openssl")) {
        snprintf(cmd, sizeof(cmd),
                 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                 "-subj /CN=localhost -keyout '%s' -out '%s' -days 2 >/dev/null 2>&1 && "
                 "cat '%s' '%s' > '%s'",
                 fx.key, fx.cert, fx.cert, fx.key, fx.both);
        if (system(cmd) != 0)
            return -1;
    }
    *state = &fx;
    return 0;
}

static inline int ta_rfx_teardown(void **state)
{
    ta_rfx *fx = *state;
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    return system(cmd) == 0 ? 0 : -1;
}

static inline unsigned ta_rfx_port(void)
{
    unsigned p = ta__tcp_free_port();
    assert_true(p > 0);
    return p;
}

/* 1 when the JSON report in out has a finding of rule. */
static inline int ta_rfx_found(const char *out, const char *rule)
{
    char pat[80];
    snprintf(pat, sizeof(pat), "\"rule\":\"%s\"", rule);
    return strstr(out, pat) != NULL;
}

/* The findings of a JSON report, "A,B" (for failure messages). */
static inline int ta_rfx_count(const char *out)
{
    int n = 0;
    for (const char *p = out; (p = strstr(p, "\"rule\":\"")) != NULL; p++)
        n++;
    return n;
}

/* The rule's per-rule result ("pass", "found", "not-run", ...) is value. */
static inline int ta_rfx_result(const char *out, const char *rule, const char *value)
{
    char pat[96];
    snprintf(pat, sizeof(pat), "\"%s\":\"%s\"", rule, value);
    return strstr(out, pat) != NULL;
}

/* Small audits: the statistics hold at 300 ids (sid_remote_stats.c). */
#define TA_RFX_IDS "--ids 300 --bucket-n 2048 --connections 4"

static ta_run run; /* big: not on the stack */

/* Audit the server cmd starts, JSON on stdout; the report must be one. */
static inline void audit(unsigned port, const char *cmd, const char *extra)
{
    ta_run_cli(&run, "sid --connect 127.0.0.1:%u --start \"%s\" " TA_RFX_IDS " %s --json -", port,
               cmd, extra);
    if (strncmp(run.out, "{\"subject\":\"connect:127.0.0.1:", 30) != 0)
        fail_msg("no JSON report (exit %d): %s", run.status, run.err);
}

/* Exactly these findings (a comma list of rule ids; info rules too), and maybe
 * one more (NULL: none). */
static inline void expect_exactly_or(const char *what, const char *rules, const char *maybe)
{
    char buf[256];
    int want = 0;
    snprintf(buf, sizeof(buf), "%s", rules);
    for (char *t = strtok(buf, ","); t != NULL; t = strtok(NULL, ","), want++)
        if (!ta_rfx_found(run.out, t))
            fail_msg("%s: no %s in %s", what, t, run.out);
    if (maybe != NULL && ta_rfx_found(run.out, maybe))
        want++;
    if (ta_rfx_count(run.out) != want)
        fail_msg("%s: expected only {%s}: %s", what, rules, run.out);
}

static inline void expect_exactly(const char *what, const char *rules)
{
    expect_exactly_or(what, rules, NULL);
}

static inline void need(const char *prog)
{
    if (!ta_rfx_have(prog))
        skip();
}

#endif
