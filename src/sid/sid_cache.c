/*
 * sid_cache.c - the SSL_has_matching_session_id() the code under test sees.
 *
 * The man page (SSL_CTX_set_generate_session_id(3)) tells a callback to ask
 * SSL_has_matching_session_id() whether an id is taken and to generate another
 * one on a conflict. To audit that, the auditor must decide the answer. We define
 * the function here, in libtlsaudit:
 *  - code linked into the program (the catalog, a user's code built with us)
 *    binds to this definition at link time: a definition in an object file wins
 *    over the one in libssl.so, so no -Wl,--wrap is needed;
 *  - a shared object loaded with dlopen binds to it because programs linking
 *    tlsaudit_lib export the symbol (src/CMakeLists.txt) and the program comes
 *    first in the global lookup scope.
 * Outside an audit (mode FORWARD) it forwards to OpenSSL's own, found with
 * dlsym(RTLD_NEXT); libssl's internal call after the callback returns may also
 * come here and gets the real answer too.
 *
 * Modes (set in the child process that runs one check):
 *   LIVE       taken iff the callback returned that id earlier in this check
 *              ("every id you returned is still live");
 *   ALL_TAKEN  every id is taken (a correct callback gives up and returns 0);
 *   FIRST_K    the first k queries of each call are answered "taken".
 * Every query is counted, process-wide and per call.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "sid_internal.h"

typedef int (*ta__match_fn)(const SSL *, const unsigned char *, unsigned int);

static struct {
    ta__cache_mode mode;
    unsigned k;
    ta__sid_set *live;
    int lock;
    pthread_mutex_t mu;
} ta__cache = {TA__CACHE_FORWARD, 0, NULL, 0, PTHREAD_MUTEX_INITIALIZER};

static uint64_t ta__queries; /* atomic */

#define TA__TAKEN_RING 16
static _Thread_local struct {
    unsigned queries; /* this call */
    unsigned ntaken;  /* answers "taken" this call (ring holds the last 16) */
    uint8_t len[TA__TAKEN_RING];
    uint8_t id[TA__TAKEN_RING][TA__SID_MAX];
} ta__tl;

void ta__sid_cache_set(ta__cache_mode mode, unsigned k, ta__sid_set *live, int lock)
{
    ta__cache.mode = mode;
    ta__cache.k = k;
    ta__cache.live = live;
    ta__cache.lock = lock;
}

void ta__sid_cache_call_begin(void)
{
    ta__tl.queries = 0;
    ta__tl.ntaken = 0;
}

unsigned ta__sid_cache_call_queries(void)
{
    return ta__tl.queries;
}

uint64_t ta_sid_cache_queries(void)
{
    return __atomic_load_n(&ta__queries, __ATOMIC_RELAXED);
}

int ta__sid_cache_was_taken(const uint8_t *id, unsigned len)
{
    unsigned n = ta__tl.ntaken < TA__TAKEN_RING ? ta__tl.ntaken : TA__TAKEN_RING;
    for (unsigned i = 0; i < n; i++)
        if (ta__tl.len[i] == len && memcmp(ta__tl.id[i], id, len) == 0)
            return 1;
    return 0;
}

int ta__sid_cache_live_add(const uint8_t *id, unsigned len)
{
    int r;
    if (ta__cache.lock)
        pthread_mutex_lock(&ta__cache.mu);
    r = ta__sid_set_add(ta__cache.live, id, len);
    if (ta__cache.lock)
        pthread_mutex_unlock(&ta__cache.mu);
    return r;
}

static int ta__sid_forward(const SSL *ssl, const unsigned char *id, unsigned int id_len)
{
    static ta__match_fn real; /* resolved once; a data race here is benign (same value) */
    if (real == NULL) {
        ta__match_fn f;
        *(void **)&f = dlsym(RTLD_NEXT, "SSL_has_matching_session_id");
        if (f == NULL || f == SSL_has_matching_session_id)
            return 0;
        real = f;
    }
    return real(ssl, id, id_len);
}

int SSL_has_matching_session_id(const SSL *ssl, const unsigned char *id, unsigned int id_len)
{
    int taken;

    __atomic_add_fetch(&ta__queries, 1, __ATOMIC_RELAXED);
    ta__tl.queries++;
    switch (ta__cache.mode) {
    case TA__CACHE_LIVE:
        if (ta__cache.lock)
            pthread_mutex_lock(&ta__cache.mu);
        /* OpenSSL answers 0 for id_len > 32 (ssl_sess.c); so do we. */
        taken = id != NULL && id_len <= TA__SID_MAX && ta__sid_set_has(ta__cache.live, id, id_len);
        if (ta__cache.lock)
            pthread_mutex_unlock(&ta__cache.mu);
        break;
    case TA__CACHE_ALL_TAKEN:
        taken = 1;
        break;
    case TA__CACHE_FIRST_K:
        taken = ta__tl.queries <= ta__cache.k;
        break;
    default:
        return ta__sid_forward(ssl, id, id_len);
    }
    if (taken && id != NULL && id_len <= TA__SID_MAX) {
        unsigned slot = ta__tl.ntaken++ % TA__TAKEN_RING;
        ta__tl.len[slot] = (uint8_t)id_len;
        memcpy(ta__tl.id[slot], id, id_len);
    }
    return taken;
}
