/*
 * tlsaudit/unstable.h - tlsaudit's own internals for its fuzz targets, tests and tools (not API).
 */
#ifndef TLSAUDIT_UNSTABLE_H
#define TLSAUDIT_UNSTABLE_H

#include "tlsaudit/base.h"
#include "tlsaudit/pair.h"
#include "tlsaudit/sid.h"
#include "tlsaudit/shutdown.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * NOT API. Nothing here is installed as a public header or kept stable: these
 * are the pieces that tlsaudit's own fuzz targets, tests and tools reach into
 * (the seeded generator, the JSON writer, the fuzzers' byte decoder, the
 * shutdown engine's in-process primitives and its oracle, counters of the
 * interposed cache). Include it explicitly; tlsaudit.h does not.
 */
/* ---------------------------------------------------------------- rng */

/* The seeded generator used by ta_env (splitmix64 stream); exposed so that
 * harnesses derive everything else (schedules, threads) from the same seed. */
typedef struct ta_rng {
    uint64_t s;
} ta_rng;
void ta_rng_init(ta_rng *r, uint64_t seed);
uint64_t ta_rng_next(ta_rng *r);
void ta_rng_bytes(ta_rng *r, void *buf, size_t len);
/* Random seed from the OS (for runs without --seed). */
uint64_t ta_rng_os_seed(void);

/* ---------------------------------------------------------------- json */

/* A streaming JSON writer for the reports: commas and nesting are tracked, every
 * string is escaped. Keys and values are written in order:
 *   ta_json_object(&j); ta_json_key(&j, "rule"); ta_json_string(&j, "SID-X"); ...
 */
#define TA_JSON_MAX_DEPTH 16
typedef struct ta_json {
    FILE *out;
    int depth;
    int after_key;
    int count[TA_JSON_MAX_DEPTH];
} ta_json;
void ta_json_init(ta_json *j, FILE *out);
void ta_json_object(ta_json *j);
void ta_json_end_object(ta_json *j); /* a newline follows the outermost one */
void ta_json_array(ta_json *j);
void ta_json_end_array(ta_json *j);
void ta_json_key(ta_json *j, const char *key);
void ta_json_string(ta_json *j, const char *s);
void ta_json_int(ta_json *j, long long v);
void ta_json_double(ta_json *j, double v);
void ta_json_bool(ta_json *j, int v);
void ta_json_null(ta_json *j);
/* Write s as a quoted, escaped JSON string. */
void ta_json_escaped(FILE *out, const char *s);

/* The four keys of a finding ("rule", "severity", "message", "reproducer"),
 * written inside an object the caller opened (so it can add keys of its own). */
void ta_json_finding_fields(ta_json *j, const ta_finding *f);

/* Classification of one OpenSSL I/O result, taken right after the call. */
typedef struct ta_io_result {
    int ret;           /* what the call returned */
    int ssl_error;     /* SSL_get_error(), or SSL_ERROR_NONE when ret > 0 */
    unsigned long err; /* libssl's queued error (else the first one), 0 if none */
    int reason;        /* ERR_GET_REASON(err) */
} ta_io_result;
/* Fill *r from ssl and ret, then clear the error queue. */
void ta_io_classify(SSL *ssl, int ret, ta_io_result *r);

/* Counters of the interposed SSL_has_matching_session_id (for tests of the
 * interposition itself): queries answered since process start. */
uint64_t ta_sid_cache_queries(void);

/* ------------------------------------------------ the oracle */

/* What one run observed (filled by the engine; built by hand in unit tests). */
typedef enum {
    TA_SD_EV_NONE = 0,     /* nothing deciding reached the local side */
    TA_SD_EV_CLOSE_NOTIFY, /* the peer's close_notify was delivered */
    TA_SD_EV_EOF,          /* the transport closed without it */
    TA_SD_EV_CANCEL,       /* the application cancelled */
    TA_SD_EV_FATAL         /* fatal alert, garbage or an unprotected record delivered */
} ta_sd_decider;
typedef struct ta_sd_facts {
    unsigned driver_flags;   /* TA_SD_UNIDIRECTIONAL ... */
    unsigned sched_flags;    /* TA_SD_F_* */
    ta_sd_decider decider;   /* first deciding event delivered before the verdict */
    int handshake_done;      /* the handshake had finished when the driver started */
    int peer_data_before_cn; /* the peer sent application data before its close_notify */
    ta_sd_answer got;        /* final verdict, or TA_SD_PENDING_* at the end */
    int local_cn;            /* a close_notify left the local side */
    int nonalert_after_cn;   /* records other than alerts after it */
    int spin;                /* step calls without new input went past the bound */
    int write_probe;         /* -1 not probed, 1 failed as required, 0 did not */
    char crash[96];          /* isolated run died: how ("" when it did not) */
    int junk_partial;        /* FATAL came from injected bytes that end mid-record:
                                an EOF may legitimately read as a truncation */
    int keyupdate_after_cn;  /* TLS 1.3 handshake records (KeyUpdate) after our
                                close_notify: OpenSSL's own answer, flagged */
    int write_stuck;         /* answered pending-read while bytes it wrote sat in
                                OpenSSL's write buffer (after a WANT_WRITE) */
    int write_blocked;       /* at the end (or when cancelled) its bytes waited in
                                OpenSSL for a transport with no room: it cannot
                                have finished its close_notify */
    int cancel_seen;         /* the application cancelled at some point */
} ta_sd_facts;
typedef struct ta_sd_verdict {
    int pass;
    ta_sd_answer expected; /* the primary expected verdict (PENDING_READ: pending) */
    unsigned accepted;     /* bit (1u << answer) of every acceptable verdict */
    int rule;              /* first violated rule (ta_sd_rule), -1 when pass */
    int flag;              /* a warning rule raised on a pass (SD-IGNORE-EOF), else -1 */
    char detail[256];
} ta_sd_verdict;
/* Expected from the facts: decider CLOSE_NOTIFY -> clean (or sent, unidirectional),
 * EOF -> truncated (never clean), CANCEL -> cancelled, FATAL -> failed, NONE ->
 * still pending (sent for a unidirectional driver), handshake not done -> failed.
 * Plus the always-checks and the exception table (src/shutdown/sd_oracle.c). */
void ta_sd_oracle(const ta_sd_facts *f, ta_sd_verdict *out);

/* Reusable state for many runs: the seeded env and one TA_MODE_PSK context per
 * version (AES-128-GCM, no tickets unless a schedule says +tickets, a keylog
 * callback for forging). Not thread-safe: one engine per thread. */
typedef struct ta_sd_engine ta_sd_engine;
TA_MUST_CHECK ta_status ta_sd_engine_new(const ta_sd_opts *o, ta_sd_engine **out);
void ta_sd_engine_free(ta_sd_engine *e);
/* Run one schedule with the driver IN THIS PROCESS and judge it: the engine's
 * primitive, for fuzz targets and tests that catch crashes themselves. Audits
 * of code under test use ta_sd_matrix / ta_sd_replay / ta_sd_explore, which run
 * every case in a worker child. Harness failures are ta_status errors; findings
 * are results (scenario "schedule", reproducer with --schedule). */
TA_MUST_CHECK ta_status ta_sd_run(ta_sd_engine *e, const ta_sd_driver *d, const ta_sd_schedule *s,
                                  ta_sd_result *out);
/* The same in-process (never isolated), keeping the raw facts (fuzz targets,
 * unit tests); deterministic for a given schedule. out_res may be NULL. */
TA_MUST_CHECK ta_status ta_sd_run_facts(ta_sd_engine *e, const ta_sd_driver *d,
                                        const ta_sd_schedule *s, ta_sd_facts *out_facts,
                                        ta_sd_result *out_res);

/* ------------------------------------------------ the schedule actions */

/*
 * One table of the schedule's actions (src/shutdown/sd_action.c): the parser and
 * printer of schedules, the fuzz decoder and encoder, the exhaustive explorer and
 * the documented list in tlsaudit/shutdown.h all read it (a conformance test
 * checks the header's list against it). The table's order is part of the fuzz
 * byte encoding (an action byte outside the alphabet is an index into it), so a
 * new action goes at the end.
 */
typedef enum {
    TA_SD_ARG_NONE = 0, /* the letter alone: "c" */
    TA_SD_ARG_COUNT,    /* an optional decimal count, or '*' (everything): "<", "<1", "<*" */
    TA_SD_ARG_BYTES     /* hex byte pairs ended by '.': "i15030300020101." */
} ta_sd_arg_kind;
/* Which alphabets an action belongs to, and what it needs. */
#define TA_SD_A_EXHAUSTIVE 0x1u      /* explored by ta_sd_explore */
#define TA_SD_A_EXHAUSTIVE_ALL 0x10u /* explored with the argument '*' as well ("<*") */
#define TA_SD_A_FUZZ_SCHEDULE 0x2u   /* in TA_FUZZ_SD_SCHEDULE */
#define TA_SD_A_FUZZ_RECORDS 0x4u    /* in TA_FUZZ_SD_RECORDS */
#define TA_SD_A_FORGES \
    0x8u           /* forges records in the peer's name (TLS 1.3: the
                                       engine needs the peer's traffic secret) */
struct ta__sd_run; /* one run of the engine (private to src/shutdown) */
typedef struct ta_sd_action_info {
    char op; /* the letter */
    ta_sd_arg_kind arg;
    unsigned flags;      /* TA_SD_A_* */
    const char *meaning; /* one line, as in the list of tlsaudit/shutdown.h */
    /* Performs the action; *changed = 0 when it had no effect (the explorer
     * prunes those). The engine synced the stream and set *changed = 1 before. */
    ta_status (*handler)(struct ta__sd_run *r, const ta_sd_action *a, int *changed);
} ta_sd_action_info;
const ta_sd_action_info *ta_sd_action_table(size_t *out_count);
/* The row of op; NULL for a letter that is no action (and for '\0'). */
const ta_sd_action_info *ta_sd_action_find(char op);
/* The letters of the actions that have `flag` (one TA_SD_A_* bit), in table
 * order ("dcke<>x" for TA_SD_A_EXHAUSTIVE); a static string, "" for any other value. */
const char *ta_sd_action_letters(unsigned flag);

/* ---------------------------------------------------------------- fuzz input */

/*
 * The byte consumer every fuzz target decodes its input with. Reads past the end
 * yield zeros, so every byte string decodes to exactly one structured input and a
 * truncated file is never an error: the fuzzer may hand us anything.
 */
typedef struct ta_fuzz_in {
    const uint8_t *data;
    size_t len, pos;
} ta_fuzz_in;
void ta_fuzz_in_init(ta_fuzz_in *in, const void *data, size_t len);
size_t ta_fuzz_in_left(const ta_fuzz_in *in);
uint8_t ta_fuzz_u8(ta_fuzz_in *in);
uint16_t ta_fuzz_u16(ta_fuzz_in *in); /* big-endian */
uint64_t ta_fuzz_u64(ta_fuzz_in *in); /* big-endian */
/* One byte, reduced to 0..n-1 (n >= 1). */
unsigned ta_fuzz_pick(ta_fuzz_in *in, unsigned n);
/* A length byte (capped at max) then that many bytes, borrowed from the input;
 * fewer when the input ends first. Returns the count, *out points at them. */
size_t ta_fuzz_chunk(ta_fuzz_in *in, size_t max, const uint8_t **out);

/* ---- session-id callback input (fuzz/sid_callback.c)
 *
 * A header (version, offered *id_len, threads, interleave seed), then one event
 * per byte: an answer to the current call's next SSL_has_matching_session_id
 * query, or "next call". So the work an input asks for grows with its length and
 * short inputs stay cheap (libFuzzer starts short and grows them). */
typedef enum {
    TA_FUZZ_CACHE_FREE = 0,  /* SSL_has_matching_session_id: 0 (id free) */
    TA_FUZZ_CACHE_TAKEN,     /* 1 for this query only */
    TA_FUZZ_CACHE_ALL_TAKEN, /* 1 for this and every later query of the call */
    TA_FUZZ_SID_NEXT_CALL,   /* not an answer: the next call starts */
    TA_FUZZ_SID_EVENT_COUNT
} ta_fuzz_sid_event;
#define TA_FUZZ_CACHE_COUNT TA_FUZZ_SID_NEXT_CALL /* the answers */
#define TA_FUZZ_SID_MAX_CALLS 64
#define TA_FUZZ_SID_MAX_EVENTS 192
typedef struct ta_fuzz_sid {
    ta_tls version;                        /* the SSL * handed to the callback */
    unsigned offered_len;                  /* *id_len offered, 1..32 */
    unsigned threads;                      /* 1..4 logical server threads */
    unsigned calls;                        /* 1..64 calls in all: 1 + the NEXT_CALL events */
    uint64_t interleave;                   /* seed: which thread makes each call, the RAND bytes */
    size_t nevents;                        /* answers and call boundaries, in order; a call's */
    uint8_t event[TA_FUZZ_SID_MAX_EVENTS]; /* queries past its answers: FREE */
} ta_fuzz_sid;
void ta_fuzz_sid_decode(const uint8_t *data, size_t len, ta_fuzz_sid *out);
/* Bytes that decode to *in; returns the length needed (may exceed cap). */
size_t ta_fuzz_sid_encode(const ta_fuzz_sid *in, uint8_t *out, size_t cap);
/* Append an event; 0 when it does not fit (events full, or a 65th call). */
int ta_fuzz_sid_push(ta_fuzz_sid *s, ta_fuzz_sid_event e);
void ta_fuzz_sid_print(const ta_fuzz_sid *in, FILE *out);
const char *ta_fuzz_cache_answer_name(unsigned a);

/* ---- shutdown schedules (fuzz/shutdown_schedule.c, fuzz/shutdown_records.c) */
/*
 * Decodes bytes into a ta_sd_schedule (the shutdown engine's own schedule, so a
 * finding prints as the string `tlsaudit shutdown --schedule` replays).
 * Layout: [flags] then actions until the input ends (at most TA_SD_MAX_ACTIONS).
 *   flags:  bit0 TLS 1.3, bit1 local side is the server, bit2 +ignore-eof,
 *           bit3 +in-handshake, bit4 +tickets.
 *   action: one byte, the action's own character when it is in the alphabet,
 *           else an index into it; then one argument byte for a TA_SD_ARG_COUNT
 *           action (d, < and >; 0: the default, 255: "*"), and for the
 *           TA_SD_ARG_BYTES one (i) a length byte and the bytes.
 * TA_FUZZ_SD_SCHEDULE is the alphabet of peer actions, deliveries, cancel and
 * wake-ups; TA_FUZZ_SD_RECORDS adds the injections (raw bytes, garbage, alerts,
 * empty records, fatal alerts) the records target is about. Both are the rows of
 * the action table with TA_SD_A_FUZZ_SCHEDULE / TA_SD_A_FUZZ_RECORDS, in order.
 */
typedef enum { TA_FUZZ_SD_SCHEDULE = 0, TA_FUZZ_SD_RECORDS } ta_fuzz_sd_alphabet;
const char *ta_fuzz_sd_alphabet_chars(ta_fuzz_sd_alphabet a);
void ta_fuzz_sd_decode(const uint8_t *data, size_t len, ta_fuzz_sd_alphabet a, ta_sd_schedule *out);
/* Bytes that decode to *s (actions outside the alphabet are dropped; an argument
 * of 255 that is not "*" becomes 254); returns the length needed. */
size_t ta_fuzz_sd_encode(const ta_sd_schedule *s, ta_fuzz_sd_alphabet a, uint8_t *out, size_t cap);
/* The schedule's string form on one line. */
void ta_fuzz_sd_print(const ta_sd_schedule *s, FILE *out);

/* ---------------------------------------------------------------- the guarded invoker
 * (src/sid/sid_invoke.c), shared by the session-id checks and the sid_callback
 * fuzz target, and the seeded RAND provider (src/core/rng.c). */

#define TA__SID_MAX 32 /* SSL_MAX_SSL_SESSION_ID_LENGTH: what OpenSSL offers */

/* The seeded RAND provider: libctx (NULL: the default one) draws from seed. */
ta_status ta__rand_install(OSSL_LIB_CTX *libctx, uint64_t seed, OSSL_PROVIDER **out_prov);
/* Its process-wide switches (for check children): every instance draws from a
 * stream salted with salt from now on (its reseed counter moves, so chained
 * child DRBGs reseed too); every draw and seed request fails while on. */
void ta__rand_perturb(uint64_t salt);
void ta__rand_set_failing(int on);

typedef struct ta__sid_call {
    int ret;          /* what the callback returned */
    unsigned offered; /* *id_len before */
    unsigned out_len; /* *id_len after */
    uint8_t id[TA__SID_MAX];
    int overflow;          /* 1: a fault in the guard page behind the buffer */
    int overflow_write;    /* 1 write, 0 read, -1 unknown */
    long overflow_offset;  /* fault address - buffer start (>= offered) */
    long underflow_offset; /* < 0: first changed byte before the buffer; 0 none */
} ta__sid_call;

typedef struct ta__sid_guard ta__sid_guard;
/* canary: bytes before the buffer filled and checked (up to a page). */
ta_status ta__sid_guard_new(size_t canary, ta__sid_guard **out);
void ta__sid_guard_free(ta__sid_guard *g);
/* Call cb(ssl, buf, &len) with a buffer of `offered` bytes that ends at a
 * PROT_NONE page. Faults outside the guard pages are left to kill the process. */
void ta__sid_guard_call(ta__sid_guard *g, ta_sid_cb cb, SSL *ssl, unsigned offered,
                        ta__sid_call *out);

/* The per-call contract of SSL_CTX_set_generate_session_id(3) on one guarded
 * call, the one copy the checks and the sid_callback fuzz target share: the
 * rules the call broke, in this order (SID-OVERFLOW or SID-OVERREAD, for a
 * fault on a write or a read past the buffer, ends the list: nothing else of a
 * faulting call is meaningful), and whether OpenSSL would accept the id as
 * a new one (non-zero return, 1 <= length <= offered, no fault). Whether the id
 * had just been reported taken (SID-COLLISION-ACCEPTED) depends on the cache
 * each caller keeps, so it is theirs to check on an accepted id. */
typedef struct ta__sid_breaks {
    unsigned n;
    ta_sid_rule rule[4];
} ta__sid_breaks;
int ta__sid_call_judge(const ta__sid_call *c, ta__sid_breaks *out);

#ifdef __cplusplus
}
#endif
#endif /* TLSAUDIT_UNSTABLE_H */
