/*
 * test_shims.c - every shipped shim (tools/shims/) against a real, scripted
 * OpenSSL server on 127.0.0.1, over a real socket, before 'tlsaudit shutdown
 * --shim' drives them: the shim is started the way the protocol says (its
 * environment, its own process group), the server plays one case, and the test
 * checks the verdict line, the exit code that goes with it, the last "read N"
 * line and what the server saw on the wire (the shim's close_notify).
 *
 * Cases are a table (shim x TLS version x peer behaviour); the expected outcome
 * is the oracle's (what a correct shutdown gives, from RFC 8446 §6.1 / RFC 5246
 * §7.2.1 and the protocol) unless a row of the short table of known deviations
 * says what a stack really does, with the reason. Test names are the
 * parameters: asio/tls13/we-close/peer-data-close-notify.
 *
 * The built-in 'asio' driver (a C model) is checked against the real asio
 * shim's results in test_live_shims.c (one place). A shim not built (its
 * toolchain missing) is skip(), never a pass. Every wait is bounded; every shim is stopped by its
 * process group (shim_peer.h).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "tlsaudit.h"
#include "cli_run.h"
#include "shim_peer.h"

extern char **environ;

/* Bounds. Generous where the machine's load could stretch a correct run (a
 * deadline only stops real hangs); HANG_PROOF_MS is how long a shim expected to
 * hang must still be running after its close_notify reached us. */
#define IO_TIMEOUT_S 10
#define EXIT_BOUND_MS 10000
#define HANG_PROOF_MS 500
#define BODY 20000    /* bytes the server writes first: two records and a bit */
#define LATE_DATA 100 /* bytes written after the shim's close_notify */
#define CANCEL_MS 200
#define READ_ANY (-2)

/* ------------------------------------------------------------------ the tables */

typedef struct {
    const char *name;
    const char *env; /* variable holding the shim's path (conformance/shims.cmake) */
} shim;
static const shim shims[] = {
    {"asio", "TA_TEST_SHIM_ASIO"},
    {"python", "TA_TEST_SHIM_PYTHON"},
    {"gnutls", "TA_TEST_SHIM_GNUTLS"},
    {"openssl", "TA_TEST_SHIM_OPENSSL"},
};
#define N_SHIMS (sizeof(shims) / sizeof(shims[0]))

static const struct {
    const char *name, *env;
    int version;
} versions[] = {{"tls12", "1.2", TLS1_2_VERSION}, {"tls13", "1.3", TLS1_3_VERSION}};
#define N_VERSIONS (sizeof(versions) / sizeof(versions[0]))

/* What the server does once it has written `body` bytes. */
typedef enum {
    ACT_CLOSE_NOTIFY,   /* send close_notify (answer the shim's, or first) */
    ACT_FIN,            /* shutdown(SHUT_WR) without close_notify */
    ACT_SILENT,         /* nothing: the connection stays open */
    ACT_DATA_THEN_CN,   /* LATE_DATA bytes of application data, then close_notify */
    ACT_DATA_THEN_FIN,  /* LATE_DATA bytes, then FIN without close_notify */
    ACT_TICKET_THEN_CN, /* TLS 1.3: a NewSessionTicket, then close_notify */
    ACT_RST,            /* close with SO_LINGER 0: a TCP reset, no close_notify */
    ACT_RST_MID,        /* the first bytes of a record, then a reset */
} act;

typedef struct {
    const char *name;
    int read_close;    /* TA_SHIM_READ=close (the peer closes first); else BODY */
    long cancel_ms;    /* TA_SHIM_CANCEL_MS */
    size_t body;       /* bytes written before acting */
    int after_shim_cn; /* act only once the shim's close_notify arrived */
    act what;
    /* The oracle: verdicts ("a|b": either), or "hang"; NULL: the case does not
     * exist in that version. */
    const char *expect12, *expect13;
    long expect_read;     /* the last "read N" line */
    long expect_read_alt; /* or this (-1: none; READ_ANY: a reset may drop unread bytes) */
} peer_case;

static const peer_case cases[] = {
    {"we-close/peer-close-notify", 0, 0, BODY, 1, ACT_CLOSE_NOTIFY, "clean", "clean", BODY, -1},
    {"we-close/peer-fin", 0, 0, BODY, 1, ACT_FIN, "truncated", "truncated", BODY, -1},
    {"we-close/peer-silent/cancel", 0, CANCEL_MS, BODY, 1, ACT_SILENT, "cancelled", "cancelled",
     BODY, -1},
    /* No cancel timer, silent peer: nothing ends the shutdown. For tlsaudit that
     * is SD-NO-TERMINATION at its hard timeout; here: still running. */
    {"we-close/peer-silent", 0, 0, BODY, 1, ACT_SILENT, "hang", "hang", BODY, -1},
    /* RFC 8446 §6.1: after our close_notify a TLS 1.3 peer may still write, and
     * the shutdown must read on to its close_notify (the data may be handed over
     * or dropped). A TLS 1.2 peer must answer at once (RFC 5246 §7.2.1): its data
     * breaks the protocol, so failing is as right as going on. */
    {"we-close/peer-data-close-notify", 0, 0, BODY, 1, ACT_DATA_THEN_CN, "clean|failed", "clean",
     BODY, BODY + LATE_DATA},
    /* Data after our close_notify, then a FIN: a truncation all the same. */
    {"we-close/peer-data-fin", 0, 0, BODY, 1, ACT_DATA_THEN_FIN, "truncated|failed", "truncated",
     BODY, BODY + LATE_DATA},
    /* RFC 8446 §4.6.1: a NewSessionTicket may come at any time after the
     * handshake; one after our close_notify must not break the shutdown. */
    {"we-close/peer-ticket-close-notify", 0, 0, BODY, 1, ACT_TICKET_THEN_CN, NULL, "clean", BODY,
     -1},
    /* A reset is the transport closing without close_notify: truncated, or the
     * stack's error for a reset (never clean, never a hang). */
    {"we-close/peer-rst", 0, 0, BODY, 1, ACT_RST, "truncated|failed", "truncated|failed", BODY, -1},
    {"we-close/short-body-fin", 0, 0, BODY / 2, 0, ACT_FIN, "truncated", "truncated", BODY / 2, -1},
    {"peer-closes/close-notify", 1, 0, BODY, 0, ACT_CLOSE_NOTIFY, "clean", "clean", BODY, -1},
    {"peer-closes/fin", 1, 0, BODY, 0, ACT_FIN, "truncated", "truncated", BODY, -1},
    /* A reset in the middle of a record (its header cut): the transport is gone
     * without close_notify, truncated or the stack's error, never clean. */
    {"peer-closes/rst-mid-record", 1, 0, BODY, 0, ACT_RST_MID, "truncated|failed",
     "truncated|failed", BODY, READ_ANY},
    /* READ=close and the peer stays silent: the read has no end, and the
     * protocol arms no cancel timer before the shim's own shutdown: it hangs. */
    {"peer-closes/silent", 1, 0, BODY, 0, ACT_SILENT, "hang", "hang", BODY, -1},
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Where a stack really differs from the oracle (measured on Debian 12: Boost
 * 1.74, Python 3.11.2, GnuTLS 3.7.9, OpenSSL 3.0). version "*": both. */
static const struct {
    const char *shim, *version, *kase, *expect, *why;
} deviations[] = {
/* asio's shutdown op and CPython's unwrap() call SSL_shutdown again after
     * its 0, which refuses data after our close_notify
     * (SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY, the connection is dead)
     * instead of reading on to the peer's close_notify (issue 12). */
#define TA_DATA_AFTER_CN "failed:application data after close notify"
    {"asio", "*", "we-close/peer-data-close-notify", TA_DATA_AFTER_CN,
     "async_shutdown = SSL_shutdown twice: refuses data after our close_notify"},
    {"asio", "*", "we-close/peer-data-fin", TA_DATA_AFTER_CN,
     "the data fails the shutdown before the FIN is seen"},
    {"python", "*", "we-close/peer-data-close-notify", TA_DATA_AFTER_CN,
     "unwrap() = SSL_shutdown twice: refuses data after our close_notify"},
    {"python", "*", "we-close/peer-data-fin", TA_DATA_AFTER_CN,
     "the data fails the shutdown before the FIN is seen"},
    /* CPython 3.10+ sets SSL_OP_IGNORE_UNEXPECTED_EOF on every SSLContext: a
     * transport closed without close_notify reads as one (recv() == b'') and
     * unwrap() succeeds. A truncation accepted silently, by default. */
    {"python", "*", "we-close/peer-fin", "clean", "default OP_IGNORE_UNEXPECTED_EOF"},
    {"python", "*", "we-close/short-body-fin", "clean", "default OP_IGNORE_UNEXPECTED_EOF"},
    {"python", "*", "peer-closes/fin", "clean", "default OP_IGNORE_UNEXPECTED_EOF"},
    /* gnutls_bye(GNUTLS_SHUT_RDWR) returns 0 when the transport closes or is
     * reset while it waits for the peer's close_notify: both pass for one
     * (gnutls_record_recv tells them apart: GNUTLS_E_PREMATURE_TERMINATION). */
    {"gnutls", "*", "we-close/peer-fin", "clean", "gnutls_bye returns 0 on a bare FIN"},
    {"gnutls", "*", "we-close/peer-rst", "clean", "gnutls_bye returns 0 on a reset too"},
    {"gnutls", "*", "we-close/peer-data-fin", "clean",
     "gnutls_bye drops the data, then returns 0 on the FIN"},
};

static const char *expected(const shim *s, int v, const peer_case *c, const char **why)
{
    *why = "oracle";
    for (size_t i = 0; i < sizeof(deviations) / sizeof(deviations[0]); i++)
        if (strcmp(deviations[i].shim, s->name) == 0
            && (strcmp(deviations[i].version, "*") == 0
                || strcmp(deviations[i].version, versions[v].name) == 0)
            && strcmp(deviations[i].kase, c->name) == 0) {
            *why = deviations[i].why;
            return deviations[i].expect;
        }
    return versions[v].version == TLS1_3_VERSION ? c->expect13 : c->expect12;
}

/* Does verdict match one of the '|'-separated outcomes of exp? An outcome with
 * ":why" must match exactly (unless words_only: the model gives no why); a bare
 * word matches the verdict word alone or, for failed, with any why. */
static int verdict_matches(const char *verdict, const char *exp, int words_only)
{
    for (const char *o = exp; *o != '\0';) {
        size_t len = strcspn(o, "|"), word = strcspn(o, ":|"), vw = strcspn(verdict, ":");
        if (word < len && !words_only) {
            if (strlen(verdict) == len && strncmp(verdict, o, len) == 0)
                return 1;
        } else if (vw == word && strncmp(verdict, o, word) == 0) {
            return 1;
        }
        o += len + (o[len] == '|');
    }
    return 0;
}

/* ------------------------------------------------------------------ the server */

static struct {
    ta_env *env;
    SSL_CTX *ctx[N_VERSIONS];
    char ca_path[64];
} g;

static int group_setup(void **state)
{
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    (void)state;
    signal(SIGPIPE, SIG_IGN); /* a shim that closed early must not kill the server */
    if (ta_env_new(NULL, &g.env) != TA_OK || ta_keys_make(g.env, &key, &cert) != TA_OK)
        return -1;
    snprintf(g.ca_path, sizeof(g.ca_path), "/tmp/ta-shims-ca-XXXXXX");
    int fd = mkstemp(g.ca_path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    int ok = f != NULL && PEM_write_X509(f, cert);
    if (f != NULL)
        fclose(f);
    for (size_t v = 0; ok && v < N_VERSIONS; v++) {
        g.ctx[v] = SSL_CTX_new_ex(ta_env_libctx(g.env), NULL, TLS_server_method());
        ok = g.ctx[v] != NULL && SSL_CTX_set_min_proto_version(g.ctx[v], versions[v].version)
             && SSL_CTX_set_max_proto_version(g.ctx[v], versions[v].version)
             && SSL_CTX_use_certificate(g.ctx[v], cert) && SSL_CTX_use_PrivateKey(g.ctx[v], key);
    }
    X509_free(cert);
    EVP_PKEY_free(key);
    return ok ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    for (size_t v = 0; v < N_VERSIONS; v++)
        SSL_CTX_free(g.ctx[v]);
    ta_env_free(g.env);
    unlink(g.ca_path);
    return 0;
}

/* The server's side of one case; returns what it saw of the shim's close. */
static const char *serve(SSL *ssl, int *fd, const peer_case *c)
{
    static char body[BODY];
    const char *saw = "-";
    size_t done = 0;

    memset(body, 'x', sizeof(body));
    ERR_clear_error();
    if (SSL_accept(ssl) != 1)
        return "handshake failed";
    ERR_clear_error();
    if (!SSL_write_ex(ssl, body, c->body, &done))
        return "write failed";
    if (c->after_shim_cn)
        saw = await_close_notify(ssl);
    if (c->what == ACT_DATA_THEN_CN || c->what == ACT_DATA_THEN_FIN) {
        ERR_clear_error();
        if (!SSL_write_ex(ssl, body, LATE_DATA, &done))
            return "late write failed";
    }
    switch (c->what) {
    case ACT_DATA_THEN_CN:
    case ACT_CLOSE_NOTIFY:
        ERR_clear_error();
        (void)SSL_shutdown(ssl); /* 1 after the shim's close_notify, else 0 */
        break;
    case ACT_TICKET_THEN_CN:
        ERR_clear_error();
        if (!SSL_new_session_ticket(ssl) || SSL_do_handshake(ssl) != 1)
            return "ticket not sent";
        ERR_clear_error();
        (void)SSL_shutdown(ssl);
        break;
    case ACT_FIN:
    case ACT_DATA_THEN_FIN:
        (void)shutdown(*fd, SHUT_WR);
        break;
    case ACT_RST_MID:
        (void)write(*fd, "\x17\x03\x03", 3); /* a record header, cut */
        /* fall through */
    case ACT_RST: {
        struct linger l = {.l_onoff = 1, .l_linger = 0};
        (void)setsockopt(*fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
        close(*fd); /* the SSL's BIO does not own it */
        *fd = -1;
        break;
    }
    case ACT_SILENT:
        break;
    }
    if (!c->after_shim_cn && c->what == ACT_CLOSE_NOTIFY)
        saw = await_close_notify(ssl); /* the shim must answer ours */
    return saw;
}


typedef struct {
    const shim *s;
    int v;
    const peer_case *c;
} param;

static void skip_unbuilt(const shim *s, const char *bin)
{
    if (bin == NULL || bin[0] == '\0' || access(bin, X_OK) != 0) {
        print_message("%s shim not built (%s unset): skipped\n", s->name, s->env);
        skip();
    }
}

static void run_case(void **state)
{
    const param *pp = *state;
    const peer_case *c = pp->c;
    const char *bin = getenv(pp->s->env), *why, *exp = expected(pp->s, pp->v, c, &why);
    static char out[1 << 16], err[1 << 14];
    char verdict[256];
    long last_read;
    int port, fd = -1, hang = strcmp(exp, "hang") == 0;
    SSL *ssl = NULL;
    const char *saw = "no connection";
    shim_proc p;

    skip_unbuilt(pp->s, bin);
    int lfd = listen_loopback(&port);
    {
        char host[] = "TA_SHIM_HOST=127.0.0.1", e_port[32], e_tls[32], e_read[48], e_cancel[48],
             e_ca[96], e_sc[160];
        snprintf(e_port, sizeof(e_port), "TA_SHIM_PORT=%d", port);
        snprintf(e_tls, sizeof(e_tls), "TA_SHIM_TLS=%s", versions[pp->v].env);
        if (c->read_close)
            snprintf(e_read, sizeof(e_read), "TA_SHIM_READ=close");
        else
            snprintf(e_read, sizeof(e_read), "TA_SHIM_READ=%d", BODY);
        snprintf(e_cancel, sizeof(e_cancel), "TA_SHIM_CANCEL_MS=%ld", c->cancel_ms);
        snprintf(e_ca, sizeof(e_ca), "TA_SHIM_CA=%s", g.ca_path);
        snprintf(e_sc, sizeof(e_sc), "TA_SHIM_SCENARIO=%s/%s", versions[pp->v].name, c->name);
        char *add[] = {host, e_port, e_tls, e_read, e_cancel, e_ca, e_sc};
        shim_start(&p, bin, add, sizeof(add) / sizeof(add[0]));
    }
    struct pollfd pf = {.fd = lfd, .events = POLLIN};
    if (poll(&pf, 1, IO_TIMEOUT_S * 1000) == 1)
        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    close(lfd);
    if (fd >= 0) {
        struct timeval tv = {.tv_sec = IO_TIMEOUT_S};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        ssl = SSL_new(g.ctx[pp->v]);
        assert_non_null(ssl);
        SSL_set_fd(ssl, fd);
        saw = serve(ssl, &fd, c);
    }
    /* A shim expected to hang must still run HANG_PROOF_MS after its
     * close_notify reached us; the others get a generous bound. */
    int code = shim_wait(&p, hang ? HANG_PROOF_MS : EXIT_BOUND_MS);
    SSL_free(ssl);
    if (fd >= 0)
        close(fd);
    slurp(p.out_path, out, sizeof(out));
    slurp(p.err_path, err, sizeof(err));
    parse_out(out, verdict, sizeof(verdict), &last_read);
    print_message("%s/%s/%s: %s, exit %d, read %ld, server saw %s (expected %s: %s)\n", pp->s->name,
                  versions[pp->v].name, c->name, code == -1 ? "still running" : verdict, code,
                  last_read, saw, exp, why);
    if (err[0] != '\0')
        print_message("  stderr: %s", err);

    if (hang) {
        assert_int_equal(code, -1);
    } else {
        assert_true(code >= 0); /* neither killed at the bound nor by a signal */
        assert_true(verdict_matches(verdict, exp, 0));
        assert_int_equal(code, exit_code_of(verdict)); /* the line and the code agree */
    }
    if (last_read != c->expect_read_alt && c->expect_read_alt != READ_ANY)
        assert_int_equal(last_read, c->expect_read);
    /* Every case but a bare FIN first makes the shim send its close_notify. */
    if (c->after_shim_cn || c->what == ACT_CLOSE_NOTIFY)
        assert_string_equal(saw, "close_notify");
}

/* A shim started against the protocol (a TLS version it cannot pin, no port)
 * says so: one "failed:..." line and exit 12, without touching the network. */
static void bad_env(void **state)
{
    const shim *sh = *state;
    const char *bin = getenv(sh->env);
    static char out[4096], err[4096];
    char verdict[256];
    long last_read;
    char *bad[][4] = {
        {"TA_SHIM_HOST=127.0.0.1", "TA_SHIM_PORT=9", "TA_SHIM_TLS=1.1", "TA_SHIM_READ=1"},
        {"TA_SHIM_HOST=127.0.0.1", "TA_SHIM_TLS=1.3", "TA_SHIM_READ=1", "TA_SHIM_CANCEL_MS=0"},
        {"TA_SHIM_HOST=127.0.0.1", "TA_SHIM_PORT=9", "TA_SHIM_TLS=1.3", "TA_SHIM_READ=lots"},
    };
    shim_proc p;

    skip_unbuilt(sh, bin);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        shim_start(&p, bin, bad[i], 4);
        int code = shim_wait(&p, EXIT_BOUND_MS);
        slurp(p.out_path, out, sizeof(out));
        slurp(p.err_path, err, sizeof(err));
        parse_out(out, verdict, sizeof(verdict), &last_read);
        print_message("%s bad environment %zu: %s, exit %d; stderr: %s", sh->name, i, verdict, code,
                      err);
        assert_int_equal(code, 12);
        assert_true(strncmp(verdict, "failed:", 7) == 0);
    }
}

int main(void)
{
    enum { N = N_SHIMS * N_VERSIONS * N_CASES + N_SHIMS };
    static param params[N];
    static char names[N][96];
    static struct CMUnitTest tests[N];
    size_t i = 0;

    for (size_t s = 0; s < N_SHIMS; s++, i++) {
        snprintf(names[i], sizeof(names[i]), "%s/bad-environment", shims[s].name);
        tests[i] = (struct CMUnitTest){
            .name = names[i], .test_func = bad_env, .initial_state = (void *)&shims[s]};
    }

    for (size_t s = 0; s < N_SHIMS; s++)
        for (size_t v = 0; v < N_VERSIONS; v++)
            for (size_t c = 0; c < N_CASES; c++) {
                if ((versions[v].version == TLS1_3_VERSION ? cases[c].expect13 : cases[c].expect12)
                    == NULL)
                    continue;
                params[i] = (param){&shims[s], (int)v, &cases[c]};
                snprintf(names[i], sizeof(names[i]), "%s/%s/%s", shims[s].name, versions[v].name,
                         cases[c].name);
                tests[i] = (struct CMUnitTest){
                    .name = names[i], .test_func = run_case, .initial_state = &params[i]};
                i++;
            }
    /* Not the macro cmocka_run_group_tests_name: it counts the whole array, and
     * a case that does not exist in a version leaves its slots unused. */
    return _cmocka_run_group_tests("shims", tests, i, group_setup, group_teardown);
}
