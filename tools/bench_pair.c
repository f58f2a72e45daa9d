/*
 * bench_pair.c - handshakes + bidirectional shutdowns per second over the pair,
 * beside a BARE loop in the same run: the same SSL_CTXs (from ta_ctx), two SSL
 * objects and four memory BIOs whose bytes are moved by a few lines below, with
 * no queue, transcript, record view or error record. The ratio pair/bare is the
 * pair's overhead; the goal is >= 90 %.
 *
 * Slices of bare and pair alternate so that both see the same machine load;
 * rates use the process's CPU time (single-threaded), which a shared machine
 * disturbs less than wall time. Resume mode checks that every handshake of
 * both loops really resumed. Not a test: it prints figures.
 *
 *   bench-pair [--seconds S] [--seed N] [--only tls13/cert]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tlsaudit.h"

#define SLICES 20 /* per case, half bare, half pair, alternating */
#define MAX_ROUNDS 64

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ the bare loop */

static void bare_move(BIO *from, BIO *to)
{
    char *data;
    long n = BIO_get_mem_data(from, &data);
    if (n > 0) {
        BIO_write(to, data, (int)n);
        (void)BIO_reset(from);
    }
}

/* One handshake and a client-initiated bidirectional close; 0 on success. */
static int bare_once(ta_ctx *ctx)
{
    SSL *c = SSL_new(ta_ctx_client(ctx)), *s = SSL_new(ta_ctx_server(ctx));
    BIO *crb = BIO_new(BIO_s_mem()), *cwb = BIO_new(BIO_s_mem());
    BIO *srb = BIO_new(BIO_s_mem()), *swb = BIO_new(BIO_s_mem());
    unsigned char sink[64];
    size_t n;
    int ok = 0, round;

    if (c == NULL || s == NULL || crb == NULL || cwb == NULL || srb == NULL || swb == NULL)
        goto done;
    BIO_set_mem_eof_return(crb, -1);
    BIO_set_mem_eof_return(srb, -1);
    SSL_set_bio(c, crb, cwb);
    SSL_set_bio(s, srb, swb);
    crb = cwb = srb = swb = NULL;
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    if (ta_ctx_session(ctx) != NULL) {
        /* a copy, as the pair does: a TLS 1.3 session is single use */
        SSL_SESSION *copy = SSL_SESSION_dup(ta_ctx_session(ctx));
        int set = copy != NULL && SSL_set_session(c, copy) == 1;
        SSL_SESSION_free(copy);
        if (!set)
            goto done;
    }
    for (round = 0; round < MAX_ROUNDS; round++) {
        bare_move(SSL_get_wbio(c), SSL_get_rbio(s));
        bare_move(SSL_get_wbio(s), SSL_get_rbio(c));
        int cf = SSL_is_init_finished(c) || SSL_do_handshake(c) == 1;
        int sf = SSL_is_init_finished(s) || SSL_do_handshake(s) == 1;
        if (cf && sf)
            break;
    }
    bare_move(SSL_get_wbio(c), SSL_get_rbio(s));
    bare_move(SSL_get_wbio(s), SSL_get_rbio(c));
    if (round == MAX_ROUNDS || (ta_ctx_mode(ctx) == TA_MODE_RESUME && !SSL_session_reused(c))
        || SSL_shutdown(c) != 0)
        goto done;
    bare_move(SSL_get_wbio(c), SSL_get_rbio(s));
    if (SSL_read_ex(s, sink, sizeof(sink), &n) == 1 || SSL_get_error(s, 0) != SSL_ERROR_ZERO_RETURN
        || SSL_shutdown(s) != 1)
        goto done;
    bare_move(SSL_get_wbio(s), SSL_get_rbio(c));
    ok = SSL_shutdown(c) == 1;
done:
    ERR_clear_error();
    BIO_free(crb);
    BIO_free(cwb);
    BIO_free(srb);
    BIO_free(swb);
    SSL_free(c);
    SSL_free(s);
    return ok ? 0 : -1;
}

/* ------------------------------------------------------------ the pair */

static int pair_once(ta_ctx *ctx)
{
    ta_pair *p = NULL;
    int ok =
        ta_pair_new(ctx, &p) == TA_OK && ta_pair_handshake(p, MAX_ROUNDS) == TA_OK
        && (ta_ctx_mode(ctx) != TA_MODE_RESUME || SSL_session_reused(ta_pair_ssl(p, TA_CLIENT)))
        && ta_pair_shutdown(p, TA_CLIENT, MAX_ROUNDS) == TA_OK;
    ta_pair_free(p);
    return ok ? 0 : -1;
}

/* ------------------------------------------------------------ driver */

typedef struct tally {
    long n;
    double cpu;
} tally;

static int slice(int (*once)(ta_ctx *), ta_ctx *ctx, double seconds, tally *t)
{
    double start = cpu_now(), now = start;
    long n = 0;
    while (now - start < seconds) {
        for (int i = 0; i < 16; i++, n++)
            if (once(ctx) != 0)
                return -1;
        now = cpu_now();
    }
    t->n += n;
    t->cpu += now - start;
    return 0;
}

int main(int argc, char **argv)
{
    double seconds = 2.0;
    uint64_t seed = 0;
    int seeded = 0, failed = 0;
    const char *only = NULL;
    ta_env *env = NULL;
    char ebuf[400];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 0);
            seeded = 1;
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else {
            fprintf(stderr,
                    "bench-pair: unknown option '%s'; usage: bench-pair [--seconds S] "
                    "[--seed N] [--only tls13/cert]\n",
                    argv[i]);
            return 2;
        }
    }
    if (!(seconds > 0)) {
        fprintf(stderr, "bench-pair: --seconds takes a positive number\n");
        return 2;
    }
    if (ta_env_new(seeded ? &seed : NULL, &env) != TA_OK) {
        fprintf(stderr, "bench-pair: %s\n", ta_error_format(ebuf, sizeof(ebuf)));
        return 2;
    }
    printf("bench-pair: handshake + bidirectional shutdown per CPU second, %s randomness, "
           "%.1f s per case\n",
           seeded ? "seeded" : "OS", seconds);
    printf("  OpenSSL %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
    printf("  %-14s %10s %10s %9s\n", "case", "bare/s", "pair/s", "pair/bare");
    for (int v = 0; v < TA_TLS_COUNT; v++) {
        for (int m = 0; m < TA_MODE_COUNT; m++) {
            char name[32];
            ta_ctx *ctx = NULL;
            tally bare = {0, 0}, pair = {0, 0};
            snprintf(name, sizeof(name), "%s/%s", ta_tls_name((ta_tls)v), ta_mode_name((ta_mode)m));
            if (only != NULL && strcmp(only, name) != 0)
                continue;
            if (ta_ctx_new(env, (ta_tls)v, (ta_mode)m, NULL, &ctx) != TA_OK) {
                fprintf(stderr, "bench-pair: %s: %s\n", name, ta_error_format(ebuf, sizeof(ebuf)));
                failed = 1;
                continue;
            }
            /* warm-up: first-use costs (method fetches, caches) on neither side */
            for (int i = 0; i < 32; i++)
                if (bare_once(ctx) != 0 || pair_once(ctx) != 0)
                    failed = 1;
            for (int sl = 0; sl < SLICES && !failed; sl++) {
                int is_pair = sl % 2;
                if (slice(is_pair ? pair_once : bare_once, ctx, seconds / SLICES,
                          is_pair ? &pair : &bare)
                    != 0) {
                    fprintf(stderr, "bench-pair: %s: a %s handshake failed: %s\n", name,
                            is_pair ? "pair" : "bare", ta_error_format(ebuf, sizeof(ebuf)));
                    failed = 1;
                }
            }
            if (!failed) {
                double rb = bare.n / bare.cpu, rp = pair.n / pair.cpu;
                printf("  %-14s %10.0f %10.0f %8.1f%%\n", name, rb, rp, 100.0 * rp / rb);
            }
            ta_ctx_free(ctx);
        }
    }
    ta_env_free(env);
    return failed ? 1 : 0;
}
