/*
 * rng.c - the deterministic random source.
 *
 * ta_rng is a splitmix64 stream (Steele, Lea, Flood: "Fast splittable
 * pseudorandom number generators", 2014): tiny, fast, and fully determined by
 * its 64-bit seed. It is NOT cryptographically secure; tlsaudit only uses it to
 * make test runs reproducible.
 *
 * The "ta-seeded" provider exposes it to OpenSSL as an EVP_RAND. ta_env installs
 * it in a private OSSL_LIB_CTX with RAND_set_DRBG_type() before any DRBG of that
 * context exists, so the primary, public and private DRBGs of the context are all
 * ours; each instance is keyed by the run seed and the order in which OpenSSL
 * creates it, so a single-threaded run replays byte for byte.
 *
 * It behaves as OpenSSL's own DRBGs do for every documented use of the RAND API
 * (EVP_RAND(7), EVP_RAND_CTX_new(3)): an application may chain its own DRBG to
 * RAND_get0_primary() / _public() / _private(), so an instance can be a parent.
 * It supplies seeds (get_seed/clear_seed), locks (enable_locking/lock/unlock),
 * a nonce, and reports its strength, maximum request and reseed counter, which
 * OpenSSL's child DRBGs ask their parent for (providers/implementations/rands/
 * drbg.c: without get_seed every child fails with "parent cannot supply entropy
 * seed").
 *
 * Two process-wide switches serve the session-id checks (each in its own child):
 * ta__rand_perturb() makes every instance draw from a stream salted anew (and
 * bumps the reseed counter, so chained child DRBGs reseed from it), which is how
 * two forked processes get different OpenSSL randomness; ta__rand_set_failing()
 * makes every generate and get_seed fail, as a broken entropy source would.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/err.h>
#include <openssl/proverr.h>
#include <openssl/rand.h>

#include "internal.h"

void ta_rng_init(ta_rng *r, uint64_t seed)
{
    r->s = seed;
}

uint64_t ta_rng_next(ta_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void ta_rng_bytes(ta_rng *r, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        uint64_t v = ta_rng_next(r);
        size_t n = len < 8 ? len : 8;
        /* Least significant byte first on every host, so a seed replays the
         * same bytes across machines: one store where that is the host's order
         * (sid_callback's RAND calls go through here on every input). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (n == 8)
            memcpy(p, &v, 8);
        else
#endif
            for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t)(v >> (8 * i));
        p += n;
        len -= n;
    }
}

uint64_t ta_rng_os_seed(void)
{
    uint64_t s = 0;
    /* The default context's DRBG is seeded from the OS. */
    if (RAND_bytes((unsigned char *)&s, sizeof(s)) != 1) {
        FILE *f = fopen("/dev/urandom", "rb");
        if (f != NULL) {
            if (fread(&s, sizeof(s), 1, f) != 1)
                s = 0;
            fclose(f);
        }
    }
    return s;
}

/* ------------------------------------------------------------ the provider */

#define TA__RAND_NAME "TA-SEEDED"
#define TA__PROV_NAME "ta-seeded"

typedef struct ta__prov {
    uint64_t seed;
    uint64_t instances; /* how many EVP_RAND instances were made so far */
} ta__prov;

typedef struct ta__rand {
    ta_rng rng;
    int state;
    uint64_t base;  /* the stream's seed before any perturbation */
    uint64_t epoch; /* the perturbation it was last keyed for */
    pthread_mutex_t lock;
    int locking;
} ta__rand;

/* The process-wide switches (see the top of the file). */
static uint64_t ta__rand_epoch, ta__rand_salt;
static int ta__rand_failing;

void ta__rand_perturb(uint64_t salt)
{
    __atomic_store_n(&ta__rand_salt, salt, __ATOMIC_RELAXED);
    __atomic_add_fetch(&ta__rand_epoch, 1, __ATOMIC_RELEASE);
}

void ta__rand_set_failing(int on)
{
    __atomic_store_n(&ta__rand_failing, on, __ATOMIC_RELEASE);
}

/* Fill out from r's stream; 0 when the switch says the source is broken. */
static int ta__rand_draw(ta__rand *r, unsigned char *out, size_t outlen)
{
    uint64_t epoch = __atomic_load_n(&ta__rand_epoch, __ATOMIC_ACQUIRE);
    if (__atomic_load_n(&ta__rand_failing, __ATOMIC_ACQUIRE)) {
        ERR_raise_data(ERR_LIB_PROV, PROV_R_GENERATE_ERROR, "tlsaudit: randomness made to fail");
        return 0;
    }
    if (r->epoch != epoch) {
        r->epoch = epoch;
        ta_rng_init(
            &r->rng,
            r->base ^ (__atomic_load_n(&ta__rand_salt, __ATOMIC_RELAXED) * 0xd1b54a32d192ed03ULL));
    }
    ta_rng_bytes(&r->rng, out, outlen);
    return 1;
}

static OSSL_FUNC_rand_newctx_fn ta__rand_newctx;
static OSSL_FUNC_rand_freectx_fn ta__rand_freectx;
static OSSL_FUNC_rand_instantiate_fn ta__rand_instantiate;
static OSSL_FUNC_rand_uninstantiate_fn ta__rand_uninstantiate;
static OSSL_FUNC_rand_generate_fn ta__rand_generate;
static OSSL_FUNC_rand_reseed_fn ta__rand_reseed;
static OSSL_FUNC_rand_enable_locking_fn ta__rand_enable_locking;
static OSSL_FUNC_rand_get_ctx_params_fn ta__rand_get_ctx_params;
static OSSL_FUNC_rand_gettable_ctx_params_fn ta__rand_gettable_ctx_params;
static OSSL_FUNC_rand_set_ctx_params_fn ta__rand_set_ctx_params;
static OSSL_FUNC_rand_settable_ctx_params_fn ta__rand_settable_ctx_params;
static OSSL_FUNC_rand_lock_fn ta__rand_lock;
static OSSL_FUNC_rand_unlock_fn ta__rand_unlock;
static OSSL_FUNC_rand_get_seed_fn ta__rand_get_seed;
static OSSL_FUNC_rand_clear_seed_fn ta__rand_clear_seed;
static OSSL_FUNC_rand_nonce_fn ta__rand_nonce;

static void *ta__rand_newctx(void *provctx, void *parent, const OSSL_DISPATCH *parent_dispatch)
{
    ta__prov *prov = provctx;
    ta__rand *r = calloc(1, sizeof(*r));

    (void)parent;
    (void)parent_dispatch;
    if (r == NULL)
        return NULL;
    /* Instance k of a run draws from splitmix64(seed ^ k-th golden step). OpenSSL
     * makes each thread's public and private DRBGs on that thread's first use,
     * without a lock (crypto/rand/rand_lib.c), so the count is atomic: two threads
     * that raced here once got the same k, hence the same stream, and a correct
     * callback repeated ids across threads (a false SID-DUPLICATE-CONCURRENT). */
    uint64_t k = __atomic_add_fetch(&prov->instances, 1, __ATOMIC_RELAXED);
    r->base = prov->seed ^ (0x632be59bd9b4e019ULL * k);
    ta_rng_init(&r->rng, r->base);
    r->epoch = __atomic_load_n(&ta__rand_epoch, __ATOMIC_ACQUIRE);
    if (r->epoch != 0)
        r->epoch--; /* made after a perturbation: key it for the current one */
    r->state = EVP_RAND_STATE_UNINITIALISED;
    return r;
}

static void ta__rand_freectx(void *vr)
{
    ta__rand *r = vr;
    if (r != NULL && r->locking)
        pthread_mutex_destroy(&r->lock);
    free(vr);
}

static int ta__rand_instantiate(void *vr, unsigned int strength, int pr, const unsigned char *pstr,
                                size_t pstr_len, const OSSL_PARAM params[])
{
    ta__rand *r = vr;
    (void)strength;
    (void)pr;
    (void)pstr;
    (void)pstr_len;
    (void)params;
    r->state = EVP_RAND_STATE_READY;
    return 1;
}

static int ta__rand_uninstantiate(void *vr)
{
    ((ta__rand *)vr)->state = EVP_RAND_STATE_UNINITIALISED;
    return 1;
}

static int ta__rand_generate(void *vr, unsigned char *out, size_t outlen, unsigned int strength,
                             int pr, const unsigned char *adin, size_t adinlen)
{
    (void)strength;
    (void)pr;
    (void)adin;
    (void)adinlen;
    return ta__rand_draw(vr, out, outlen);
}

static int ta__rand_reseed(void *vr, int pr, const unsigned char *ent, size_t entlen,
                           const unsigned char *adin, size_t adinlen)
{
    /* Reseeding must not bring outside entropy into a replayable run. */
    (void)vr;
    (void)pr;
    (void)ent;
    (void)entlen;
    (void)adin;
    (void)adinlen;
    return 1;
}

/* EVP_RAND_enable_locking(3): a parent shared by several threads' DRBGs. */
static int ta__rand_enable_locking(void *vr)
{
    ta__rand *r = vr;
    if (!r->locking) {
        if (pthread_mutex_init(&r->lock, NULL) != 0)
            return 0;
        r->locking = 1;
    }
    return 1;
}

static int ta__rand_lock(void *vr)
{
    ta__rand *r = vr;
    return !r->locking || pthread_mutex_lock(&r->lock) == 0;
}

static void ta__rand_unlock(void *vr)
{
    ta__rand *r = vr;
    if (r->locking)
        pthread_mutex_unlock(&r->lock);
}

/* A child DRBG's entropy (called with this parent locked by the child, as
 * OpenSSL's drbg.c does): as many bytes as the entropy asks, within the bounds,
 * freed by clear_seed. */
static size_t ta__rand_get_seed(void *vr, unsigned char **buffer, int entropy, size_t min_len,
                                size_t max_len, int pr, const unsigned char *adin, size_t adin_len)
{
    size_t n = entropy > 0 ? ((size_t)entropy + 7) / 8 : 0;
    unsigned char *b;
    (void)pr;
    (void)adin;
    (void)adin_len;
    if (n < min_len)
        n = min_len;
    if (n > max_len)
        n = max_len;
    if (n == 0 || (b = OPENSSL_secure_malloc(n)) == NULL)
        return 0;
    if (!ta__rand_draw(vr, b, n)) {
        OPENSSL_secure_clear_free(b, n);
        return 0;
    }
    *buffer = b;
    return n;
}

static void ta__rand_clear_seed(void *vr, unsigned char *buffer, size_t b_len)
{
    (void)vr;
    OPENSSL_secure_clear_free(buffer, b_len);
}

/* A child's nonce: asked with out == NULL for the length first. */
static size_t ta__rand_nonce(void *vr, unsigned char *out, unsigned int strength,
                             size_t min_noncelen, size_t max_noncelen)
{
    size_t n = min_noncelen > 0 ? min_noncelen : 16;
    (void)strength;
    if (n > max_noncelen && max_noncelen > 0)
        n = max_noncelen;
    if (out == NULL)
        return n;
    return ta__rand_draw(vr, out, n) ? n : 0;
}

static int ta__rand_get_ctx_params(void *vr, OSSL_PARAM params[])
{
    ta__rand *r = vr;
    OSSL_PARAM *p;

    p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STATE);
    if (p != NULL && !OSSL_PARAM_set_int(p, r->state))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STRENGTH);
    if (p != NULL && !OSSL_PARAM_set_uint(p, 256))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_MAX_REQUEST);
    if (p != NULL && !OSSL_PARAM_set_size_t(p, 1u << 20))
        return 0;
    /* Children reseed when it changes: it does after ta__rand_perturb. */
    p = OSSL_PARAM_locate(params, OSSL_DRBG_PARAM_RESEED_COUNTER);
    if (p != NULL
        && !OSSL_PARAM_set_uint(p,
                                1 + (unsigned)__atomic_load_n(&ta__rand_epoch, __ATOMIC_ACQUIRE)))
        return 0;
    return 1;
}

static const OSSL_PARAM *ta__rand_gettable_ctx_params(void *vr, void *provctx)
{
    static const OSSL_PARAM known[] = {
        OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, NULL),
        OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, NULL),
        OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, NULL),
        OSSL_PARAM_uint(OSSL_DRBG_PARAM_RESEED_COUNTER, NULL),
        OSSL_PARAM_END,
    };
    (void)vr;
    (void)provctx;
    return known;
}

/* OpenSSL sets DRBG reseed intervals on every instance; they mean nothing here. */
static int ta__rand_set_ctx_params(void *vr, const OSSL_PARAM params[])
{
    (void)vr;
    (void)params;
    return 1;
}

static const OSSL_PARAM *ta__rand_settable_ctx_params(void *vr, void *provctx)
{
    static const OSSL_PARAM known[] = {OSSL_PARAM_END};
    (void)vr;
    (void)provctx;
    return known;
}

static const OSSL_DISPATCH ta__rand_functions[] = {
    {OSSL_FUNC_RAND_NEWCTX, (void (*)(void))ta__rand_newctx},
    {OSSL_FUNC_RAND_FREECTX, (void (*)(void))ta__rand_freectx},
    {OSSL_FUNC_RAND_INSTANTIATE, (void (*)(void))ta__rand_instantiate},
    {OSSL_FUNC_RAND_UNINSTANTIATE, (void (*)(void))ta__rand_uninstantiate},
    {OSSL_FUNC_RAND_GENERATE, (void (*)(void))ta__rand_generate},
    {OSSL_FUNC_RAND_RESEED, (void (*)(void))ta__rand_reseed},
    {OSSL_FUNC_RAND_ENABLE_LOCKING, (void (*)(void))ta__rand_enable_locking},
    {OSSL_FUNC_RAND_LOCK, (void (*)(void))ta__rand_lock},
    {OSSL_FUNC_RAND_UNLOCK, (void (*)(void))ta__rand_unlock},
    {OSSL_FUNC_RAND_GET_SEED, (void (*)(void))ta__rand_get_seed},
    {OSSL_FUNC_RAND_CLEAR_SEED, (void (*)(void))ta__rand_clear_seed},
    {OSSL_FUNC_RAND_NONCE, (void (*)(void))ta__rand_nonce},
    {OSSL_FUNC_RAND_GET_CTX_PARAMS, (void (*)(void))ta__rand_get_ctx_params},
    {OSSL_FUNC_RAND_GETTABLE_CTX_PARAMS, (void (*)(void))ta__rand_gettable_ctx_params},
    {OSSL_FUNC_RAND_SET_CTX_PARAMS, (void (*)(void))ta__rand_set_ctx_params},
    {OSSL_FUNC_RAND_SETTABLE_CTX_PARAMS, (void (*)(void))ta__rand_settable_ctx_params},
    {0, NULL},
};

static const OSSL_ALGORITHM ta__rand_algs[] = {
    {TA__RAND_NAME, "provider=" TA__PROV_NAME, ta__rand_functions, NULL},
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM *ta__prov_query(void *provctx, int op, int *no_cache)
{
    (void)provctx;
    *no_cache = 0;
    return op == OSSL_OP_RAND ? ta__rand_algs : NULL;
}

static void ta__prov_teardown(void *provctx)
{
    free(provctx);
}

static const OSSL_DISPATCH ta__prov_functions[] = {
    {OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))ta__prov_teardown},
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))ta__prov_query},
    {0, NULL},
};

static int ta__prov_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                         const OSSL_DISPATCH **out, void **provctx)
{
    (void)handle;
    (void)in;
    *provctx = calloc(1, sizeof(ta__prov));
    if (*provctx == NULL)
        return 0;
    *out = ta__prov_functions;
    return 1;
}

ta_status ta__rand_install(OSSL_LIB_CTX *libctx, uint64_t seed, OSSL_PROVIDER **out_prov)
{
    OSSL_PROVIDER *prov;
    ta__prov *pc;

    TA_GUARD_OSSL(OSSL_PROVIDER_add_builtin(libctx, TA__PROV_NAME, ta__prov_init),
                  "registering the %s provider", TA__PROV_NAME);
    TA_GUARD_PTR(prov = OSSL_PROVIDER_load(libctx, TA__PROV_NAME), "loading the %s provider",
                 TA__PROV_NAME);
    pc = OSSL_PROVIDER_get0_provider_ctx(prov);
    pc->seed = seed;
    pc->instances = 0;
    if (RAND_set_DRBG_type(libctx, TA__RAND_NAME, "provider=" TA__PROV_NAME, NULL, NULL) != 1) {
        OSSL_PROVIDER_unload(prov);
        TA_BAIL_OSSL("selecting %s as the DRBG", TA__RAND_NAME);
    }
    /* Create the three DRBGs now, in a fixed order, so that instance numbers do
     * not depend on which one OpenSSL happens to touch first. */
    if (RAND_get0_primary(libctx) == NULL || RAND_get0_public(libctx) == NULL
        || RAND_get0_private(libctx) == NULL) {
        OSSL_PROVIDER_unload(prov);
        TA_BAIL_OSSL("instantiating the seeded DRBGs");
    }
    *out_prov = prov;
    return TA_OK;
}
