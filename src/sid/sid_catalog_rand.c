/*
 * sid_catalog_rand.c - built-in callbacks about where the randomness comes from
 * and what a call costs, each written the way it shows up in real code, in
 * faulty and correct twins. The table is in sid_catalog.c.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "sid_catalog.h"

#define TA__ATTEMPTS 10 /* OpenSSL's MAX_SESS_ID_ATTEMPTS */

/* Generate again while the id is taken, 10 attempts: what every entry here does,
 * so that each differs from a correct callback in its one fault. */
#define TA__RETRY(ssl, id, len, fill)                                 \
    do {                                                              \
        for (int attempt_ = 0; attempt_ < TA__ATTEMPTS; attempt_++) { \
            if (!(fill))                                              \
                return 0;                                             \
            if (!SSL_has_matching_session_id(ssl, id, len))           \
                return 1;                                             \
        }                                                             \
        return 0;                                                     \
    } while (0)

/* ------------------------------------------------------------ correct: a per-thread DRBG */

/* EVP_RAND(7): "an application can create its own DRBG ... chained to the
 * primary". One CTR-DRBG per thread, its parent RAND_get0_primary(NULL), freed
 * when the thread ends. */
static pthread_key_t ta__drbg_key;
static pthread_once_t ta__drbg_once = PTHREAD_ONCE_INIT;
static void ta__drbg_free(void *p)
{
    EVP_RAND_CTX_free(p);
}
static void ta__drbg_key_make(void)
{
    (void)pthread_key_create(&ta__drbg_key, ta__drbg_free);
}

static EVP_RAND_CTX *ta__thread_drbg(void)
{
    EVP_RAND_CTX *ctx;
    EVP_RAND *rand;
    OSSL_PARAM params[2];

    pthread_once(&ta__drbg_once, ta__drbg_key_make);
    if ((ctx = pthread_getspecific(ta__drbg_key)) != NULL)
        return ctx;
    rand = EVP_RAND_fetch(NULL, "CTR-DRBG", NULL);
    ctx = rand != NULL ? EVP_RAND_CTX_new(rand, RAND_get0_primary(NULL)) : NULL;
    EVP_RAND_free(rand);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_CIPHER, "AES-256-CTR", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (ctx == NULL || !EVP_RAND_instantiate(ctx, 256, 0, NULL, 0, params)) {
        EVP_RAND_CTX_free(ctx);
        return NULL;
    }
    (void)pthread_setspecific(ta__drbg_key, ctx);
    return ctx;
}

int ta__cb_thread_drbg(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    EVP_RAND_CTX *drbg = ta__thread_drbg();
    if (drbg == NULL)
        return 0;
    TA__RETRY(ssl, id, *id_len, EVP_RAND_generate(drbg, id, *id_len, 256, 0, NULL, 0) == 1);
}

/* ------------------------------------------------------------ faulty: not OpenSSL's CSPRNG */

/* The generators' state is locked, as careful code does: their one fault is
 * where the numbers come from, not a race (racy-counter is that one). */
static pthread_mutex_t ta__gen_lock = PTHREAD_MUTEX_INITIALIZER;
#define TA__LOCKED(expr)                                        \
    (pthread_mutex_lock(&ta__gen_lock), ta__locked_rc = (expr), \
     pthread_mutex_unlock(&ta__gen_lock), ta__locked_rc)
static _Thread_local int ta__locked_rc;

/* The low `bytes` bytes of v, least significant first, at id + i (within len). */
static void ta__put_le(unsigned char *id, unsigned len, unsigned i, uint64_t v, unsigned bytes)
{
    for (unsigned k = 0; k < bytes && i + k < len; k++)
        id[i + k] = (unsigned char)(v >> (8 * k));
}

/* srand(time(NULL)) on the first call, then one rand() byte at a time. */
static int ta__fill_libc_rand(unsigned char *id, unsigned len)
{
    static int seeded;
    if (!seeded) {
        srand((unsigned)time(NULL));
        seeded = 1;
    }
    for (unsigned i = 0; i < len; i++)
        id[i] = (unsigned char)(rand() & 0xff);
    return 1;
}

int ta__cb_libc_rand_time(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    TA__RETRY(ssl, id, *id_len, TA__LOCKED(ta__fill_libc_rand(id, *id_len)));
}

/* A 64-bit LCG (Knuth's MMIX constants) seeded with time(NULL) on the
 * first call; each 4 bytes are the high half of the state. */
static int ta__fill_lcg(unsigned char *id, unsigned len)
{
    static uint64_t state;
    static int seeded;
    if (!seeded) {
        state = (uint64_t)time(NULL);
        seeded = 1;
    }
    for (unsigned i = 0; i < len; i += 4) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        ta__put_le(id, len, i, state >> 32, 4);
    }
    return 1;
}

int ta__cb_lcg_time(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    TA__RETRY(ssl, id, *id_len, TA__LOCKED(ta__fill_lcg(id, *id_len)));
}

/* xorshift64 (13, 7, 17), its state seeded once from RAND_bytes: a good seed,
 * then every word follows from the one before. */
static int ta__fill_xorshift(unsigned char *id, unsigned len)
{
    static uint64_t s;
    if (s == 0 && (RAND_bytes((unsigned char *)&s, sizeof(s)) != 1 || s == 0))
        return 0;
    for (unsigned i = 0; i < len; i += 8) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        ta__put_le(id, len, i, s, 8);
    }
    return 1;
}

int ta__cb_xorshift(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    TA__RETRY(ssl, id, *id_len, TA__LOCKED(ta__fill_xorshift(id, *id_len)));
}

/* A 64-bit LCG whose whole state is the output, seeded once from RAND_bytes
 * (drand48-style code widened to 64 bits): three words give a and c. */
static int ta__fill_lcg_full(unsigned char *id, unsigned len)
{
    static uint64_t s;
    static int seeded;
    if (!seeded && RAND_bytes((unsigned char *)&s, sizeof(s)) != 1)
        return 0;
    seeded = 1;
    for (unsigned i = 0; i < len; i += 8) {
        s = s * 2862933555777941757ULL + 3037000493ULL;
        ta__put_le(id, len, i, s, 8);
    }
    return 1;
}

int ta__cb_lcg_full(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    TA__RETRY(ssl, id, *id_len, TA__LOCKED(ta__fill_lcg_full(id, *id_len)));
}

/* HMAC-SHA256(key, counter): unique and uniform; the key is keyed in. */
static const unsigned char ta__fixed_key[32] = "session-id-key-do-not-share!!!!";
static unsigned char ta__random_key[32];
static uint64_t ta__hmac_next;

static int ta__fill_hmac(unsigned char *id, unsigned len, const unsigned char *key)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    uint64_t c = __atomic_fetch_add(&ta__hmac_next, 1, __ATOMIC_RELAXED);
    if (HMAC(EVP_sha256(), key, 32, (const unsigned char *)&c, sizeof(c), md, &mdlen) == NULL
        || mdlen < len)
        return 0;
    memcpy(id, md, len);
    return 1;
}

int ta__cb_hmac_fixed_key(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    TA__RETRY(ssl, id, *id_len, ta__fill_hmac(id, *id_len, ta__fixed_key));
}

/* The correct twin: the key drawn from RAND_bytes on first use. */
static pthread_once_t ta__key_once = PTHREAD_ONCE_INIT;
static int ta__key_ok;
static void ta__key_make(void)
{
    ta__key_ok = RAND_bytes(ta__random_key, sizeof(ta__random_key)) == 1;
}

int ta__cb_hmac_random_key(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    pthread_once(&ta__key_once, ta__key_make);
    if (!ta__key_ok)
        return 0;
    TA__RETRY(ssl, id, *id_len, ta__fill_hmac(id, *id_len, ta__random_key));
}

/* ------------------------------------------------------------ faulty: a failing RAND_bytes */

/* openssl-default without the one check: RAND_bytes' result ignored. */
int ta__cb_rand_unchecked(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    TA__RETRY(ssl, id, *id_len, (RAND_bytes(id, (int)*id_len), 1));
}

/* ------------------------------------------------------------ the error queue */

/* Prefers a FIPS DRBG when one is there: the failed fetch queues an error on
 * every call (without the FIPS provider), and the fallback succeeds. */
static int ta__fill_fips_first(unsigned char *id, unsigned len, int quiet)
{
    EVP_RAND *r;
    if (quiet)
        ERR_set_mark();
    r = EVP_RAND_fetch(NULL, "HASH-DRBG", "fips=yes");
    if (quiet)
        ERR_pop_to_mark(); /* the correct twin: a probe leaves no trace */
    EVP_RAND_free(r);      /* a real one would use it; either way the fallback is fine */
    return RAND_bytes(id, (int)len) == 1;
}

int ta__cb_fips_probe(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    TA__RETRY(ssl, id, *id_len, ta__fill_fips_first(id, *id_len, 0));
}

int ta__cb_fips_probe_quiet(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    TA__RETRY(ssl, id, *id_len, ta__fill_fips_first(id, *id_len, 1));
}

/* ------------------------------------------------------------ cost and memory */

/* Asks a (slow) id service: 3 ms a call, modelled by a sleep (short, so that the
 * test suite stays quick; a 200 ms one is in README's figures). */
int ta__cb_slow_service(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    const struct timespec d = {0, 3 * 1000 * 1000};
    nanosleep(&d, NULL);
    TA__RETRY(ssl, id, *id_len, RAND_bytes(id, (int)*id_len) == 1);
}

/* Formats the id for a debug log that is switched off, and never frees the text. */
static int ta__fill_logged(unsigned char *id, unsigned len, int free_it)
{
    static volatile int debug_log; /* off */
    char *hex;
    if (RAND_bytes(id, (int)len) != 1)
        return 0;
    hex = OPENSSL_buf2hexstr(id, len);
    if (hex != NULL && debug_log)
        (void)write(2, hex, strlen(hex));
    if (free_it)
        OPENSSL_free(hex);
    return 1;
}

int ta__cb_log_leak(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    TA__RETRY(ssl, id, *id_len, ta__fill_logged(id, *id_len, 0));
}

int ta__cb_log_freed(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    TA__RETRY(ssl, id, *id_len, ta__fill_logged(id, *id_len, 1));
}

/* ------------------------------------------------------------ reads past the buffer */

/* Logs a checksum of the id taken over SSL_MAX_SSL_SESSION_ID_LENGTH bytes,
 * whatever *id_len is: a read past the buffer whenever less is offered. */
static volatile uint32_t ta__checksum_sink;
static int ta__fill_checksummed(unsigned char *id, unsigned len)
{
    uint32_t sum = 0;
    if (RAND_bytes(id, (int)len) != 1)
        return 0;
    for (unsigned i = 0; i < SSL_MAX_SSL_SESSION_ID_LENGTH; i++)
        sum = sum * 31 + id[i];
    ta__checksum_sink = sum;
    return 1;
}

int ta__cb_overread_checksum(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    TA__RETRY(ssl, id, *id_len, ta__fill_checksummed(id, *id_len));
}
