/*
 * sid_behave.c - how the callback behaves as a citizen of the server it runs in,
 * each check in its own child (sid_run.c):
 *   cost         SID-SLOW: per-call time against OpenSSL's default generator
 *                (RAND_bytes + SSL_has_matching_session_id) in the same run; the
 *                later checks budget their calls by it (ta__sid_calls);
 *   behave       three short checks in one child:
 *                SID-MEMORY-GROWTH: heap bytes in use across many calls;
 *                SID-ERROR-QUEUE: entries a successful call leaves queued;
 *                SID-RAND-FAILURE: OpenSSL's randomness made to fail (rng.c),
 *                the contract wants 0 back ("return 0 if it cannot generate a
 *                session id for whatever reason").
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "sid_internal.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TA__ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TA__ASAN 1
#endif
#ifdef TA__ASAN
#include <sanitizer/allocator_interface.h>
#endif

/* Times this thread gave up the CPU itself (sleep, I/O, a lock: a voluntary
 * context switch). Preemption on a loaded machine, sched_yield included, is
 * involuntary and not counted: waiting for a core is the machine's cost, not
 * the callback's. */
static long ta__blocked_count(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_nvcsw : 0;
}

/* One timed call: wall and CPU seconds, and whether it blocked. */
typedef struct ta__timed {
    double wall, cpu;
    int blocked;
} ta__timed;

/* One unguarded call, its result dropped: these checks measure, not judge. */
static void ta__plain_call(ta_sid_cb cb, SSL *ssl)
{
    ta__sid_call c;
    (void)ta__sid_padded_call(cb, ssl, &c);
}

static int ta__cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ta__median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), ta__cmp_double);
    return n ? v[n / 2] : 0;
}

/* ------------------------------------------------------------ cost */

#define TA__COST_MAX 64     /* calls measured at most */
#define TA__COST_TIME_S 0.3 /* and for about this long (at least 3 calls) */
#define TA__SLOW_S 1e-3     /* SID-SLOW: a call takes at least this long, */
#define TA__SLOW_RATIO 100  /* and this many times the default generator's */

static ta__timed ta__timed_call(ta_sid_cb cb, SSL *ssl)
{
    ta__timed t;
    long b0 = ta__blocked_count();
    double c0 = ta__clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = ta__mono_s();
    ta__plain_call(cb, ssl);
    t.wall = ta__mono_s() - w0;
    t.cpu = ta__clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    t.blocked = ta__blocked_count() != b0;
    return t;
}

/* Slow is decided on what load cannot fake. A callback that computes is slow by
 * its CPU time (which waiting for a core does not add to). One that waits is
 * slow by its wall time only when it gave up the CPU itself in most calls: a
 * preempted or yielding callback on a loaded machine is not. */
void ta__sid_check_cost(ta__sid_cx *cx)
{
    const ta_sid_builtin *def = ta_sid_builtin_find("openssl-default");
    double wall[TA__COST_MAX], cpu[TA__COST_MAX], dwall[TA__COST_MAX], dcpu[TA__COST_MAX];
    SSL *ssl = ta__sid_new_ssl(cx);
    size_t n = 0, blocked = 0;
    double start;
    ta__sid_cost cost = {0, 0};

    if (def == NULL)
        ta__child_harness_fail("cost: no openssl-default built-in to compare with");
    /* OpenSSL's own answers: this check measures, it does not judge ids. */
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    cx->sh->planned = TA__COST_MAX + 1;
    /* One call each first: lazy set-up (keys, DRBGs) is not the per-call cost. */
    ta__sid_phase(cx, "cost: first call (set-up)");
    ta__sid_tick(cx);
    ta__plain_call(cx->cb, ssl);
    ta__plain_call(def->cb, ssl);
    start = ta__mono_s();
    /* Alternating calls: both generators see the same load on the machine. */
    while (n < TA__COST_MAX && (n < 3 || ta__mono_s() - start < TA__COST_TIME_S)) {
        ta__sid_phase(cx, "cost: timed call %zu", n + 1);
        ta__timed d = ta__timed_call(def->cb, ssl);
        ta__sid_tick(cx);
        ta__timed c = ta__timed_call(cx->cb, ssl);
        dwall[n] = d.wall;
        dcpu[n] = d.cpu;
        wall[n] = c.wall;
        cpu[n] = c.cpu;
        blocked += (size_t)c.blocked;
        n++;
    }
    ERR_clear_error();
    const double w = ta__median(wall, n), c = ta__median(cpu, n);
    const double dw = ta__median(dwall, n), dc = ta__median(dcpu, n);
    const int computes = c >= TA__SLOW_S && c >= TA__SLOW_RATIO * dc;
    const int waits = 2 * blocked >= n && w >= TA__SLOW_S && w >= TA__SLOW_RATIO * dw;
    cost.call_s = w;
    cost.slow = computes || waits;
    if (cost.slow)
        ta__sid_emit(cx, TA_SID_SLOW,
                     "a call takes %.3g ms (median of %zu), %.0fx OpenSSL's default generator "
                     "(%.2f us, same run), %.3g ms of it on the CPU: it %s, inside every "
                     "handshake",
                     w * 1e3, n, dw > 0 ? w / dw : 0.0, dw * 1e6, c * 1e3,
                     computes ? "computes" : "waits (it gave up the CPU: sleep, I/O, a lock)");
    (void)ta__child_put(TA__MSG_COST, &cost, sizeof(cost));
    SSL_free(ssl);
}

/* ------------------------------------------------------------ error queue */

#define TA__ERRQ_CALLS 16

static void ta__sid_check_error_queue(ta__sid_cx *cx)
{
    const size_t n = ta__sid_calls(cx, "error-queue", TA__ERRQ_CALLS, 4, 1);
    ta__sid_guard *g = NULL;
    SSL *ssl = ta__sid_new_ssl(cx);
    ta__sid_call c;
    ta__sid_breaks b;
    uint64_t ok = 0, left = 0, first = 0;
    unsigned first_entries = 0;
    char text[256] = "";

    if (ta__sid_guard_new(64, &g) != TA_OK)
        TA__SID_SETUP_FAIL();
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    cx->sh->planned = n;
    for (size_t i = 0; i < n; i++) {
        ta__sid_phase(cx, "error-queue: call %zu of %zu", i + 1, n);
        ta__sid_tick(cx);
        ERR_clear_error(); /* what is queued after the call is the call's */
        ta__sid_guard_call(g, cx->cb, ssl, TA__SID_MAX, &c);
        if (!ta__sid_call_judge(&c, &b))
            continue; /* a failing call may queue its reason */
        ok++;
        if (ERR_peek_error() == 0)
            continue;
        if (left++ == 0) {
            first = i + 1;
            ERR_error_string_n(ERR_peek_error(), text, sizeof(text));
            while (ERR_get_error() != 0)
                first_entries++;
        }
    }
    ERR_clear_error();
    if (ok == 0)
        ta__sid_skip(cx, TA_SID_ERROR_QUEUE);
    else if (left)
        ta__sid_emit(cx, TA_SID_ERROR_QUEUE,
                     "%llu of %llu successful calls left entries on OpenSSL's error queue; "
                     "call %llu left %u, the first \"%s\". In TLS 1.3 they survive "
                     "SSL_do_handshake returning 1, and the application's next SSL_get_error "
                     "reads them as SSL_ERROR_SSL",
                     (unsigned long long)left, (unsigned long long)ok, (unsigned long long)first,
                     first_entries, text);
    ta__sid_guard_free(g);
    SSL_free(ssl);
}

/* ------------------------------------------------------------ failing randomness */

#define TA__FAIL_WARM 4
#define TA__FAIL_CALLS 8

/* The longest run of zero bytes in id. */
static unsigned ta__zero_run(const uint8_t *id, unsigned len)
{
    unsigned run = 0, best = 0;
    for (unsigned i = 0; i < len; i++) {
        run = id[i] == 0 ? run + 1 : 0;
        best = run > best ? run : best;
    }
    return best;
}

static int ta__seen(const uint8_t *id, unsigned len, const uint8_t seen[][TA__SID_MAX],
                    const unsigned *seen_len, size_t nseen)
{
    for (size_t k = 0; k < nseen; k++)
        if (seen_len[k] == len && memcmp(seen[k], id, len) == 0)
            return 1;
    return 0;
}

/* Why an id made while the randomness failed is not a fresh one (NULL: it may
 * be; it came from another source). Only what the ids made with working
 * randomness do not show already counts: a callback that never used the
 * randomness (a counter, a constant) is not ignoring its failure. */
static const char *ta__bad_id(const uint8_t *id, unsigned len, const uint8_t seen[][TA__SID_MAX],
                              const unsigned *seen_len, size_t nseen, size_t nwarm)
{
    int warm_zeros = 0, warm_repeats = 0;
    for (size_t k = 0; k < nwarm; k++) {
        warm_zeros |= ta__zero_run(seen[k], seen_len[k]) >= 8;
        warm_repeats |= ta__seen(seen[k], seen_len[k], seen, seen_len, k);
    }
    if (!warm_zeros && ta__zero_run(id, len) == len)
        return "an all-zero id";
    if (!warm_zeros && ta__zero_run(id, len) >= 8)
        return "an id with a run of zero bytes where random ones belong";
    if (!warm_repeats && ta__seen(id, len, seen, seen_len, nseen))
        return "an id it had returned before (a stale buffer)";
    return NULL;
}

static void ta__sid_check_rand_failure(ta__sid_cx *cx)
{
    uint8_t seen[TA__FAIL_WARM + TA__FAIL_CALLS][TA__SID_MAX];
    unsigned seen_len[TA__FAIL_WARM + TA__FAIL_CALLS];
    size_t nseen = 0, n;
    ta__sid_guard *g = NULL;
    SSL *ssl = ta__sid_new_ssl(cx);
    ta__sid_call c;
    ta__sid_breaks b;
    uint64_t bad = 0, ok = 0, first = 0;
    const char *why = NULL;
    char hex[2 * TA__SID_MAX + 1] = "";
    unsigned char probe;

    if (ta__sid_guard_new(64, &g) != TA_OK)
        TA__SID_SETUP_FAIL();
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    n = ta__sid_calls(cx, "rand-failure", TA__FAIL_CALLS, 3, 1);
    cx->sh->planned = TA__FAIL_WARM + n;
    /* A running server first: what the callback sets up on its first calls
     * (its own DRBG, a key) exists when the randomness breaks. */
    for (int i = 0; i < TA__FAIL_WARM; i++) {
        ta__sid_phase(cx, "rand-failure: call %d with working randomness", i + 1);
        ta__sid_tick(cx);
        ta__sid_guard_call(g, cx->cb, ssl, TA__SID_MAX, &c);
        if (ta__sid_call_judge(&c, &b)) {
            memcpy(seen[nseen], c.id, TA__SID_MAX);
            seen_len[nseen++] = c.out_len;
        }
    }
    const size_t nwarm = nseen;
    ta__rand_set_failing(1);
    if (RAND_bytes(&probe, 1) == 1) {
        ta__rand_set_failing(0);
        ta__child_harness_fail("rand-failure: OpenSSL's randomness here is not tlsaudit's "
                               "(the process drew random bytes before the check), so it "
                               "cannot be made to fail");
    }
    for (size_t i = 0; i < n; i++) {
        ta__sid_phase(cx, "rand-failure: call %zu of %zu while every RAND_bytes fails", i + 1, n);
        ta__sid_tick(cx);
        ERR_clear_error();
        ta__sid_guard_call(g, cx->cb, ssl, TA__SID_MAX, &c);
        if (!ta__sid_call_judge(&c, &b))
            continue;
        ok++;
        const char *w = ta__bad_id(c.id, c.out_len, (const uint8_t(*)[TA__SID_MAX])seen, seen_len,
                                   nseen, nwarm);
        memcpy(seen[nseen], c.id, TA__SID_MAX);
        seen_len[nseen++] = c.out_len;
        if (w != NULL && bad++ == 0) {
            first = i + 1;
            why = w;
            ta__sid_hex(hex, sizeof(hex), c.id, c.out_len);
        }
    }
    ta__rand_set_failing(0);
    ERR_clear_error();
    if (bad)
        ta__sid_emit(cx, TA_SID_RAND_FAILURE,
                     "with OpenSSL's randomness failing (every RAND_bytes and DRBG seed request "
                     "returned 0), %llu of %zu calls still returned success with an id that is "
                     "not random; first at call %llu: %s (%s). The contract: return 0 when no "
                     "id can be made (%llu successful calls in all)",
                     (unsigned long long)bad, n, (unsigned long long)first, why, hex,
                     (unsigned long long)ok);
    ta__sid_guard_free(g);
    SSL_free(ssl);
}

/* ------------------------------------------------------------ memory per call */

#define TA__MEM_WARM 64
#define TA__MEM_CALLS 2000
#define TA__MEM_BYTES_PER_CALL 8 /* in each half of the run */

/* Heap bytes in use in this process: the allocator's own count (ASan's when it
 * owns malloc, glibc's arenas otherwise). */
static long long ta__heap_bytes(void)
{
#ifdef TA__ASAN
    return (long long)__sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
#endif
}

static void ta__sid_check_memory(ta__sid_cx *cx)
{
    size_t n = ta__sid_calls(cx, "memory", TA__MEM_CALLS, 32, 1) & ~(size_t)1;
    /* Warm-up in proportion when a slow callback's calls were cut. */
    const int warm = n < TA__MEM_CALLS ? (int)(n / 4 > 8 ? n / 4 : 8) : TA__MEM_WARM;
    SSL *ssl = ta__sid_new_ssl(cx);
    long long m[3];
    size_t done = 0;

    /* OpenSSL's answers on an empty cache: nothing of ours grows meanwhile. */
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    cx->sh->planned = (uint64_t)warm + n;
    for (int i = 0; i < warm; i++) {
        ta__sid_phase(cx, "memory: warm-up call %d of %d", i + 1, warm);
        ta__sid_tick(cx);
        ta__plain_call(cx->cb, ssl);
    }
    ERR_clear_error();
    m[0] = ta__heap_bytes();
    for (int half = 1; half <= 2; half++) {
        for (size_t i = 0; i < n / 2; i++) {
            ta__sid_phase(cx, "memory: call %zu of %zu", ++done, n);
            ta__sid_tick(cx);
            ta__plain_call(cx->cb, ssl);
        }
        ERR_clear_error(); /* the queue's own entries are not the callback's heap */
        m[half] = ta__heap_bytes();
    }
    const long long g1 = m[1] - m[0], g2 = m[2] - m[1];
    const long long floor = (long long)(TA__MEM_BYTES_PER_CALL * (n / 2));
    /* Both halves: a one-time allocation (a cache filled once) grows only one. */
    if (g1 >= floor && g2 >= floor)
        ta__sid_emit(cx, TA_SID_MEMORY_GROWTH,
                     "the heap grew by %lld bytes over %zu calls, %.1f bytes per call (%lld in "
                     "the first half, %lld in the second, after %d warm-up calls): memory "
                     "allocated in every call and never freed; a server loses it once per "
                     "session",
                     g1 + g2, n, (double)(g1 + g2) / (double)n, g1, g2, warm);
    SSL_free(ssl);
}

/* One child for the three: a check child's set-up costs more than they do. */
void ta__sid_check_behave(ta__sid_cx *cx)
{
    ta__sid_check_memory(cx); /* first: the heap as the callback alone grows it */
    ta__sid_check_error_queue(cx);
    ta__sid_check_rand_failure(cx); /* last: it breaks the randomness on purpose */
}
