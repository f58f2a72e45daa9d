/*
 * unit_rng.c - ta_rng is splitmix64, and the "ta-seeded" provider feeds it to
 * OpenSSL's DRBGs exactly as rng.c documents: also as the parent of a DRBG of
 * the application's own, made to fail, perturbed, and from many threads at once.
 *
 * Known answers: the first outputs for seeds 0 and 1234567 were computed once
 * with an independent implementation of Vigna's splitmix64.c (state +=
 * 0x9e3779b97f4a7c15, then the two xor-shift-multiply rounds); seed 0 ->
 * 0xe220a8397b1dcdaf is the value quoted for splitmix64 in the literature.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "tlsaudit.h"
#include "tlsaudit/unstable.h"

typedef struct kat {
    uint64_t seed;
    uint64_t out[4];
} kat;

static const kat kats[] = {
    {0,
     {0xe220a8397b1dcdafULL, 0x6e789e6aa1b965f4ULL, 0x06c45d188009454fULL, 0xf88bb8a8724c81ecULL}},
    {1234567,
     {0x599ed017fb08fc85ULL, 0x2c73f08458540fa5ULL, 0x883ebce5a3f27c77ULL, 0x3fbef740e9177b3fULL}},
};

static void test_known_answers(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(kats) / sizeof(kats[0]); k++) {
        ta_rng r;
        ta_rng_init(&r, kats[k].seed);
        for (int i = 0; i < 4; i++)
            assert_int_equal(ta_rng_next(&r), kats[k].out[i]);
    }
}

/* Bytes are the outputs, least significant byte first, so a seed replays the
 * same bytes on any machine; a partial tail uses up a whole output. */
static void test_bytes_layout(void **state)
{
    uint8_t b[11];
    ta_rng r;
    (void)state;

    ta_rng_init(&r, kats[0].seed);
    ta_rng_bytes(&r, b, sizeof(b));
    for (int i = 0; i < 8; i++)
        assert_int_equal(b[i], (uint8_t)(kats[0].out[0] >> (8 * i)));
    for (int i = 0; i < 3; i++)
        assert_int_equal(b[8 + i], (uint8_t)(kats[0].out[1] >> (8 * i)));
    assert_int_equal(ta_rng_next(&r), kats[0].out[2]);
}

static void test_same_and_different_seeds(void **state)
{
    ta_rng a, b, c;
    uint8_t x[64], y[64], z[64];
    (void)state;

    ta_rng_init(&a, 42);
    ta_rng_init(&b, 42);
    ta_rng_init(&c, 43);
    ta_rng_bytes(&a, x, sizeof(x));
    ta_rng_bytes(&b, y, sizeof(y));
    ta_rng_bytes(&c, z, sizeof(z));
    assert_memory_equal(x, y, sizeof(x));
    assert_memory_not_equal(x, z, sizeof(x));
}

static void test_os_seed(void **state)
{
    (void)state;
    /* Two 64-bit draws from the OS collide with probability 2^-64. */
    assert_int_not_equal(ta_rng_os_seed(), ta_rng_os_seed());
}

/* The provider: a seeded env's public DRBG is splitmix64 keyed with
 * seed ^ (0x632be59bd9b4e019 * 2) (instances are made primary, public, private:
 * rng.c), the private one with ... * 3. The same seed gives the same bytes. */
static void test_provider_stream(void **state)
{
    const uint64_t seed = 0x5eed;
    const uint64_t golden = 0x632be59bd9b4e019ULL;
    uint8_t got[24], want[24];
    ta_env *env = NULL;
    ta_rng r;
    (void)state;

    assert_int_equal(ta_env_new(&seed, &env), TA_OK);
    assert_true(ta_env_is_seeded(env));
    assert_int_equal(RAND_bytes_ex(ta_env_libctx(env), got, sizeof(got), 0), 1);
    ta_rng_init(&r, seed ^ (golden * 2));
    ta_rng_bytes(&r, want, sizeof(want));
    assert_memory_equal(got, want, sizeof(got));
    assert_int_equal(RAND_priv_bytes_ex(ta_env_libctx(env), got, sizeof(got), 0), 1);
    ta_rng_init(&r, seed ^ (golden * 3));
    ta_rng_bytes(&r, want, sizeof(want));
    assert_memory_equal(got, want, sizeof(got));
    ta_env_free(env);
}

static void test_provider_replays(void **state)
{
    const uint64_t s1 = 9, s2 = 10;
    uint8_t a[32], b[32], c[32];
    ta_env *e1 = NULL, *e2 = NULL, *e3 = NULL;
    (void)state;

    assert_int_equal(ta_env_new(&s1, &e1), TA_OK);
    assert_int_equal(ta_env_new(&s1, &e2), TA_OK);
    assert_int_equal(ta_env_new(&s2, &e3), TA_OK);
    assert_int_equal(RAND_bytes_ex(ta_env_libctx(e1), a, sizeof(a), 0), 1);
    assert_int_equal(RAND_bytes_ex(ta_env_libctx(e2), b, sizeof(b), 0), 1);
    assert_int_equal(RAND_bytes_ex(ta_env_libctx(e3), c, sizeof(c), 0), 1);
    assert_memory_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, c, sizeof(a));
    ta_env_free(e1);
    ta_env_free(e2);
    ta_env_free(e3);
}

/* Unseeded: the default context and OpenSSL's own DRBG. */
static void test_unseeded_env(void **state)
{
    ta_env *env = NULL;
    (void)state;

    assert_int_equal(ta_env_new(NULL, &env), TA_OK);
    assert_false(ta_env_is_seeded(env));
    assert_null(ta_env_libctx(env));
    ta_env_free(env);
    ta_env_free(NULL); /* a no-op */
}

/* A DRBG of the application's own, chained to the seeded primary, as EVP_RAND(7)
 * describes; NULL when it cannot be instantiated. */
static EVP_RAND_CTX *ta_t_child_drbg(OSSL_LIB_CTX *libctx)
{
    EVP_RAND *rand = EVP_RAND_fetch(libctx, "CTR-DRBG", NULL);
    EVP_RAND_CTX *ctx = rand ? EVP_RAND_CTX_new(rand, RAND_get0_primary(libctx)) : NULL;
    OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_CIPHER, "AES-256-CTR", 0),
                       OSSL_PARAM_construct_end()};
    EVP_RAND_free(rand);
    if (ctx != NULL && EVP_RAND_instantiate(ctx, 256, 0, NULL, 0, p) == 1)
        return ctx;
    EVP_RAND_CTX_free(ctx);
    return NULL;
}

/* Two environments of one seed, each with a DRBG chained to its primary. */
typedef struct ta_t_pair {
    ta_env *e[2];
    EVP_RAND_CTX *c[2];
} ta_t_pair;

static void ta_t_pair_new(uint64_t seed, ta_t_pair *p)
{
    for (int i = 0; i < 2; i++) {
        assert_int_equal(ta_env_new(&seed, &p->e[i]), TA_OK);
        p->c[i] = ta_t_child_drbg(ta_env_libctx(p->e[i]));
        assert_non_null(p->c[i]);
    }
}

static void ta_t_pair_free(ta_t_pair *p)
{
    for (int i = 0; i < 2; i++) {
        EVP_RAND_CTX_free(p->c[i]);
        ta_env_free(p->e[i]);
    }
}

/* The seeded DRBGs can be parents (OpenSSL's "parent cannot supply entropy
 * seed" otherwise), and a chained DRBG replays with the seed. */
static void test_provider_is_a_parent(void **state)
{
    uint8_t a[48], b[48];
    ta_t_pair p;
    (void)state;

    ta_t_pair_new(77, &p);
    assert_int_equal(EVP_RAND_get_strength(p.c[0]), 256);
    assert_int_equal(EVP_RAND_generate(p.c[0], a, sizeof(a), 256, 0, NULL, 0), 1);
    assert_int_equal(EVP_RAND_generate(p.c[1], b, sizeof(b), 256, 0, NULL, 0), 1);
    assert_memory_equal(a, b, sizeof(a));
    /* It reseeds from its parent on request, too. */
    assert_int_equal(EVP_RAND_reseed(p.c[0], 1, NULL, 0, NULL, 0), 1);
    ta_t_pair_free(&p);
}

/* Made to fail: RAND_bytes and a new chained DRBG both fail; they work again
 * once the switch is off. */
static void test_provider_fails_on_purpose(void **state)
{
    const uint64_t seed = 78;
    uint8_t a[16];
    ta_env *env = NULL;
    EVP_RAND_CTX *c;
    (void)state;

    assert_int_equal(ta_env_new(&seed, &env), TA_OK);
    ta__rand_set_failing(1);
    assert_int_equal(RAND_bytes_ex(ta_env_libctx(env), a, sizeof(a), 0), 0);
    assert_null(ta_t_child_drbg(ta_env_libctx(env)));
    ta__rand_set_failing(0);
    ERR_clear_error();
    assert_int_equal(RAND_bytes_ex(ta_env_libctx(env), a, sizeof(a), 0), 1);
    c = ta_t_child_drbg(ta_env_libctx(env));
    assert_non_null(c);
    EVP_RAND_CTX_free(c);
    ta_env_free(env);
}

/* Threads that first draw at the same moment make their per-thread DRBGs at
 * the same moment (OpenSSL takes no lock for it), and an application may make
 * DRBGs of the provider's from many threads: every instance still gets a stream
 * of its own. A shared instance number once gave two threads the same stream,
 * and a correct session-id callback repeated ids across threads. Each thread
 * draws once through RAND_bytes (its new per-thread DRBG), then from TA_T_OWN
 * instances it makes and frees in a tight loop, which is where a race on the
 * instance count shows most often. */
#define TA_T_THREADS 8
#define TA_T_ROUNDS 32
#define TA_T_OWN 64
#define TA_T_DRAWS (TA_T_ROUNDS * TA_T_THREADS * (1 + TA_T_OWN))

typedef struct ta_t_draw {
    OSSL_LIB_CTX *libctx;
    EVP_RAND *rand;
    pthread_barrier_t *start;
    uint8_t (*out)[16]; /* 1 + TA_T_OWN draws */
    int ok;
} ta_t_draw;

static void *ta_t_draw_main(void *arg)
{
    ta_t_draw *d = arg;
    (void)pthread_barrier_wait(d->start);
    d->ok = RAND_bytes_ex(d->libctx, d->out[0], 16, 0) == 1;
    for (int k = 1; k <= TA_T_OWN && d->ok; k++) {
        EVP_RAND_CTX *c = EVP_RAND_CTX_new(d->rand, NULL);
        d->ok = c != NULL && EVP_RAND_instantiate(c, 0, 0, NULL, 0, NULL) == 1
                && EVP_RAND_generate(c, d->out[k], 16, 0, 0, NULL, 0) == 1;
        EVP_RAND_CTX_free(c);
    }
    return NULL;
}

static int ta_t_cmp16(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

static void test_provider_threads(void **state)
{
    static uint8_t out[TA_T_DRAWS][16];
    const uint64_t seed = 80;
    ta_env *env = NULL;
    EVP_RAND *rand;
    size_t next = 0;
    int repeats = 0;
    (void)state;

    assert_int_equal(ta_env_new(&seed, &env), TA_OK);
    rand = EVP_RAND_fetch(ta_env_libctx(env), "TA-SEEDED", "provider=ta-seeded");
    assert_non_null(rand);
    /* New threads every round, so every round makes new per-thread DRBGs. */
    for (int round = 0; round < TA_T_ROUNDS; round++) {
        pthread_barrier_t start;
        pthread_t tid[TA_T_THREADS];
        ta_t_draw d[TA_T_THREADS];
        assert_int_equal(pthread_barrier_init(&start, NULL, TA_T_THREADS), 0);
        for (int i = 0; i < TA_T_THREADS; i++) {
            d[i] = (ta_t_draw){ta_env_libctx(env), rand, &start, &out[next], 0};
            next += 1 + TA_T_OWN;
            assert_int_equal(pthread_create(&tid[i], NULL, ta_t_draw_main, &d[i]), 0);
        }
        for (int i = 0; i < TA_T_THREADS; i++) {
            assert_int_equal(pthread_join(tid[i], NULL), 0);
            assert_true(d[i].ok);
        }
        pthread_barrier_destroy(&start);
    }
    EVP_RAND_free(rand);
    ta_env_free(env);
    /* Sorted, no two neighbours are equal. */
    qsort(out, TA_T_DRAWS, 16, ta_t_cmp16);
    for (size_t i = 1; i < TA_T_DRAWS; i++)
        repeats += memcmp(out[i - 1], out[i], 16) == 0;
    if (repeats > 0)
        fail_msg("%d of %d draws repeat an earlier draw: two instances shared a stream", repeats,
                 TA_T_DRAWS);
}

/* A perturbation changes what every instance draws from then on, chained
 * DRBGs included (they reseed when the parent's reseed counter moves). Last:
 * it is process-wide. */
static void test_provider_perturb(void **state)
{
    uint8_t a[32], b[32], ca[32], cb[32];
    ta_t_pair p;
    (void)state;

    ta_t_pair_new(79, &p);
    assert_int_equal(RAND_bytes_ex(ta_env_libctx(p.e[0]), a, sizeof(a), 0), 1);
    assert_int_equal(EVP_RAND_generate(p.c[0], ca, sizeof(ca), 256, 0, NULL, 0), 1);
    ta__rand_perturb(12345);
    assert_int_equal(RAND_bytes_ex(ta_env_libctx(p.e[1]), b, sizeof(b), 0), 1);
    assert_int_equal(EVP_RAND_generate(p.c[1], cb, sizeof(cb), 256, 0, NULL, 0), 1);
    assert_memory_not_equal(a, b, sizeof(a));
    assert_memory_not_equal(ca, cb, sizeof(ca));
    ta_t_pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_bytes_layout),
        cmocka_unit_test(test_same_and_different_seeds),
        cmocka_unit_test(test_os_seed),
        cmocka_unit_test(test_provider_stream),
        cmocka_unit_test(test_provider_replays),
        cmocka_unit_test(test_unseeded_env),
        cmocka_unit_test(test_provider_is_a_parent),
        cmocka_unit_test(test_provider_fails_on_purpose),
        cmocka_unit_test(test_provider_threads),
        cmocka_unit_test(test_provider_perturb), /* last: process-wide */
    };
    return cmocka_run_group_tests_name("unit_rng", tests, NULL, NULL);
}
