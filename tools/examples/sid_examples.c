/*
 * sid_examples.c - session-id callbacks built as a shared object, to audit with
 *   tlsaudit sid --lib ./sid_examples.so --symbol sid_example_good
 * They use only OpenSSL's public API. Their SSL_has_matching_session_id calls
 * bind to tlsaudit's (the program exports it), which is how the auditor decides
 * what "taken" means and counts the queries.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

/* Correct: random ids of the offered length, retry on a conflict, give up after 10. */
int sid_example_good(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        if (RAND_bytes(id, (int)*id_len) != 1)
            return 0;
        if (!SSL_has_matching_session_id(ssl, id, *id_len))
            return 1;
    }
    return 0;
}

/* Asks the cache, then uses the id whatever it said. */
int sid_example_accepts_collision(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    if (RAND_bytes(id, (int)*id_len) != 1)
        return 0;
    (void)SSL_has_matching_session_id(ssl, id, *id_len);
    return 1;
}

/* Writes one byte past the offered length. */
int sid_example_overflow(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    (void)ssl;
    if (RAND_bytes(id, (int)*id_len) != 1)
        return 0;
    id[*id_len] = 0;
    return 1;
}

/* Correct: its own CTR-DRBG per thread, chained to RAND_get0_primary(NULL) as
 * EVP_RAND(7) describes (never freed: an example, not a library). */
int sid_example_thread_drbg(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    static __thread EVP_RAND_CTX *drbg;
    if (drbg == NULL) {
        EVP_RAND *rand = EVP_RAND_fetch(NULL, "CTR-DRBG", NULL);
        OSSL_PARAM p[2] = {
            OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_CIPHER, "AES-256-CTR", 0),
            OSSL_PARAM_construct_end()};
        drbg = rand != NULL ? EVP_RAND_CTX_new(rand, RAND_get0_primary(NULL)) : NULL;
        EVP_RAND_free(rand);
        if (drbg == NULL || !EVP_RAND_instantiate(drbg, 256, 0, NULL, 0, p)) {
            EVP_RAND_CTX_free(drbg);
            drbg = NULL;
            return 0;
        }
    }
    for (int attempt = 0; attempt < 10; attempt++) {
        if (EVP_RAND_generate(drbg, id, *id_len, 256, 0, NULL, 0) != 1)
            return 0;
        if (!SSL_has_matching_session_id(ssl, id, *id_len))
            return 1;
    }
    return 0;
}
