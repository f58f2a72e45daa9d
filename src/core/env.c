/* env.c - the library context everything else is made in (seeded or real). */
#include <stdlib.h>
#include <openssl/provider.h>

#include "internal.h"

struct ta_env {
    OSSL_LIB_CTX *libctx;  /* NULL: OpenSSL's default context */
    OSSL_PROVIDER *deflt;  /* the default provider, in a private context */
    OSSL_PROVIDER *seeded; /* our RAND provider, in a private context */
    EVP_PKEY *key;         /* made on first use, see keys.c */
    X509 *cert;
};

ta_status ta_env_new(const uint64_t *seed, ta_env **out_env)
{
    ta_env *env;
    ta_status st;

    TA_ENSURE(out_env != NULL, TA_E_ARG, "ta_env_new: out_env is NULL");
    *out_env = NULL;
    env = calloc(1, sizeof(*env));
    TA_ENSURE(env != NULL, TA_E_NOMEM, "ta_env_new");
    if (seed == NULL) {
        *out_env = env;
        return TA_OK;
    }
    env->libctx = OSSL_LIB_CTX_new();
    if (env->libctx == NULL) {
        free(env);
        TA_BAIL_OSSL("OSSL_LIB_CTX_new");
    }
    /* Our RAND first: RAND_set_DRBG_type only works before the DRBGs exist. */
    st = ta__rand_install(env->libctx, *seed, &env->seeded);
    if (st == TA_OK && (env->deflt = OSSL_PROVIDER_load(env->libctx, "default")) == NULL)
        st = ta__error_set(TA_E_OSSL, 1, TA__FILE, __LINE__, "loading the default provider");
    if (st != TA_OK) {
        ta_env_free(env);
        return st;
    }
    *out_env = env;
    return TA_OK;
}

void ta_env_free(ta_env *env)
{
    if (env == NULL)
        return;
    EVP_PKEY_free(env->key);
    X509_free(env->cert);
    if (env->libctx != NULL) {
        /* Drop our load references first (OSSL_PROVIDER_load's must be matched
         * by an unload, or the providers leak); the DRBGs still hold the seeded
         * provider, so it lives until freeing the context tears them down. */
        OSSL_PROVIDER_unload(env->seeded);
        OSSL_PROVIDER_unload(env->deflt);
        OSSL_LIB_CTX_free(env->libctx);
    }
    free(env);
}

OSSL_LIB_CTX *ta_env_libctx(const ta_env *env)
{
    return env ? env->libctx : NULL;
}

int ta_env_is_seeded(const ta_env *env)
{
    return env != NULL && env->libctx != NULL;
}

/* keys.c keeps the env's key material here, made once. */
EVP_PKEY **ta__env_key_slot(ta_env *env)
{
    return &env->key;
}

X509 **ta__env_cert_slot(ta_env *env)
{
    return &env->cert;
}
