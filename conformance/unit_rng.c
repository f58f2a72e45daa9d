/*
 * unit_rng.c - ta_rng is splitmix64, and the "ta-seeded" provider feeds it to
 * OpenSSL's DRBGs exactly as rng.c documents.
 *
 * Known answers: the first outputs for seeds 0 and 1234567 were computed once
 * with an independent implementation of Vigna's splitmix64.c (state +=
 * 0x9e3779b97f4a7c15, then the two xor-shift-multiply rounds); seed 0 ->
 * 0xe220a8397b1dcdaf is the value quoted for splitmix64 in the literature.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
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
    };
    return cmocka_run_group_tests_name("unit_rng", tests, NULL, NULL);
}
