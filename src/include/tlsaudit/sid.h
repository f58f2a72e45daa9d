/*
 * tlsaudit/sid.h - the session-id auditor (SSL_CTX_set_generate_session_id callbacks).
 */
#ifndef TLSAUDIT_SID_H
#define TLSAUDIT_SID_H

#include "tlsaudit/base.h"
#include "tlsaudit/report.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- session-id auditor */

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

/* X(enum, id, severity, source, help): the one table of rules (reports, docs, `list`). */
#define TA_SID_RULE_TABLE(X)                                                                       \
    X(TA_SID_OVERFLOW, "SID-OVERFLOW", TA_SEV_ERROR, "SSL_CTX_set_generate_session_id(3)",         \
      "a byte written past the offered *id_len (every offered length 1..32)")                      \
    X(TA_SID_OVERREAD, "SID-OVERREAD", TA_SEV_ERROR, "SSL_CTX_set_generate_session_id(3)",         \
      "a byte read past the offered *id_len (the guard page faulted on a read)")                   \
    X(TA_SID_UNDERFLOW, "SID-UNDERFLOW", TA_SEV_ERROR, "SSL_CTX_set_generate_session_id(3)",       \
      "a byte written before the id buffer")                                                       \
    X(TA_SID_LEN_GROWN, "SID-LEN-GROWN", TA_SEV_ERROR, "SSL_CTX_set_generate_session_id(3)",       \
      "*id_len returned larger than offered")                                                      \
    X(TA_SID_LEN_ZERO, "SID-LEN-ZERO", TA_SEV_ERROR, "SSL_CTX_set_generate_session_id(3)",         \
      "success returned with *id_len == 0")                                                        \
    X(TA_SID_RETURN_VALUE, "SID-RETURN-VALUE", TA_SEV_ERROR, "SSL_CTX_set_generate_session_id(3)", \
      "a return other than 0 or 1 (OpenSSL reads any non-zero, even -1, as success)")              \
    X(TA_SID_DUPLICATE, "SID-DUPLICATE", TA_SEV_ERROR, "SSL_CTX_set_generate_session_id(3)",       \
      "an id returned again while the earlier one is still live")                                  \
    X(TA_SID_DUPLICATE_CONCURRENT, "SID-DUPLICATE-CONCURRENT", TA_SEV_ERROR,                       \
      "SSL_CTX_set_generate_session_id(3)",                                                        \
      "duplicates that appear only when several threads call at once (OpenSSL holds no lock)")     \
    X(TA_SID_COLLISION_ACCEPTED, "SID-COLLISION-ACCEPTED", TA_SEV_ERROR,                           \
      "SSL_CTX_set_generate_session_id(3)",                                                        \
      "success returned with an id SSL_has_matching_session_id had just reported taken")           \
    X(TA_SID_NO_TERMINATION, "SID-NO-TERMINATION", TA_SEV_ERROR,                                   \
      "SSL_CTX_set_generate_session_id(3)",                                                        \
      "no return within the timeout (e.g. while every id is reported taken)")                      \
    X(TA_SID_CRASH, "SID-CRASH", TA_SEV_ERROR, "SSL_CTX_set_generate_session_id(3)",               \
      "the callback died (signal, abort, exit)")                                                   \
    X(TA_SID_HANDSHAKE, "SID-HANDSHAKE", TA_SEV_ERROR,                                             \
      "SSL_CTX_set_generate_session_id(3); ssl_generate_session_id (ssl/ssl_sess.c)",              \
      "real handshakes fail in a configuration where the callback runs")                           \
    X(TA_SID_RAND_FAILURE, "SID-RAND-FAILURE", TA_SEV_ERROR,                                       \
      "SSL_CTX_set_generate_session_id(3): return 0 if no id can be made; RAND_bytes(3)",          \
      "success while OpenSSL's randomness failed, with an all-zero, stale or repeated id")         \
    X(TA_SID_ERROR_QUEUE, "SID-ERROR-QUEUE", TA_SEV_ERROR,                                         \
      "ERR_get_error(3), SSL_get_error(3): the queue must be empty before an SSL call",            \
      "entries left on OpenSSL's error queue by a successful call (they poison SSL_get_error)")    \
    X(TA_SID_SLOW, "SID-SLOW", TA_SEV_ERROR,                                                       \
      "SSL_CTX_set_generate_session_id(3): the callback runs inside every handshake",              \
      "each call costs >= 1 ms and >= 100x OpenSSL's default generator (blocking or slow)")        \
    X(TA_SID_MEMORY_GROWTH, "SID-MEMORY-GROWTH", TA_SEV_ERROR,                                     \
      "SSL_CTX_set_generate_session_id(3): the callback runs once per session, for ever",          \
      "heap memory that grows with every call (allocated and never freed)")                        \
    X(TA_SID_NO_CACHE_CHECK, "SID-NO-CACHE-CHECK", TA_SEV_WARNING,                                 \
      "SSL_CTX_set_generate_session_id(3)", "never consults SSL_has_matching_session_id")          \
    X(TA_SID_PREDICTABLE, "SID-PREDICTABLE", TA_SEV_WARNING,                                       \
      "SSL_CTX_set_generate_session_id(3) (session ids travel in the clear)",                      \
      "ids guessable: not from OpenSSL's CSPRNG (same ids in processes with different "            \
      "randomness), "                                                                              \
      "or a recoverable generator (xorshift, LCG, libc random()), counters, little entropy")       \
    X(TA_SID_BUCKET_COLLAPSE, "SID-BUCKET-COLLAPSE", TA_SEV_WARNING,                               \
      "OpenSSL session cache (ssl/ssl_sess.c): sessions hash on the first 4 id bytes",             \
      "the first 4 bytes never vary: OpenSSL's cache keeps every session in one chain")            \
    X(TA_SID_SHORT_ID, "SID-SHORT-ID", TA_SEV_WARNING,                                             \
      "OpenSSL 3.0 TLS 1.3 stateful tickets resume only with a 32-byte id",                        \
      "ids shorter than 32 bytes: TLS 1.3 stateful tickets never resume")                          \
    X(TA_SID_NEVER_CALLED, "SID-NEVER-CALLED", TA_SEV_INFO,                                        \
      "SSL_CTX_set_generate_session_id(3); ssl_generate_session_id (ssl/ssl_sess.c)",              \
      "an end-to-end configuration in which OpenSSL never calls the callback")                     \
    X(TA_SID_NEVER_RESUMES, "SID-NEVER-RESUMES", TA_SEV_WARNING,                                   \
      "RFC 5246 §7.4.1.3 (a non-empty session_id is one the server means to resume)",              \
      "a live server hands out session ids but resumes none of them (--connect)")                  \
    X(TA_SID_RESUME_AFTER_ALERT, "SID-RESUME-AFTER-ALERT", TA_SEV_ERROR,                           \
      "RFC 5246 §7.2.2: sessions of a connection ended by a fatal alert MUST be forgotten",        \
      "a live server resumed a session after the client sent it a fatal alert (--connect)")        \
    X(TA_SID_CHECK_INCOMPLETE, "SID-INCOMPLETE", TA_SEV_ERROR, "",                                 \
      "a check could not finish (set-up failed, cut off at its budget): not a pass")

typedef enum {
#define TA__SID_ENUM(e, id, sev, src, help) e,
    TA_SID_RULE_TABLE(TA__SID_ENUM)
#undef TA__SID_ENUM
        TA_SID_RULE_COUNT
} ta_sid_rule;

/* Rules only an audit of a live server (ta_sid_remote_audit) can evaluate: a
 * callback audit reports them "not-run". */
#define TA_SID_REMOTE_ONLY ((1u << TA_SID_NEVER_RESUMES) | (1u << TA_SID_RESUME_AFTER_ALERT))

typedef ta_rule_info ta_sid_rule_info; /* report.h: one struct for every rule */
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
    size_t ids;         /* direct calls in the uniqueness and threads checks */
    unsigned threads;   /* concurrent callers in the threads check */
    uint64_t seed;      /* drives our choices and the seeded TLS environment */
    double timeout_s;   /* a check making no progress for this long is a hang */
    double budget_s;    /* hard cap per check; past it the check is incomplete */
    uint32_t only;      /* rules to report, bit (1u << rule); 0: all */
    int strict;         /* warnings fail the verdict too */
    int handshakes;     /* full handshakes per end-to-end configuration */
    size_t bucket_n;    /* cached sessions for the SID-BUCKET-COLLAPSE measurement */
    const char *target; /* CLI form of the subject for reproducers
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


/* ---------------------------------------------------------------- live servers */

/*
 * Audits the session ids a live server hands out (`tlsaudit sid --connect`):
 * N TLS 1.2 full handshakes without tickets, TLS 1.3 handshakes collecting the
 * NewSessionTickets, each connection closed cleanly (OpenSSL servers evict the
 * session of a client that closes without close_notify); then the same structure
 * checks as a callback audit (SID-DUPLICATE, SID-SHORT-ID, SID-BUCKET-COLLAPSE,
 * SID-PREDICTABLE) and resumption (SID-NEVER-RESUMES, SID-RESUME-AFTER-ALERT).
 * With start, the command is started first (/bin/sh -c, its own process group),
 * waited for until connect accepts, and stopped at the end. Every wait is
 * bounded: timeout_s per connect/handshake/read, budget_s for the whole audit
 * (past it the audit is incomplete, never a pass).
 */
typedef struct ta_sid_remote_opts {
    const char *connect;  /* "HOST:PORT" */
    const char *start;    /* command that starts the server, or NULL */
    size_t ids;           /* TLS 1.2 full handshakes (default 2000) */
    size_t tls13;         /* TLS 1.3 handshakes (default ids / 4; 0: none) */
    unsigned connections; /* parallel connections (default 4) */
    unsigned resumes;     /* resumption attempts per recent session (default 2) */
    double timeout_s;     /* one connect, handshake or read (default 5) */
    double budget_s;      /* the whole audit (default 120) */
    double start_wait_s;  /* for the started server's port (default 20) */
    size_t bucket_n;      /* cache size for the bucket cost estimate (default 20480,
                             OpenSSL's SSL_SESSION_CACHE_MAX_SIZE_DEFAULT) */
    uint64_t seed;        /* our choices (which ids feed the cache measurement) */
    uint32_t only;        /* as ta_sid_opts */
    int strict;
    const char *reproduce; /* CLI form of the target and its shaping options, for
                              reproducers (NULL: built from connect/start) */
    void (*progress)(void *arg, const char *check, uint64_t calls, uint64_t planned);
    void *progress_arg;
} ta_sid_remote_opts;
void ta_sid_remote_opts_default(ta_sid_remote_opts *o);
/* TA_E_ARG on a malformed connect, TA_E_NET when the server cannot be started or
 * reached at all (one line); findings, including an audit cut short, are results. */
TA_MUST_CHECK ta_status ta_sid_remote_audit(const ta_sid_remote_opts *o,
                                            ta_sid_report **out_report);

/* The report as a subject for JUnit/SARIF: a check per rule (errors fail,
 * warnings only when strict) and the findings. It also fills where the callback
 * lives (symbol, object file, source line): the audit learnt it in its children,
 * where the code was loaded, so the caller never loads it. */
TA_MUST_CHECK ta_status ta_sid_report_to_subject(const ta_sid_report *r, int strict,
                                                 ta_subject_report *out);

#ifdef __cplusplus
}
#endif
#endif /* TLSAUDIT_SID_H */
