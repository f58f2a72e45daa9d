/*
 * sid_predict.c - SID-PREDICTABLE for ids that look random and are not. Session
 * ids travel in the clear; an id an observer can compute is a session he can
 * name. Two methods, each catching a class of generators rather than a specimen:
 *
 * The differential check ("predict", its own child). The callback runs in
 * processes forked from one parent, whose OpenSSL randomness differs (rng.c's
 * ta__rand_perturb salts every seeded DRBG, and chained DRBGs reseed from it)
 * and whose pids differ, started within the same second. Bytes of the ids that
 * are the same in both did not come from OpenSSL's CSPRNG: libc rand()/random()
 * or an LCG seeded with time(), a counter, a keyed hash of a counter with the
 * key in the binary, state set up before a fork. When fewer than 8 bytes of an
 * id vary, the ids are predictable; a third process started in the next second
 * tells a clock-seeded generator (its ids change) from fixed state (they do not).
 *
 * Generator recovery (ta__sid_recover, on the uniqueness run's ids in call
 * order), for weak generators that were seeded well (from RAND_bytes, say):
 *   - GF(2)-linear: each 32- or 64-bit word a fixed linear function of the one
 *     before (xorshift of any shifts, LFSRs; also xorshift64* once its output
 *     multiplier is undone). Solved online by elimination: a pair whose input
 *     is in the span of earlier inputs predicts its output;
 *   - glibc random()/rand() (TYPE_3 additive feedback): o[i] = o[i-3] + o[i-31]
 *     (+1) in every byte, 16-bit or 31-bit lane of the output stream;
 *   - a full-state LCG modulo 2^64 or 2^32 (any multiplier and increment).
 */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sid_internal.h"

/* ------------------------------------------------------------ the differential check */

#define TA__PRED_IDS 8
#define TA__PRED_MIN_VARYING 8 /* bytes: 64 bits */

typedef struct ta__sample {
    unsigned n;
    uint8_t len[TA__PRED_IDS];
    uint8_t id[TA__PRED_IDS][TA__SID_MAX];
} ta__sample;

/* The callback's first ids in a process forked from this one, whose OpenSSL
 * randomness is salted with salt. Returns 0 when the process gave no sample
 * (it died: the other checks report that). */
static int ta__sample_run(ta__sid_cx *cx, uint64_t salt, unsigned calls, ta__sample *out)
{
    int fd[2];
    pid_t pid;
    size_t got = 0;
    int status;

    memset(out, 0, sizeof(*out));
    if (pipe(fd) != 0)
        TA__SID_SETUP_FAIL();
    pid = fork();
    if (pid < 0)
        TA__SID_SETUP_FAIL();
    if (pid == 0) {
        ta__sample s;
        SSL *ssl = SSL_new(cx->sctx);
        close(fd[0]);
        memset(&s, 0, sizeof(s));
        ta__rand_perturb(salt);
        ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
        for (unsigned i = 0; ssl != NULL && i < calls; i++) {
            ta__sid_call c;
            ta__sid_tick(cx); /* the parent's stall clock sees these calls */
            if (ta__sid_padded_call(cx->cb, ssl, &c)) {
                s.len[s.n] = (uint8_t)c.out_len;
                memcpy(s.id[s.n++], c.id, TA__SID_MAX);
            }
        }
        if (write(fd[1], &s, sizeof(s)) != (ssize_t)sizeof(s))
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    /* No deadline of ours: a hang stalls the progress counter, and the parent
     * kills this check's whole process group (SID-NO-TERMINATION). */
    while (got < sizeof(*out)) {
        ssize_t r = read(fd[0], (char *)out + got, sizeof(*out) - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd[0]);
    (void)waitpid(pid, &status, 0);
    return got == sizeof(*out) && out->n <= TA__PRED_IDS;
}

/* Bytes that differ between the two samples at some id (positions within every
 * id's length); *fixed gets the others as a bit mask. -1 without ids to compare. */
static int ta__varying(const ta__sample *a, const ta__sample *b, uint32_t *fixed)
{
    unsigned n = a->n < b->n ? a->n : b->n, len = TA__SID_MAX;
    uint32_t same = 0xffffffffu;
    int varying = 0;

    if (n == 0)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        len = a->len[i] < len ? a->len[i] : len;
        len = b->len[i] < len ? b->len[i] : len;
        for (unsigned p = 0; p < TA__SID_MAX; p++)
            if (a->id[i][p] != b->id[i][p] || a->len[i] != b->len[i])
                same &= ~(1u << p);
    }
    for (unsigned p = 0; p < len; p++)
        varying += !(same & (1u << p));
    *fixed = len == TA__SID_MAX ? same : same & ((1u << len) - 1);
    return varying;
}

static void ta__sleep_to_next_second(ta__sid_cx *cx)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long left_ms = (1000000000L - now.tv_nsec) / 1000000L + 20;
    while (left_ms > 0) {
        struct timespec d = {0, (left_ms > 100 ? 100 : left_ms) * 1000000L};
        nanosleep(&d, NULL);
        left_ms -= 100;
        ta__sid_beat(cx); /* our wait, not a stalled callback */
    }
}

void ta__sid_check_predict(ta__sid_cx *cx)
{
    const unsigned calls = (unsigned)ta__sid_calls(cx, "predict", TA__PRED_IDS, 2, 3);
    const uint64_t salt_a = cx->o->seed ^ 0xa5a5a5a5a5a5a5a5ULL, salt_b = salt_a ^ 0x5bd1e995ULL;
    ta__sample a, b, e;
    uint32_t fixed = 0, fixed_e = 0;
    int varying = -1, tries = 0;
    time_t t0, t1;
    char hex[2 * TA__SID_MAX + 1];

    cx->sh->planned = 3 * calls;
    do { /* the two processes within one second, so a clock seed is the same */
        ta__sid_phase(cx, "predict: two processes with different OpenSSL randomness");
        t0 = time(NULL);
        if (!ta__sample_run(cx, salt_a, calls, &a) || !ta__sample_run(cx, salt_b, calls, &b)) {
            ta__sid_skip(cx, TA_SID_PREDICTABLE);
            return;
        }
        t1 = time(NULL);
        varying = ta__varying(&a, &b, &fixed);
    } while (varying >= TA__PRED_MIN_VARYING && t0 != t1 && ++tries < 3);
    if (varying < 0) {
        ta__sid_skip(cx, TA_SID_PREDICTABLE); /* no successful call to compare */
        return;
    }
    if (varying >= TA__PRED_MIN_VARYING)
        return;
    /* Same OpenSSL randomness as a, another pid, the next second. */
    ta__sid_phase(cx, "predict: a third process in the next second");
    ta__sleep_to_next_second(cx);
    int clock = ta__sample_run(cx, salt_a, calls, &e) && ta__varying(&a, &e, &fixed_e) >= 0
                && fixed_e != fixed;
    ta__sid_hex(hex, sizeof(hex), a.id[0], a.len[0]);
    ta__sid_emit(cx, TA_SID_PREDICTABLE,
                 "not from OpenSSL's CSPRNG: two processes with different OpenSSL randomness "
                 "and pids, started in the same second, made ids differing in %d of %u bytes "
                 "(first %.16s...); %s",
                 varying, a.len[0], hex,
                 clock ? "one started a second later made others: seeded from the clock, so "
                         "knowing when a process started gives its ids"
                       : "one started a second later made them too: fixed state (a constant "
                         "seed, a counter or key in the binary, or set before a fork), so "
                         "anyone with the binary, or a forked sibling, has them");
}

/* ------------------------------------------------------------ generator recovery */

#define TA__RECOVER_IDS 4096 /* the first ids in call order are plenty */
#define TA__RECOVER_MIN_TESTS 16

/* Word k (of w bits) of id e, little- or big-endian. */
static uint64_t ta__word(const uint8_t *id, unsigned k, unsigned wbytes, int big)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < wbytes; i++) {
        unsigned b = big ? i : wbytes - 1 - i;
        v = v << 8 | id[k * wbytes + b];
    }
    return v;
}

static uint64_t ta__inv64(uint64_t a) /* a odd: a^-1 mod 2^64 (Newton) */
{
    uint64_t x = a;
    for (int i = 0; i < 6; i++)
        x *= 2 - a * x;
    return x;
}

/* Online GF(2) elimination: y = M x for a fixed M? Returns tests and hits. */
typedef struct ta__gf2 {
    uint64_t bx[64], by[64]; /* basis, indexed by the leading bit of bx */
    unsigned rank;
    uint64_t tests, hits;
    uint64_t ys[64]; /* a basis of the outputs alone: they must vary too */
    unsigned yrank;
} ta__gf2;

static void ta__gf2_add(ta__gf2 *g, uint64_t x, uint64_t y)
{
    for (uint64_t v = y; v != 0;) {
        int top = 63 - __builtin_clzll(v);
        if (g->ys[top] == 0) {
            g->ys[top] = v;
            g->yrank++;
            break;
        }
        v ^= g->ys[top];
    }
    while (x != 0) {
        int top = 63 - __builtin_clzll(x);
        if (g->bx[top] == 0) {
            g->bx[top] = x;
            g->by[top] = y;
            g->rank++;
            return;
        }
        x ^= g->bx[top];
        y ^= g->by[top];
    }
    g->tests++;
    g->hits += y == 0; /* x reduced to 0: y must reduce to 0 too */
}

static int ta__try_linear(const ta__sid_set *ids, size_t n, unsigned wbytes, int big,
                          uint64_t mul_inv, ta__gf2 *g)
{
    memset(g, 0, sizeof(*g));
    for (size_t i = 0; i < n; i++) {
        unsigned len;
        const uint8_t *id = ta__sid_set_get(ids, i, &len);
        for (unsigned k = 0; k + 1 < len / wbytes; k++) {
            uint64_t x = ta__word(id, k, wbytes, big), y = ta__word(id, k + 1, wbytes, big);
            if (mul_inv != 1) {
                x *= mul_inv;
                y *= mul_inv;
            }
            ta__gf2_add(g, x, y);
        }
    }
    /* Words that really vary (a rank of half their bits), and predictions that held. */
    return g->rank >= wbytes * 4 && g->yrank >= wbytes * 4 && g->tests >= TA__RECOVER_MIN_TESTS
           && g->hits * 10 >= g->tests * 9;
}

/* glibc random(): o[i] - o[i-3] - o[i-31] is 0 or 1 modulo the lane. */
static int ta__try_additive(const ta__sid_set *ids, size_t n, unsigned ebytes, uint64_t *tests,
                            uint64_t *hits)
{
    const uint64_t mask = ebytes == 4 ? 0x7fffffffULL : (1ULL << (8 * ebytes)) - 1;
    uint64_t hist[32]; /* the last 32 elements of the stream, a ring */
    uint64_t seen = 0;
    *tests = *hits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned len;
        const uint8_t *id = ta__sid_set_get(ids, i, &len);
        for (unsigned k = 0; k < len / ebytes; k++) {
            uint64_t v = ta__word(id, k, ebytes, 0) & mask;
            if (seen >= 31) {
                uint64_t d = (v - hist[(seen - 3) & 31] - hist[(seen - 31) & 31]) & mask;
                ++*tests;
                *hits += d <= 1;
            }
            hist[seen++ & 31] = v;
        }
    }
    return *tests >= 64 && *hits * 10 >= *tests * 9;
}

/* A full-state LCG: w[k+1] = a w[k] + c (mod 2^(8 wbytes)), a and c solved
 * from three words of an id, the fourth predicted. */
static int ta__try_lcg(const ta__sid_set *ids, size_t n, unsigned wbytes, uint64_t *tests,
                       uint64_t *hits)
{
    const uint64_t mask = wbytes == 8 ? ~0ULL : (1ULL << (8 * wbytes)) - 1;
    *tests = *hits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned len;
        const uint8_t *id = ta__sid_set_get(ids, i, &len);
        if (len / wbytes < 4)
            continue;
        uint64_t w0 = ta__word(id, 0, wbytes, 0), w1 = ta__word(id, 1, wbytes, 0);
        uint64_t w2 = ta__word(id, 2, wbytes, 0), w3 = ta__word(id, 3, wbytes, 0);
        uint64_t d = (w1 - w0) & mask;
        if ((d & 1) == 0)
            continue; /* not invertible: skip this id */
        uint64_t a = ((w2 - w1) * ta__inv64(d)) & mask, c = (w1 - a * w0) & mask;
        ++*tests;
        *hits += ((a * w2 + c) & mask) == w3 && d != 0;
    }
    return *tests >= TA__RECOVER_MIN_TESTS && *hits * 10 >= *tests * 9;
}

int ta__sid_recover(ta__sid_cx *cx, const ta__sid_set *ids)
{
    static const uint64_t xorshift64star = 0x2545f4914f6cdd1dULL;
    const size_t n = ids->n < TA__RECOVER_IDS ? ids->n : TA__RECOVER_IDS;
    uint64_t tests, hits;
    ta__gf2 g;

    for (unsigned wbytes = 8; wbytes >= 4; wbytes /= 2)
        for (int big = 0; big < 2; big++)
            for (int star = 0; star < (wbytes == 8 ? 2 : 1); star++) {
                if (!ta__try_linear(ids, n, wbytes, big, star ? ta__inv64(xorshift64star) : 1, &g))
                    continue;
                ta__sid_emit(cx, TA_SID_PREDICTABLE,
                             "each %u-bit word of an id (%s-endian) is a fixed GF(2)-linear "
                             "function of the word before it%s (a xorshift or LFSR generator): "
                             "solved from %u words, it predicted %llu of %llu next words, so "
                             "any one id gives the rest of it and the next ones",
                             wbytes * 8, big ? "big" : "little",
                             star ? ", once multiplied by xorshift64*'s inverse" : "", g.rank,
                             (unsigned long long)g.hits, (unsigned long long)g.tests);
                return 1;
            }
    for (unsigned e = 1; e <= 4; e *= 2)
        if (ta__try_additive(ids, n, e, &tests, &hits)) {
            ta__sid_emit(cx, TA_SID_PREDICTABLE,
                         "the ids' %u-bit values follow o[i] = o[i-3] + o[i-31] (+1) in %llu of "
                         "%llu places: glibc random()/rand() output, whose state 34 outputs "
                         "recover, and then every later id",
                         e == 4 ? 31 : e * 8, (unsigned long long)hits, (unsigned long long)tests);
            return 1;
        }
    for (unsigned wbytes = 8; wbytes >= 4; wbytes /= 2)
        if (ta__try_lcg(ids, n, wbytes, &tests, &hits)) {
            ta__sid_emit(cx, TA_SID_PREDICTABLE,
                         "the %u-bit words of an id are a linear congruential sequence "
                         "w' = a w + c mod 2^%u: a and c solved from three words predicted the "
                         "fourth in %llu of %llu ids",
                         wbytes * 8, wbytes * 8, (unsigned long long)hits,
                         (unsigned long long)tests);
            return 1;
        }
    return 0;
}
