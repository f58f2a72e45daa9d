/*
 * sid_catalog.c - built-in session-id callbacks: two correct ones and one
 * faulty one per rule, each fault written the way it shows up in real code.
 *
 * expected_rules lists the error and warning rules an audit reports for the
 * entry (the test suite checks the exact set); SID-NEVER-CALLED (info) is
 * reported for every entry, since TLS 1.2 with tickets never calls any callback.
 * Where an entry's fault also breaks real handshakes, SID-HANDSHAKE is expected
 * too: that is what OpenSSL does with it (comments say which check).
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sid_catalog.h"

#define TA__ATTEMPTS 10 /* OpenSSL's MAX_SESS_ID_ATTEMPTS */

/* ------------------------------------------------------------ correct */

/* OpenSSL's default generator, re-created: the offered length of random bytes,
 * generate again while the id is taken, give up (0) after 10 attempts. */
static int ta__cb_openssl_default(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    for (int attempt = 0; attempt < TA__ATTEMPTS; attempt++) {
        if (RAND_bytes(id, (int)*id_len) != 1)
            return 0;
        if (!SSL_has_matching_session_id(ssl, id, *id_len))
            return 1;
    }
    return 0;
}

/* A host tag for load balancers, then random bytes. The tag is 2 bytes, not 4:
 * OpenSSL hashes the first 4 bytes of the id, so 2 random bytes there keep the
 * cache's hash chains short. */
static int ta__cb_host_tag(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    static const unsigned char tag[2] = {0x0a, 0x07};
    if (*id_len < sizeof(tag) + 16)
        return 0; /* too short to stay unique: say so, as the contract asks */
    for (int attempt = 0; attempt < TA__ATTEMPTS; attempt++) {
        memcpy(id, tag, sizeof(tag));
        if (RAND_bytes(id + sizeof(tag), (int)(*id_len - sizeof(tag))) != 1)
            return 0;
        if (!SSL_has_matching_session_id(ssl, id, *id_len))
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ faulty */

/* Hex-formats random bytes with snprintf(id, *id_len + 1, ...): the terminating
 * NUL lands one byte past the buffer. */
static int ta__cb_overflow_nul(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    unsigned char r[TA__SID_MAX];
    for (int attempt = 0; attempt < TA__ATTEMPTS; attempt++) {
        char *out = (char *)id;
        if (RAND_bytes(r, sizeof(r)) != 1)
            return 0;
        for (unsigned i = 0; i < *id_len; i += 2)
            snprintf(out + i, *id_len - i + 1, "%02x", r[i / 2]);
        if (!SSL_has_matching_session_id(ssl, id, *id_len))
            return 1;
    }
    return 0;
}

/* Stores a "version byte" in front of the id: id[-1]. */
static int ta__cb_underflow(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    for (int attempt = 0; attempt < TA__ATTEMPTS; attempt++) {
        if (RAND_bytes(id, (int)*id_len) != 1)
            return 0;
        id[-1] = 1;
        if (!SSL_has_matching_session_id(ssl, id, *id_len))
            return 1;
    }
    return 0;
}

/* Reports the length of its record (id + 8-byte header it keeps elsewhere):
 * *id_len grows past what was offered. */
static int ta__cb_len_grown(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    for (int attempt = 0; attempt < TA__ATTEMPTS; attempt++) {
        if (RAND_bytes(id, (int)*id_len) != 1)
            return 0;
        if (!SSL_has_matching_session_id(ssl, id, *id_len)) {
            *id_len += 8;
            return 1;
        }
    }
    return 0;
}

/* Takes *id_len = 0 to mean "keep the default length". */
static int ta__cb_len_zero(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    for (int attempt = 0; attempt < TA__ATTEMPTS; attempt++) {
        if (RAND_bytes(id, (int)*id_len) != 1)
            return 0;
        if (!SSL_has_matching_session_id(ssl, id, *id_len)) {
            *id_len = 0;
            return 1;
        }
    }
    return 0;
}

/* Returns the number of attempts it needed: 1 usually, more after a conflict. */
static int ta__cb_return_attempts(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    for (int attempt = 1; attempt <= TA__ATTEMPTS; attempt++) {
        if (RAND_bytes(id, (int)*id_len) != 1)
            return 0;
        if (!SSL_has_matching_session_id(ssl, id, *id_len))
            return attempt;
    }
    return 0;
}

/* The same id every time, no cache check. */
static int ta__cb_constant(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    (void)ssl;
    memset(id, 'S', *id_len);
    return 1;
}

/* A keyed counter (unique by construction, unpredictable thanks to the key) whose
 * counter is read and written back without a lock: a lost update. Two threads
 * that read the same value issue the same id, and neither finds it in the cache,
 * since neither handshake has completed yet. A taken id (another thread's write
 * was lost and the counter went back) is skipped, for the next caller too, as a
 * careful author would: after a lost update the counter catches up within a
 * few calls instead of failing every call from then on. */
static unsigned char ta__racy_key[32];
static pthread_once_t ta__racy_once = PTHREAD_ONCE_INIT;
static void ta__racy_init(void)
{
    if (RAND_bytes(ta__racy_key, sizeof(ta__racy_key)) != 1)
        memset(ta__racy_key, 0x5a, sizeof(ta__racy_key));
}
static uint64_t ta__racy_counter;

static int ta__cb_racy_counter(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    unsigned char in[sizeof(ta__racy_key) + 8], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    uint64_t c;

    pthread_once(&ta__racy_once, ta__racy_init);
    c = *(volatile uint64_t *)&ta__racy_counter; /* the unlocked read */
    sched_yield(); /* other work in a real server; it widens the window here */
    for (int attempt = 0; attempt < TA__ATTEMPTS; attempt++) {
        memcpy(in, ta__racy_key, sizeof(ta__racy_key));
        memcpy(in + sizeof(ta__racy_key), &c, 8);
        if (!EVP_Digest(in, sizeof(in), md, &mdlen, EVP_sha256(), NULL) || mdlen < *id_len)
            return 0;
        memcpy(id, md, *id_len);
        if (!SSL_has_matching_session_id(ssl, id, *id_len)) {
            *(volatile uint64_t *)&ta__racy_counter = c + 1; /* the unlocked write */
            return 1;
        }
        *(volatile uint64_t *)&ta__racy_counter = ++c; /* skip the taken value */
    }
    return 0;
}

/* Asks the cache, logs a conflict, and uses the id anyway. */
static int ta__cb_accepts_collision(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    if (RAND_bytes(id, (int)*id_len) != 1)
        return 0;
    if (SSL_has_matching_session_id(ssl, id, *id_len)) {
        /* "cannot happen": 2^-256 */
    }
    return 1;
}

/* Retries until the id is free, with no bound on the attempts. */
static int ta__cb_retry_forever(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    do {
        if (RAND_bytes(id, (int)*id_len) != 1)
            return 0;
    } while (SSL_has_matching_session_id(ssl, id, *id_len));
    return 1;
}

/* Remembers its ids in a fixed table and asserts when it is full. */
#define TA__TABLE 100
static unsigned char ta__table[TA__TABLE][TA__SID_MAX];
static size_t ta__table_n;

static int ta__cb_fixed_table(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    if (ta__table_n >= TA__TABLE)
        abort(); /* assert(ta__table_n < TA__TABLE) in the original */
    for (int attempt = 0; attempt < TA__ATTEMPTS; attempt++) {
        if (RAND_bytes(id, (int)*id_len) != 1)
            return 0;
        if (!SSL_has_matching_session_id(ssl, id, *id_len)) {
            memcpy(ta__table[ta__table_n++], id, *id_len);
            return 1;
        }
    }
    return 0;
}

/* Returns the cache's answer: 0 ("failure") for a free id, 1 for a taken one. */
static int ta__cb_inverted_check(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    if (RAND_bytes(id, (int)*id_len) != 1)
        return 0;
    return SSL_has_matching_session_id(ssl, id, *id_len);
}

/* Random ids, never checked against the cache. */
static int ta__cb_no_cache_check(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    (void)ssl;
    return RAND_bytes(id, (int)*id_len) == 1;
}

/* A sequence number, little-endian in the first 8 bytes: unique, and guessable. */
static int ta__cb_counter(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    static uint64_t next;
    for (int attempt = 0; attempt < TA__ATTEMPTS; attempt++) {
        uint64_t c = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
        memset(id, 0, *id_len);
        for (unsigned i = 0; i < 8 && i < *id_len; i++)
            id[i] = (unsigned char)(c >> (8 * i));
        if (!SSL_has_matching_session_id(ssl, id, *id_len))
            return 1;
    }
    return 0;
}

/* 16 random bytes: fine for TLS 1.2, never resumes TLS 1.3 stateful tickets. */
static int ta__cb_short_id(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    unsigned int len = *id_len < 16 ? *id_len : 16;
    for (int attempt = 0; attempt < TA__ATTEMPTS; attempt++) {
        if (RAND_bytes(id, (int)len) != 1)
            return 0;
        if (!SSL_has_matching_session_id(ssl, id, len)) {
            *id_len = len;
            return 1;
        }
    }
    return 0;
}

/* The man page's EXAMPLES, written as it was meant (it does not compile as
 * printed): "www-18" then random bytes, 10 attempts. Correct, but every id starts
 * with "www-", so OpenSSL's cache keeps all sessions in one hash chain. */
static int ta__cb_manpage_www18(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    static const char prefix[] = "www-18";
    unsigned int count = 0;
    size_t plen = strlen(prefix) < *id_len ? strlen(prefix) : *id_len;
    do {
        if (RAND_bytes(id, (int)*id_len) != 1)
            return 0;
        memcpy(id, prefix, plen);
    } while (SSL_has_matching_session_id(ssl, id, *id_len) && ++count < TA__ATTEMPTS);
    return count < TA__ATTEMPTS;
}

static const ta_sid_builtin ta__catalog[] = {
    {"openssl-default", "OpenSSL's default generator re-created: random, retry on conflict",
     ta__cb_openssl_default, ""},
    {"host-tag", "2-byte host tag + random bytes, retry on conflict", ta__cb_host_tag, ""},
    {"overflow-nul", "snprintf(id, *id_len + 1, ...): a NUL one byte past the buffer",
     ta__cb_overflow_nul, "SID-OVERFLOW"},
    {"underflow", "writes a version byte at id[-1]", ta__cb_underflow, "SID-UNDERFLOW"},
    /* *id_len > 32 is SSL_R_SSL_SESSION_ID_HAS_BAD_LENGTH in every handshake. */
    {"len-grown", "adds 8 to *id_len", ta__cb_len_grown, "SID-LEN-GROWN,SID-HANDSHAKE"},
    /* *id_len == 0 is SSL_R_SSL_SESSION_ID_HAS_BAD_LENGTH in every handshake. */
    {"len-zero", "success with *id_len = 0", ta__cb_len_zero, "SID-LEN-ZERO,SID-HANDSHAKE"},
    {"return-attempts", "returns its attempt count (2, 3, ... after conflicts)",
     ta__cb_return_attempts, "SID-RETURN-VALUE"},
    /* With clean shutdowns the second handshake fails: SSL_SESSION_ID_CONFLICT. */
    {"constant", "the same id every time, no cache check", ta__cb_constant,
     "SID-DUPLICATE,SID-HANDSHAKE,SID-NO-CACHE-CHECK,SID-PREDICTABLE,SID-BUCKET-COLLAPSE"},
    {"racy-counter", "keyed counter read and written back without a lock", ta__cb_racy_counter,
     "SID-DUPLICATE-CONCURRENT"},
    {"accepts-collision", "asks the cache and ignores the answer", ta__cb_accepts_collision,
     "SID-COLLISION-ACCEPTED"},
    {"retry-forever", "retries while the id is taken, without a bound", ta__cb_retry_forever,
     "SID-NO-TERMINATION"},
    {"fixed-table", "remembers ids in a 100-entry table, abort() when full", ta__cb_fixed_table,
     "SID-CRASH"},
    /* Returns 0 for every free id: every handshake fails (callback failed). */
    {"inverted-check", "returns SSL_has_matching_session_id's answer", ta__cb_inverted_check,
     "SID-COLLISION-ACCEPTED,SID-HANDSHAKE"},
    {"no-cache-check", "random ids, never checked against the cache", ta__cb_no_cache_check,
     "SID-NO-CACHE-CHECK"},
    {"counter", "a sequence number in the first 8 bytes", ta__cb_counter, "SID-PREDICTABLE"},
    {"short-id", "16 random bytes", ta__cb_short_id, "SID-SHORT-ID"},
    {"manpage-www18", "the man page's example: \"www-18\" + random bytes", ta__cb_manpage_www18,
     "SID-BUCKET-COLLAPSE"},
    {"overread-checksum", "checksums 32 bytes of the id whatever *id_len is",
     ta__cb_overread_checksum, "SID-OVERREAD"},
    /* Where the randomness comes from (sid_catalog_rand.c). */
    {"thread-drbg", "a per-thread CTR-DRBG chained to RAND_get0_primary (EVP_RAND(7))",
     ta__cb_thread_drbg, ""},
    {"libc-rand-time", "srand(time(NULL)), then rand() bytes", ta__cb_libc_rand_time,
     "SID-PREDICTABLE"},
    {"lcg-time", "a 64-bit LCG seeded with time(NULL), high halves", ta__cb_lcg_time,
     "SID-PREDICTABLE"},
    {"xorshift", "xorshift64 seeded once from RAND_bytes", ta__cb_xorshift, "SID-PREDICTABLE"},
    {"lcg-full-state", "a 64-bit LCG seeded once from RAND_bytes, whole states", ta__cb_lcg_full,
     "SID-PREDICTABLE"},
    {"hmac-fixed-key", "HMAC-SHA256 of a counter, the key in the binary", ta__cb_hmac_fixed_key,
     "SID-PREDICTABLE"},
    {"hmac-random-key", "HMAC-SHA256 of a counter, the key from RAND_bytes", ta__cb_hmac_random_key,
     ""},
    {"rand-unchecked", "openssl-default with RAND_bytes' result ignored", ta__cb_rand_unchecked,
     "SID-RAND-FAILURE"},
    {"fips-probe", "tries a FIPS DRBG first; the failed fetch stays queued", ta__cb_fips_probe,
     "SID-ERROR-QUEUE"},
    {"fips-probe-quiet", "tries a FIPS DRBG first between ERR_set_mark and ERR_pop_to_mark",
     ta__cb_fips_probe_quiet, ""},
    {"slow-service", "waits 3 ms per call for an id service", ta__cb_slow_service, "SID-SLOW"},
    {"log-leak", "hex-formats each id for a debug log and never frees it", ta__cb_log_leak,
     "SID-MEMORY-GROWTH"},
    {"log-freed", "hex-formats each id for a debug log and frees it", ta__cb_log_freed, ""},
};

const ta_sid_builtin *ta_sid_catalog(size_t *out_count)
{
    if (out_count)
        *out_count = sizeof(ta__catalog) / sizeof(ta__catalog[0]);
    return ta__catalog;
}

const ta_sid_builtin *ta_sid_builtin_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof(ta__catalog) / sizeof(ta__catalog[0]); i++)
        if (strcmp(ta__catalog[i].name, name) == 0)
            return &ta__catalog[i];
    return NULL;
}
