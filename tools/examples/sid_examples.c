/*
 * sid_examples.c - session-id callbacks built as a shared object, to audit with
 *   tlsaudit sid --lib ./sid_examples.so --symbol sid_example_good
 * They use only OpenSSL's public API. Their SSL_has_matching_session_id calls
 * bind to tlsaudit's (the program exports it), which is how the auditor decides
 * what "taken" means and counts the queries.
 */
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
