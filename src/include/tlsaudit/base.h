/*
 * tlsaudit/base.h - what every part of libtlsaudit shares: errors, the
 * environment, findings and verdicts.
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
#ifndef TLSAUDIT_BASE_H
#define TLSAUDIT_BASE_H

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
#define TA_ERROR_TABLE(X)                                     \
    X(TA_E_ARG, -1, "invalid argument")                       \
    X(TA_E_NOMEM, -2, "out of memory")                        \
    X(TA_E_OSSL, -3, "OpenSSL call failed")                   \
    X(TA_E_BOUND, -4, "step bound reached before completion") \
    X(TA_E_STATE, -5, "operation not valid in this state")    \
    X(TA_E_IO, -6, "input/output error")                      \
    X(TA_E_LOAD, -7, "could not load code under test")        \
    X(TA_E_PARSE, -8, "malformed input")                      \
    X(TA_E_CHILD, -9, "isolated child process failed")        \
    X(TA_E_CLOSED, -10, "transport direction is closed")      \
    X(TA_E_NET, -11, "network endpoint unreachable or not started")

typedef int ta_status;
enum {
    TA_OK = 0,
#define TA__ENUM(name, value, text) name = value,
    TA_ERROR_TABLE(TA__ENUM)
#undef TA__ENUM
};

typedef struct ta_error {
    int code; /* TA_OK when no error was recorded */
    char message[256];
    const char *file; /* src/ file where the error arose */
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


/* Every audit ends in one of three verdicts. Fail closed: anything that kept a
 * check from finishing (a crash, a cut-off, a set-up failure) is never a pass.
 * Both fail and incomplete exit 1. */
typedef enum { TA_VERDICT_PASS = 0, TA_VERDICT_FAIL, TA_VERDICT_INCOMPLETE } ta_verdict;
const char *ta_verdict_name(ta_verdict v); /* "pass", "fail", "incomplete" */

#ifdef __cplusplus
}
#endif
#endif /* TLSAUDIT_BASE_H */
