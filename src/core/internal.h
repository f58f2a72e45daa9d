/*
 * internal.h - helpers shared inside src/ only (not installed).
 * Names with a double underscore (ta__) are internal.
 */
#ifndef TA_INTERNAL_H
#define TA_INTERNAL_H

#include <time.h>

#include "tlsaudit.h"
#include "tlsaudit/unstable.h" /* the library sees its own internals */

/* Record an error in the thread's last-error record and return code.
 * with_ossl: copy (and clear) the OpenSSL error queue into the record. */
int ta__error_set(int code, int with_ossl, const char *file, int line, const char *fmt, ...)
    TA_PRINTF(5, 6);

/* Strip the build directory from __FILE__ so records say "src/pair.c". */
#define TA__FILE (__FILE__)

/* Fail the current function with code and a message. */
#define TA_BAIL(code, ...) return ta__error_set((code), 0, TA__FILE, __LINE__, __VA_ARGS__)

/* Fail with TA_E_OSSL, recording OpenSSL's queued error. */
#define TA_BAIL_OSSL(...) return ta__error_set(TA_E_OSSL, 1, TA__FILE, __LINE__, __VA_ARGS__)

/* Fail unless cond holds. */
#define TA_ENSURE(cond, code, ...)        \
    do {                                  \
        if (!(cond))                      \
            TA_BAIL((code), __VA_ARGS__); \
    } while (0)

/* Propagate a failed ta_status unchanged (the record is already set). */
#define TA_GUARD(expr)            \
    do {                          \
        ta_status ta__s = (expr); \
        if (ta__s != TA_OK)       \
            return ta__s;         \
    } while (0)

/* OpenSSL's "1 (or >0) is success" calls, e.g. TA_GUARD_OSSL(SSL_CTX_use_cert(...)). */
#define TA_GUARD_OSSL(expr, ...)       \
    do {                               \
        if ((expr) <= 0)               \
            TA_BAIL_OSSL(__VA_ARGS__); \
    } while (0)

/* OpenSSL's pointer-returning calls. */
#define TA_GUARD_PTR(expr, ...)        \
    do {                               \
        if ((expr) == NULL)            \
            TA_BAIL_OSSL(__VA_ARGS__); \
    } while (0)

/* Seconds on a clock: CLOCK_MONOTONIC (deadlines, budgets and figures: ta__mono_s)
 * or a CPU-time clock (CLOCK_THREAD_CPUTIME_ID: what load cannot add to). */
static inline double ta__clock_s(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double ta__mono_s(void)
{
    return ta__clock_s(CLOCK_MONOTONIC);
}

/* Write s escaped for XML and HTML text and attribute values (report/report.c):
 * the five markup characters as entities, other control bytes as '?'. */
void ta__xml_text(FILE *out, const char *s);

/* Growable byte buffer. */
typedef struct ta__buf {
    uint8_t *data;
    size_t len, cap;
} ta__buf;
ta_status ta__buf_append(ta__buf *b, const void *src, size_t n);
void ta__buf_consume(ta__buf *b, size_t n); /* drop n bytes from the front */
void ta__buf_free(ta__buf *b);

/* TLS records on the wire (RFC 8446 §5.1, RFC 5246 §6.2.1): a 5-byte header,
 * type(1) legacy_record_version(2) length(2), then `length` bytes. Every record
 * this engine writes or forges carries TLS1_2_VERSION, as OpenSSL's do once the
 * handshake is done (RFC 8446 §5.1: 0x0303 for all records but the first). */
#define TA__REC_HEADER 5
/* The header bytes as an initializer list: {TA__REC_HEADER_BYTES(SSL3_RT_ALERT, 2), ...}. */
#define TA__REC_HEADER_BYTES(type, len) \
    (type), TLS1_2_VERSION >> 8, TLS1_2_VERSION & 0xff, ((len) >> 8) & 0xff, (len)&0xff
/* The length field of the header at h (TA__REC_HEADER bytes readable). */
static inline size_t ta__rec_body_len(const uint8_t *h)
{
    return ((size_t)h[3] << 8) | h[4];
}
/* The whole record's size on the wire, header included. */
static inline size_t ta__rec_len(const uint8_t *h)
{
    return TA__REC_HEADER + ta__rec_body_len(h);
}
/* Write a header of `type` announcing body_len bytes (at most 0xffff). */
static inline void ta__rec_put_header(uint8_t *h, uint8_t type, size_t body_len)
{
    h[0] = type;
    h[1] = TLS1_2_VERSION >> 8;
    h[2] = TLS1_2_VERSION & 0xff;
    h[3] = (uint8_t)(body_len >> 8);
    h[4] = (uint8_t)body_len;
}

/* Where the code under test lives: learnt where it is loaded (a child, see
 * runner.h), carried to the reports (report_subjects.c). */
typedef struct ta__location {
    char object[512];     /* "" when unknown */
    unsigned long offset; /* of the symbol in the object */
    char symbol[128];
} ta__location;
/* ta_subject_locate for code that is not in this process. */
void ta__subject_locate_at(ta_subject_report *s, const ta__location *loc);
/* The location an audit recorded (never NULL; object "" when unknown). */
const ta__location *ta__sid_report_location(const ta_sid_report *r);
const ta__location *ta__sd_report_location(const ta_sd_report *r);


/* Shutdown engine internals shared by src/shutdown/. */
ta_status ta__sd_report_new(const char *driver, ta_sd_report **out);
/* The report's subject is a live endpoint (its terminal header says so). */
void ta__sd_report_live(ta_sd_report *r);
ta_status ta__sd_report_add(ta_sd_report *r, const ta_sd_result *res);
void ta__sd_report_explore(ta_sd_report *r, const ta_sd_explore_stats *st, unsigned depth);
void ta__sd_report_locate(ta_sd_report *r, const ta__location *loc);
/* Name a case's result (name, scenario, reproducer) after it ran. */
void ta__sd_name_result(const ta_sd_opts *o, const char *driver, const char *scenario,
                        ta_sd_result *out);
/* Warm an engine up before workers are forked from it (sd_run.c). */
void ta__sd_engine_warm(ta_sd_engine *e);
/* What the explorer asks of a run besides its facts (sd_explore.c): in, its
 * tokens and horizon; out, a hash of the end state (the state key), the number of actions
 * that changed nothing, which tokens would change nothing next, and which, as the
 * last action, could not change the verdict. */
typedef struct ta__sd_probe {
    const ta_sd_action *tok;
    size_t ntok; /* at most 64 */
    uint64_t sig;
    size_t noops;
    uint64_t idle;
    uint64_t silent; /* tokens that, run last, could not change the verdict (sd_idle.c) */
    uint64_t twin;   /* tokens that would replay an earlier token's run (sd_idle.c) */
    /* In: records queued towards local past the delivery point that the rest of
     * the search can still deliver (SIZE_MAX: all); the state key describes no
     * more of the queue than that (sd_run.c, ta__sd_signature_abstract). */
    size_t horizon;
} ta__sd_probe;
ta_status ta__sd_run_sig(ta_sd_engine *e, const ta_sd_driver *d, const ta_sd_schedule *s,
                         ta_sd_facts *f, ta_sd_result *res, ta__sd_probe *probe);
/* An authentic record of `type` in the peer's name (sd_forge.c); 0 when its keys
 * or sequence number cannot be known. */
void ta__sd_forge_warm(void);
int ta__sd_forge(SSL *peer, int peer_is_server, ta_tls v, const char *secret_hex,
                 const uint8_t *transcript, size_t tlen, uint8_t type, const uint8_t *content,
                 size_t clen, uint64_t seq_shift, uint8_t *out, size_t cap, size_t *out_len);

/* The env's key material slots (env.c), filled by keys.c. */
EVP_PKEY **ta__env_key_slot(ta_env *env);
X509 **ta__env_cert_slot(ta_env *env);

#endif
