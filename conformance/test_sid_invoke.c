/*
 * test_sid_invoke.c - the session-id auditor's instruments, in this process:
 * the guarded invoker reports the exact offset of a write outside the offered
 * buffer, and our SSL_has_matching_session_id answers in every mode, counts the
 * queries, and is the one a dlopen'd shared object binds to.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sid_internal.h"

/* ------------------------------------------------------------ callbacks writing at a chosen offset */

static long ta_t_offset; /* relative to the buffer start; may be negative */
static int ta_t_read;

static int ta_t_poke(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    (void)ssl;
    memset(id, 0x11, *id_len);
    if (ta_t_read) {
        volatile unsigned char x = ((volatile unsigned char *)id)[ta_t_offset];
        (void)x;
    } else {
        ((volatile unsigned char *)id)[ta_t_offset] = 0x42;
    }
    return 1;
}

/* cmocka installs its own SIGSEGV handler around each test, so each test makes
 * its guard (which installs ours) inside the test body. */
#define TA_T_GUARD(f) assert_int_equal(ta__sid_guard_new(64, &(f)->g), TA_OK)
#define TA_T_UNGUARD(f) (ta__sid_guard_free((f)->g), (f)->g = NULL)

typedef struct ta_t_fix {
    ta_env *env;
    ta_ctx *ctx;
    SSL *ssl;
    ta__sid_guard *g;
} ta_t_fix;

static int ta_t_setup(void **state)
{
    static ta_t_fix f;
    uint64_t seed = 7;
    memset(&f, 0, sizeof(f));
    if (ta_env_new(&seed, &f.env) != TA_OK
        || ta_ctx_new(f.env, TA_TLS12, TA_MODE_CERT, NULL, &f.ctx) != TA_OK
        || (f.ssl = SSL_new(ta_ctx_server(f.ctx))) == NULL)
        return -1;
    *state = &f;
    return 0;
}

static int ta_t_teardown(void **state)
{
    ta_t_fix *f = *state;
    SSL_free(f->ssl);
    ta_ctx_free(f->ctx);
    ta_env_free(f->env);
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    return 0;
}

/* Every offered length 1..32 and several offsets past it: the reported offset is
 * the written one, and the access is seen as a write. */
static void guard_overflow_offsets(void **state)
{
    ta_t_fix *f = *state;
    static const long extra[] = {0, 1, 7, 100};
    ta__sid_call c;
    TA_T_GUARD(f);
    ta_t_read = 0;
    for (unsigned offered = 1; offered <= 32; offered++) {
        for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
            ta_t_offset = (long)offered + extra[i];
            ta__sid_guard_call(f->g, ta_t_poke, f->ssl, offered, &c);
            assert_int_equal(c.overflow, 1);
            assert_int_equal(c.overflow_offset, ta_t_offset);
#if defined(__x86_64__)
            assert_int_equal(c.overflow_write, 1);
#endif
        }
    }
    TA_T_UNGUARD(f);
}

/* The last byte of the buffer is fine: no false positive at the boundary. */
static void guard_in_bounds_is_clean(void **state)
{
    ta_t_fix *f = *state;
    ta__sid_call c;
    TA_T_GUARD(f);
    ta_t_read = 0;
    for (unsigned offered = 1; offered <= 32; offered++) {
        ta_t_offset = (long)offered - 1;
        ta__sid_guard_call(f->g, ta_t_poke, f->ssl, offered, &c);
        assert_int_equal(c.overflow, 0);
        assert_int_equal(c.underflow_offset, 0);
        assert_int_equal(c.ret, 1);
        assert_int_equal(c.out_len, offered);
        assert_int_equal(c.id[offered - 1], 0x42);
    }
    TA_T_UNGUARD(f);
}

static void guard_read_past_is_reported_as_read(void **state)
{
    ta_t_fix *f = *state;
    ta__sid_call c;
    TA_T_GUARD(f);
    ta_t_read = 1;
    ta_t_offset = 32;
    ta__sid_guard_call(f->g, ta_t_poke, f->ssl, 32, &c);
    assert_int_equal(c.overflow, 1);
    assert_int_equal(c.overflow_offset, 32);
#if defined(__x86_64__)
    assert_int_equal(c.overflow_write, 0);
#endif
    ta_t_read = 0;
    TA_T_UNGUARD(f);
}

/* Canaries catch a small underflow (nearest changed byte), the lower guard page a
 * wild one; both as a negative offset. */
static void guard_underflow_offsets(void **state)
{
    ta_t_fix *f = *state;
    static const long offs[] = {-1, -2, -17, -64, -5000};
    ta__sid_call c;
    TA_T_GUARD(f);
    ta_t_read = 0;
    for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        ta_t_offset = offs[i];
        ta__sid_guard_call(f->g, ta_t_poke, f->ssl, 32, &c);
        assert_int_equal(c.overflow, 0);
        assert_int_equal(c.underflow_offset, offs[i]);
    }
    TA_T_UNGUARD(f);
}

/* ------------------------------------------------------------ the cache modes */

static void cache_modes_answer_and_count(void **state)
{
    ta_t_fix *f = *state;
    ta__sid_set live;
    uint8_t a[32], b[32];
    uint64_t q0 = ta_sid_cache_queries();

    memset(a, 1, sizeof(a));
    memset(b, 2, sizeof(b));
    assert_int_equal(ta__sid_set_init(&live, 4), TA_OK);
    assert_int_equal(ta__sid_set_add(&live, a, 32), 1);
    assert_int_equal(ta__sid_set_add(&live, a, 32), 0);

    ta__sid_cache_set(TA__CACHE_LIVE, 0, &live, 0);
    ta__sid_cache_call_begin();
    assert_int_equal(SSL_has_matching_session_id(f->ssl, a, 32), 1);
    assert_int_equal(SSL_has_matching_session_id(f->ssl, a, 31), 0); /* length counts */
    assert_int_equal(SSL_has_matching_session_id(f->ssl, b, 32), 0);
    assert_int_equal(SSL_has_matching_session_id(f->ssl, a, 33), 0); /* > 32, as OpenSSL */
    assert_int_equal(ta__sid_cache_call_queries(), 4);
    assert_true(ta__sid_cache_was_taken(a, 32));
    assert_false(ta__sid_cache_was_taken(b, 32));

    ta__sid_cache_set(TA__CACHE_ALL_TAKEN, 0, NULL, 0);
    ta__sid_cache_call_begin();
    assert_int_equal(SSL_has_matching_session_id(f->ssl, b, 32), 1);
    assert_true(ta__sid_cache_was_taken(b, 32));

    ta__sid_cache_set(TA__CACHE_FIRST_K, 2, NULL, 0);
    for (int call = 0; call < 2; call++) { /* k counts per call */
        ta__sid_cache_call_begin();
        assert_int_equal(SSL_has_matching_session_id(f->ssl, b, 32), 1);
        assert_int_equal(SSL_has_matching_session_id(f->ssl, b, 32), 1);
        assert_int_equal(SSL_has_matching_session_id(f->ssl, b, 32), 0);
    }
    assert_int_equal(ta_sid_cache_queries() - q0, 4 + 1 + 6);

    /* Outside an audit: OpenSSL's answer from the real (empty) cache. */
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    assert_int_equal(SSL_has_matching_session_id(f->ssl, a, 32), 0);
    assert_int_equal(ta_sid_cache_queries() - q0, 12);
    ta__sid_set_free(&live);
}

/* A forwarded query sees OpenSSL's real cache: a session added to the context is
 * found, so FORWARD is not a stub. */
static void cache_forward_reaches_openssl(void **state)
{
    ta_t_fix *f = *state;
    SSL_SESSION *s = SSL_SESSION_new();
    uint8_t id[32];
    memset(id, 0x77, sizeof(id));
    assert_non_null(s);
    assert_int_equal(SSL_SESSION_set1_id(s, id, sizeof(id)), 1);
    assert_int_equal(SSL_SESSION_set_protocol_version(s, SSL_version(f->ssl)), 1);
    assert_int_equal(SSL_CTX_add_session(ta_ctx_server(f->ctx), s), 1);
    SSL_SESSION_free(s);
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    assert_int_equal(SSL_has_matching_session_id(f->ssl, id, sizeof(id)), 1);
    id[0] ^= 1;
    assert_int_equal(SSL_has_matching_session_id(f->ssl, id, sizeof(id)), 0);
}

/* The example callbacks in a real shared object: their queries reach us. */
static void dlopen_object_binds_to_our_cache(void **state)
{
    ta_t_fix *f = *state;
    void *h = dlopen(TA_SID_EXAMPLES_SO, RTLD_NOW | RTLD_LOCAL);
    ta_sid_cb good, accepts;
    ta__sid_call c;
    uint64_t q0;
    TA_T_GUARD(f);

    assert_non_null(h);
    *(void **)&good = dlsym(h, "sid_example_good");
    *(void **)&accepts = dlsym(h, "sid_example_accepts_collision");
    assert_non_null(good);
    assert_non_null(accepts);

    ta__sid_cache_set(TA__CACHE_ALL_TAKEN, 0, NULL, 0);
    q0 = ta_sid_cache_queries();
    ta__sid_guard_call(f->g, good, f->ssl, 32, &c);
    /* Every id taken: the correct example tries 10 times, then gives up. */
    assert_int_equal(ta_sid_cache_queries() - q0, 10);
    assert_int_equal(c.ret, 0);

    q0 = ta_sid_cache_queries();
    ta__sid_guard_call(f->g, accepts, f->ssl, 32, &c);
    assert_int_equal(ta_sid_cache_queries() - q0, 1);
    assert_int_equal(c.ret, 1);
    assert_true(ta__sid_cache_was_taken(c.id, c.out_len));
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    dlclose(h);
    TA_T_UNGUARD(f);
}

/* The set behind duplicate detection: many ids, exact membership. */
static void set_membership(void **state)
{
    ta__sid_set s;
    ta_rng rng;
    uint8_t id[32];
    (void)state;
    assert_int_equal(ta__sid_set_init(&s, 16), TA_OK); /* grows past its plan */
    ta_rng_init(&rng, 3);
    for (int i = 0; i < 5000; i++) {
        ta_rng_bytes(&rng, id, sizeof(id));
        assert_int_equal(ta__sid_set_add(&s, id, 4 + (unsigned)(i % 29)), 1);
    }
    assert_int_equal(s.n, 5000);
    ta_rng_init(&rng, 3);
    for (int i = 0; i < 5000; i++) {
        ta_rng_bytes(&rng, id, sizeof(id));
        assert_true(ta__sid_set_has(&s, id, 4 + (unsigned)(i % 29)));
        assert_int_equal(ta__sid_set_add(&s, id, 4 + (unsigned)(i % 29)), 0);
        id[0] ^= 0x80;
        assert_false(ta__sid_set_has(&s, id, 4 + (unsigned)(i % 29)));
    }
    ta__sid_set_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(guard_overflow_offsets),
        cmocka_unit_test(guard_in_bounds_is_clean),
        cmocka_unit_test(guard_read_past_is_reported_as_read),
        cmocka_unit_test(guard_underflow_offsets),
        cmocka_unit_test(cache_modes_answer_and_count),
        cmocka_unit_test(cache_forward_reaches_openssl),
        cmocka_unit_test(dlopen_object_binds_to_our_cache),
        cmocka_unit_test(set_membership),
    };
    return cmocka_run_group_tests(tests, ta_t_setup, ta_t_teardown);
}
