/*
 * sid_remote_stats.c - what the ids a live server handed out look like, from a
 * few thousand of them: the rules mean what they mean for a callback audit
 * (sid_analyze.c, whose entropy estimate, step detector and cache measurement
 * are reused here), with statistics whose thresholds hold at that sample size:
 *
 * - per byte position: a bit whose ones-count is more than 5 standard
 *   deviations off N/2 (about 1 false flag in 7,000 audits of 256 bits), fewer
 *   distinct values than N random bytes give (6 sigma), and, from 1,280 ids
 *   (5 per value), a chi-square far out in its tail;
 * - counters: an 4- or 8-byte window, either byte order, whose consecutive
 *   values (in arrival order, so C parallel connections only shuffle them a
 *   little) differ by a small non-zero step in most pairs;
 * - the hash key (first 4 bytes): the number of values it takes, estimated from
 *   the pairs of ids that share it (birthday estimate: pairs / colliding pairs),
 *   which is right long before every value has been seen.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sid_remote.h"

#define TA__SR_MIN_IDS 32        /* fewer ids than this: no structure checks */
#define TA__SR_COUNTER_STEP 4096 /* the largest step a "counter" may take */
#define TA__SR_CHAIN_LIMIT 8.0   /* sessions per hash key at the cache size */

typedef struct ta__sr_pos {
    unsigned distinct;
    int flagged, constant;
    uint8_t value; /* when constant */
} ta__sr_pos;

static void ta__sr_positions(const ta__sr_ids *ids, unsigned len, size_t n, ta__sr_pos *out)
{
    uint32_t(*hist)[256] = calloc(TA__SID_MAX, sizeof(*hist));
    double N = (double)n, e = N / 256.0;
    double q1 = pow(255.0 / 256.0, N), q2 = pow(254.0 / 256.0, N);
    double ed = 256.0 * (1.0 - q1);
    double vd = 256.0 * q1 * (1.0 - q1) + 256.0 * 255.0 * (q2 - q1 * q1);
    double chi_limit = 255.0 + 8.0 * sqrt(510.0);

    memset(out, 0, sizeof(*out) * TA__SID_MAX);
    if (hist == NULL)
        return;
    for (size_t i = 0, k = 0; i < ids->n; i++) {
        const uint8_t *id = ids->e + i * TA__SR_ENTRY;
        if (id[0] != len)
            continue;
        for (unsigned p = 0; p < len; p++)
            hist[p][id[1 + p]]++;
        k++;
    }
    for (unsigned p = 0; p < len; p++) {
        double chi = 0, ones[8] = {0};
        for (unsigned v = 0; v < 256; v++) {
            uint32_t c = hist[p][v];
            if (c == 0)
                continue;
            out[p].distinct++;
            out[p].value = (uint8_t)v;
            for (unsigned b = 0; b < 8; b++)
                if (v >> b & 1)
                    ones[b] += c;
        }
        for (unsigned v = 0; v < 256; v++)
            chi += ((double)hist[p][v] - e) * ((double)hist[p][v] - e) / e;
        out[p].constant = out[p].distinct == 1;
        for (unsigned b = 0; b < 8; b++)
            if (fabs(ones[b] - N / 2) > 5.0 * sqrt(N / 4))
                out[p].flagged = 1;
        if ((double)out[p].distinct < ed - 6.0 * sqrt(vd) - 1.0)
            out[p].flagged = 1;
        if (n >= 1280 && chi > chi_limit)
            out[p].flagged = 1;
        out[p].flagged |= out[p].constant;
    }
    free(hist);
}

/* Append to out (cap bytes, *used so far), truncating at cap. */
static void ta__sr_cat(char *out, size_t cap, size_t *used, const char *fmt, ...) TA_PRINTF(4, 5);
static void ta__sr_cat(char *out, size_t cap, size_t *used, const char *fmt, ...)
{
    va_list ap;
    if (*used + 1 >= cap)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(out + *used, cap - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used = *used + (size_t)n < cap ? *used + (size_t)n : cap - 1;
}

/* "0-5 constant ("www-18"), 8 biased (12 values)" */
static void ta__sr_positions_text(const ta__sr_pos *pos, unsigned len, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (unsigned p = 0; p < len && used + 48 < cap;) {
        if (!pos[p].flagged) {
            p++;
            continue;
        }
        unsigned q = p;
        while (q + 1 < len && pos[q + 1].flagged && pos[q + 1].constant == pos[p].constant)
            q++;
        ta__sr_cat(out, cap, &used, "%s%u", used ? ", " : "", p);
        if (q > p)
            ta__sr_cat(out, cap, &used, "-%u", q);
        if (pos[p].constant) {
            ta__sr_cat(out, cap, &used, " constant (");
            for (unsigned k = p; k <= q && used + 8 < cap; k++)
                ta__sr_cat(out, cap, &used, "%02x", pos[k].value);
            int text = q - p + 1 >= 2;
            for (unsigned k = p; k <= q; k++)
                text &= pos[k].value >= 0x20 && pos[k].value < 0x7f && pos[k].value != '"'
                        && pos[k].value != '\\';
            if (text && used + (q - p) + 8 < cap) { /* the bytes as text */
                out[used++] = ' ';
                out[used++] = '"';
                for (unsigned k = p; k <= q; k++)
                    out[used++] = (char)pos[k].value;
                out[used++] = '"';
                out[used] = '\0';
            }
            ta__sr_cat(out, cap, &used, ")");
        } else {
            ta__sr_cat(out, cap, &used, " biased (%u", pos[p].distinct);
            for (unsigned k = p + 1; k <= q; k++)
                ta__sr_cat(out, cap, &used, "/%u", pos[k].distinct);
            ta__sr_cat(out, cap, &used, " values)");
        }
        p = q + 1;
    }
}

static uint64_t ta__sr_window(const uint8_t *id, unsigned off, unsigned w, int be)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < w; i++)
        v |= (uint64_t)id[off + (be ? w - 1 - i : i)] << (8 * i);
    return v;
}

/* The first window (widest first) that counts: 1 with where it is. */
static int ta__sr_counter(const ta__sr_ids *ids, unsigned len, char *out, size_t cap)
{
    static const unsigned widths[] = {8, 4};
    for (size_t wi = 0; wi < 2; wi++) {
        unsigned w = widths[wi];
        for (unsigned off = 0; w <= len && off + w <= len; off++)
            for (int be = 0; be < 2; be++) {
                size_t pairs = 0, small = 0;
                uint64_t prev = 0, step = 0, lo = UINT64_MAX, hi = 0;
                int have = 0;
                for (size_t i = 0; i < ids->n; i++) {
                    const uint8_t *id = ids->e + i * TA__SR_ENTRY;
                    if (id[0] != len)
                        continue;
                    uint64_t v = ta__sr_window(id + 1, off, w, be);
                    lo = v < lo ? v : lo;
                    hi = v > hi ? v : hi;
                    if (have) {
                        uint64_t d = v - prev;
                        if (w == 4)
                            d = (uint64_t)(int64_t)(int32_t)(uint32_t)d;
                        uint64_t ad = (int64_t)d < 0 ? (uint64_t)(-(int64_t)d) : d;
                        pairs++;
                        if (ad != 0 && ad <= TA__SR_COUNTER_STEP) {
                            small++;
                            step = ad;
                        }
                    }
                    prev = v;
                    have = 1;
                }
                /* A random low byte under constant ones also moves by small
                 * steps: a counter spans more than one byte's range. */
                if (pairs > 0 && small * 2 >= pairs && hi - lo > 256) {
                    snprintf(out, cap,
                             "bytes %u-%u are a counter (%s-endian: %zu of %zu consecutive ids "
                             "differ by a small step there, e.g. %llu)",
                             off, off + w - 1, be ? "big" : "little", small, pairs,
                             (unsigned long long)step);
                    return 1;
                }
            }
    }
    return 0;
}

static uint32_t ta__sr_key(const uint8_t *e)
{
    uint8_t b[4] = {0, 0, 0, 0};
    memcpy(b, e + 1, e[0] < 4 ? e[0] : 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static int ta__sr_u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* -log10 of P(X >= k) for X ~ Poisson(lambda), k >= 1 (lambda small: the first
 * terms dominate). */
static double ta__sr_poisson_tail_log10(double lambda, double k)
{
    if (lambda <= 0)
        return 300;
    double lp = -lambda + k * log(lambda) - lgamma(k + 1.0);
    return -(lp / log(10.0));
}

/* SID-BUCKET-COLLAPSE: the hash key takes so few values that at the likely cache
 * size S each value holds TA__SR_CHAIN_LIMIT or more sessions. */
static void ta__sr_buckets(ta__sr_cx *cx, const char *label, const ta__sr_ids *ids)
{
    size_t n = ids->n, S = cx->o->bucket_n, distinct = 0;
    uint32_t *keys = malloc(n * sizeof(*keys));
    double same = 0, pairs = (double)n * (double)(n - 1) / 2.0;
    char text[512], measured[320] = "";

    if (keys == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        keys[i] = ta__sr_key(ids->e + i * TA__SR_ENTRY);
    qsort(keys, n, sizeof(*keys), ta__sr_u32_cmp);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i; j < n && keys[j] == keys[i]; j++)
            ;
        same += (double)(j - i) * (double)(j - i - 1) / 2.0;
        distinct++;
    }
    free(keys);
    double lambda = pairs / 4294967296.0; /* colliding pairs among random keys */
    double values = same > 0 ? pairs / same : 4294967296.0;
    double per_key = (double)S / (values < (double)S ? values : (double)S);
    ta__sid_report_cover(cx->r, TA_SID_BUCKET_COLLAPSE, 1);
    if (same < 2 || ta__sr_poisson_tail_log10(lambda, same) < 6 || per_key < TA__SR_CHAIN_LIMIT)
        return;
    /* Evidence: OpenSSL's cache at S sessions, with ids whose first 4 bytes are
     * drawn from the ones observed (random after), against random ids. */
    uint8_t *syn = malloc(S * TA__SR_ENTRY);
    if (syn != NULL) {
        ta_rng rng;
        ta_sid_opts so;
        ta__sid_shared sh;
        ta__sid_set view;
        ta__sid_cx scx;
        ta_sid_opts_default(&so);
        so.bucket_n = S;
        so.seed = cx->o->seed;
        memset(&sh, 0, sizeof(sh));
        memset(&scx, 0, sizeof(scx));
        scx.o = &so;
        scx.sh = &sh;
        scx.env = cx->env;
        ta_rng_init(&rng, cx->o->seed ^ 0x7e57);
        for (size_t i = 0; i < S; i++) {
            uint8_t *e = syn + i * TA__SR_ENTRY;
            const uint8_t *src = ids->e + (ta_rng_next(&rng) % n) * TA__SR_ENTRY;
            e[0] = src[0];
            ta_rng_bytes(&rng, e + 1, TA__SID_MAX);
            memcpy(e + 1, src + 1, src[0] < 4 ? src[0] : 4);
        }
        memset(&view, 0, sizeof(view));
        view.ids = syn;
        view.n = S;
        ta__sid_bucket_measure(&scx, &view, measured, sizeof(measured));
        free(syn);
    }
    snprintf(text, sizeof(text),
             "[%s] the first 4 bytes (all OpenSSL's cache hashes) took %zu distinct values in "
             "%zu ids, where random ids collide in %.3g pairs, not %.0f: about %.0f values in "
             "all, so a cache of %zu sessions (--bucket-n; OpenSSL's default is 20480) holds about "
             "%.0f sessions per hash chain%s",
             label, distinct, n, lambda, same, values, S, per_key, measured);
    ta__sid_report_add(cx->r, TA_SID_BUCKET_COLLAPSE, text);
}

void ta__sr_check_ids(ta__sr_cx *cx, const char *label, const ta__sr_ids *ids)
{
    ta__sid_set seen;
    size_t empty = 0, shorter = 0, dups = 0, len_count[TA__SID_MAX + 1] = {0};
    size_t first_dup = 0, first_of = 0;
    char text[600], where[400], counter[200] = "";

    if (ids->n == 0)
        return;
    if (ta__sid_set_init(&seen, ids->n) != TA_OK)
        return;
    for (size_t i = 0; i < ids->n; i++) {
        const uint8_t *e = ids->e + i * TA__SR_ENTRY;
        len_count[e[0]]++;
        if (e[0] == 0) {
            empty++;
            continue;
        }
        shorter += e[0] < TA__SID_MAX;
        if (ta__sid_set_add(&seen, e + 1, e[0]) == 0 && dups++ == 0) {
            first_dup = i;
            for (first_of = 0; memcmp(ids->e + first_of * TA__SR_ENTRY, e, TA__SR_ENTRY);
                 first_of++)
                ;
        }
    }
    ta__sid_set_free(&seen);
    ta__sid_report_cover(cx->r, TA_SID_DUPLICATE, 1);
    ta__sid_report_cover(cx->r, TA_SID_SHORT_ID, 1);
    if (empty)
        ta__sid_report_note(cx->r,
                            "[%s] %zu of %zu ids were empty: the server keeps those sessions by no "
                            "id (RFC 5246 §7.4.1.3: an empty id is never resumed)",
                            label, empty, ids->n);
    if (dups) {
        const uint8_t *e = ids->e + first_dup * TA__SR_ENTRY;
        char hex[2 * TA__SID_MAX + 1];
        for (unsigned k = 0; k < e[0]; k++)
            snprintf(hex + 2 * k, 3, "%02x", e[1 + k]);
        snprintf(text, sizeof(text),
                 "[%s] %zu of %zu ids were handed out again while the earlier one was live (all "
                 "within this audit, inside any session lifetime): %s at handshakes %zu and %zu",
                 label, dups, ids->n - empty, hex, first_of + 1, first_dup + 1);
        ta__sid_report_add(cx->r, TA_SID_DUPLICATE, text);
    }
    if (shorter) {
        unsigned common = 1;
        for (unsigned l = 1; l < TA__SID_MAX; l++)
            if (len_count[l] > len_count[common])
                common = l;
        snprintf(text, sizeof(text),
                 "[%s] %zu of %zu ids shorter than 32 bytes (most often %u bytes): TLS 1.3 "
                 "stateful tickets only resume with 32-byte ids",
                 label, shorter, ids->n - empty, common);
        ta__sid_report_add(cx->r, TA_SID_SHORT_ID, text);
    }
    /* Structure: the ids of the most common non-empty length. */
    unsigned len = 0;
    for (unsigned l = 1; l <= TA__SID_MAX; l++)
        if (len_count[l] > len_count[len] || len == 0)
            len = len_count[l] ? l : len;
    size_t n = len ? len_count[len] : 0;
    if (n < TA__SR_MIN_IDS) {
        if (ids->n - empty > 0)
            ta__sid_report_note(cx->r,
                                "[%s] only %zu ids of one length: too few for the structure "
                                "checks (SID-BUCKET-COLLAPSE, SID-PREDICTABLE need %d)",
                                label, n, TA__SR_MIN_IDS);
        return;
    }
    ta__sr_ids same = {0};
    ta__sid_stats *st = calloc(1, sizeof(*st));
    ta__sr_pos pos[TA__SID_MAX];
    for (size_t i = 0; i < ids->n; i++) {
        const uint8_t *e = ids->e + i * TA__SR_ENTRY;
        if (e[0] == len && ta__sr_ids_add(&same, e + 1, len) == 0 && st != NULL)
            ta__sid_stats_add(st, e + 1, len);
    }
    if (st == NULL || same.n != n) {
        free(st);
        ta__sr_ids_free(&same);
        return;
    }
    ta__sr_buckets(cx, label, &same);
    ta__sr_positions(&same, len, n, pos);
    ta__sr_positions_text(pos, len, where, sizeof(where));
    int is_counter = ta__sr_counter(&same, len, counter, sizeof(counter));
    double bits = ta__sid_stats_bits(st);
    double steady = (double)st->delta_same / (double)(n - 2);
    ta__sid_report_cover(cx->r, TA_SID_PREDICTABLE, 1);
    if (bits < 64 || steady >= 0.9 || is_counter) {
        snprintf(text, sizeof(text),
                 "[%s] about %.0f bits of entropy across %zu ids of %u bytes (less than 64 means "
                 "an observer can guess the next ids)%s%s%s%s",
                 label, bits, n, len, is_counter ? "; " : "", counter,
                 where[0] ? "; positions " : "", where);
        ta__sid_report_add(cx->r, TA_SID_PREDICTABLE, text);
    } else if (where[0]) {
        ta__sid_report_note(cx->r,
                            "[%s] byte positions %s; the other positions look random (about %.0f "
                            "bits across %zu ids)",
                            label, where, bits, n);
    }
    free(st);
    ta__sr_ids_free(&same);
}
