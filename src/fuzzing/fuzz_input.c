/*
 * fuzz_input.c - the byte consumer the fuzz targets share, and the two
 * structured inputs built on it (session-id callback runs, shutdown schedules).
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
 * Layout: [flags] [offered_len-1] [threads-1] [interleave: 8 bytes] [event]...
 *         flags bit0 = TLS 1.3; threads: bits 0-1; one event per byte (byte % 4):
 *         free, taken, all-taken, next call. Decoding stops at the 64th call or
 *         the 192nd event; what follows is ignored.
 */
static const char *const ta__cache_names[TA_FUZZ_SID_EVENT_COUNT] = {"free", "taken", "all-taken",
                                                                     "|"};

const char *ta_fuzz_cache_answer_name(unsigned a)
{
    return a < TA_FUZZ_SID_EVENT_COUNT ? ta__cache_names[a] : "?";
}

int ta_fuzz_sid_push(ta_fuzz_sid *s, ta_fuzz_sid_event e)
{
    if (s->nevents >= TA_FUZZ_SID_MAX_EVENTS
        || (e == TA_FUZZ_SID_NEXT_CALL && s->calls >= TA_FUZZ_SID_MAX_CALLS))
        return 0;
    s->event[s->nevents++] = (uint8_t)(e % TA_FUZZ_SID_EVENT_COUNT);
    s->calls += e == TA_FUZZ_SID_NEXT_CALL;
    return 1;
}

void ta_fuzz_sid_decode(const uint8_t *data, size_t len, ta_fuzz_sid *out)
{
    ta_fuzz_in in;

    memset(out, 0, sizeof(*out));
    ta_fuzz_in_init(&in, data, len);
    out->version = (ta_fuzz_u8(&in) & 1) ? TA_TLS13 : TA_TLS12;
    out->offered_len = 1 + ta_fuzz_u8(&in) % 32;
    out->threads = 1 + (ta_fuzz_u8(&in) & 3);
    out->interleave = ta_fuzz_u64(&in);
    out->calls = 1;
    while (ta_fuzz_in_left(&in) > 0
           && ta_fuzz_sid_push(out, (ta_fuzz_sid_event)(ta_fuzz_u8(&in) % TA_FUZZ_SID_EVENT_COUNT)))
        ;
}

size_t ta_fuzz_sid_encode(const ta_fuzz_sid *s, uint8_t *buf, size_t cap)
{
    ta__fuzz_out o = {buf, cap, 0};
    unsigned threads = s->threads >= 1 && s->threads <= 4 ? s->threads : 1;
    unsigned len = s->offered_len >= 1 && s->offered_len <= 32 ? s->offered_len : 32;

    ta__put(&o, s->version == TA_TLS13 ? 1 : 0);
    ta__put(&o, (uint8_t)(len - 1));
    ta__put(&o, (uint8_t)(threads - 1));
    for (int i = 7; i >= 0; i--)
        ta__put(&o, (uint8_t)(s->interleave >> (8 * i)));
    for (size_t i = 0; i < s->nevents && i < TA_FUZZ_SID_MAX_EVENTS; i++)
        ta__put(&o, (uint8_t)(s->event[i] % TA_FUZZ_SID_EVENT_COUNT));
    return o.len;
}

/* One line; calls are separated by " | ", each shows its scripted answers. */
void ta_fuzz_sid_print(const ta_fuzz_sid *s, FILE *out)
{
    int first = 1;

    fprintf(out, "%s offered=%u threads=%u interleave=0x%016llx calls=%u cache:",
            ta_tls_name(s->version), s->offered_len, s->threads, (unsigned long long)s->interleave,
            s->calls);
    for (size_t i = 0; i <= s->nevents; i++) {
        if (i == s->nevents || s->event[i] == TA_FUZZ_SID_NEXT_CALL) {
            if (first)
                fprintf(out, " free");
            if (i < s->nevents)
                fprintf(out, " |");
            first = 1;
            continue;
        }
        fprintf(out, "%s%s", first ? " " : ",", ta_fuzz_cache_answer_name(s->event[i]));
        first = 0;
    }
    fputc('\n', out);
}

/* ------------------------------------------------------------ shutdown schedules */

/* Each alphabet is the actions of the table (ta_sd_action_table) that carry its
 * flag, in table order: "sdcktrhem<>x!w" and "sdcktrhem<>x!wgazfi" today. The
 * order is the encoding of a byte that is not itself a letter of the alphabet. */
const char *ta_fuzz_sd_alphabet_chars(ta_fuzz_sd_alphabet a)
{
    return ta_sd_action_letters(a == TA_FUZZ_SD_RECORDS ? TA_SD_A_FUZZ_RECORDS
                                                        : TA_SD_A_FUZZ_SCHEDULE);
}

static ta_sd_arg_kind ta__sd_arg_of(char op)
{
    const ta_sd_action_info *info = ta_sd_action_find(op);
    return info != NULL ? info->arg : TA_SD_ARG_NONE;
}

void ta_fuzz_sd_decode(const uint8_t *data, size_t len, ta_fuzz_sd_alphabet a, ta_sd_schedule *out)
{
    const char *ops = ta_fuzz_sd_alphabet_chars(a);
    size_t nops = strlen(ops);
    ta_fuzz_in in;
    uint8_t h;

    memset(out, 0, sizeof(*out));
    ta_fuzz_in_init(&in, data, len);
    h = ta_fuzz_u8(&in);
    out->tls = (h & 1) ? TA_TLS13 : TA_TLS12;
    out->role = (h & 2) ? TA_SERVER : TA_CLIENT;
    out->flags = (h & 4 ? TA_SD_F_IGNORE_EOF : 0) | (h & 8 ? TA_SD_F_IN_HANDSHAKE : 0)
                 | (h & 16 ? TA_SD_F_TICKETS : 0) | (h & 32 ? TA_SD_F_READ_AHEAD : 0)
                 | (h & 64 ? TA_SD_F_SECOND : 0);
    while (ta_fuzz_in_left(&in) > 0 && out->n < TA_SD_MAX_ACTIONS) {
        uint8_t b = ta_fuzz_u8(&in);
        char op = (b != 0 && strchr(ops, b) != NULL) ? (char)b : ops[b % nops];
        uint16_t arg = 0;
        const uint8_t *bytes = NULL;
        size_t n = 0;

        ta_sd_arg_kind kind = ta__sd_arg_of(op);
        if (kind == TA_SD_ARG_COUNT) {
            uint8_t v = ta_fuzz_u8(&in);
            arg = v == 255 ? TA_SD_ALL_BYTES : v;
        } else if (kind == TA_SD_ARG_BYTES) {
            n = ta_fuzz_chunk(&in, TA_SD_POOL_BYTES - out->pool_len, &bytes);
            if (n == 0)
                continue; /* injecting nothing is no action */
        }
        /* Cannot fail: the action count and the pool room were checked above. */
        if (ta_sd_schedule_add(out, op, arg, bytes, n) != TA_OK)
            break;
    }
}

size_t ta_fuzz_sd_encode(const ta_sd_schedule *s, ta_fuzz_sd_alphabet a, uint8_t *buf, size_t cap)
{
    const char *ops = ta_fuzz_sd_alphabet_chars(a);
    ta__fuzz_out o = {buf, cap, 0};

    ta__put(&o, (uint8_t)((s->tls == TA_TLS13 ? 1 : 0) | (s->role == TA_SERVER ? 2 : 0)
                          | (s->flags & TA_SD_F_IGNORE_EOF ? 4 : 0)
                          | (s->flags & TA_SD_F_IN_HANDSHAKE ? 8 : 0)
                          | (s->flags & TA_SD_F_TICKETS ? 16 : 0)
                          | (s->flags & TA_SD_F_READ_AHEAD ? 32 : 0)
                          | (s->flags & TA_SD_F_SECOND ? 64 : 0)));
    for (size_t i = 0; i < s->n && i < TA_SD_MAX_ACTIONS; i++) {
        const ta_sd_action *act = &s->act[i];
        ta_sd_arg_kind kind = ta__sd_arg_of(act->op);
        if (act->op == 0 || strchr(ops, act->op) == NULL)
            continue; /* not in this alphabet */
        if (kind == TA_SD_ARG_BYTES && act->len == 0)
            continue; /* injecting nothing is no action */
        ta__put(&o, (uint8_t)act->op);
        if (kind == TA_SD_ARG_COUNT) {
            ta__put(&o, act->arg == TA_SD_ALL_BYTES ? 255
                        : act->arg > 254            ? 254
                                                    : (uint8_t)act->arg);
        } else if (kind == TA_SD_ARG_BYTES) {
            size_t n = act->len > 255 ? 255 : act->len;
            ta__put(&o, (uint8_t)n);
            for (size_t k = 0; k < n; k++)
                ta__put(&o, s->pool[act->off + k]);
        }
    }
    return o.len;
}

void ta_fuzz_sd_print(const ta_sd_schedule *s, FILE *out)
{
    char line[TA_SD_MAX_ACTIONS * 8 + 2 * TA_SD_POOL_BYTES + 64];

    ta_sd_schedule_format(s, line, sizeof(line));
    fprintf(out, "%s\n", line);
}
