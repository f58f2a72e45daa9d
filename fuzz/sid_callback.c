/*
 * sid_callback.c - fuzz target: a session-id generator under the guarded invoker.
 *
 * The input (src/fuzzing/fuzz_input.c, ta_fuzz_sid) chooses the protocol version of the
 * SSL handed to the callback, the offered *id_len (1..32: OpenSSL offers 32, the
 * contract allows less), a number of logical server threads, a seed for their
 * interleaving, then event by event the calls and how the cache answers each of
 * their SSL_has_matching_session_id queries: free, taken, or taken from then on
 * ("all taken"). One call per "next call" event, so the work grows with the
 * input's length and a short input costs one guarded call.
 *
 * The cache is ours: -Wl,--wrap=SSL_has_matching_session_id sends the queries of
 * the code under test (a catalog entry in libtlsaudit or your own source) to
 * __wrap_SSL_has_matching_session_id below. "free" is the truth: an id is taken
 * iff the cache holds it (returned earlier and its handshake finished, or answered
 * "taken" by the script before: that session stays), as OpenSSL's cache would
 * say; so the answers never contradict each other. Logical threads model the race
 * of SSL_CTX_set_generate_session_id(3): an id enters the cache only when its
 * handshake finishes, which here is the next call of the same thread; meanwhile
 * other threads' calls (the thread of each call is drawn from the interleave seed)
 * cannot see it. Calls run one at a time (the guarded invoker serves one thread),
 * so every input replays exactly.
 *
 * Randomness: the callback's RAND_bytes / RAND_priv_bytes (and _ex) calls are
 * wrapped too (-Wl,--wrap, fuzz/CMakeLists.txt) and draw from a generator
 * reseeded from the input's interleave seed before every input, so an input
 * replays exactly (AFL++ stability) and the fuzzer can steer collisions of short
 * ids. Everything else in the default context draws from the seeded provider.
 *
 * Rules (the auditor's ids, src/sid/sid_rules.c) checked on every call:
 *   SID-OVERFLOW / SID-UNDERFLOW   a write outside the offered buffer (guard page,
 *                                  canaries)
 *   SID-LEN-GROWN / SID-LEN-ZERO   *id_len raised, or 0 with success
 *   SID-RETURN-VALUE               a return other than 0 or 1
 *   SID-COLLISION-ACCEPTED         success with an id the cache had just called taken
 *   SID-DUPLICATE                  success with a live id
 *   SID-DUPLICATE-CONCURRENT       success with an id still in flight on another
 *                                  thread (ids of >= 8 bytes only: shorter random
 *                                  ids may collide by chance)
 *   SID-NO-TERMINATION             still querying after 4096 "taken" answers
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "fuzz_target.h"
#include "tlsaudit/unstable.h" /* the guarded invoker and the per-call contract */

#ifdef TA_FUZZ_SYMBOL
int TA_FUZZ_SYMBOL(SSL *ssl, unsigned char *id, unsigned int *id_len);
#endif
#ifndef TA_FUZZ_BUILTIN
#define TA_FUZZ_BUILTIN "openssl-default"
#endif

/* Ids the cache holds: live ones plus those a scripted "taken" answer put there. */
#define TA__MAX_CACHED (TA_FUZZ_SID_MAX_CALLS + TA_FUZZ_SID_MAX_EVENTS)
#define TA__MAX_TAKEN 128    /* remembered per call for SID-COLLISION-ACCEPTED */
#define TA__MAX_QUERIES 4096 /* per call, then SID-NO-TERMINATION */
#define TA__MIN_UNIQUE_LEN 8 /* below this a random collision is not a finding */
/* The harness's own bookkeeping is not code under test: no coverage, no
 * comparison tracing (it dominated the profile and guides the fuzzer nowhere).
 * Every function of this file carries it: an inlined helper is instrumented as
 * part of its caller. */
#if defined(__clang__)
#define TA__NO_COV __attribute__((no_sanitize("coverage")))
#else
#define TA__NO_COV
#endif
#define TA__STR2(x) #x
#define TA__STR(x) TA__STR2(x)

/* Set once (Initialize). */
static ta_sid_cb ta__cb;
static const char *ta__cb_name;
static ta_env *ta__env;
static ta_ctx *ta__ctx[TA_TLS_COUNT];
static SSL *ta__ssl[TA_TLS_COUNT];
static ta__sid_guard *ta__guard;
static struct sigaction ta__guard_sa[2], ta__saved_sa[2];
static const int ta__sigs[2] = {SIGSEGV, SIGBUS};
static OSSL_PROVIDER *ta__rand_prov, *ta__default_prov;

/* One input's state: what the cache knows and what the script says. */
typedef struct ta__sid_id {
    uint64_t fp; /* fingerprint of (len, bytes): compared first */
    uint8_t len;
    uint8_t b[TA__SID_MAX];
} ta__sid_id;
static struct {
    const ta_fuzz_sid *in;
    const uint8_t *answer; /* this call's scripted answers */
    size_t nanswers, next_answer;
    int all_taken;                   /* this call: every query from now on is taken */
    unsigned queries;                /* this call */
    size_t nlive;                    /* ids the cache holds (ta__live) */
    ta__sid_id taken[TA__MAX_TAKEN]; /* answered taken during this call */
    size_t ntaken;
    int active; /* inside a guarded call of this target */
} ta__st;

/* What the cache holds: an open-addressed table of 4x the most ids an input can
 * put there. A slot is in use iff it carries the current input's generation, so
 * starting an input clears nothing. */
#define TA__LIVE_SLOTS 1024
static struct {
    uint32_t gen;
    ta__sid_id id;
} ta__live[TA__LIVE_SLOTS];
static uint32_t ta__gen;

/* The key of (id, len): bytes copied, fingerprint mixed from 8-byte words. */
TA__NO_COV static void ta__key(ta__sid_id *k, const uint8_t *id, unsigned len)
{
    uint64_t w[TA__SID_MAX / 8] = {0}, h = 0x9e3779b97f4a7c15ULL * (len + 1);

    memcpy(w, id, len);
    for (unsigned i = 0; i < TA__SID_MAX / 8; i++) {
        h = (h ^ w[i]) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
    }
    k->fp = h;
    k->len = (uint8_t)len;
    memcpy(k->b, id, len);
}

TA__NO_COV static int ta__id_eq(const ta__sid_id *a, const ta__sid_id *k)
{
    return a->fp == k->fp && a->len == k->len && memcmp(a->b, k->b, k->len) == 0;
}

TA__NO_COV static int ta__taken_has(const ta__sid_id *k)
{
    for (size_t i = 0; i < ta__st.ntaken; i++)
        if (ta__id_eq(&ta__st.taken[i], k))
            return 1;
    return 0;
}

/* The slot holding k, or the empty slot where it would go. */
TA__NO_COV static size_t ta__live_slot(const ta__sid_id *k)
{
    size_t i = (size_t)(k->fp ^ (k->fp >> 32)) & (TA__LIVE_SLOTS - 1);
    while (ta__live[i].gen == ta__gen && !ta__id_eq(&ta__live[i].id, k))
        i = (i + 1) & (TA__LIVE_SLOTS - 1);
    return i;
}

TA__NO_COV static int ta__live_has(const ta__sid_id *k)
{
    return ta__live[ta__live_slot(k)].gen == ta__gen;
}

TA__NO_COV static void ta__live_add(const ta__sid_id *k)
{
    size_t i = ta__live_slot(k);
    if (ta__live[i].gen == ta__gen || ta__st.nlive >= TA__MAX_CACHED)
        return;
    ta__live[i].gen = ta__gen;
    ta__live[i].id = *k;
    ta__st.nlive++;
}

/* A new input: an empty cache. */
TA__NO_COV static void ta__live_clear(void)
{
    ta__st.nlive = 0;
    if (++ta__gen == 0) { /* wrapped: old slots could match again */
        memset(ta__live, 0, sizeof(ta__live));
        ta__gen = 1;
    }
}

/* The per-input generator behind the wrapped RAND calls (src/core/rng.c, which the
 * fuzz builds leave uninstrumented: fuzz/harness.ignore). */
static ta_rng ta__input_rng;

TA__NO_COV static int ta__rand(unsigned char *buf, size_t num)
{
    ta_rng_bytes(&ta__input_rng, buf, num);
    return 1;
}

TA__NO_COV int __wrap_RAND_bytes(unsigned char *buf, int num)
{
    return num < 0 ? 0 : ta__rand(buf, (size_t)num);
}

TA__NO_COV int __wrap_RAND_priv_bytes(unsigned char *buf, int num)
{
    return num < 0 ? 0 : ta__rand(buf, (size_t)num);
}

TA__NO_COV int __wrap_RAND_bytes_ex(OSSL_LIB_CTX *libctx, unsigned char *buf, size_t num,
                                    unsigned int strength)
{
    (void)libctx;
    (void)strength;
    return ta__rand(buf, num);
}

TA__NO_COV int __wrap_RAND_priv_bytes_ex(OSSL_LIB_CTX *libctx, unsigned char *buf, size_t num,
                                         unsigned int strength)
{
    (void)libctx;
    (void)strength;
    return ta__rand(buf, num);
}

int __real_SSL_has_matching_session_id(const SSL *ssl, const unsigned char *id,
                                       unsigned int id_len);

/* The cache the code under test sees (see the top of the file). */
TA__NO_COV int __wrap_SSL_has_matching_session_id(const SSL *ssl, const unsigned char *id,
                                                  unsigned int id_len)
{
    int taken;

    if (!ta__st.active)
        return __real_SSL_has_matching_session_id(ssl, id, id_len);
    if (++ta__st.queries > TA__MAX_QUERIES)
        TA_FUZZ_FAIL("SID-NO-TERMINATION",
                     "%s: still generating after %u cache queries in one call (offered "
                     "%u bytes%s); it must return 0 when no unique id can be made",
                     ta__cb_name, TA__MAX_QUERIES, ta__st.in->offered_len,
                     ta__st.all_taken ? ", every id taken" : "");
    /* OpenSSL answers 0 for id_len > 32 (ssl_sess.c); so do we. */
    if (id == NULL || id_len > TA__SID_MAX)
        return 0;
    ta__sid_id k;
    ta__key(&k, id, id_len);
    int held = ta__live_has(&k), was_taken = ta__taken_has(&k);
    taken = held || was_taken || ta__st.all_taken;
    if (!ta__st.all_taken && ta__st.next_answer < ta__st.nanswers) {
        uint8_t a = ta__st.answer[ta__st.next_answer++];
        ta__st.all_taken = a == TA_FUZZ_CACHE_ALL_TAKEN;
        if (a == TA_FUZZ_CACHE_TAKEN && !held && !was_taken)
            ta__live_add(&k); /* another session's */
        taken = taken || a != TA_FUZZ_CACHE_FREE;
    }
    if (taken && !was_taken && ta__st.ntaken < TA__MAX_TAKEN)
        ta__st.taken[ta__st.ntaken++] = k;
    return taken;
}

/*
 * SIGSEGV/SIGBUS: the invoker's handler catches faults in its guard pages, the
 * engine's (libFuzzer, ASan) must still see every other crash to record the
 * input. One permanent handler chains them, so no input pays a sigaction.
 */
TA__NO_COV static void ta__fault_chain(int sig, siginfo_t *si, void *uc)
{
    int i = sig == SIGBUS;

    if (ta__st.active && (ta__guard_sa[i].sa_flags & SA_SIGINFO))
        ta__guard_sa[i].sa_sigaction(sig, si, uc); /* siglongjmps on a guard fault */
    /* Not a guard fault: whoever was there first handles it. */
    sigaction(sig, &ta__saved_sa[i], NULL);
    if (ta__saved_sa[i].sa_flags & SA_SIGINFO)
        ta__saved_sa[i].sa_sigaction(sig, si, uc);
    else if (ta__saved_sa[i].sa_handler != SIG_DFL && ta__saved_sa[i].sa_handler != SIG_IGN)
        ta__saved_sa[i].sa_handler(sig);
    /* else return: the access repeats and the default action ends the process. */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const uint64_t seed = 1;

    (void)argc;
    (void)argv;
    if (ta__guard != NULL)
        return 0;
    /* RAND_bytes of the default context (what callbacks call) draws from the
     * seeded generator: a fuzz-only provider at the edge, cheap and replayable.
     * Loading one provider explicitly stops the automatic default: load it too. */
    if (ta__rand_install(NULL, seed, &ta__rand_prov) != TA_OK
        || (ta__default_prov = OSSL_PROVIDER_load(NULL, "default")) == NULL)
        ta_fuzz_setup_failed("seeding the default RAND");
#ifdef TA_FUZZ_SYMBOL
    ta__cb = TA_FUZZ_SYMBOL;
    ta__cb_name = TA__STR(TA_FUZZ_SYMBOL);
#else
    const ta_sid_builtin *b = ta_sid_builtin_find(TA_FUZZ_BUILTIN);
    if (b == NULL) {
        fprintf(stderr, "tlsaudit-fuzz: no built-in session-id callback '%s'\n", TA_FUZZ_BUILTIN);
        exit(2);
    }
    ta__cb = b->cb;
    ta__cb_name = b->name;
#endif
    if (ta_env_new(&seed, &ta__env) != TA_OK)
        ta_fuzz_setup_failed("creating the seeded environment");
    for (int v = 0; v < TA_TLS_COUNT; v++) {
        ta_ctx_opts o = {.num_tickets = -1};
        if (ta_ctx_new(ta__env, (ta_tls)v, TA_MODE_PSK, &o, &ta__ctx[v]) != TA_OK)
            ta_fuzz_setup_failed("creating a server context");
        /* A real server SSL: callbacks call SSL_get_version, SSL_get_SSL_CTX, ... */
        ta__ssl[v] = SSL_new(ta_ctx_server(ta__ctx[v]));
        if (ta__ssl[v] == NULL)
            ta_fuzz_setup_failed("SSL_new");
        SSL_set_accept_state(ta__ssl[v]);
    }
    /* Remember the engine's fault handlers, then the invoker's (see ta__fault_chain). */
    for (int i = 0; i < 2; i++)
        sigaction(ta__sigs[i], NULL, &ta__saved_sa[i]);
    if (ta__sid_guard_new(64, &ta__guard) != TA_OK)
        ta_fuzz_setup_failed("creating the guarded invoker");
    for (int i = 0; i < 2; i++) {
        struct sigaction sa;
        sigaction(ta__sigs[i], NULL, &ta__guard_sa[i]);
        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = ta__fault_chain;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        sigaction(ta__sigs[i], &sa, NULL);
    }
    return 0;
}

void ta_fuzz_target_describe(const uint8_t *data, size_t size, FILE *out)
{
    ta_fuzz_sid in;

    ta_fuzz_sid_decode(data, size, &in);
    ta_fuzz_sid_print(&in, out);
}

/* One guarded call and the per-call rules. Returns the id through *out (len 0
 * when the callback declined). */
TA__NO_COV static void ta__one_call(const ta_fuzz_sid *in, unsigned thread, unsigned k,
                                    const uint8_t *answer, size_t nanswers, ta__sid_id *out)
{
    ta__sid_call c;
    const char *who = ta__cb_name;

    ta__st.answer = answer;
    ta__st.nanswers = nanswers;
    ta__st.next_answer = 0;
    ta__st.all_taken = 0;
    ta__st.queries = 0;
    ta__st.ntaken = 0;
    ta__st.active = 1;
    ta__sid_guard_call(ta__guard, ta__cb, ta__ssl[in->version], in->offered_len, &c);
    ta__st.active = 0;
    out->len = 0; /* declined, until the checks below pass */
    ta__sid_breaks b;
    int accept = ta__sid_call_judge(&c, &b);
    if (b.n > 0) {
        switch (b.rule[0]) {
        case TA_SID_OVERFLOW:
        case TA_SID_OVERREAD:
            TA_FUZZ_FAIL(b.rule[0] == TA_SID_OVERREAD ? "SID-OVERREAD" : "SID-OVERFLOW",
                         "%s: %s at offset %ld of an id buffer of %u bytes "
                         "(thread %u, call %u)",
                         who, c.overflow_write == 0 ? "read" : "write", c.overflow_offset,
                         c.offered, thread, k);
        case TA_SID_UNDERFLOW:
            TA_FUZZ_FAIL("SID-UNDERFLOW",
                         "%s: byte %ld before the id buffer changed "
                         "(offered %u)",
                         who, c.underflow_offset, c.offered);
        case TA_SID_RETURN_VALUE:
            TA_FUZZ_FAIL("SID-RETURN-VALUE",
                         "%s returned %d (OpenSSL reads any non-zero as "
                         "success)",
                         who, c.ret);
        case TA_SID_LEN_GROWN:
            TA_FUZZ_FAIL("SID-LEN-GROWN", "%s raised *id_len from %u to %u", who, c.offered,
                         c.out_len);
        default:
            TA_FUZZ_FAIL("SID-LEN-ZERO", "%s returned success with *id_len == 0", who);
        }
    }
    if (!accept)
        return;
    ta__key(out, c.id, c.out_len);
    if (ta__taken_has(out))
        TA_FUZZ_FAIL("SID-COLLISION-ACCEPTED",
                     "%s returned an id of %u bytes that "
                     "SSL_has_matching_session_id had just reported taken",
                     who, c.out_len);
    if (ta__live_has(out))
        TA_FUZZ_FAIL("SID-DUPLICATE",
                     "%s returned an id the cache holds (%u bytes, thread %u, "
                     "call %u)",
                     who, c.out_len, thread, k);
}

TA__NO_COV int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ta_fuzz_sid in;
    ta__sid_id inflight[4];
    ta_rng rng;
    size_t at = 0;

    if (ta__guard == NULL)
        LLVMFuzzerInitialize(NULL, NULL);
    ta_fuzz_sid_decode(data, size, &in);
    ta__st.in = &in;
    ta__live_clear();
    for (unsigned t = 0; t < 4; t++)
        inflight[t].len = 0;
    ta_rng_init(&rng, in.interleave);
    ta_rng_init(&ta__input_rng, in.interleave ^ 0x9e3779b97f4a7c15ULL);
    for (unsigned k = 0; k < in.calls; k++) {
        /* This call's answers: the events up to the next call boundary. */
        size_t first = at;
        while (at < in.nevents && in.event[at] != TA_FUZZ_SID_NEXT_CALL)
            at++;
        size_t nanswers = at - first;
        at++; /* past the boundary */
        /* The thread that calls, drawn from the seed. */
        unsigned t = in.threads == 1 ? 0 : (unsigned)(ta_rng_next(&rng) % in.threads);
        /* Its previous handshake finished: that id is now in the cache. */
        if (inflight[t].len > 0)
            ta__live_add(&inflight[t]);
        inflight[t].len = 0;
        ta__sid_id got;
        ta__one_call(&in, t, k, in.event + first, nanswers, &got);
        if (got.len >= TA__MIN_UNIQUE_LEN) {
            for (unsigned o = 0; o < in.threads; o++)
                if (o != t && ta__id_eq(&inflight[o], &got))
                    TA_FUZZ_FAIL("SID-DUPLICATE-CONCURRENT",
                                 "%s returned the id thread %u is still handshaking with "
                                 "(%u bytes): OpenSSL only sees it once that handshake ends",
                                 ta__cb_name, o, got.len);
        }
        inflight[t] = got;
    }
    return 0;
}
