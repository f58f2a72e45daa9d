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
    const char *tls13_suites; /* SSL_CTX_set_ciphersuites on both sides, or NULL */
    const char *tls12_ciphers;/* SSL_CTX_set_cipher_list on both sides, or NULL
                                 (cert and resume modes; PSK mode picks its own) */
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
    unsigned long err;    /* libssl's queued error (else the first one), 0 if none */
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

/* The four keys of a finding ("rule", "severity", "message", "reproducer"),
 * written inside an object the caller opened (so it can add keys of its own). */
void ta_json_finding_fields(ta_json *j, const ta_finding *f);

/* Every audit ends in one of three verdicts. Fail closed: anything that kept a
 * check from finishing (a crash, a cut-off, a set-up failure) is never a pass.
 * Both fail and incomplete exit 1. */
typedef enum { TA_VERDICT_PASS = 0, TA_VERDICT_FAIL, TA_VERDICT_INCOMPLETE } ta_verdict;
const char *ta_verdict_name(ta_verdict v); /* "pass", "fail", "incomplete" */

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
    size_t *check_of;      /* per finding: index of the check it failed, or SIZE_MAX */
} ta_subject_report;

/* JUnit XML: a testsuite per subject, a testcase per check, failures carry the
 * message and the reproducer. */
void ta_report_junit(FILE *out, const ta_subject_report *subjects, size_t n);
/* SARIF 2.1.0: a rule per rule id, a result per finding, located at the
 * subject's symbol and object file (and source line when known). */
void ta_report_sarif(FILE *out, const ta_subject_report *subjects, size_t n,
                     const ta_rule_info *rules, size_t nrules);
/* Every rule of every audit (sid, then shutdown), with its requirement. */
const ta_rule_info *ta_report_rules(size_t *out_count);
/* Zero *s and allocate room for nchecks checks and nfindings findings (counts
 * start at 0); kind must outlive the report. */
TA_MUST_CHECK ta_status ta_subject_report_init(ta_subject_report *s, const char *kind,
                                               const char *name, size_t nchecks,
                                               size_t nfindings);
/* Free what the converters below allocated; the struct is zeroed. */
void ta_subject_report_clear(ta_subject_report *s);
/* Record the object file, symbol and (with debug info, via addr2line) source line
 * of the code under test at addr. symbol may be NULL (taken from dladdr). */
void ta_subject_locate(ta_subject_report *s, const void *addr, const char *symbol);

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
      "an end-to-end configuration in which OpenSSL never calls the callback")            \
    X(TA_SID_CHECK_INCOMPLETE, "SID-INCOMPLETE", TA_SEV_ERROR,                            \
      "a check could not finish (set-up failed, cut off at its budget): not a pass")

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
    /* A callback in a shared object: lib (a path; a name without a slash is taken
     * relative to the current directory) and symbol (a function). It is loaded
     * only in the check children, never in the calling process; ta_sid_audit's cb
     * is then NULL. A load failure (unreadable file, missing symbol, a symbol that
     * is not a function) is TA_E_LOAD with one line. */
    const char *lib, *symbol;
    unsigned mem_limit_mb; /* RLIMIT_AS of every child (default 4096; 0: none) */
    /* Called in the parent about every 100 ms while a check runs (may be NULL). */
    void (*progress)(void *arg, const char *check, uint64_t calls, uint64_t planned);
    void *progress_arg;
} ta_sid_opts;
/* CLI defaults: 200,000 ids, 8 threads, seed 1, timeout 2 s, 8 handshakes. */
void ta_sid_opts_default(ta_sid_opts *o);
/* The ranges `tlsaudit sid` and the gate accept. ta_sid_audit keeps at most
 * TA_SID_HANDSHAKES_MAX sessions per configuration; fewer than 2 cached sessions
 * measure nothing. */
#define TA_SID_IDS_MAX 100000000
#define TA_SID_THREADS_MAX 1024
#define TA_SID_HANDSHAKES_MAX 64
#define TA_SID_BUCKET_MIN 2

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
/* 1 when the verdict is not a pass: an error was found (or a warning under
 * strict), or the audit is incomplete. */
int ta_sid_report_failed(const ta_sid_report *r);
ta_verdict ta_sid_report_verdict(const ta_sid_report *r);
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

/*
 * Checks a *shutdown driver* (the code under test: whatever an application runs
 * to close a TLS connection) against the semantics of the asio answer this
 * project started from (shared/seeds/000_e64a2257d2df0642.txt), RFC 8446 §6.1,
 * RFC 5246 §7.2.1 and SSL_shutdown(3): a shutdown sends close_notify and then
 * completes when (a) the peer's close_notify arrives, (b) the peer closes the
 * transport, or (c) the local side cancels -- and never otherwise.
 *
 * The peer is a real OpenSSL endpoint on the other side of a ta_pair; the harness
 * decides every delivery. Expected verdicts come from what the peer did (the
 * oracle, src/sd_oracle.c), never from what OpenSSL returned to the driver.
 *
 * DRIVER ABI (stable)
 * -------------------
 * The harness calls step(ssl, event, state) with the local SSL and a zeroed
 * state block of state_size bytes that lives for one case. The first call is
 * TA_SD_START. The driver answers:
 *   TA_SD_PENDING_READ   call me again when the transport is readable (bytes or
 *                        EOF are waiting). Level-triggered like poll(2): if bytes
 *                        are already waiting the harness calls again at once.
 *   TA_SD_PENDING_WRITE  call me again when writable (memory BIOs: at once).
 *   a final verdict      the harness never calls again:
 *     TA_SD_CLEAN        both close_notifys (ours sent, the peer's received)
 *     TA_SD_SENT         ours sent, deliberately not waiting for the peer's (a
 *                        legitimate unidirectional close, RFC 8446 §6.1)
 *     TA_SD_TRUNCATED    the peer closed the transport without close_notify
 *     TA_SD_CANCELLED    answered to TA_SD_CANCEL
 *     TA_SD_FAILED       protocol error (fatal alert, garbage, in handshake...)
 * TA_SD_CANCEL is delivered only while the driver is pending; it must answer a
 * final verdict (normally TA_SD_CANCELLED) to it. A driver must never block:
 * memory BIOs never do, and a step that never returns is a hang (every audit
 * runs drivers in a worker child with a timeout; see ta_sd_opts.timeout_s).
 * Busy-looping is answering PENDING_WRITE (or PENDING_READ at EOF) again and
 * again without new input: bounded and reported as SD-SPIN.
 *
 * A shared object exports a `const ta_sd_driver NAME` (data symbol) and is
 * loaded with `tlsaudit shutdown --lib FILE.so --symbol NAME`.
 */
typedef enum {
    TA_SD_START = 0,  /* begin the shutdown (first call, once) */
    TA_SD_READABLE,   /* bytes or EOF are waiting on the transport */
    TA_SD_WRITABLE,   /* the transport accepts bytes */
    TA_SD_CANCEL,     /* the application cancels the pending shutdown */
    TA_SD_EVENT_COUNT
} ta_sd_event;

typedef enum {
    TA_SD_PENDING_READ = 0,
    TA_SD_PENDING_WRITE,
    TA_SD_CLEAN,
    TA_SD_SENT,
    TA_SD_TRUNCATED,
    TA_SD_CANCELLED,
    TA_SD_FAILED,
    TA_SD_ANSWER_COUNT
} ta_sd_answer;
/* "pending-read", "pending-write", "clean", "sent", "truncated", "cancelled",
 * "failed"; ta_sd_answer_from_name is -1 for unknown names. In results, the
 * expected/got value TA_SD_PENDING_READ prints as "pending" (no verdict yet). */
const char *ta_sd_answer_name(ta_sd_answer a);
int ta_sd_answer_from_name(const char *name);
const char *ta_sd_event_name(ta_sd_event e);
#define TA_SD_IS_FINAL(a) ((a) >= TA_SD_CLEAN && (a) < TA_SD_ANSWER_COUNT)

typedef ta_sd_answer (*ta_sd_step_fn)(SSL *ssl, ta_sd_event ev, void *state);

/* Driver flags. */
#define TA_SD_UNIDIRECTIONAL 0x1u /* does not wait for the peer's close_notify: "sent"
                                     is its expected verdict where others get "clean" */
#define TA_SD_CANARY 0x2u         /* deliberately broken (built-in canaries) */

#define TA_SD_STATE_MAX ((size_t)64 << 20) /* 64 MiB of state per case */
typedef struct ta_sd_driver {
    const char *name;    /* "drain" */
    const char *summary; /* one line */
    size_t state_size;   /* bytes of zeroed per-case state handed to step (may be 0,
                            at most TA_SD_STATE_MAX; more: the case is SD-INCOMPLETE) */
    ta_sd_step_fn step;
    unsigned flags;      /* TA_SD_UNIDIRECTIONAL | TA_SD_CANARY */
    /* Canaries: comma-separated scenarios that must catch it ("" otherwise).
     * Documentation and tests; the oracle never reads it. */
    const char *caught_by;
} ta_sd_driver;

/* The built-in drivers (src/sd_driver*.c): naive, drain, asio, asio-fast-close,
 * unidirectional, quiet-on-cancel, and the canaries spin, ignores-cancel,
 * eof-is-clean. */
const ta_sd_driver *ta_sd_catalog(size_t *out_count);
const ta_sd_driver *ta_sd_driver_find(const char *name); /* NULL if unknown */

/* ------------------------------------------------ schedules */

/*
 * A schedule is what happens around the driver, in order. One character per
 * action, some with a decimal argument; printed and parsed by the functions below
 * ("tls13/client:s>rc<"):
 *   s     START the driver (implicit first action when a schedule has none)
 *   d[N]  the peer writes N bytes of application data (default 16)
 *   c     the peer sends its close_notify (one SSL_shutdown)
 *   k     TLS 1.3: the peer sends KeyUpdate(update_requested);
 *         TLS 1.2: a HelloRequest when the peer is the server (else no-op)
 *   t     TLS 1.3 server peer: a NewSessionTicket
 *   h     TLS 1.2 server peer: a HelloRequest (SSL_renegotiate)
 *   r     the peer reads what was delivered to it (application data discarded)
 *   e     the peer closes the transport (EOF, no close_notify; queued bytes dropped)
 *   m     EOF mid-record: deliver half of what is queued towards local, then close
 *   <[N]  deliver N bytes peer -> local (no N: the next whole record or the rest of a
 *         partial one; "<*": everything queued)
 *   >[N]  deliver N bytes local -> peer (no N or "*": everything) and the peer reads
 *   x     cancel: the driver gets TA_SD_CANCEL (only while it is pending)
 *   !     spurious wake-up: the driver gets TA_SD_READABLE with nothing new
 *   w     the application writes 1 byte after the shutdown started (must fail with
 *         SSL_R_PROTOCOL_IS_SHUTDOWN, nothing on the wire; SSL_shutdown(3))
 *   g     inject garbage towards local (an application_data record of junk)
 *   a     a warning alert (user_canceled) in the peer's name: forged with the peer's
 *         keys (AES-128-GCM suites of the engine), raw and unprotected when they are
 *         unknown (after a peer KeyUpdate, in the handshake): then a fatal decider
 *   z     a zero-length application_data record in the peer's name (forged like 'a')
 *   f     the peer sends a fatal alert (it is fed a corrupt record and answers)
 *   iHEX. inject raw bytes towards local: hex digits ended by '.' ("i15030300020101.")
 * Prefix "tls12/server" or "tls13/client", optional "+ignore-eof" (local side has
 * SSL_OP_IGNORE_UNEXPECTED_EOF), "+in-handshake" (the driver starts before the
 * handshake finished), "+tickets" (TLS 1.3: 2 tickets after the handshake), then ':'.
 * Without a prefix the version/role/flags of the schedule passed in are kept.
 */
#define TA_SD_MAX_ACTIONS 64
#define TA_SD_POOL_BYTES 512
#define TA_SD_F_IGNORE_EOF 0x1u
#define TA_SD_F_IN_HANDSHAKE 0x2u
#define TA_SD_F_TICKETS 0x4u
typedef struct ta_sd_action {
    char op;        /* one of the characters above */
    uint16_t arg;   /* N for d, <, >; 0 = default; 0xffff = "*" (everything) */
    uint16_t off;   /* i: bytes at pool[off .. off+len) */
    uint16_t len;
} ta_sd_action;
typedef struct ta_sd_schedule {
    ta_tls tls;
    ta_role role;    /* role of the local side (the driver under test) */
    unsigned flags;  /* TA_SD_F_* */
    size_t n;
    ta_sd_action act[TA_SD_MAX_ACTIONS];
    size_t pool_len;
    uint8_t pool[TA_SD_POOL_BYTES];
} ta_sd_schedule;
#define TA_SD_ALL_BYTES 0xffffu

/* Parse the string form into *out (version/role/flags kept from *out when there is
 * no prefix: initialise it). TA_E_PARSE with a message naming the position. */
TA_MUST_CHECK ta_status ta_sd_schedule_parse(const char *s, ta_sd_schedule *out);
/* The string form, always with prefix; returns the length needed (like snprintf). */
size_t ta_sd_schedule_format(const ta_sd_schedule *s, char *buf, size_t cap);
/* Append one action; TA_E_ARG when full or the pool overflows. */
TA_MUST_CHECK ta_status ta_sd_schedule_add(ta_sd_schedule *s, char op, uint16_t arg,
                                           const void *bytes, size_t len);
/* Fuzzers decode bytes into schedules with ta_fuzz_sd_decode (below). */

/* ------------------------------------------------ scenarios and rules */

/* A named scenario: a schedule template plus where it applies. */
typedef struct ta_sd_scenario {
    const char *name;        /* "peer-eof" (interface: reports and tests use it) */
    const char *description;
    const char *source;      /* what the expectation rests on ("RFC 8446 §6.1") */
    const char *schedule;    /* actions, without prefix ("s>rc<") */
    unsigned flags;          /* TA_SD_F_* */
    unsigned versions;       /* bit (1u << ta_tls) */
    unsigned roles;          /* bit (1u << ta_role) of the local side */
} ta_sd_scenario;
const ta_sd_scenario *ta_sd_scenario_table(size_t *out_count);
/* Names only, table order. */
const char *const *ta_sd_scenarios(size_t *out_count);
int ta_sd_scenario_find(const char *name); /* index, -1 if unknown */
/* 1 when the scenario runs for that version and local role. */
int ta_sd_scenario_applies(const ta_sd_scenario *sc, ta_tls v, ta_role r);
/* The scenario's schedule for that version and role. */
TA_MUST_CHECK ta_status ta_sd_scenario_schedule(const ta_sd_scenario *sc, ta_tls v,
                                                ta_role r, ta_sd_schedule *out);

/* X(enum, id, severity, source, help): the checks of the oracle. */
#define TA_SD_RULE_TABLE(X)                                                             \
    X(TA_SD_R_VERDICT, "SD-VERDICT", TA_SEV_ERROR, "RFC 8446 §6.1; asio answer",        \
      "the verdict does not match what the peer did")                                  \
    X(TA_SD_R_TRUNCATION, "SD-TRUNCATION", TA_SEV_ERROR, "RFC 8446 §6.1; RFC 5246 §7.2.1", \
      "EOF without close_notify reported as a clean close (truncation attack)")         \
    X(TA_SD_R_EARLY, "SD-EARLY", TA_SEV_ERROR, "asio answer; SSL_shutdown(3)",          \
      "completed although the peer had neither sent close_notify nor closed, nor was it cancelled") \
    X(TA_SD_R_CANCEL, "SD-CANCEL", TA_SEV_ERROR, "asio answer (operation_aborted)",     \
      "cancel did not end the pending shutdown")                                        \
    X(TA_SD_R_STALL, "SD-STALL", TA_SEV_ERROR, "asio answer; SSL_shutdown(3)",          \
      "no verdict although the deciding event had been delivered")                     \
    X(TA_SD_R_SPIN, "SD-SPIN", TA_SEV_ERROR, "SSL_get_error(3) (WANT_READ: wait for input)", \
      "busy loop: step calls without new input past the bound")                        \
    X(TA_SD_R_DATA_AFTER_CN, "SD-DATA-AFTER-CN", TA_SEV_ERROR, "RFC 8446 §6.1; RFC 5246 §7.2.1", \
      "a record other than an alert left the local side after its close_notify")       \
    X(TA_SD_R_NO_CN, "SD-NO-CN", TA_SEV_ERROR, "RFC 8446 §6.1",                         \
      "clean or sent reported but no close_notify left the local side")                \
    X(TA_SD_R_DATA_FAILS, "SD-DATA-FAILS", TA_SEV_ERROR, "RFC 8446 §6.1 (half-close)",  \
      "application data sent before the peer's close_notify turned a clean close into failed") \
    X(TA_SD_R_WRITE_AFTER, "SD-WRITE-AFTER", TA_SEV_ERROR, "SSL_write(3); asio answer", \
      "a write after the shutdown did not fail with SSL_R_PROTOCOL_IS_SHUTDOWN")        \
    X(TA_SD_R_CRASH, "SD-CRASH", TA_SEV_ERROR, "",                                       \
      "the driver crashed, exited or hung (isolated child)")                           \
    X(TA_SD_R_INCOMPLETE, "SD-INCOMPLETE", TA_SEV_ERROR, "",                             \
      "a case could not be run (set-up failed, driver state too large): not a pass")   \
    X(TA_SD_R_IGNORE_EOF, "SD-IGNORE-EOF", TA_SEV_WARNING, "SSL_CTX_set_options(3)",    \
      "with SSL_OP_IGNORE_UNEXPECTED_EOF a truncation reads as a clean close")           \
    X(TA_SD_R_OSSL_KEYUPDATE, "SD-OSSL-KEYUPDATE", TA_SEV_WARNING, "RFC 8446 §6.1, §4.6.3", \
      "OpenSSL itself sent a KeyUpdate after our close_notify (answering the peer's)")

typedef enum {
#define TA__SD_ENUM(e, id, sev, src, help) e,
    TA_SD_RULE_TABLE(TA__SD_ENUM)
#undef TA__SD_ENUM
    TA_SD_RULE_COUNT
} ta_sd_rule;
typedef struct ta_sd_rule_info {
    const char *id;
    ta_severity severity;
    const char *source;
    const char *help;
} ta_sd_rule_info;
const ta_sd_rule_info *ta_sd_rule_table(size_t *out_count);

/* ------------------------------------------------ the oracle */

/* What one run observed (filled by the engine; built by hand in unit tests). */
typedef enum {
    TA_SD_EV_NONE = 0, /* nothing deciding reached the local side */
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
} ta_sd_facts;
typedef struct ta_sd_verdict {
    int pass;
    ta_sd_answer expected;   /* the primary expected verdict (PENDING_READ: pending) */
    unsigned accepted;       /* bit (1u << answer) of every acceptable verdict */
    int rule;                /* first violated rule (ta_sd_rule), -1 when pass */
    int flag;                /* a warning rule raised on a pass (SD-IGNORE-EOF), else -1 */
    char detail[256];
} ta_sd_verdict;
/* Expected from the facts: decider CLOSE_NOTIFY -> clean (or sent, unidirectional),
 * EOF -> truncated (never clean), CANCEL -> cancelled, FATAL -> failed, NONE ->
 * still pending (sent for a unidirectional driver), handshake not done -> failed.
 * Plus the always-checks and the exception table (src/sd_oracle.c). */
void ta_sd_oracle(const ta_sd_facts *f, ta_sd_verdict *out);

/* ------------------------------------------------ running */

typedef struct ta_sd_opts {
    uint64_t seed;        /* seeded environment (replayable transcripts) */
    const char *only;     /* glob(s) over case names, comma-separated; NULL: all */
    double timeout_s;     /* a case with no answer after this long is SD-CRASH (hung) */
    int max_steps;        /* step calls per case (default 256) */
    int idle_max;         /* step calls without new input before SD-SPIN (default 16) */
    ta_mode mode;         /* handshake of every case: TA_MODE_PSK (default, fast),
                             TA_MODE_CERT (full ECDHE + certificate handshake) or
                             TA_MODE_RESUME; AES-128-GCM suites in every mode */
    const char *target;   /* CLI form of the driver for reproducers
                             ("--builtin drain", "--lib F --symbol S") */
    /* A driver in a shared object: lib (a path, as in ta_sid_opts) and symbol (a
     * 'const ta_sd_driver', a data object). Loaded only in the worker children;
     * the driver argument of ta_sd_matrix/replay/explore is then NULL. Every
     * case, built-in or loaded, runs in a worker child (src/runner.c). */
    const char *lib, *symbol;
    unsigned mem_limit_mb; /* RLIMIT_AS of every worker (default 4096; 0: none) */
} ta_sd_opts;
void ta_sd_opts_default(ta_sd_opts *o);

/* One case's result. Case names: "tls13/client/peer-eof/drain". */
typedef struct ta_sd_result {
    char name[128];
    char scenario[40];    /* scenario name, "schedule" for a replayed/explored one */
    ta_tls tls;
    ta_role role;
    ta_sd_answer expected;
    ta_sd_answer got;
    int pass;
    int rule;             /* ta_sd_rule violated, -1 */
    int flag;             /* warning raised on a pass, -1 */
    unsigned steps;       /* step calls made */
    char detail[256];
    char schedule[200];   /* the schedule's string form (--schedule) */
    char reproducer[400]; /* full command line */
} ta_sd_result;

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
TA_MUST_CHECK ta_status ta_sd_run(ta_sd_engine *e, const ta_sd_driver *d,
                                  const ta_sd_schedule *s, ta_sd_result *out);
/* The same in-process (never isolated), keeping the raw facts (fuzz targets,
 * unit tests); deterministic for a given schedule. out_res may be NULL. */
TA_MUST_CHECK ta_status ta_sd_run_facts(ta_sd_engine *e, const ta_sd_driver *d,
                                        const ta_sd_schedule *s, ta_sd_facts *out_facts,
                                        ta_sd_result *out_res);

/* A set of results (matrix or exploration). */
typedef struct ta_sd_report ta_sd_report;
/* 1 when a case name matches one of the comma-separated globs of ta_sd_opts.only
 * (NULL or "" match all): the whole name, or, for a glob without '/', any one
 * of its components ("peer-eof", "tls13", "drain"). */
int ta_sd_only_match(const char *globs, const char *name);
/* Every scenario x version x local role that applies (and matches o->only),
 * each case in a worker child (a crash, exit or hang is SD-CRASH). d is a
 * driver of this process (the catalog), or NULL with o->lib and o->symbol. */
TA_MUST_CHECK ta_status ta_sd_matrix(const ta_sd_driver *d, const ta_sd_opts *o,
                                     ta_sd_report **out);
/* Replay one schedule string (as printed by reports). */
TA_MUST_CHECK ta_status ta_sd_replay(const ta_sd_driver *d, const ta_sd_opts *o,
                                     const char *schedule, ta_sd_report **out);
/* Every interleaving of {d, c, k, e, <, >, x} after the start up to depth, both
 * versions and roles; transcripts already seen are pruned. Violations become
 * results (one per distinct violated rule and version/role, shortest first). */
typedef struct ta_sd_explore_stats {
    uint64_t explored;   /* schedules run */
    uint64_t distinct;   /* distinct states/transcripts reached */
    uint64_t violations; /* runs the oracle failed */
    double seconds;
} ta_sd_explore_stats;
TA_MUST_CHECK ta_status ta_sd_explore(const ta_sd_driver *d, const ta_sd_opts *o,
                                      unsigned depth, ta_sd_report **out,
                                      ta_sd_explore_stats *out_stats);
const char *ta_sd_report_driver(const ta_sd_report *r);
size_t ta_sd_report_results(const ta_sd_report *r, const ta_sd_result **out);
int ta_sd_report_failed(const ta_sd_report *r); /* 1 when the verdict is not a pass */
ta_verdict ta_sd_report_verdict(const ta_sd_report *r);
/* {"driver", "verdict": "conformant"|"violations", "results": [{"scenario", "tls",
 *  "role", "expected", "got", "pass", "detail", "reproducer", "name", "rule",
 *  "schedule"}]} (+ "explore": {...} after ta_sd_explore) */
void ta_sd_report_json(const ta_sd_report *r, FILE *out);
/* Terminal matrix: scenario x (version, role). */
void ta_sd_report_print(const ta_sd_report *r, FILE *out);
/* A self-contained HTML page with the coloured matrix. */
void ta_sd_report_html(const ta_sd_report *r, FILE *out);
void ta_sd_report_free(ta_sd_report *r);

/* ---------------------------------------------------------------- audit -> report subjects */

/* Both converters also fill where the code under test lives (symbol, object
 * file, source line): the audit learnt it in its children, where the code was
 * loaded, so the caller never needs to load it (ta_subject_locate is for code
 * that is already in the process, such as the built-in catalog). */
/* A check per rule (errors fail, warnings only when strict) and the findings. */
TA_MUST_CHECK ta_status ta_sid_report_to_subject(const ta_sid_report *r, int strict,
                                                 ta_subject_report *out);
/* A check per case; a finding per failed case and per warning raised on a pass. */
TA_MUST_CHECK ta_status ta_sd_report_to_subject(const ta_sd_report *r, ta_subject_report *out);

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
    ta_tls version;        /* the SSL * handed to the callback */
    unsigned offered_len;  /* *id_len offered, 1..32 */
    unsigned threads;      /* 1..4 logical server threads */
    unsigned calls;        /* 1..64 calls in all: 1 + the NEXT_CALL events */
    uint64_t interleave;   /* seed: which thread makes each call, the RAND bytes */
    size_t nevents;        /* answers and call boundaries, in order; a call's */
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
 *           else an index into it; then one argument byte for d, < and >
 *           (0: the default, 255: "*"), and for i a length byte and the bytes.
 * TA_FUZZ_SD_SCHEDULE is the alphabet of peer actions, deliveries, cancel and
 * wake-ups; TA_FUZZ_SD_RECORDS adds the injections (raw bytes, garbage, alerts,
 * empty records, fatal alerts) the records target is about.
 */
typedef enum { TA_FUZZ_SD_SCHEDULE = 0, TA_FUZZ_SD_RECORDS } ta_fuzz_sd_alphabet;
const char *ta_fuzz_sd_alphabet_chars(ta_fuzz_sd_alphabet a);
void ta_fuzz_sd_decode(const uint8_t *data, size_t len, ta_fuzz_sd_alphabet a,
                       ta_sd_schedule *out);
/* Bytes that decode to *s (actions outside the alphabet are dropped; an argument
 * of 255 that is not "*" becomes 254); returns the length needed. */
size_t ta_fuzz_sd_encode(const ta_sd_schedule *s, ta_fuzz_sd_alphabet a, uint8_t *out,
                         size_t cap);
/* The schedule's string form on one line. */
void ta_fuzz_sd_print(const ta_sd_schedule *s, FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* TLSAUDIT_H */
