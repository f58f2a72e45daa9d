/*
 * sid_internal.h - what the session-id auditor's files share (src/sid/ only).
 *
 *   sid_rules.c    the rule table
 *   sid_set.c      a set of ids (duplicate detection, the "live" cache)
 *   sid_cache.c    our SSL_has_matching_session_id and its answer modes
 *   sid_invoke.c   the guarded invoker (fault-catching id buffer)
 *   sid_checks.c   direct-call checks (bounds, uniqueness, adversarial cache)
 *   sid_threads.c  T threads calling at once
 *   sid_analyze.c  structure of the ids: entropy, hash buckets, measurement
 *   sid_predict.c  predictability: the differential check, generator recovery
 *   sid_behave.c   cost, error queue, failing randomness, memory per call
 *   sid_e2e.c      real handshakes with the callback installed
 *   sid_child.c    what a check's child sends (findings, skips, phase)
 *   sid_run.c      one child process per check (core/runner.c), timeouts, the audit
 *   sid_opts.c     the defaults
 *   sid_report.c   report, merged findings, verdict, JSON
 *   sid_subject.c  the report as a JUnit/SARIF subject
 *   sid_catalog.c  the built-in callbacks (the table, and the contract's faults)
 *   sid_catalog_rand.c  built-ins about randomness, cost and memory
 */
#ifndef TA_SID_INTERNAL_H
#define TA_SID_INTERNAL_H

#include "internal.h"
#include "runner.h"

/* A check's own set-up failed (in the child): a record, never an exit status. */
#define TA__SID_SETUP_FAIL() \
    ta__child_harness_fail("%s:%d: %s", TA__FILE, __LINE__, ta_last_error()->message)

#define TA__SID_BIT(rule) (1u << (rule))

/* ------------------------------------------------------------ id set */

typedef struct ta__sid_set {
    uint8_t *ids; /* n entries of 1 + 32 bytes: length, then the id */
    size_t n, cap;
    uint64_t *slots; /* open addressing: hash tag << 32 | index + 1, 0 = empty */
    size_t nslots;   /* power of two */
} ta__sid_set;
ta_status ta__sid_set_init(ta__sid_set *s, size_t expected);
void ta__sid_set_free(ta__sid_set *s);
/* 1: added, 0: already present, TA_E_NOMEM. */
int ta__sid_set_add(ta__sid_set *s, const uint8_t *id, unsigned len);
int ta__sid_set_has(const ta__sid_set *s, const uint8_t *id, unsigned len);
const uint8_t *ta__sid_set_get(const ta__sid_set *s, size_t i, unsigned *out_len);

/* ------------------------------------------------------------ the cache we answer from */

typedef enum {
    TA__CACHE_FORWARD = 0, /* no audit: OpenSSL's real answer */
    TA__CACHE_LIVE,        /* taken iff the callback returned it earlier */
    TA__CACHE_ALL_TAKEN,   /* every id is taken */
    TA__CACHE_FIRST_K      /* the first k queries of each call say taken */
} ta__cache_mode;

/* Install the mode for this process (children only). live may be NULL except
 * for TA__CACHE_LIVE; lock: guard live with a mutex (threads check). */
void ta__sid_cache_set(ta__cache_mode mode, unsigned k, ta__sid_set *live, int lock);
/* Per-call bookkeeping of the calling thread: reset before each call. */
void ta__sid_cache_call_begin(void);
/* Queries made by this thread since ta__sid_cache_call_begin. */
unsigned ta__sid_cache_call_queries(void);
/* 1 if (id, len) was answered "taken" to this thread during the current call. */
int ta__sid_cache_was_taken(const uint8_t *id, unsigned len);
/* Add to the live set under the cache's lock; returns ta__sid_set_add's result. */
int ta__sid_cache_live_add(const uint8_t *id, unsigned len);

/* The guarded invoker and the per-call contract: tlsaudit/unstable.h (the
 * sid_callback fuzz target uses them too). */


/* ------------------------------------------------------------ checks (run in a child) */

/* The records a check's child sends (sid_child.c) and the parent reads (sid_run.c). */
enum {
    TA__MSG_FINDING = TA__REC_USER, /* a ta__sid_msg */
    TA__MSG_SKIP,                   /* a ta__sid_msg: rule not evaluated by this check */
    TA__MSG_HELLO,                  /* a ta__location: the callback is loaded */
    TA__MSG_END,                    /* the check ran to its end */
    TA__MSG_COST,                   /* a ta__sid_cost: what one call costs (the cost check) */
    TA__MSG_CUT                     /* a ta__sid_msg: calls cut to fit the time budget */
};
typedef struct ta__sid_cost {
    double call_s; /* median wall time of one call */
    int slow;      /* SID-SLOW was found */
} ta__sid_cost;
typedef struct ta__sid_msg {
    int rule;
    char text[480];
} ta__sid_msg;


/* Shared with the parent through a MAP_SHARED page. */
typedef struct ta__sid_shared {
    volatile uint64_t calls;   /* callback calls started in this check */
    volatile uint64_t planned; /* calls the check means to make */
    volatile int ready;        /* set-up done: from here on a stall is a hang */
    volatile uint64_t beat;    /* the harness's own progress (handshakes, measurements) */
    volatile char phase[120];  /* what the check is doing, for hang/crash messages */
} ta__sid_shared;

typedef struct ta__sid_cx {
    ta_sid_cb cb;
    const ta_sid_opts *o;
    ta__sid_shared *sh;
    SSL_CTX *sctx; /* a server context: callbacks get SSL objects made from it */
    ta_env *env;
    ta__sid_cost cost; /* from the cost check, which runs first (0: not known) */
} ta__sid_cx;

/* How many of `planned` units (of `per` calls each) a check makes: all of them
 * unless the cost check measured a callback so slow that they would not fit the
 * check's time allowance; never fewer than `minimum`. A cut is sent to the parent, which
 * reports it (with SID-SLOW, or as SID-INCOMPLETE): never a silent pass. */
size_t ta__sid_calls(ta__sid_cx *cx, const char *what, size_t planned, size_t minimum,
                     unsigned per);
/* One unguarded call of cb with 64 canary bytes on each side of a 32-byte
 * buffer (a write into them is an overflow or underflow, found by comparison).
 * 1 when OpenSSL would accept the result. */
int ta__sid_padded_call(ta_sid_cb cb, SSL *ssl, ta__sid_call *c);
/* Lowercase hex of id into out (cap >= 2 * len + 1). */
void ta__sid_hex(char *out, size_t cap, const uint8_t *id, unsigned len);

/* Report a finding (child side); filtered by opts->only in the parent. */
void ta__sid_emit(ta__sid_cx *cx, ta_sid_rule rule, const char *fmt, ...) TA_PRINTF(3, 4);
/* Tell the parent a rule could not be evaluated by this check. */
void ta__sid_skip(ta__sid_cx *cx, ta_sid_rule rule);
void ta__sid_phase(ta__sid_cx *cx, const char *fmt, ...) TA_PRINTF(2, 3);
static inline void ta__sid_tick(ta__sid_cx *cx)
{
    __atomic_add_fetch(&cx->sh->calls, 1, __ATOMIC_RELAXED);
}

/* Our own work between callback calls is progress too (not a hang). */
static inline void ta__sid_beat(ta__sid_cx *cx)
{
    __atomic_add_fetch(&cx->sh->beat, 1, __ATOMIC_RELAXED);
}

/* A server SSL for direct calls (exits the child on failure). */
SSL *ta__sid_new_ssl(ta__sid_cx *cx);

typedef struct ta__sid_check {
    const char *name;
    uint32_t rules; /* what it can report (SID-CRASH and SID-NO-TERMINATION: every check) */
    void (*run)(ta__sid_cx *cx);
} ta__sid_check;
/* Table of checks, in run order (sid_checks.c + sid_e2e.c). */
const ta__sid_check *ta__sid_checks(size_t *out_count);

void ta__sid_check_bounds(ta__sid_cx *cx);
void ta__sid_check_unique(ta__sid_cx *cx);
void ta__sid_check_taken(ta__sid_cx *cx);
void ta__sid_check_firstk(ta__sid_cx *cx);
void ta__sid_check_threads(ta__sid_cx *cx);
void ta__sid_check_e2e_tls12_noticket(ta__sid_cx *cx);
void ta__sid_check_e2e_tls12_tickets(ta__sid_cx *cx);
void ta__sid_check_e2e_tls13_stateless(ta__sid_cx *cx);
void ta__sid_check_e2e_tls13_stateful(ta__sid_cx *cx);
void ta__sid_check_cost(ta__sid_cx *cx);
void ta__sid_check_behave(ta__sid_cx *cx); /* memory, error queue, failing randomness */
void ta__sid_check_predict(ta__sid_cx *cx);
/* Generator recovery on the ids of the uniqueness run, in call order: emits
 * SID-PREDICTABLE with the reason when a known generator family fits. Returns 1
 * when it emitted. */
int ta__sid_recover(ta__sid_cx *cx, const ta__sid_set *ids);

/* ------------------------------------------------------------ structure of the ids */

typedef struct ta__sid_stats {
    uint64_t n;                      /* successful ids seen */
    uint32_t hist[TA__SID_MAX][256]; /* byte value counts per position */
    uint64_t len_count[TA__SID_MAX + 1];
    uint8_t first[TA__SID_MAX + 1]; /* the first id: len, bytes */
    uint8_t prev[TA__SID_MAX + 1];
    uint64_t prefix_changes; /* ids whose 4-byte hash key differs from the first */
    uint64_t delta_same;     /* consecutive pairs with the most recent delta repeated */
    uint64_t last_delta;
    int have_delta;
} ta__sid_stats;
void ta__sid_stats_add(ta__sid_stats *st, const uint8_t *id, unsigned len);
/* Entropy estimate of the ids in bits (sum over positions of the distinct-value
 * estimate, at most 8 each). */
double ta__sid_stats_bits(const ta__sid_stats *st);
/* Emit SID-PREDICTABLE / SID-BUCKET-COLLAPSE / SID-SHORT-ID from stats and the set
 * (the set provides ids for the lookup-cost measurement). */
void ta__sid_analyze(ta__sid_cx *cx, const ta__sid_stats *st, const ta__sid_set *ids);
/* Lookup and insert cost in OpenSSL's real cache at min(ids->n, cx->o->bucket_n)
 * cached sessions, these ids against random ones of the same length: the
 * evidence text ("; measured at ..."), "" when it could not be measured. */
void ta__sid_bucket_measure(ta__sid_cx *cx, const ta__sid_set *ids, char *out, size_t cap);

/* ------------------------------------------------------------ report (sid_report.c) */

ta_status ta__sid_report_new(const char *subject, const ta_sid_opts *o, ta_sid_report **out);
/* Add evidence for rule: the first call makes the finding, later ones append. */
void ta__sid_report_add(ta_sid_report *r, ta_sid_rule rule, const char *text);
/* A check that can report rule ran to its end (covered) or was cut short. */
void ta__sid_report_cover(ta_sid_report *r, ta_sid_rule rule, int complete);
void ta__sid_report_note(ta_sid_report *r, const char *fmt, ...) TA_PRINTF(2, 3);
/* Where the callback lives (for SARIF). */
void ta__sid_report_locate(ta_sid_report *r, const ta__location *loc);
/* A live server's audit: reproducers are cmd + " --only RULE". */
void ta__sid_report_reproduce(ta_sid_report *r, const char *cmd);
/* Compute per-rule results and the verdict once every check has run. */
void ta__sid_report_finish(ta_sid_report *r);

#endif
