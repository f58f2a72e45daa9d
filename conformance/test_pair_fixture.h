/*
 * test_pair_fixture.h - what the pair suites share (conformance/ only).
 *
 * Parameters are tables with printable names; a suite builds its cases as the
 * cross product of the tables it needs, and each case is named after its
 * parameters ("tls13/psk/handshake"), so `ctest -R test_pair` plus the cmocka
 * name says exactly which combination failed.
 */
#ifndef TEST_PAIR_FIXTURE_H
#define TEST_PAIR_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tlsaudit.h"
#include "tlsaudit/unstable.h"

/* Fail the test with the library's last-error record when expr is not TA_OK. */
#define FX_OK(expr)                                               \
    do {                                                          \
        ta_status fx__s = (expr);                                 \
        if (fx__s != TA_OK) {                                     \
            char fx__b[600];                                      \
            fail_msg("%s -> %s: %s", #expr, ta_error_name(fx__s), \
                     ta_error_format(fx__b, sizeof(fx__b)));      \
        }                                                         \
    } while (0)

/* Every bounded loop in the suites waits at most this many rounds. */
#define FX_MAX_ROUNDS 100000

/* One case: a version, a mode, and whatever else a suite varies (variant). */
typedef struct fx_case {
    ta_tls version;
    ta_mode mode;
    int variant;
    char name[96];
} fx_case;

/* The objects one case works on. */
typedef struct fx {
    ta_env *env;
    ta_ctx *ctx;
    ta_pair *p;
} fx;

static const uint64_t fx_default_seed = 0x7a5eed5eedULL;

/* Seeded env (replayable failures) unless seed == NULL. */
static inline void fx_open(fx *f, const uint64_t *seed, ta_tls v, ta_mode m,
                           const ta_ctx_opts *opts)
{
    memset(f, 0, sizeof(*f));
    ta_error_clear();
    FX_OK(ta_env_new(seed, &f->env));
    FX_OK(ta_ctx_new(f->env, v, m, opts, &f->ctx));
    FX_OK(ta_pair_new(f->ctx, &f->p));
}

static inline void fx_close(fx *f)
{
    ta_pair_free(f->p);
    ta_ctx_free(f->ctx);
    ta_env_free(f->env);
    memset(f, 0, sizeof(*f));
}

static inline SSL *fx_ssl(fx *f, ta_role r)
{
    return ta_pair_ssl(f->p, r);
}

static inline int fx_retryable(const ta_io_result *r)
{
    return r->ssl_error == SSL_ERROR_WANT_READ || r->ssl_error == SSL_ERROR_WANT_WRITE;
}

/* The wire version a ta_tls negotiates. */
static inline int fx_wire_version(ta_tls v)
{
    return v == TA_TLS12 ? TLS1_2_VERSION : TLS1_3_VERSION;
}

/* OpenSSL 3.0 changed how an EOF without close_notify is reported
 * (SSL_R_UNEXPECTED_EOF_WHILE_READING; 1.1.1 gave SSL_ERROR_SYSCALL, errno 0). */
static inline int fx_ossl3(void)
{
    return OpenSSL_version_num() >= 0x30000000UL;
}

/* Tables -> cmocka cases. tests and cases must have room for n entries. */
static inline size_t fx_add(struct CMUnitTest *tests, fx_case *cases, size_t n,
                            CMUnitTestFunction fn, ta_tls v, ta_mode m, int variant,
                            const char *fmt, ...) TA_PRINTF(8, 9);
static inline size_t fx_add(struct CMUnitTest *tests, fx_case *cases, size_t n,
                            CMUnitTestFunction fn, ta_tls v, ta_mode m, int variant,
                            const char *fmt, ...)
{
    va_list ap;
    cases[n].version = v;
    cases[n].mode = m;
    cases[n].variant = variant;
    va_start(ap, fmt);
    vsnprintf(cases[n].name, sizeof(cases[n].name), fmt, ap);
    va_end(ap);
    memset(&tests[n], 0, sizeof(tests[n]));
    tests[n].name = cases[n].name;
    tests[n].test_func = fn;
    tests[n].initial_state = &cases[n];
    return n + 1;
}

/* The case a test was registered with. */
/* Run the cases a suite built; the count must match its table's (a case the
 * loops forgot to add would otherwise pass silently). */
static inline int fx_run(const char *suite, struct CMUnitTest *tests, size_t n, size_t expected)
{
    if (n != expected) {
        fprintf(stderr, "%s: %zu cases built, table says %zu\n", suite, n, expected);
        return 1;
    }
    return _cmocka_run_group_tests(suite, tests, n, NULL, NULL);
}

static inline const fx_case *fx_case_of(void **state)
{
    return *state;
}

/* Records on the wire of direction d, parsed from the transcript: the record
 * view must agree with them. Returns the number of whole records, fills up to
 * cap (outer type, length). */
static inline size_t fx_wire_records(ta_pair *p, ta_dir d, uint8_t *types, uint16_t *lens,
                                     size_t cap, size_t *out_tail)
{
    size_t len, off = 0, n = 0;
    const uint8_t *t = ta_pair_transcript(p, d, &len);

    while (off + 5 <= len) {
        size_t rl = ((size_t)t[off + 3] << 8) | t[off + 4];
        if (off + 5 + rl > len)
            break;
        if (n < cap) {
            types[n] = t[off];
            lens[n] = (uint16_t)rl;
        }
        n++;
        off += 5 + rl;
    }
    *out_tail = len - off;
    return n;
}

#endif
