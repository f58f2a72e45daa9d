/*
 * example_sid_cb.c - how to fuzz YOUR session-id generator
 *
 *   tlsaudit_add_fuzz_target(NAME example_sid TARGET sid_callback
 *                            SOURCES fuzz/examples/example_sid_cb.c
 *                            SYMBOL example_generate_session_id)
 *
 * A correct generator by the contract of SSL_CTX_set_generate_session_id(3):
 * a 1-byte node id (so a load balancer can route resumptions), then random
 * bytes; at most *id_len bytes written, *id_len never raised, a unique id
 * checked with SSL_has_matching_session_id() and retried a bounded number of
 * times, 0 when no unique id could be made.
 */
#include <openssl/rand.h>
#include <openssl/ssl.h>

#define EXAMPLE_NODE_ID 0x2a
#define EXAMPLE_TRIES 16

int example_generate_session_id(SSL *ssl, unsigned char *id, unsigned int *id_len);

int example_generate_session_id(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    unsigned int len = *id_len; /* may be less than 32: never write past it */

    if (len < 9)
        return 0; /* too short to be unique with 8 random bytes: decline */
    for (int attempt = 0; attempt < EXAMPLE_TRIES; attempt++) {
        id[0] = EXAMPLE_NODE_ID;
        if (RAND_bytes(id + 1, (int)(len - 1)) != 1)
            return 0;
        if (!SSL_has_matching_session_id(ssl, id, len))
            return 1;
    }
    return 0;
}
