/*
 * sid_threads.c - SID-DUPLICATE-CONCURRENT: T threads call the callback at once.
 * SSL_CTX_set_generate_session_id(3): "If another thread is using the same
 * internal session cache, a race condition can occur in that another thread
 * generates the same session id." OpenSSL calls the callback without a lock and
 * adds the session to the cache only when the handshake completes, so a
 * callback's own state (counters, tables) must be thread-safe.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sid_internal.h"

/* ------------------------------------------------------------ threads */

typedef struct ta__thr {
    ta__sid_cx *cx;
    pthread_barrier_t *start;
    size_t calls;
    uint64_t dups, ok;
    SSL *ssl;
} ta__thr;

/* Every id returned in the threads check, whether or not its "handshake" has
 * finished: a repeat of any of them is a duplicate. Guarded by ta__thr_mu. */
static ta__sid_set ta__thr_all;
static pthread_mutex_t ta__thr_mu = PTHREAD_MUTEX_INITIALIZER;

static void *ta__thr_main(void *arg)
{
    ta__thr *t = arg;
    /* Padding around the id: without a guard page an overflow must not hit our data. */
    uint8_t buf[3 * TA__SID_MAX], inflight[TA__SID_MAX];
    unsigned inflight_len = 0;

    pthread_barrier_wait(t->start);
    for (size_t i = 0; i < t->calls; i++) {
        unsigned len = TA__SID_MAX;
        uint8_t *id = buf + TA__SID_MAX;
        int ret, r;
        /* OpenSSL adds a session to the cache when its handshake completes, well
         * after the callback returned; here, when this thread starts its next
         * "handshake". Until then other threads' queries cannot see the id. */
        if (inflight_len != 0 && ta__sid_cache_live_add(inflight, inflight_len) < 0)
            _exit(3);
        inflight_len = 0;
        memset(id, 0, TA__SID_MAX);
        ta__sid_cache_call_begin();
        ta__sid_tick(t->cx);
        ret = t->cx->cb(t->ssl, id, &len);
        if (ret == 0 || len == 0 || len > TA__SID_MAX)
            continue;
        t->ok++;
        pthread_mutex_lock(&ta__thr_mu);
        r = ta__sid_set_add(&ta__thr_all, id, len);
        pthread_mutex_unlock(&ta__thr_mu);
        if (r < 0)
            _exit(3);
        t->dups += r == 0;
        memcpy(inflight, id, len);
        inflight_len = len;
    }
    return NULL;
}

/* Sequential calls into a fresh live set: duplicates without any concurrency. */
static uint64_t ta__sequential_dups(ta__sid_cx *cx, size_t n)
{
    ta__sid_set live;
    uint64_t dups = 0;
    SSL *ssl = ta__sid_new_ssl(cx);
    uint8_t buf[3 * TA__SID_MAX];

    if (ta__sid_set_init(&live, n) != TA_OK)
        _exit(3);
    ta__sid_cache_set(TA__CACHE_LIVE, 0, &live, 0);
    for (size_t i = 0; i < n; i++) {
        unsigned len = TA__SID_MAX;
        uint8_t *id = buf + TA__SID_MAX;
        memset(id, 0, TA__SID_MAX);
        ta__sid_cache_call_begin();
        ta__sid_tick(cx);
        if (cx->cb(ssl, id, &len) == 0 || len == 0 || len > TA__SID_MAX)
            continue;
        dups += ta__sid_set_add(&live, id, len) == 0;
    }
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    ta__sid_set_free(&live);
    SSL_free(ssl);
    return dups;
}

/* Races show within far fewer calls than duplicates of a weak generator do; the
 * cap keeps the two sets of this check within the memory budget at 1M ids. */
#define TA__THREADS_MAX_IDS 250000

void ta__sid_check_threads(ta__sid_cx *cx)
{
    const unsigned nt = cx->o->threads;
    const size_t n = cx->o->ids < TA__THREADS_MAX_IDS ? cx->o->ids : TA__THREADS_MAX_IDS;
    ta__thr *th;
    pthread_t *tid;
    pthread_barrier_t start;
    ta__sid_set live;
    uint64_t seq, dups = 0, ok = 0;

    if (nt < 2 || n < nt) {
        ta__sid_skip(cx, TA_SID_DUPLICATE_CONCURRENT);
        return;
    }
    cx->sh->planned = 2 * n;
    ta__sid_phase(cx, "threads: %zu sequential calls first", n);
    seq = ta__sequential_dups(cx, n);
    if (seq > 0) {
        /* Duplicates without concurrency are SID-DUPLICATE, not this rule. */
        ta__sid_skip(cx, TA_SID_DUPLICATE_CONCURRENT);
        return;
    }
    th = calloc(nt, sizeof(*th));
    tid = calloc(nt, sizeof(*tid));
    if (th == NULL || tid == NULL || ta__sid_set_init(&live, n) != TA_OK
        || ta__sid_set_init(&ta__thr_all, n) != TA_OK)
        _exit(3);
    pthread_barrier_init(&start, NULL, nt);
    /* OpenSSL calls the callback from every handshaking thread without a lock,
     * and adds the session to the cache only later: so do we (live set, locked
     * only for the lookup and the insert, not around the callback). */
    ta__sid_cache_set(TA__CACHE_LIVE, 0, &live, 1);
    ta__sid_phase(cx, "threads: %u threads calling at once, %zu calls", nt, n);
    for (unsigned i = 0; i < nt; i++) {
        th[i].cx = cx;
        th[i].start = &start;
        th[i].calls = n / nt + (i < n % nt);
        th[i].ssl = ta__sid_new_ssl(cx);
        if (pthread_create(&tid[i], NULL, ta__thr_main, &th[i]) != 0)
            _exit(3);
    }
    for (unsigned i = 0; i < nt; i++) {
        pthread_join(tid[i], NULL);
        dups += th[i].dups;
        ok += th[i].ok;
        SSL_free(th[i].ssl);
    }
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    if (dups)
        ta__sid_emit(cx, TA_SID_DUPLICATE_CONCURRENT,
                     "%llu of %llu ids repeated a live id with %u threads calling at once, "
                     "none in %zu sequential calls: the callback's state is not thread-safe "
                     "(OpenSSL calls it without a lock)",
                     (unsigned long long)dups, (unsigned long long)ok, nt, n);
    pthread_barrier_destroy(&start);
    ta__sid_set_free(&live);
    ta__sid_set_free(&ta__thr_all);
    free(th);
    free(tid);
}
