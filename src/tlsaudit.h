/*
 * tlsaudit.h - the one public header of libtlsaudit.
 *
 * tlsaudit audits two places where OpenSSL-based TLS code quietly goes wrong:
 * session-id generator callbacks (SSL_CTX_set_generate_session_id) and shutdown
 * procedures (SSL_shutdown and what surrounds it). Everything runs against real
 * OpenSSL endpoints joined by memory BIOs whose transport the harness controls.
 *
 * ERROR CONVENTION (all of src/ follows it)
 * -----------------------------------------
 * Every fallible function returns ta_status: TA_OK (0) on success or a negative
 * TA_E_* code. The compiler warns when the result is ignored (TA_MUST_CHECK).
 * On failure the calling thread's last-error record (ta_last_error()) holds the
 * code, a message, the src/ file and line where the failure arose and, when an
 * OpenSSL call failed, OpenSSL's packed error and reason string. The OpenSSL error
 * queue is cleared once it has been copied into the record, so a stale entry can
 * never be mistaken for the result of a later call.
 * Constructors return their object through an out_ parameter; every _free(NULL)
 * is a no-op.
 */
#ifndef TLSAUDIT_H
#define TLSAUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <openssl/ssl.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TA_VERSION_STRING "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define TA_MUST_CHECK __attribute__((warn_unused_result))
#define TA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TA_MUST_CHECK
#define TA_PRINTF(f, a)
#endif

/* ---------------------------------------------------------------- errors */

/* X(name, value, text): the one table of error codes. */
#define TA_ERROR_TABLE(X)                                                   \
    X(TA_E_ARG, -1, "invalid argument")                                     \
    X(TA_E_NOMEM, -2, "out of memory")                                      \
    X(TA_E_OSSL, -3, "OpenSSL call failed")                                 \
    X(TA_E_BOUND, -4, "step bound reached before completion")               \
    X(TA_E_STATE, -5, "operation not valid in this state")                  \
    X(TA_E_IO, -6, "input/output error")                                    \
    X(TA_E_LOAD, -7, "could not load code under test")                      \
    X(TA_E_PARSE, -8, "malformed input")                                    \
    X(TA_E_CHILD, -9, "isolated child process failed")                      \
    X(TA_E_CLOSED, -10, "transport direction is closed")

typedef int ta_status;
enum {
    TA_OK = 0,
#define TA__ENUM(name, value, text) name = value,
    TA_ERROR_TABLE(TA__ENUM)
#undef TA__ENUM
};

typedef struct ta_error {
    int code;               /* TA_OK when no error was recorded */
    char message[256];
    const char *file;       /* src/ file where the error arose */
    int line;
    unsigned long ossl_err; /* ERR_get_error() packed code, 0 if none */
    char ossl_reason[160];  /* ERR_reason_error_string() or "" */
} ta_error;

/* The calling thread's last error. Never NULL. */
const ta_error *ta_last_error(void);
/* Name ("TA_E_BOUND") and text of a code. */
const char *ta_error_name(int code);
const char *ta_error_text(int code);
/* "file:line: message (OpenSSL: reason)" of the last error into buf. */
const char *ta_error_format(char *buf, size_t len);
void ta_error_clear(void);

/* ---------------------------------------------------------------- environment */

/*
 * A ta_env is the OpenSSL library context every other object is made in.
 * seed == NULL: the default library context and OpenSSL's real randomness.
 * seed != NULL: a private library context whose only random source is a seeded
 * generator (a provider of ours, "ta-seeded"): the same seed gives byte-identical
 * transcripts for configurations that do not embed the time (session tickets carry
 * the issue time in seconds). NOT random in any security sense: tests only.
 */
typedef struct ta_env ta_env;
TA_MUST_CHECK ta_status ta_env_new(const uint64_t *seed, ta_env **out_env);
void ta_env_free(ta_env *env);
OSSL_LIB_CTX *ta_env_libctx(const ta_env *env); /* NULL means default */
int ta_env_is_seeded(const ta_env *env);

/* ---------------------------------------------------------------- contexts */

typedef enum { TA_TLS12 = 0, TA_TLS13 = 1, TA_TLS_COUNT } ta_tls;
typedef enum {
    TA_MODE_CERT = 0,  /* ECDSA P-256 key + self-signed cert made in memory */
    TA_MODE_PSK,       /* pre-shared key, no certificate */
    TA_MODE_RESUME,    /* full handshake once, then every pair resumes */
    TA_MODE_COUNT
} ta_mode;
typedef enum { TA_CLIENT = 0, TA_SERVER = 1, TA_ROLE_COUNT } ta_role;

const char *ta_tls_name(ta_tls v);   /* "tls12", "tls13" */
const char *ta_mode_name(ta_mode m); /* "cert", "psk", "resume" */
const char *ta_role_name(ta_role r); /* "client", "server" */
int ta_tls_from_name(const char *name);   /* -1 if unknown */
int ta_mode_from_name(const char *name);  /* -1 if unknown */
int ta_role_from_name(const char *name);  /* -1 if unknown */

/* Options for ta_ctx_new; zero-initialise and set what you need. */
typedef struct ta_ctx_opts {
    uint64_t server_options;  /* extra SSL_OP_* for the server SSL_CTX */
    uint64_t client_options;  /* extra SSL_OP_* for the client SSL_CTX */
    int num_tickets;          /* TLS 1.3 tickets per handshake; <0: OpenSSL default */
    int server_cache_off;     /* 1: SSL_SESS_CACHE_OFF on the server */
} ta_ctx_opts;

/* A server and a client SSL_CTX for one version and mode. */
typedef struct ta_ctx ta_ctx;
TA_MUST_CHECK ta_status ta_ctx_new(ta_env *env, ta_tls version, ta_mode mode,
                                   const ta_ctx_opts *opts, ta_ctx **out_ctx);
void ta_ctx_free(ta_ctx *ctx);
SSL_CTX *ta_ctx_server(ta_ctx *ctx);
SSL_CTX *ta_ctx_client(ta_ctx *ctx);
ta_tls ta_ctx_version(const ta_ctx *ctx);
ta_mode ta_ctx_mode(const ta_ctx *ctx);
ta_env *ta_ctx_env(const ta_ctx *ctx);

/* ---------------------------------------------------------------- the pair */

/*
 * A ta_pair is a client SSL and a server SSL joined by two one-way byte queues.
 * Direction TA_C2S carries what the client wrote to the server, TA_S2C the
 * reverse. Bytes a side writes are captured at once (transcript and record view)
 * but reach the other side only when the harness delivers them.
 */
typedef enum { TA_C2S = 0, TA_S2C = 1 } ta_dir;
#define TA_ALL ((size_t)-1)

typedef struct ta_pair ta_pair;
TA_MUST_CHECK ta_status ta_pair_new(ta_ctx *ctx, ta_pair **out_pair);
void ta_pair_free(ta_pair *p);
SSL *ta_pair_ssl(ta_pair *p, ta_role side);
ta_ctx *ta_pair_ctx(ta_pair *p);
/* The direction in which `side` sends. */
ta_dir ta_dir_from(ta_role side);

/* Move whatever the sender has written into the direction's queue (also done
 * by every call below); returns the number of bytes queued. */
size_t ta_pair_collect(ta_pair *p, ta_dir d);
/* Bytes waiting in the queue of direction d (not yet delivered). */
size_t ta_pair_pending(ta_pair *p, ta_dir d);
/* Deliver up to n bytes (TA_ALL: everything); *out_n (may be NULL) gets the count. */
TA_MUST_CHECK ta_status ta_pair_deliver(ta_pair *p, ta_dir d, size_t n, size_t *out_n);
/* Deliver exactly the next whole TLS record, if one is complete in the queue;
 * *out_n = 0 when none is. */
TA_MUST_CHECK ta_status ta_pair_deliver_record(ta_pair *p, ta_dir d, size_t *out_n);
/* Close direction d: undelivered bytes are dropped, and once the receiver has
 * read what it was given it sees EOF without close_notify. */
TA_MUST_CHECK ta_status ta_pair_close(ta_pair *p, ta_dir d);
int ta_pair_is_closed(ta_pair *p, ta_dir d);
/* Append arbitrary bytes to the queue of direction d (they are delivered like
 * the sender's own, but are not part of its record view). */
TA_MUST_CHECK ta_status ta_pair_inject(ta_pair *p, ta_dir d, const void *buf, size_t len);

/* Every byte the sender of direction d wrote, in order (injected bytes excluded). */
const uint8_t *ta_pair_transcript(ta_pair *p, ta_dir d, size_t *out_len);

/* Record view: one entry per TLS record the sender of d wrote, from OpenSSL's
 * message callback, so TLS 1.3 records show their inner content type. */
typedef enum {
    TA_REC_HANDSHAKE,
    TA_REC_CCS,
    TA_REC_APPDATA,
    TA_REC_CLOSE_NOTIFY,
    TA_REC_ALERT,        /* any alert other than close_notify */
    TA_REC_OTHER
} ta_rec_kind;
typedef struct ta_record {
    uint8_t outer_type;  /* content type on the wire (23 for all TLS 1.3 protected) */
    uint8_t inner_type;  /* real content type (== outer_type without protection) */
    uint16_t length;     /* record length on the wire, header excluded */
    uint8_t alert_level; /* for alerts */
    uint8_t alert_desc;
    ta_rec_kind kind;
} ta_record;
const ta_record *ta_pair_records(ta_pair *p, ta_dir d, size_t *out_count);
const char *ta_rec_kind_name(ta_rec_kind k);

/* ---------------------------------------------------------------- bounded pumps */

/*
 * Pumps call OpenSSL and deliver everything in both directions between calls,
 * for at most max_steps rounds. At the bound they return TA_E_BOUND and say which
 * operation did not finish; they never loop for ever. The OpenSSL error queue is
 * cleared before every call whose result they classify.
 */
#define TA_DEFAULT_STEPS 64
TA_MUST_CHECK ta_status ta_pair_handshake(ta_pair *p, int max_steps);
TA_MUST_CHECK ta_status ta_pair_write(ta_pair *p, ta_role side, const void *buf,
                                      size_t len, int max_steps);
/* Read up to cap bytes; *out_n gets the count (0 with TA_OK: close_notify seen). */
TA_MUST_CHECK ta_status ta_pair_read(ta_pair *p, ta_role side, void *buf, size_t cap,
                                     size_t *out_n, int max_steps);
/* Bidirectional shutdown of `side`: SSL_shutdown until it returns 1, the peer
 * answering with its own SSL_shutdown. */
TA_MUST_CHECK ta_status ta_pair_shutdown(ta_pair *p, ta_role side, int max_steps);

/* Classification of one OpenSSL I/O result, taken right after the call. */
typedef struct ta_io_result {
    int ret;              /* what the call returned */
    int ssl_error;        /* SSL_get_error(), or SSL_ERROR_NONE when ret > 0 */
    unsigned long err;    /* first queued OpenSSL error, 0 if none */
    int reason;           /* ERR_GET_REASON(err) */
} ta_io_result;
/* Fill *r from ssl and ret, then clear the error queue. */
void ta_io_classify(SSL *ssl, int ret, ta_io_result *r);

/* Saved session of a TA_MODE_RESUME context (NULL before the first handshake). */
SSL_SESSION *ta_ctx_session(ta_ctx *ctx);

/* ---------------------------------------------------------------- keys */

/* The one copy of test key material: an EC P-256 key and a self-signed
 * certificate (CN=tlsaudit.test, fixed validity 2020..2099), made in memory in
 * the env's library context; deterministic when the env is seeded. */
TA_MUST_CHECK ta_status ta_keys_make(ta_env *env, EVP_PKEY **out_key, X509 **out_cert);
/* The fixed PSK identity and key used by TA_MODE_PSK. */
extern const char ta_psk_identity[];
extern const unsigned char ta_psk_key[32];

/* ---------------------------------------------------------------- rng */

/* The seeded generator used by ta_env (splitmix64 stream); exposed so that
 * harnesses derive everything else (schedules, threads) from the same seed. */
typedef struct ta_rng { uint64_t s; } ta_rng;
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

/* ---------------------------------------------------------------- findings */

/* What every audit reports: a rule id (part of the interface: reports, docs and
 * baselines use it), a severity, the audited subject, a message and the command
 * line that reproduces the finding alone. */
typedef enum { TA_SEV_INFO = 0, TA_SEV_WARNING, TA_SEV_ERROR } ta_severity;
const char *ta_severity_name(ta_severity s); /* "info", "warning", "error" */

typedef struct ta_finding {
    char rule[48];
    ta_severity severity;
    char subject[160];
    char message[512];
    char reproducer[512];
} ta_finding;

/* ---------------------------------------------------------------- reports (issue 6) */

/* A rule as the reports describe it (SARIF reportingDescriptor). */
typedef struct ta_rule_info {
    const char *id;       /* "SID-OVERFLOW" */
    ta_severity severity; /* default level */
    const char *summary;  /* one line */
    const char *source;   /* the requirement: "RFC 8446 §6.1", a man page, ... */
} ta_rule_info;

/* One check run against a subject: a JUnit testcase. */
typedef enum { TA_CHECK_PASS = 0, TA_CHECK_FAIL, TA_CHECK_SKIP } ta_check_outcome;
typedef struct ta_check {
    char name[160];       /* a rule id or a case name (tls13/client/peer-eof/drain) */
    ta_check_outcome outcome;
    char message[512];
    char reproducer[512];
} ta_check;

/* Everything one audit found about one subject (a callback, a driver). */
typedef struct ta_subject_report {
    const char *kind;      /* "sid", "shutdown" */
    char name[160];        /* "builtin:www-18", "lib:./cb.so:my_gen" */
    char symbol[128];      /* where the code under test lives, when known */
    char object[512];
    char source_file[512]; /* from debug info, "" when unknown */
    int source_line;
    ta_check *checks;
    size_t nchecks;
    ta_finding *findings;
    size_t nfindings;
} ta_subject_report;

/* JUnit XML: a testsuite per subject, a testcase per check, failures carry the
 * message and the reproducer. */
void ta_report_junit(FILE *out, const ta_subject_report *subjects, size_t n);
/* SARIF 2.1.0: a rule per rule id, a result per finding, located at the
 * subject's symbol and object file (and source line when known). */
void ta_report_sarif(FILE *out, const ta_subject_report *subjects, size_t n,
                     const ta_rule_info *rules, size_t nrules);

/* ---------------------------------------------------------------- session-id auditor (issue 3) */

/*
 * Audits a session-id generator (SSL_CTX_set_generate_session_id) against the
 * contract of OpenSSL's man page (SSL_CTX_set_generate_session_id(3)): write at
 * most *id_len bytes, never increase *id_len, return 1 on success and 0 when no
 * unique id can be made, consult SSL_has_matching_session_id() and retry on a
 * conflict. Every check runs in a child process with a stall timeout, so a crash
 * or an endless loop of the code under test is a finding, never the end of the run.
 *
 * libtlsaudit defines SSL_has_matching_session_id() itself (src/sid_cache.c):
 * code linked into the program binds to it at link time (a definition in an
 * object file wins over libssl.so's), and a dlopen'd shared object binds to it
 * because every program linking tlsaudit_lib exports that one symbol
 * (--export-dynamic-symbol, src/CMakeLists.txt). Outside an audit it forwards to
 * OpenSSL's (dlsym(RTLD_NEXT)).
 */
typedef int (*ta_sid_cb)(SSL *ssl, unsigned char *id, unsigned int *id_len);

/* X(enum, id, severity, help): the one table of rules (reports, docs, `list`). */
#define TA_SID_RULE_TABLE(X)                                                              \
    X(TA_SID_OVERFLOW, "SID-OVERFLOW", TA_SEV_ERROR,                                      \
      "a byte written past the offered *id_len (every offered length 1..32)")            \
    X(TA_SID_UNDERFLOW, "SID-UNDERFLOW", TA_SEV_ERROR, "a byte written before the id buffer") \
    X(TA_SID_LEN_GROWN, "SID-LEN-GROWN", TA_SEV_ERROR, "*id_len returned larger than offered") \
    X(TA_SID_LEN_ZERO, "SID-LEN-ZERO", TA_SEV_ERROR, "success returned with *id_len == 0")  \
    X(TA_SID_RETURN_VALUE, "SID-RETURN-VALUE", TA_SEV_ERROR,                              \
      "a return other than 0 or 1 (OpenSSL reads any non-zero, even -1, as success)")     \
    X(TA_SID_DUPLICATE, "SID-DUPLICATE", TA_SEV_ERROR,                                    \
      "an id returned again while the earlier one is still live")                        \
    X(TA_SID_DUPLICATE_CONCURRENT, "SID-DUPLICATE-CONCURRENT", TA_SEV_ERROR,              \
      "duplicates that appear only when several threads call at once (OpenSSL holds no lock)") \
    X(TA_SID_COLLISION_ACCEPTED, "SID-COLLISION-ACCEPTED", TA_SEV_ERROR,                  \
      "success returned with an id SSL_has_matching_session_id had just reported taken")  \
    X(TA_SID_NO_TERMINATION, "SID-NO-TERMINATION", TA_SEV_ERROR,                          \
      "no return within the timeout (e.g. while every id is reported taken)")            \
    X(TA_SID_CRASH, "SID-CRASH", TA_SEV_ERROR, "the callback died (signal, abort, exit)") \
    X(TA_SID_HANDSHAKE, "SID-HANDSHAKE", TA_SEV_ERROR,                                    \
      "real handshakes fail in a configuration where the callback runs")                 \
    X(TA_SID_NO_CACHE_CHECK, "SID-NO-CACHE-CHECK", TA_SEV_WARNING,                        \
      "never consults SSL_has_matching_session_id")                                      \
    X(TA_SID_PREDICTABLE, "SID-PREDICTABLE", TA_SEV_WARNING,                              \
      "ids guessable from earlier ones (counters, constants, little entropy)")           \
    X(TA_SID_BUCKET_COLLAPSE, "SID-BUCKET-COLLAPSE", TA_SEV_WARNING,                      \
      "the first 4 bytes never vary: OpenSSL's cache keeps every session in one chain")   \
    X(TA_SID_SHORT_ID, "SID-SHORT-ID", TA_SEV_WARNING,                                    \
      "ids shorter than 32 bytes: TLS 1.3 stateful tickets never resume")                \
    X(TA_SID_NEVER_CALLED, "SID-NEVER-CALLED", TA_SEV_INFO,                               \
      "an end-to-end configuration in which OpenSSL never calls the callback")

typedef enum {
#define TA__SID_ENUM(e, id, sev, help) e,
    TA_SID_RULE_TABLE(TA__SID_ENUM)
#undef TA__SID_ENUM
    TA_SID_RULE_COUNT
} ta_sid_rule;

typedef struct ta_sid_rule_info {
    const char *id;       /* "SID-OVERFLOW" */
    ta_severity severity;
    const char *help;     /* one line */
} ta_sid_rule_info;
/* The rule table in table order (count TA_SID_RULE_COUNT). */
const ta_sid_rule_info *ta_sid_rule_table(size_t *out_count);
/* Rule ids only, in table order. */
const char *const *ta_sid_rules(size_t *out_count);
/* Index of a rule id ("SID-DUPLICATE"), -1 if unknown. */
int ta_sid_rule_from_name(const char *id);
/* Parse "SID-A,SID-B" into a bit mask (1u << rule); TA_E_PARSE on an unknown id. */
TA_MUST_CHECK ta_status ta_sid_rules_parse(const char *list, uint32_t *out_mask);

/* The built-in catalog (src/sid_catalog.c). expected_rules lists the error and
 * warning rules the audit must report ("" for the correct ones); the info rule
 * SID-NEVER-CALLED is reported for every callback (TLS 1.2 with tickets). */
typedef struct ta_sid_builtin {
    const char *name;
    const char *summary;
    ta_sid_cb cb;
    const char *expected_rules;
} ta_sid_builtin;
const ta_sid_builtin *ta_sid_catalog(size_t *out_count);
const ta_sid_builtin *ta_sid_builtin_find(const char *name); /* NULL if unknown */

typedef struct ta_sid_opts {
    size_t ids;          /* direct calls in the uniqueness and threads checks */
    unsigned threads;    /* concurrent callers in the threads check */
    uint64_t seed;       /* drives our choices and the seeded TLS environment */
    double timeout_s;    /* a check making no progress for this long is a hang */
    double budget_s;     /* hard cap per check; past it the check is incomplete */
    uint32_t only;       /* rules to report, bit (1u << rule); 0: all */
    int strict;          /* warnings fail the verdict too */
    int handshakes;      /* full handshakes per end-to-end configuration */
    size_t bucket_n;     /* cached sessions for the SID-BUCKET-COLLAPSE measurement */
    const char *target;  /* CLI form of the subject for reproducers
                            ("--builtin NAME", "--lib F --symbol S"); NULL: --builtin subject */
    /* Called in the parent about every 100 ms while a check runs (may be NULL). */
    void (*progress)(void *arg, const char *check, uint64_t calls, uint64_t planned);
    void *progress_arg;
} ta_sid_opts;
/* CLI defaults: 200,000 ids, 8 threads, seed 1, timeout 2 s, 8 handshakes. */
void ta_sid_opts_default(ta_sid_opts *o);

/* Per-rule outcome of one audit. */
typedef enum {
    TA_SID_NOT_RUN = 0, /* filtered out by `only`, or nothing could evaluate it */
    TA_SID_PASS,        /* evaluated, no finding */
    TA_SID_FOUND,       /* at least one finding */
    TA_SID_INCOMPLETE   /* the check that evaluates it was cut short */
} ta_sid_result;
const char *ta_sid_result_name(ta_sid_result r); /* "not-run", "pass", "found", "incomplete" */

typedef struct ta_sid_report ta_sid_report;
/* Audit cb. Fails only on harness errors (fork, memory); findings are results. */
TA_MUST_CHECK ta_status ta_sid_audit(const char *subject, ta_sid_cb cb, const ta_sid_opts *o,
                                     ta_sid_report **out_report);
const char *ta_sid_report_subject(const ta_sid_report *r);
/* One finding per rule found (evidence from several checks merged), table order. */
size_t ta_sid_report_findings(const ta_sid_report *r, const ta_finding **out);
ta_sid_result ta_sid_report_rule(const ta_sid_report *r, ta_sid_rule rule);
/* 1 when an error was found (or a warning under strict). */
int ta_sid_report_failed(const ta_sid_report *r);
/* Harness notes (checks cut short by the budget, ...); NULL past the end. */
const char *ta_sid_report_note(const ta_sid_report *r, size_t i);
/* {"subject", "verdict": "pass"|"fail", "findings": [{"rule", "severity", "message",
 *  "reproducer"}], "rules": {"SID-...": "pass"|"found"|...}} */
void ta_sid_report_json(const ta_sid_report *r, FILE *out);
/* Human-readable table of the findings. */
void ta_sid_report_print(const ta_sid_report *r, FILE *out);
void ta_sid_report_free(ta_sid_report *r);

/* Counters of the interposed SSL_has_matching_session_id (for tests of the
 * interposition itself): queries answered since process start. */
uint64_t ta_sid_cache_queries(void);


/* ---------------------------------------------------------------- shutdown conformance (issue 4) */

/* ---------------------------------------------------------------- fuzz input (issue 5) */

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
uint16_t ta_fuzz_u16(ta_fuzz_in *in);   /* big-endian */
uint64_t ta_fuzz_u64(ta_fuzz_in *in);   /* big-endian */
/* One byte, reduced to 0..n-1 (n >= 1). */
unsigned ta_fuzz_pick(ta_fuzz_in *in, unsigned n);
/* A length byte (capped at max) then that many bytes, borrowed from the input;
 * fewer when the input ends first. Returns the count, *out points at them. */
size_t ta_fuzz_chunk(ta_fuzz_in *in, size_t max, const uint8_t **out);

/* ---- session-id callback input (fuzz/sid_callback.c) */
typedef enum {
    TA_FUZZ_CACHE_FREE = 0,  /* SSL_has_matching_session_id: 0 (id free) */
    TA_FUZZ_CACHE_TAKEN,     /* 1 for this query only */
    TA_FUZZ_CACHE_ALL_TAKEN, /* 1 for this and every later query of the call */
    TA_FUZZ_CACHE_COUNT
} ta_fuzz_cache_answer;
#define TA_FUZZ_SID_MAX_ANSWERS 64
typedef struct ta_fuzz_sid {
    ta_tls version;        /* the SSL * handed to the callback */
    unsigned offered_len;  /* *id_len offered, 1..32 */
    unsigned threads;      /* 1..4 concurrent callers */
    unsigned calls;        /* 1..16 calls per thread */
    uint64_t interleave;   /* seed of the thread interleaving and of the env */
    size_t nanswers;       /* answers to the callback's cache queries, in order; */
    uint8_t answer[TA_FUZZ_SID_MAX_ANSWERS]; /* past the last: FREE */
} ta_fuzz_sid;
void ta_fuzz_sid_decode(const uint8_t *data, size_t len, ta_fuzz_sid *out);
/* Bytes that decode to *in; returns the length needed (may exceed cap). */
size_t ta_fuzz_sid_encode(const ta_fuzz_sid *in, uint8_t *out, size_t cap);
void ta_fuzz_sid_print(const ta_fuzz_sid *in, FILE *out);
const char *ta_fuzz_cache_answer_name(unsigned a);

/* ---- shutdown plans (fuzz/shutdown_schedule.c, fuzz/shutdown_records.c) */
typedef enum {
    TA_FUZZ_PEER_DATA = 0,   /* the peer writes arg+1 bytes of application data */
    TA_FUZZ_PEER_CLOSE,      /* the peer calls SSL_shutdown (its close_notify) */
    TA_FUZZ_PEER_KEYUPDATE,  /* TLS 1.3 KeyUpdate (TLS 1.2: a renegotiation request) */
    TA_FUZZ_PEER_EOF,        /* the peer closes the transport, no close_notify */
    TA_FUZZ_DELIVER_LOCAL,   /* deliver arg bytes (0: all) peer -> local */
    TA_FUZZ_DELIVER_PEER,    /* deliver arg bytes (0: all) local -> peer, peer reads */
    TA_FUZZ_LOCAL_STEP,      /* one more event for the driver under test */
    TA_FUZZ_CANCEL,          /* the local side cancels the shutdown */
    TA_FUZZ_INJECT,          /* raw bytes queued as if the peer sent them */
    TA_FUZZ_OP_COUNT
} ta_fuzz_op;
#define TA_FUZZ_OPT_IGNORE_EOF 0x1u /* SSL_OP_IGNORE_UNEXPECTED_EOF on the local side */
#define TA_FUZZ_OPT_TICKETS 0x2u    /* TLS 1.3: the server sends 2 tickets, not 0 */
#define TA_FUZZ_OPT_DATA_FIRST 0x4u /* the peer sends data before the local shutdown */
#define TA_FUZZ_MAX_STEPS 48
typedef struct ta_fuzz_step {
    ta_fuzz_op op;
    uint16_t arg;          /* byte count for DATA / DELIVER_*, length for INJECT */
    const uint8_t *bytes;  /* INJECT: arg bytes (borrowed from the input) */
} ta_fuzz_step;
typedef struct ta_fuzz_plan {
    ta_tls version;
    ta_role role;          /* the role of the local side (the code under test) */
    ta_mode mode;
    unsigned options;      /* TA_FUZZ_OPT_* */
    size_t nsteps;
    ta_fuzz_step step[TA_FUZZ_MAX_STEPS];
} ta_fuzz_plan;
/* with_inject == 0: INJECT is not in the alphabet (shutdown_schedule). */
void ta_fuzz_plan_decode(const uint8_t *data, size_t len, int with_inject,
                         ta_fuzz_plan *out);
size_t ta_fuzz_plan_encode(const ta_fuzz_plan *plan, int with_inject, uint8_t *out,
                           size_t cap);
/* One line: "tls13 client psk opts=ignore-eof: peer-data 17, deliver-local all, ..." */
void ta_fuzz_plan_print(const ta_fuzz_plan *plan, FILE *out);
const char *ta_fuzz_op_name(ta_fuzz_op op);

#ifdef __cplusplus
}
#endif
#endif /* TLSAUDIT_H */
