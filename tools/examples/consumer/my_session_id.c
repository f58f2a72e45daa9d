/*
 * my_session_id.c - the session-id generator a user of the tlsaudit package
 * audits: what they would hand to SSL_CTX_set_generate_session_id().
 *
 * SSL_CTX_set_generate_session_id(3): write at most *id_len bytes, may shorten
 * *id_len, must return 1 only with an id no live session has (the callback asks
 * SSL_has_matching_session_id), 0 to make the handshake fail.
 */
#include <openssl/rand.h>
#include <openssl/ssl.h>

int consumer_session_id(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    /* A bounded number of draws: a cache that says "taken" to every id must
     * end in a failed handshake, not a loop. */
    for (int draw = 0; draw < 8; draw++) {
        if (RAND_bytes(id, (int)*id_len) != 1)
            return 0;
        if (SSL_has_matching_session_id(ssl, id, *id_len) == 0)
            return 1;
    }
    return 0;
}

/* A canary the package check expects tlsaudit to reject: it asks the cache but
 * keeps a taken id (SID-COLLISION-ACCEPTED). Registered only with
 * -DCONSUMER_CANARIES=ON. */
int consumer_session_id_canary(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    if (RAND_bytes(id, (int)*id_len) != 1)
        return 0;
    (void)SSL_has_matching_session_id(ssl, id, *id_len);
    return 1;
}
