/*
 * sid_threads.c - SID-DUPLICATE-CONCURRENT: T threads call the callback at once.
 * SSL_CTX_set_generate_session_id(3): "If another thread is using the same
 * internal session cache, a race condition can occur in that another thread
 * generates the same session id." OpenSSL calls the callback without a lock and
 * adds the session to the cache only when the handshake completes, so a
 * callback's own state (counters, tables) must be thread-safe.
 */
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sid_internal.h"

/* ------------------------------------------------------------ the round gate */

/*
 * A lost update needs two threads inside the callback's read-modify-write window
 * at once. Free-running threads rarely are on a loaded machine: with fewer cores
 * than threads they take turns, and each thread's previous id was already in the
 * cache when the next thread asked. So the calls go in rounds: every thread
 * waits at the gate, the gate opens for all of them together (one futex wake),
 * each makes its calls of the round, and the ids of a round enter the cache only
 * when the round is over, as handshakes in flight at once would (OpenSSL caches
 * a session when its handshake completes, long after the callback returned).
 * A round is one call per thread, or several when --ids asks for more than
 * TA__THREADS_MAX_ROUNDS rounds: with more threads than cores every round costs
 * each thread a wake-up. Measured at --ids 200000 --threads 8 on 2 cores: one
 * call a round (25,000 rounds) took the check from 0.27 s to 0.64 s; 1,024
 * rounds of 25 calls cost what the free-running threads did. The calls after a
 * round's first still overlap, and their ids are still held back to its end.
 *
 * The gate is a generation counter: the last thread to arrive does the round's
 * bookkeeping while every other thread waits (so the live set has no writer
 * while callbacks read it), then bumps the generation and wakes them all.
 */
typedef struct ta__gate {
    uint32_t gen;     /* futex word: bumped when the gate opens */
    uint32_t arrived; /* threads waiting in this generation */
    uint32_t n;       /* threads in the check */
} ta__gate;

static void ta__gate_sleep(uint32_t *word, uint32_t seen)
{
    /* EAGAIN (the word already changed) and EINTR both mean: look again. */
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}

/* 1 for the thread that arrived last: it ran on_close(arg) before the gate opened. */
static int ta__gate_pass(ta__gate *g, void (*on_close)(void *), void *arg)
{
    uint32_t gen = __atomic_load_n(&g->gen, __ATOMIC_ACQUIRE);

    if (__atomic_add_fetch(&g->arrived, 1, __ATOMIC_ACQ_REL) == g->n) {
        __atomic_store_n(&g->arrived, 0, __ATOMIC_RELAXED);
        on_close(arg);
        __atomic_add_fetch(&g->gen, 1, __ATOMIC_RELEASE);
        syscall(SYS_futex, &g->gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
        return 1;
    }
    /* No spinning: with more threads than cores a spinning (or sched_yield-ing)
     * waiter takes the core a late thread needs, and under load every yield can
     * hand a whole time slice to another process. */
    while (__atomic_load_n(&g->gen, __ATOMIC_ACQUIRE) == gen)
        ta__gate_sleep(&g->gen, gen);
    return 0;
}

/* ------------------------------------------------------------ threads */

typedef struct ta__round {
    uint8_t id[TA__SID_MAX];
    unsigned len; /* 0: the call failed or gave no usable id */
} ta__round;

typedef struct ta__thr_run {
    ta__sid_cx *cx;
    ta__gate gate;
    unsigned nt;
    size_t per_thread; /* calls each thread makes */
    size_t per_round;  /* calls each thread makes in one round (the last may be short) */
    size_t rounds;
    ta__round *slot; /* nt * per_round: the ids of the current round */
    uint64_t dups, ok, dup_rounds;
} ta__thr_run;

typedef struct ta__thr {
    ta__thr_run *run;
    unsigned index;
    SSL *ssl;
} ta__thr;

/* Close a round (the last thread at the gate, every other one waiting): its ids
 * enter the live set, which holds every id returned so far; an id already there,
 * from this round or an earlier one, is a duplicate. A thread's own earlier ids
 * of the round are not live for its later calls of the round either: a callback
 * that is unique only through the cache is unique only while one handshake is
 * in flight, and with T threads it repeats across threads just the same. */
static void ta__round_close(void *arg)
{
    ta__thr_run *run = arg;
    uint64_t before = run->dups;

    for (size_t i = 0; i < run->nt * run->per_round; i++) {
        ta__round *s = &run->slot[i];
        if (s->len == 0)
            continue;
        int r = ta__sid_cache_live_add(s->id, s->len);
        if (r < 0)
            TA__SID_SETUP_FAIL();
        run->ok++;
        run->dups += r == 0;
        s->len = 0;
    }
    run->dup_rounds += run->dups != before;
    ta__sid_beat(run->cx);
}

static void *ta__thr_main(void *arg)
{
    ta__thr *t = arg;
    ta__thr_run *run = t->run;
    /* Padding around the id: without a guard page an overflow must not hit our data. */
    uint8_t buf[3 * TA__SID_MAX];

    for (size_t done = 0; done < run->per_thread;) {
        ta__round *mine = run->slot + (size_t)t->index * run->per_round;
        ta__gate_pass(&run->gate, ta__round_close, run);
        for (size_t j = 0; j < run->per_round && done < run->per_thread; j++, done++) {
            unsigned len = TA__SID_MAX;
            uint8_t *id = buf + TA__SID_MAX;
            memset(id, 0, TA__SID_MAX);
            ta__sid_cache_call_begin();
            ta__sid_tick(run->cx);
            int ret = run->cx->cb(t->ssl, id, &len);
            if (ret != 0 && len != 0 && len <= TA__SID_MAX) {
                memcpy(mine[j].id, id, len);
                mine[j].len = len;
            }
        }
    }
    ta__gate_pass(&run->gate, ta__round_close, run); /* closes the last round */
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
        TA__SID_SETUP_FAIL();
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
 * cap keeps the live set of this check within the memory budget at 1M ids. */
#define TA__THREADS_MAX_IDS 250000
#define TA__THREADS_MAX_ROUNDS 1024

void ta__sid_check_threads(ta__sid_cx *cx)
{
    const unsigned nt = cx->o->threads;
    const size_t n = ta__sid_calls(
        cx, "threads", cx->o->ids < TA__THREADS_MAX_IDS ? cx->o->ids : TA__THREADS_MAX_IDS,
        2 * cx->o->threads, 1);
    ta__thr_run run = {.cx = cx, .nt = nt};
    ta__thr *th;
    pthread_t *tid;
    ta__sid_set live;
    uint64_t seq;

    if (nt < 2 || n < nt) {
        ta__sid_skip(cx, TA_SID_DUPLICATE_CONCURRENT);
        return;
    }
    run.per_thread = n / nt;
    run.per_round = (run.per_thread + TA__THREADS_MAX_ROUNDS - 1) / TA__THREADS_MAX_ROUNDS;
    run.rounds = (run.per_thread + run.per_round - 1) / run.per_round;
    run.gate.n = nt;
    cx->sh->planned = n + run.per_thread * nt;
    ta__sid_phase(cx, "threads: %zu sequential calls first", n);
    seq = ta__sequential_dups(cx, n);
    if (seq > 0) {
        /* Duplicates without concurrency are SID-DUPLICATE, not this rule. */
        ta__sid_skip(cx, TA_SID_DUPLICATE_CONCURRENT);
        return;
    }
    th = calloc(nt, sizeof(*th));
    tid = calloc(nt, sizeof(*tid));
    run.slot = calloc(nt * run.per_round, sizeof(*run.slot));
    if (th == NULL || tid == NULL || run.slot == NULL
        || ta__sid_set_init(&live, run.per_thread * nt) != TA_OK)
        TA__SID_SETUP_FAIL();
    /* OpenSSL calls the callback from every handshaking thread without a lock;
     * so do we. The live set needs no lock either: only the gate writes it, while
     * no callback runs (ta__round_close). */
    ta__sid_cache_set(TA__CACHE_LIVE, 0, &live, 0);
    ta__sid_phase(cx, "threads: %u threads calling at once, %zu rounds", nt, run.rounds);
    for (unsigned i = 0; i < nt; i++) {
        th[i].run = &run;
        th[i].index = i;
        th[i].ssl = ta__sid_new_ssl(cx);
        if (pthread_create(&tid[i], NULL, ta__thr_main, &th[i]) != 0)
            TA__SID_SETUP_FAIL();
    }
    for (unsigned i = 0; i < nt; i++) {
        pthread_join(tid[i], NULL);
        SSL_free(th[i].ssl);
    }
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    if (run.dups)
        ta__sid_emit(cx, TA_SID_DUPLICATE_CONCURRENT,
                     "%llu of %llu ids repeated an earlier id, in %llu of %zu rounds of %u "
                     "threads x %zu call%s at once; none in %zu sequential calls: the "
                     "callback's state is not thread-safe (OpenSSL calls it without a lock)",
                     (unsigned long long)run.dups, (unsigned long long)run.ok,
                     (unsigned long long)run.dup_rounds, run.rounds, nt, run.per_round,
                     run.per_round == 1 ? "" : "s", n);
    ta__sid_set_free(&live);
    free(run.slot);
    free(th);
    free(tid);
}
