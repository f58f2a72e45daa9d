/*
 * fuzz_input.c - the byte consumer the fuzz targets share, and the two
 * structured inputs built on it (session-id callback runs, shutdown plans).
 *
 * Every byte string decodes to exactly one structured input: reads past the end
 * give zeros, every choice is reduced modulo its range. So a fuzzer mutation is
 * never "invalid input", the decoder cannot be the crash, and a crashing input
 * can always be printed back as a readable schedule (ta_fuzz_*_print). The
 * encoders are the exact inverse on canonical values; tools/gen_corpus uses them
 * to turn named scenarios into seeds.
 */
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------ byte consumer */

void ta_fuzz_in_init(ta_fuzz_in *in, const void *data, size_t len)
{
    in->data = data;
    in->len = data != NULL ? len : 0;
    in->pos = 0;
}

size_t ta_fuzz_in_left(const ta_fuzz_in *in)
{
    return in->len - in->pos;
}

uint8_t ta_fuzz_u8(ta_fuzz_in *in)
{
    return in->pos < in->len ? in->data[in->pos++] : 0;
}

uint16_t ta_fuzz_u16(ta_fuzz_in *in)
{
    uint16_t hi = ta_fuzz_u8(in);
    return (uint16_t)((hi << 8) | ta_fuzz_u8(in));
}

uint64_t ta_fuzz_u64(ta_fuzz_in *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | ta_fuzz_u8(in);
    return v;
}

unsigned ta_fuzz_pick(ta_fuzz_in *in, unsigned n)
{
    return n <= 1 ? 0 : ta_fuzz_u8(in) % n;
}

size_t ta_fuzz_chunk(ta_fuzz_in *in, size_t max, const uint8_t **out)
{
    size_t n = ta_fuzz_u8(in);

    if (n > max)
        n = max;
    if (n > ta_fuzz_in_left(in))
        n = ta_fuzz_in_left(in);
    *out = in->data + in->pos;
    in->pos += n;
    return n;
}

/* A tiny writer for the encoders: counts what it cannot store. */
typedef struct ta__fuzz_out {
    uint8_t *buf;
    size_t cap, len;
} ta__fuzz_out;

static void ta__put(ta__fuzz_out *o, uint8_t b)
{
    if (o->len < o->cap)
        o->buf[o->len] = b;
    o->len++;
}

/* ------------------------------------------------------------ session-id input */

/*
 * Layout: [flags] [offered_len-1] [threads/calls] [interleave: 8 bytes]
 *         [answer]...   flags bit0 = TLS 1.3; threads/calls: bits 0-1 threads-1,
 *         bits 2-5 calls-1. One byte per cache answer until the input ends.
 */
static const char *const ta__cache_names[TA_FUZZ_CACHE_COUNT] = {"free", "taken",
                                                                 "all-taken"};

const char *ta_fuzz_cache_answer_name(unsigned a)
{
    return a < TA_FUZZ_CACHE_COUNT ? ta__cache_names[a] : "?";
}

void ta_fuzz_sid_decode(const uint8_t *data, size_t len, ta_fuzz_sid *out)
{
    ta_fuzz_in in;
    unsigned tc;

    memset(out, 0, sizeof(*out));
    ta_fuzz_in_init(&in, data, len);
    out->version = (ta_fuzz_u8(&in) & 1) ? TA_TLS13 : TA_TLS12;
    out->offered_len = 1 + ta_fuzz_u8(&in) % 32;
    tc = ta_fuzz_u8(&in);
    out->threads = 1 + (tc & 3);
    out->calls = 1 + ((tc >> 2) & 15);
    out->interleave = ta_fuzz_u64(&in);
    while (ta_fuzz_in_left(&in) > 0 && out->nanswers < TA_FUZZ_SID_MAX_ANSWERS)
        out->answer[out->nanswers++] = (uint8_t)ta_fuzz_pick(&in, TA_FUZZ_CACHE_COUNT);
}

size_t ta_fuzz_sid_encode(const ta_fuzz_sid *s, uint8_t *buf, size_t cap)
{
    ta__fuzz_out o = {buf, cap, 0};
    unsigned threads = s->threads >= 1 && s->threads <= 4 ? s->threads : 1;
    unsigned calls = s->calls >= 1 && s->calls <= 16 ? s->calls : 1;
    unsigned len = s->offered_len >= 1 && s->offered_len <= 32 ? s->offered_len : 32;

    ta__put(&o, s->version == TA_TLS13 ? 1 : 0);
    ta__put(&o, (uint8_t)(len - 1));
    ta__put(&o, (uint8_t)((threads - 1) | ((calls - 1) << 2)));
    for (int i = 7; i >= 0; i--)
        ta__put(&o, (uint8_t)(s->interleave >> (8 * i)));
    for (size_t i = 0; i < s->nanswers && i < TA_FUZZ_SID_MAX_ANSWERS; i++)
        ta__put(&o, (uint8_t)(s->answer[i] % TA_FUZZ_CACHE_COUNT));
    return o.len;
}

void ta_fuzz_sid_print(const ta_fuzz_sid *s, FILE *out)
{
    fprintf(out, "%s offered=%u threads=%u calls=%u interleave=0x%016llx cache:",
            ta_tls_name(s->version), s->offered_len, s->threads, s->calls,
            (unsigned long long)s->interleave);
    if (s->nanswers == 0)
        fprintf(out, " always-free");
    for (size_t i = 0; i < s->nanswers; i++)
        fprintf(out, "%s%s", i ? "," : " ", ta_fuzz_cache_answer_name(s->answer[i]));
    fputc('\n', out);
}

/* ------------------------------------------------------------ shutdown plans */

/*
 * Layout: [header] then steps until the input ends (at most TA_FUZZ_MAX_STEPS).
 *   header: bit0 TLS 1.3, bit1 server, bits 2-3 mode (3 reads as psk),
 *           bits 4-6 TA_FUZZ_OPT_*.
 *   step:   [op] [arg] and, for INJECT, arg raw bytes. op is reduced modulo the
 *           alphabet (INJECT excluded when with_inject == 0).
 */
static const char *const ta__op_names[TA_FUZZ_OP_COUNT] = {
    "peer-data", "peer-close", "peer-keyupdate", "peer-eof",     "deliver-local",
    "deliver-peer", "local-step", "cancel",     "inject"};

const char *ta_fuzz_op_name(ta_fuzz_op op)
{
    return (unsigned)op < TA_FUZZ_OP_COUNT ? ta__op_names[op] : "?";
}

#define TA__FUZZ_MAX_INJECT 255

void ta_fuzz_plan_decode(const uint8_t *data, size_t len, int with_inject,
                         ta_fuzz_plan *out)
{
    unsigned nops = with_inject ? TA_FUZZ_OP_COUNT : TA_FUZZ_INJECT;
    ta_fuzz_in in;
    uint8_t h;

    memset(out, 0, sizeof(*out));
    ta_fuzz_in_init(&in, data, len);
    h = ta_fuzz_u8(&in);
    out->version = (h & 1) ? TA_TLS13 : TA_TLS12;
    out->role = (h & 2) ? TA_SERVER : TA_CLIENT;
    out->mode = ((h >> 2) & 3) == 3 ? TA_MODE_PSK : (ta_mode)((h >> 2) & 3);
    out->options = (h >> 4) & 7;
    while (ta_fuzz_in_left(&in) > 0 && out->nsteps < TA_FUZZ_MAX_STEPS) {
        ta_fuzz_step *st = &out->step[out->nsteps++];
        st->op = (ta_fuzz_op)ta_fuzz_pick(&in, nops);
        if (st->op == TA_FUZZ_INJECT)
            st->arg = (uint16_t)ta_fuzz_chunk(&in, TA__FUZZ_MAX_INJECT, &st->bytes);
        else
            st->arg = ta_fuzz_u8(&in);
    }
}

size_t ta_fuzz_plan_encode(const ta_fuzz_plan *p, int with_inject, uint8_t *buf,
                           size_t cap)
{
    ta__fuzz_out o = {buf, cap, 0};
    unsigned mode = (unsigned)p->mode < TA_MODE_COUNT ? (unsigned)p->mode : 0;

    ta__put(&o, (uint8_t)((p->version == TA_TLS13 ? 1 : 0) | (p->role == TA_SERVER ? 2 : 0)
                          | (mode << 2) | ((p->options & 7) << 4)));
    for (size_t i = 0; i < p->nsteps && i < TA_FUZZ_MAX_STEPS; i++) {
        const ta_fuzz_step *st = &p->step[i];
        if (st->op == TA_FUZZ_INJECT && !with_inject)
            continue; /* not in this alphabet: dropping it keeps the rest exact */
        ta__put(&o, (uint8_t)st->op);
        if (st->op == TA_FUZZ_INJECT) {
            size_t n = st->arg > TA__FUZZ_MAX_INJECT ? TA__FUZZ_MAX_INJECT : st->arg;
            ta__put(&o, (uint8_t)n);
            for (size_t k = 0; k < n; k++)
                ta__put(&o, st->bytes[k]);
        } else {
            ta__put(&o, (uint8_t)(st->arg > 255 ? 255 : st->arg));
        }
    }
    return o.len;
}

void ta_fuzz_plan_print(const ta_fuzz_plan *p, FILE *out)
{
    static const char *const opt_names[] = {"ignore-eof", "tickets", "data-first"};
    int any = 0;

    fprintf(out, "%s %s %s opts=", ta_tls_name(p->version), ta_role_name(p->role),
            ta_mode_name(p->mode));
    for (unsigned b = 0; b < 3; b++)
        if (p->options & (1u << b))
            fprintf(out, "%s%s", any++ ? "+" : "", opt_names[b]);
    fprintf(out, "%s:", any ? "" : "none");
    for (size_t i = 0; i < p->nsteps; i++) {
        const ta_fuzz_step *st = &p->step[i];
        fprintf(out, "%s %s", i ? "," : "", ta_fuzz_op_name(st->op));
        switch (st->op) {
        case TA_FUZZ_PEER_DATA:
            fprintf(out, " %u", st->arg + 1u);
            break;
        case TA_FUZZ_DELIVER_LOCAL:
        case TA_FUZZ_DELIVER_PEER:
            if (st->arg == 0)
                fprintf(out, " all");
            else
                fprintf(out, " %u", st->arg);
            break;
        case TA_FUZZ_INJECT:
            fprintf(out, " %u:", st->arg);
            for (unsigned k = 0; k < st->arg && k < 16; k++)
                fprintf(out, "%02x", st->bytes[k]);
            if (st->arg > 16)
                fprintf(out, "...");
            break;
        default:
            break;
        }
    }
    if (p->nsteps == 0)
        fprintf(out, " (no steps)");
    fputc('\n', out);
}
