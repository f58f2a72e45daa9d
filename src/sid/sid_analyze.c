/*
 * sid_analyze.c - what the ids look like: entropy and steps (generator recovery:
 * sid_predict.c), OpenSSL hash-bucket structure, length. The decisions are made on the structure of the ids; the
 * measured lookup costs are evidence in the message, never the verdict, so the
 * result does not depend on the machine's speed.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/err.h>

#include "sid_internal.h"

/* OpenSSL's session cache hashes the first 4 bytes of the id, zero-padded when
 * the id is shorter (ssl_session_hash, ssl/ssl_lib.c). */
static uint32_t ta__bucket_key(const uint8_t *id, unsigned len)
{
    uint8_t b[4] = {0, 0, 0, 0};
    memcpy(b, id, len < 4 ? len : 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* The id's first 8 bytes as a little-endian number, its last 8 as a big-endian
 * one (zero-padded): where counters live. */
static uint64_t ta__le64(const uint8_t *id, unsigned len)
{
    uint8_t b[8] = {0};
    memcpy(b, id, len < 8 ? len : 8);
    return (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24
           | (uint64_t)b[4] << 32 | (uint64_t)b[5] << 40 | (uint64_t)b[6] << 48
           | (uint64_t)b[7] << 56;
}

static uint64_t ta__be64_tail(const uint8_t *id, unsigned len)
{
    uint8_t b[8] = {0};
    unsigned n = len < 8 ? len : 8;
    memcpy(b + 8 - n, id + len - n, n);
    return (uint64_t)b[7] | (uint64_t)b[6] << 8 | (uint64_t)b[5] << 16 | (uint64_t)b[4] << 24
           | (uint64_t)b[3] << 32 | (uint64_t)b[2] << 40 | (uint64_t)b[1] << 48
           | (uint64_t)b[0] << 56;
}

/* The per-position histograms saturate (256 values) long before this many ids;
 * sampling the first ones keeps a 1M-id audit close to the bare cost. */
#define TA__HIST_SAMPLE 65536

void ta__sid_stats_add(ta__sid_stats *st, const uint8_t *id, unsigned len)
{
    if (st->n < TA__HIST_SAMPLE)
        for (unsigned i = 0; i < len; i++)
            st->hist[i][id[i]]++;
    st->len_count[len]++;
    if (st->n == 0) {
        st->first[0] = (uint8_t)len;
        memcpy(st->first + 1, id, len);
    } else {
        if (ta__bucket_key(id, len) != ta__bucket_key(st->first + 1, st->first[0]))
            st->prefix_changes++;
        /* Counters: the same step between consecutive ids, read as a little-endian
         * number at the front or a big-endian one at the back. */
        uint64_t d1 = ta__le64(id, len) - ta__le64(st->prev + 1, st->prev[0]);
        uint64_t d2 = ta__be64_tail(id, len) - ta__be64_tail(st->prev + 1, st->prev[0]);
        uint64_t d = d1 ^ (d2 * 0x9e3779b97f4a7c15ULL);
        if (st->have_delta && d == st->last_delta)
            st->delta_same++;
        st->last_delta = d;
        st->have_delta = 1;
    }
    st->prev[0] = (uint8_t)len;
    memcpy(st->prev + 1, id, len);
    st->n++;
}

/* log2 of 1..256 without libm: exact at powers of two, linear in between (an
 * estimate feeding an estimate). */
static double ta__log2(unsigned d)
{
    unsigned k = 0;
    while ((2u << k) <= d)
        k++;
    return (double)k + (double)(d - (1u << k)) / (double)(1u << k);
}

double ta__sid_stats_bits(const ta__sid_stats *st)
{
    double bits = 0;
    for (unsigned p = 0; p < TA__SID_MAX; p++) {
        unsigned distinct = 0;
        for (unsigned v = 0; v < 256; v++)
            distinct += st->hist[p][v] != 0;
        if (distinct > 1)
            bits += ta__log2(distinct);
    }
    return bits;
}

/* Insert n ids into a fresh server cache, then time lookups of them. Returns 0 on
 * success; *hits proves the lookups really found the sessions. */
static int ta__cache_cost(ta__sid_cx *cx, const uint8_t *ids, size_t n, size_t lookups, ta_rng *rng,
                          double *insert_us, double *lookup_us, size_t *hits)
{
    SSL_CTX *ctx = SSL_CTX_new_ex(ta_env_libctx(cx->env), NULL, TLS_server_method());
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    double t0;
    int rc = -1;

    if (ssl == NULL)
        goto done;
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, (long)(n * 2 + 16));
    t0 = ta__mono_s();
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = ids + i * (1 + TA__SID_MAX);
        SSL_SESSION *s = SSL_SESSION_new();
        if (s == NULL || !SSL_SESSION_set1_id(s, e + 1, e[0])
            || !SSL_SESSION_set_protocol_version(s, SSL_version(ssl))
            || !SSL_CTX_add_session(ctx, s)) {
            SSL_SESSION_free(s);
            goto done;
        }
        SSL_SESSION_free(s);
        if ((i & 63) == 0)
            ta__sid_beat(cx);
    }
    *insert_us = (ta__mono_s() - t0) * 1e6 / (double)n;
    *hits = 0;
    t0 = ta__mono_s();
    for (size_t i = 0; i < lookups; i++) {
        const uint8_t *e = ids + (ta_rng_next(rng) % n) * (1 + TA__SID_MAX);
        *hits += (size_t)SSL_has_matching_session_id(ssl, e + 1, e[0]);
    }
    *lookup_us = (ta__mono_s() - t0) * 1e6 / (double)lookups;
    rc = 0;
done:
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return rc;
}

/* Measured evidence for SID-BUCKET-COLLAPSE: the callback's ids against random
 * ids of the same length, at the same number of cached sessions. */
void ta__sid_bucket_measure(ta__sid_cx *cx, const ta__sid_set *ids, char *out, size_t cap)
{
    size_t n = ids->n < cx->o->bucket_n ? ids->n : cx->o->bucket_n;
    const size_t lookups = 1000;
    uint8_t *rnd;
    ta_rng rng;
    double ins_cb = 0, look_cb = 0, ins_r = 0, look_r = 0;
    size_t hits_cb = 0, hits_r = 0;

    out[0] = '\0';
    if (n < 2 || (rnd = malloc(n * (1 + TA__SID_MAX))) == NULL)
        return;
    ta_rng_init(&rng, cx->o->seed ^ 0x5151);
    for (size_t i = 0; i < n; i++) {
        uint8_t *e = rnd + i * (1 + TA__SID_MAX);
        e[0] = ids->ids[i * (1 + TA__SID_MAX)];
        ta_rng_bytes(&rng, e + 1, TA__SID_MAX);
    }
    ta__sid_phase(cx, "bucket measurement: %zu cached sessions", n);
    /* Our SSL_has_matching_session_id must answer from OpenSSL's real cache here. */
    ta__sid_cache_set(TA__CACHE_FORWARD, 0, NULL, 0);
    if (ta__cache_cost(cx, ids->ids, n, lookups, &rng, &ins_cb, &look_cb, &hits_cb) == 0
        && ta__cache_cost(cx, rnd, n, lookups, &rng, &ins_r, &look_r, &hits_r) == 0)
        snprintf(out, cap,
                 "; measured at %zu cached sessions: lookup %.2f us with these ids vs %.2f us "
                 "with random ids (%.0fx), insert %.2f us vs %.2f us (%zu/%zu and %zu/%zu "
                 "lookups hit)",
                 n, look_cb, look_r, look_r > 0 ? look_cb / look_r : 0.0, ins_cb, ins_r, hits_cb,
                 lookups, hits_r, lookups);
    free(rnd);
}

void ta__sid_analyze(ta__sid_cx *cx, const ta__sid_stats *st, const ta__sid_set *ids)
{
    char evidence[320];
    uint64_t short_n = 0;

    if (st->n < 2) {
        ta__sid_skip(cx, TA_SID_PREDICTABLE);
        ta__sid_skip(cx, TA_SID_BUCKET_COLLAPSE);
        if (st->n == 0)
            ta__sid_skip(cx, TA_SID_SHORT_ID);
    }
    for (unsigned l = 0; l < TA__SID_MAX; l++)
        short_n += st->len_count[l];
    if (short_n) {
        unsigned common = 0;
        for (unsigned l = 1; l < TA__SID_MAX; l++)
            if (st->len_count[l] > st->len_count[common])
                common = l;
        ta__sid_emit(cx, TA_SID_SHORT_ID,
                     "%llu of %llu ids shorter than 32 bytes (most often %u bytes): TLS 1.3 "
                     "stateful tickets only resume with 32-byte ids",
                     (unsigned long long)short_n, (unsigned long long)st->n, common);
    }
    if (st->n < 2)
        return;
    if (st->prefix_changes == 0) {
        /* Structure decides: one value of the hash key = one hash chain. */
        ta__sid_bucket_measure(cx, ids, evidence, sizeof(evidence));
        ta__sid_emit(cx, TA_SID_BUCKET_COLLAPSE,
                     "the first 4 bytes were %02x%02x%02x%02x in all %llu ids: OpenSSL hashes "
                     "only those, so every cached session shares one hash chain%s",
                     st->first[1], st->first[2], st->first[3], st->first[4],
                     (unsigned long long)st->n, evidence);
    }
    /* Entropy needs enough samples for a per-byte estimate to mean anything. */
    if (st->n >= 64) {
        double bits = ta__sid_stats_bits(st);
        double steady = (double)st->delta_same / (double)(st->n - 2 > 0 ? st->n - 2 : 1);
        if (bits < 64 || steady >= 0.9)
            ta__sid_emit(cx, TA_SID_PREDICTABLE,
                         "about %.0f bits of entropy across %llu ids (less than 64 means an "
                         "observer can guess the next ids); consecutive ids differ by the same "
                         "step in %.0f%% of pairs",
                         bits, (unsigned long long)st->n, steady * 100.0);
        /* Ids that pass for random: is a known generator behind them? */
        (void)ta__sid_recover(cx, ids);
    } else if (st->n >= 2) {
        ta__sid_skip(cx, TA_SID_PREDICTABLE);
    }
}
