/*
 * sid_checks.c - direct calls of the callback, each check run in its own child
 * process by sid_run.c. The contract (SSL_CTX_set_generate_session_id(3)):
 * "The callback is only allowed to generate a shorter id and reduce id_len; the
 * callback must never increase id_len or write to the location id exceeding the
 * given limit", "the callback must call SSL_has_matching_session_id() and
 * generate another id if a conflict occurs", "The callback must return 0 if it
 * cannot generate a session id for whatever reason and return 1 on success."
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sid_internal.h"

/* Evidence about the contract gathered over one check's calls. */
typedef struct ta__tally {
    uint64_t calls;
    uint64_t under_n, grown_n, zero_n, rv_n, coll_n;
    /* Faults past the buffer: [0] reads (SID-OVERREAD), [1] writes (SID-OVERFLOW). */
    struct ta__past {
        uint64_t n, call;
        uint32_t lens; /* bit (offered - 1) */
        unsigned offered;
        long off;
    } past[2];
    unsigned under_offered, grown_offered, grown_len;
    long under_off;
    int rv_first;
    uint64_t under_call, grown_call, zero_call, rv_call, coll_call;
    unsigned coll_queries;
} ta__tally;

/* Classify one guarded call. Returns 1 when OpenSSL would accept the result as a
 * new id (non-zero return, 1 <= length <= offered, no fault). */
static int ta__tally_call(ta__tally *t, const ta__sid_call *c)
{
    uint64_t call = ++t->calls;
    ta__sid_breaks b;
    int accept = ta__sid_call_judge(c, &b);

    for (unsigned i = 0; i < b.n; i++) {
        switch (b.rule[i]) {
        case TA_SID_OVERFLOW:
        case TA_SID_OVERREAD: {
            struct ta__past *p = &t->past[b.rule[i] == TA_SID_OVERFLOW];
            if (p->n++ == 0) {
                p->offered = c->offered;
                p->off = c->overflow_offset;
                p->call = call;
            }
            p->lens |= 1u << (c->offered - 1);
            break;
        }
        case TA_SID_UNDERFLOW:
            if (t->under_n++ == 0) {
                t->under_offered = c->offered;
                t->under_off = c->underflow_offset;
                t->under_call = call;
            }
            break;
        case TA_SID_RETURN_VALUE:
            if (t->rv_n++ == 0) {
                t->rv_first = c->ret;
                t->rv_call = call;
            }
            break;
        case TA_SID_LEN_GROWN:
            if (t->grown_n++ == 0) {
                t->grown_offered = c->offered;
                t->grown_len = c->out_len;
                t->grown_call = call;
            }
            break;
        case TA_SID_LEN_ZERO:
            if (t->zero_n++ == 0)
                t->zero_call = call;
            break;
        default:
            break;
        }
    }
    if (accept && ta__sid_cache_was_taken(c->id, c->out_len) && t->coll_n++ == 0) {
        t->coll_call = call;
        t->coll_queries = ta__sid_cache_call_queries();
    }
    return accept;
}

void ta__sid_hex(char *out, size_t cap, const uint8_t *id, unsigned len)
{
    size_t o = 0;
    for (unsigned i = 0; i < len && o + 3 <= cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%02x", id[i]);
    out[o] = '\0';
}

static void ta__lens_text(char *out, size_t cap, uint32_t lens)
{
    size_t o = 0;
    out[0] = '\0';
    for (unsigned l = 1; l <= TA__SID_MAX && o + 8 < cap; l++) {
        unsigned e = l;
        if (!(lens & (1u << (l - 1))))
            continue;
        while (e < TA__SID_MAX && (lens & (1u << e)))
            e++;
        o += (size_t)snprintf(out + o, cap - o, "%s%u", o ? "," : "", l);
        if (e > l)
            o += (size_t)snprintf(out + o, cap - o, "-%u", e);
        l = e;
    }
}

static void ta__tally_emit(ta__sid_cx *cx, const ta__tally *t, const char *mode)
{
    char lens[128];
    for (int w = 0; w < 2; w++) {
        const struct ta__past *p = &t->past[w];
        if (p->n == 0)
            continue;
        ta__lens_text(lens, sizeof(lens), p->lens);
        ta__sid_emit(cx, w ? TA_SID_OVERFLOW : TA_SID_OVERREAD,
                     "%s past the offered length in %llu of %llu calls, at offered "
                     "length(s) %s; first at call %llu: offered %u, first bad offset %ld (%s)",
                     w ? "wrote" : "read", (unsigned long long)p->n, (unsigned long long)t->calls,
                     lens, (unsigned long long)p->call, p->offered, p->off, mode);
    }
    if (t->under_n)
        ta__sid_emit(cx, TA_SID_UNDERFLOW,
                     "wrote before the buffer in %llu of %llu calls; first at call %llu: "
                     "offered %u, byte at offset %ld changed (%s)",
                     (unsigned long long)t->under_n, (unsigned long long)t->calls,
                     (unsigned long long)t->under_call, t->under_offered, t->under_off, mode);
    if (t->grown_n)
        ta__sid_emit(cx, TA_SID_LEN_GROWN,
                     "*id_len grown in %llu of %llu calls; first at call %llu: offered %u, "
                     "returned %u (OpenSSL fails the handshake with "
                     "SSL_R_SSL_SESSION_ID_HAS_BAD_LENGTH when > 32) (%s)",
                     (unsigned long long)t->grown_n, (unsigned long long)t->calls,
                     (unsigned long long)t->grown_call, t->grown_offered, t->grown_len, mode);
    if (t->zero_n)
        ta__sid_emit(cx, TA_SID_LEN_ZERO,
                     "success with *id_len == 0 in %llu of %llu calls, first at call %llu (%s)",
                     (unsigned long long)t->zero_n, (unsigned long long)t->calls,
                     (unsigned long long)t->zero_call, mode);
    if (t->rv_n)
        ta__sid_emit(cx, TA_SID_RETURN_VALUE,
                     "returned %d (not 0 or 1) in %llu of %llu calls, first at call %llu; "
                     "OpenSSL treats any non-zero value as success (%s)",
                     t->rv_first, (unsigned long long)t->rv_n, (unsigned long long)t->calls,
                     (unsigned long long)t->rv_call, mode);
    if (t->coll_n)
        ta__sid_emit(cx, TA_SID_COLLISION_ACCEPTED,
                     "returned success with an id SSL_has_matching_session_id had just "
                     "reported taken, in %llu of %llu calls; first at call %llu after %u "
                     "queries (%s)",
                     (unsigned long long)t->coll_n, (unsigned long long)t->calls,
                     (unsigned long long)t->coll_call, t->coll_queries, mode);
}

static ta__sid_guard *ta__guard(size_t canary)
{
    ta__sid_guard *g = NULL;
    if (ta__sid_guard_new(canary, &g) != TA_OK) {
        ta__child_harness_fail("guarded buffer: %s", ta_last_error()->message);
    }
    return g;
}

/* ------------------------------------------------------------ bounds: offered 1..32 */

#define TA__BOUNDS_REPS 3

void ta__sid_check_bounds(ta__sid_cx *cx)
{
    ta__sid_set live;
    ta__tally t = {0};
    ta__sid_call c;
    ta__sid_guard *g = ta__guard(4096); /* a page of canaries in front */
    SSL *ssl = ta__sid_new_ssl(cx);

    /* Every length at least once, however slow the callback. */
    const int reps = (int)ta__sid_calls(cx, "bounds rounds", TA__BOUNDS_REPS, 1, TA__SID_MAX);

    if (ta__sid_set_init(&live, TA__SID_MAX * TA__BOUNDS_REPS) != TA_OK)
        TA__SID_SETUP_FAIL();
    ta__sid_cache_set(TA__CACHE_LIVE, 0, &live, 0);
    cx->sh->planned = TA__SID_MAX * (unsigned)reps;
    /* The contract lets OpenSSL offer any length 1..32 (it offers 32 today). */
    for (unsigned offered = 1; offered <= TA__SID_MAX; offered++) {
        for (int rep = 0; rep < reps; rep++) {
            ta__sid_phase(cx, "bounds: offered length %u, call %d of %d", offered, rep + 1, reps);
            ta__sid_tick(cx);
            ta__sid_guard_call(g, cx->cb, ssl, offered, &c);
            if (ta__tally_call(&t, &c))
                (void)ta__sid_set_add(&live, c.id, c.out_len);
        }
    }
    ta__tally_emit(cx, &t, "guarded calls at every offered length 1..32");
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    ta__sid_set_free(&live);
    SSL_free(ssl);
    ta__sid_guard_free(g);
}

/* ------------------------------------------------------------ adversarial cache */

#define TA__TAKEN_CALLS 3

void ta__sid_check_taken(ta__sid_cx *cx)
{
    ta__tally t = {0};
    ta__sid_call c;
    ta__sid_guard *g = ta__guard(64);
    SSL *ssl = ta__sid_new_ssl(cx);

    ta__sid_cache_set(TA__CACHE_ALL_TAKEN, 0, NULL, 0);
    cx->sh->planned = TA__TAKEN_CALLS;
    for (int i = 0; i < TA__TAKEN_CALLS; i++) {
        /* A hang here is SID-NO-TERMINATION: the parent names this phase. */
        ta__sid_phase(cx, "all-taken: every id reported taken, call %d of %d", i + 1,
                      TA__TAKEN_CALLS);
        ta__sid_tick(cx);
        ta__sid_guard_call(g, cx->cb, ssl, TA__SID_MAX, &c);
        (void)ta__tally_call(&t, &c);
    }
    ta__tally_emit(cx, &t, "cache mode all-taken");
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    SSL_free(ssl);
    ta__sid_guard_free(g);
}

void ta__sid_check_firstk(ta__sid_cx *cx)
{
    static const unsigned ks[] = {1, 2, 3};
    ta__tally t = {0};
    ta__sid_call c;
    ta__sid_guard *g = ta__guard(64);
    SSL *ssl = ta__sid_new_ssl(cx);

    cx->sh->planned = 2 * (sizeof(ks) / sizeof(ks[0]));
    for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
        ta__sid_cache_set(TA__CACHE_FIRST_K, ks[i], NULL, 0);
        for (int rep = 0; rep < 2; rep++) {
            ta__sid_phase(cx,
                          "first-%u-taken: the first %u queries of a call say taken, "
                          "call %d",
                          ks[i], ks[i], rep + 1);
            ta__sid_tick(cx);
            ta__sid_guard_call(g, cx->cb, ssl, TA__SID_MAX, &c);
            (void)ta__tally_call(&t, &c);
        }
    }
    ta__tally_emit(cx, &t, "cache mode first-k-taken, k = 1, 2, 3");
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    SSL_free(ssl);
    ta__sid_guard_free(g);
}

/* ------------------------------------------------------------ uniqueness */

/* One call with a plain buffer and 64 bytes of canaries behind it (no guard
 * page): a write into them is an overflow, found by comparison instead of a
 * fault. Fills *c; returns 1 when OpenSSL would accept the result. */
#define TA__SLACK 64
int ta__sid_padded_call(ta_sid_cb cb, SSL *ssl, ta__sid_call *c)
{
    /* Canaries on both sides: a write before the buffer lands in ours too
     * (AddressSanitizer would call it a stack underflow of this frame). */
    uint8_t pad[TA__SLACK + TA__SID_MAX + TA__SLACK];
    uint8_t *buf = pad + TA__SLACK;
    unsigned len = TA__SID_MAX;
    memset(c, 0, sizeof(*c));
    memset(pad, 0xA5, sizeof(pad));
    memset(buf, 0, TA__SID_MAX);
    ta__sid_cache_call_begin();
    c->offered = TA__SID_MAX;
    c->ret = cb(ssl, buf, &len);
    c->out_len = len;
    for (unsigned i = TA__SID_MAX; i < TA__SID_MAX + TA__SLACK; i++) {
        if (buf[i] != 0xA5) {
            c->overflow = 1;
            c->overflow_write = 1;
            c->overflow_offset = (long)i;
            break;
        }
    }
    for (long o = 1; o <= TA__SLACK; o++) {
        if (buf[-o] != 0xA5) {
            c->underflow_offset = -o;
            break;
        }
    }
    memcpy(c->id, buf, TA__SID_MAX);
    return c->ret != 0 && len >= 1 && len <= TA__SID_MAX;
}

/* After this many faults the overflow is established: the rest of the run uses
 * padded calls, which count overflows without a signal per call. */
#define TA__FAULTS_GUARDED 64

void ta__sid_check_unique(ta__sid_cx *cx)
{
    /* 64 ids at least: the entropy estimate needs them. */
    const size_t n = ta__sid_calls(cx, "unique", cx->o->ids, 64, 1);
    ta__sid_set live;
    ta__sid_stats *st = calloc(1, sizeof(*st));
    ta__tally t = {0};
    ta__sid_call c;
    ta__sid_guard *g = ta__guard(64);
    SSL *ssl = ta__sid_new_ssl(cx);
    uint64_t dups = 0, dup_call = 0, ok = 0, q0 = ta_sid_cache_queries();
    unsigned dup_len = 0;
    char hex[2 * TA__SID_MAX + 1];

    if (st == NULL || ta__sid_set_init(&live, n) != TA_OK)
        TA__SID_SETUP_FAIL();
    /* "Every id you returned is still live": what a server cache looks like when
     * no session has expired yet. */
    ta__sid_cache_set(TA__CACHE_LIVE, 0, &live, 0);
    cx->sh->planned = n;
    ta__sid_phase(cx, "uniqueness: %zu calls, every returned id stays live", n);
    hex[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        ta__sid_tick(cx);
        if (t.past[0].n + t.past[1].n < TA__FAULTS_GUARDED) {
            ta__sid_guard_call(g, cx->cb, ssl, TA__SID_MAX, &c);
            if (c.overflow) {
                /* Counted (SID-OVERFLOW); call again with room to spare so that
                 * the other properties of the ids are still evaluated. */
                (void)ta__tally_call(&t, &c);
                if (!ta__sid_padded_call(cx->cb, ssl, &c))
                    continue;
            } else if (!ta__tally_call(&t, &c)) {
                continue;
            }
        } else {
            int accept = ta__sid_padded_call(cx->cb, ssl, &c);
            if (c.overflow) {
                (void)ta__tally_call(&t, &c);
                if (!accept)
                    continue;
            } else if (!ta__tally_call(&t, &c)) {
                continue;
            }
        }
        ok++;
        int r = ta__sid_set_add(&live, c.id, c.out_len);
        if (r < 0)
            TA__SID_SETUP_FAIL();
        if (r == 0 && dups++ == 0) {
            dup_call = i + 1;
            dup_len = c.out_len;
            ta__sid_hex(hex, sizeof(hex), c.id, c.out_len);
            /* Sent at once: evidence the code under test cannot take back by
             * ending the check early (exit, crash, hang). */
            ta__sid_emit(cx, TA_SID_DUPLICATE,
                         "call %llu returned a live id again: %s "
                         "(%u bytes)",
                         (unsigned long long)dup_call, hex, dup_len);
        }
        ta__sid_stats_add(st, c.id, c.out_len);
    }
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    ta__tally_emit(cx, &t, "uniqueness run, offered 32");
    if (dups)
        ta__sid_emit(cx, TA_SID_DUPLICATE,
                     "%llu of %llu successful ids repeated a live id. OpenSSL fails the "
                     "handshake with SSL_R_SSL_SESSION_ID_CONFLICT, or with an external "
                     "cache mixes sessions",
                     (unsigned long long)dups, (unsigned long long)ok);
    if (ok == 0) {
        ta__sid_skip(cx, TA_SID_DUPLICATE);
        ta__sid_skip(cx, TA_SID_NO_CACHE_CHECK);
    } else if (ta_sid_cache_queries() == q0) {
        ta__sid_emit(cx, TA_SID_NO_CACHE_CHECK,
                     "0 calls of SSL_has_matching_session_id in %zu calls (%llu successful): "
                     "the man page requires checking and generating again on a conflict",
                     n, (unsigned long long)ok);
    }
    ta__sid_analyze(cx, st, &live);
    ta__sid_set_free(&live);
    free(st);
    SSL_free(ssl);
    ta__sid_guard_free(g);
}

/* ------------------------------------------------------------ the table */

#define TA__DIRECT                                                                               \
    (TA__SID_BIT(TA_SID_OVERFLOW) | TA__SID_BIT(TA_SID_OVERREAD) | TA__SID_BIT(TA_SID_UNDERFLOW) \
     | TA__SID_BIT(TA_SID_LEN_GROWN) | TA__SID_BIT(TA_SID_LEN_ZERO)                              \
     | TA__SID_BIT(TA_SID_RETURN_VALUE) | TA__SID_BIT(TA_SID_COLLISION_ACCEPTED))
#define TA__E2E                                                       \
    (TA__SID_BIT(TA_SID_HANDSHAKE) | TA__SID_BIT(TA_SID_NEVER_CALLED) \
     | TA__SID_BIT(TA_SID_SHORT_ID))

static const ta__sid_check ta__checks[] = {
    /* First: the others budget their calls by the cost it measures. */
    {"cost", TA__SID_BIT(TA_SID_SLOW), ta__sid_check_cost},
    {"bounds", TA__DIRECT, ta__sid_check_bounds},
    {"all-taken", TA__DIRECT | TA__SID_BIT(TA_SID_NO_TERMINATION), ta__sid_check_taken},
    {"first-k-taken", TA__DIRECT, ta__sid_check_firstk},
    {"unique",
     TA__DIRECT | TA__SID_BIT(TA_SID_DUPLICATE) | TA__SID_BIT(TA_SID_NO_CACHE_CHECK)
         | TA__SID_BIT(TA_SID_PREDICTABLE) | TA__SID_BIT(TA_SID_BUCKET_COLLAPSE)
         | TA__SID_BIT(TA_SID_SHORT_ID),
     ta__sid_check_unique},
    {"threads", TA__SID_BIT(TA_SID_DUPLICATE_CONCURRENT), ta__sid_check_threads},
    {"e2e/tls12/no-ticket", TA__E2E, ta__sid_check_e2e_tls12_noticket},
    {"e2e/tls12/tickets", TA__E2E, ta__sid_check_e2e_tls12_tickets},
    {"e2e/tls13/stateless", TA__E2E, ta__sid_check_e2e_tls13_stateless},
    {"e2e/tls13/stateful", TA__E2E, ta__sid_check_e2e_tls13_stateful},
    {"predict", TA__SID_BIT(TA_SID_PREDICTABLE), ta__sid_check_predict},
    /* Three short checks in one child (sid_behave.c): memory, the error queue,
     * then failing randomness, last since it breaks the randomness. */
    {"behave",
     TA__SID_BIT(TA_SID_MEMORY_GROWTH) | TA__SID_BIT(TA_SID_ERROR_QUEUE)
         | TA__SID_BIT(TA_SID_RAND_FAILURE),
     ta__sid_check_behave},
};

const ta__sid_check *ta__sid_checks(size_t *out_count)
{
    *out_count = sizeof(ta__checks) / sizeof(ta__checks[0]);
    return ta__checks;
}
