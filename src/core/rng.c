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
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/provider.h>
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
} ta__rand;

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

static void *ta__rand_newctx(void *provctx, void *parent, const OSSL_DISPATCH *parent_dispatch)
{
    ta__prov *prov = provctx;
    ta__rand *r = calloc(1, sizeof(*r));

    (void)parent;
    (void)parent_dispatch;
    if (r == NULL)
        return NULL;
    /* Instance k of a run draws from splitmix64(seed ^ k-th golden step). */
    ta_rng_init(&r->rng, prov->seed ^ (0x632be59bd9b4e019ULL * ++prov->instances));
    r->state = EVP_RAND_STATE_UNINITIALISED;
    return r;
}

static void ta__rand_freectx(void *vr)
{
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
    ta_rng_bytes(&((ta__rand *)vr)->rng, out, outlen);
    return 1;
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

static int ta__rand_enable_locking(void *vr)
{
    (void)vr;
    return 1;
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
    return 1;
}

static const OSSL_PARAM *ta__rand_gettable_ctx_params(void *vr, void *provctx)
{
    static const OSSL_PARAM known[] = {
        OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, NULL),
        OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, NULL),
        OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, NULL),
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
