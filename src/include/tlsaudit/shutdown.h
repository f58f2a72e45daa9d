/*
 * tlsaudit/shutdown.h - the shutdown conformance engine. The driver ABI comes first: it is what a
 * user writes against.
 */
#ifndef TLSAUDIT_SHUTDOWN_H
#define TLSAUDIT_SHUTDOWN_H

#include "tlsaudit/base.h"
#include "tlsaudit/pair.h"
#include "tlsaudit/report.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- shutdown conformance */

/*
 * Checks a *shutdown driver* (the code under test: whatever an application runs
 * to close a TLS connection) against the semantics of Boost.Asio's
 * ssl::stream::async_shutdown (README, "The oracle"), RFC 8446 §6.1,
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
    TA_SD_START = 0, /* begin the shutdown (first call, once) */
    TA_SD_READABLE,  /* bytes or EOF are waiting on the transport */
    TA_SD_WRITABLE,  /* the transport accepts bytes */
    TA_SD_CANCEL,    /* the application cancels the pending shutdown */
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
#define TA_SD_UNIDIRECTIONAL \
    0x1u                  /* does not wait for the peer's close_notify: "sent"
                                     is its expected verdict where others get "clean" */
#define TA_SD_CANARY 0x2u /* deliberately broken (built-in canaries) */
/* A promise: every bit of per-connection state the driver keeps is in its state
 * block, which holds no pointers (no statics, no heap, no SSL ex_data of its
 * own). Exhaustive mode then merges two runs whose blocks and SSL objects are
 * equal at a quiet point even when the driver was called differently to get
 * there (far fewer states); without it only runs in which the driver saw the
 * same calls merge. A broken promise can hide violations from exhaustive mode
 * (never from the matrix). */
#define TA_SD_STATE_IN_BLOCK 0x4u

#define TA_SD_STATE_MAX ((size_t)64 << 20) /* 64 MiB of state per case */
typedef struct ta_sd_driver {
    const char *name;    /* "drain" */
    const char *summary; /* one line */
    size_t state_size;   /* bytes of zeroed per-case state handed to step (may be 0,
                            at most TA_SD_STATE_MAX; more: the case is SD-INCOMPLETE) */
    ta_sd_step_fn step;
    unsigned flags; /* TA_SD_UNIDIRECTIONAL | TA_SD_CANARY | TA_SD_STATE_IN_BLOCK */
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
 * action, some with an argument; printed and parsed by the functions below
 * ("tls13/client:s>rc<"). N is a decimal count or '*' (everything). The list is
 * the action table's (ta_sd_action_table in tlsaudit/unstable.h; a conformance
 * test holds the two together): an entry's first line is its meaning there.
 *   s     START the driver (implicit first action when a schedule has none)
 *   d[N]  the peer writes N bytes of application data (default 16, at most 1024)
 *   c     the peer sends its close_notify (one SSL_shutdown)
 *   k     TLS 1.3: the peer sends KeyUpdate(update_requested)
 *         (TLS 1.2: a HelloRequest when the peer is the server, else no-op)
 *   t     TLS 1.3 server peer: a NewSessionTicket
 *   r     the peer reads what was delivered to it (application data discarded)
 *   h     TLS 1.2 server peer: a HelloRequest (SSL_renegotiate)
 *   e     the peer closes the transport (EOF, no close_notify; queued bytes dropped)
 *   m     EOF mid-record: deliver half of what is queued towards local, then close
 *   <[N]  deliver N bytes peer -> local
 *         (no N: the next whole record or the rest of a partial one; "<*":
 *         everything queued)
 *   >[N]  deliver N bytes local -> peer (no N or "*": everything) and the peer reads
 *   x     cancel: the driver gets TA_SD_CANCEL (only while it is pending)
 *   !     spurious wake-up: the driver gets TA_SD_READABLE with nothing new
 *   w     the application writes 1 byte after the shutdown started
 *         (must fail with SSL_R_PROTOCOL_IS_SHUTDOWN, nothing on the wire;
 *         SSL_shutdown(3))
 *   g     inject garbage towards local (an application_data record of junk)
 *   a     a warning alert (user_canceled) in the peer's name
 *         (forged with the peer's keys, AES-128-GCM suites of the engine; raw
 *         and unprotected when they are unknown, after a peer KeyUpdate or in
 *         the handshake: then a fatal decider)
 *   z     a zero-length application_data record in the peer's name (forged like 'a')
 *   f     the peer sends a fatal alert (it is fed a corrupt record and answers)
 *         (once it has read our close_notify, or while our bytes are queued to
 *         it, OpenSSL would not: the alert is forged in its name, like 'a')
 *   iHEX. inject raw bytes towards local
 *         (hex digit pairs ended by '.': "i15030300020101.")
 *   b[N]  backpressure: at most N bytes (default 8) in flight towards the peer
 *         (the local side's writes beyond it block: SSL_ERROR_WANT_WRITE until
 *         '>' delivers; 0xffff or '*': unbounded again)
 *   j     deliver the next record and half of the one after it in one delivery
 *         (coalesced records split inside the second; "<*" coalesces them all)
 * Prefix "tls12/server" or "tls13/client", optional "+ignore-eof" (local side has
 * SSL_OP_IGNORE_UNEXPECTED_EOF), "+in-handshake" (the driver starts before the
 * handshake finished), "+tickets" (TLS 1.3: 2 tickets after the handshake),
 * "+read-ahead" (the local SSL reads ahead: one delivery of several records lands
 * in OpenSSL's buffer, not on the transport), "+second" (after the schedule, a
 * second connection in the same process with a fresh state block runs it again and
 * is judged too: state kept outside the state block shows), then ':'.
 * Without a prefix the version/role/flags of the schedule passed in are kept.
 */
#define TA_SD_MAX_ACTIONS 64
#define TA_SD_POOL_BYTES 512
#define TA_SD_F_IGNORE_EOF 0x1u
#define TA_SD_F_IN_HANDSHAKE 0x2u
#define TA_SD_F_TICKETS 0x4u
#define TA_SD_F_READ_AHEAD 0x8u /* the local SSL reads ahead (SSL_set_read_ahead) */
#define TA_SD_F_SECOND 0x10u    /* a second connection in the same process, judged too */
typedef struct ta_sd_action {
    char op;      /* one of the characters above */
    uint16_t arg; /* N for d, <, > (the [N] actions); 0 = default; 0xffff = "*" */
    uint16_t off; /* i: bytes at pool[off .. off+len) */
    uint16_t len;
} ta_sd_action;
typedef struct ta_sd_schedule {
    ta_tls tls;
    ta_role role;   /* role of the local side (the driver under test) */
    unsigned flags; /* TA_SD_F_* */
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
    const char *name; /* "peer-eof" (interface: reports and tests use it) */
    const char *description;
    const char *source;   /* what the expectation rests on ("RFC 8446 §6.1") */
    const char *schedule; /* actions, without prefix ("s>rc<") */
    unsigned flags;       /* TA_SD_F_* */
    unsigned versions;    /* bit (1u << ta_tls) */
    unsigned roles;       /* bit (1u << ta_role) of the local side */
} ta_sd_scenario;
const ta_sd_scenario *ta_sd_scenario_table(size_t *out_count);
/* Names only, table order. */
const char *const *ta_sd_scenarios(size_t *out_count);
int ta_sd_scenario_find(const char *name); /* index, -1 if unknown */
/* 1 when the scenario runs for that version and local role. */
int ta_sd_scenario_applies(const ta_sd_scenario *sc, ta_tls v, ta_role r);
/* The scenario's schedule for that version and role. */
TA_MUST_CHECK ta_status ta_sd_scenario_schedule(const ta_sd_scenario *sc, ta_tls v, ta_role r,
                                                ta_sd_schedule *out);

/* X(enum, id, severity, source, help): the checks of the oracle. */
#define TA_SD_RULE_TABLE(X)                                                                      \
    X(TA_SD_R_VERDICT, "SD-VERDICT", TA_SEV_ERROR, "RFC 8446 §6.1; asio answer",                 \
      "the verdict does not match what the peer did")                                            \
    X(TA_SD_R_TRUNCATION, "SD-TRUNCATION", TA_SEV_ERROR, "RFC 8446 §6.1; RFC 5246 §7.2.1",       \
      "EOF without close_notify reported as a clean close (truncation attack)")                  \
    X(TA_SD_R_EARLY, "SD-EARLY", TA_SEV_ERROR, "asio answer; SSL_shutdown(3)",                   \
      "completed although the peer had neither sent close_notify nor closed, nor was it "        \
      "cancelled")                                                                               \
    X(TA_SD_R_CANCEL, "SD-CANCEL", TA_SEV_ERROR, "asio answer (operation_aborted)",              \
      "cancel did not end the pending shutdown")                                                 \
    X(TA_SD_R_STALL, "SD-STALL", TA_SEV_ERROR, "asio answer; SSL_shutdown(3)",                   \
      "no verdict although the deciding event had been delivered")                               \
    X(TA_SD_R_WANT_WRITE, "SD-WANT-WRITE", TA_SEV_ERROR,                                         \
      "SSL_get_error(3) (WANT_WRITE: wait until writable)",                                      \
      "WANT_WRITE answered by waiting for readability while bytes stayed in OpenSSL's write "    \
      "buffer")                                                                                  \
    X(TA_SD_R_SPIN, "SD-SPIN", TA_SEV_ERROR, "SSL_get_error(3) (WANT_READ: wait for input)",     \
      "busy loop: step calls without new input past the bound")                                  \
    X(TA_SD_R_DATA_AFTER_CN, "SD-DATA-AFTER-CN", TA_SEV_ERROR, "RFC 8446 §6.1; RFC 5246 §7.2.1", \
      "a record other than an alert left the local side after its close_notify")                 \
    X(TA_SD_R_NO_CN, "SD-NO-CN", TA_SEV_ERROR, "RFC 8446 §6.1",                                  \
      "clean or sent reported but no close_notify left the local side")                          \
    X(TA_SD_R_DATA_FAILS, "SD-DATA-FAILS", TA_SEV_ERROR, "RFC 8446 §6.1 (half-close)",           \
      "application data sent before the peer's close_notify turned a clean close into failed")   \
    X(TA_SD_R_WRITE_AFTER, "SD-WRITE-AFTER", TA_SEV_ERROR, "SSL_write(3); asio answer",          \
      "a write after the shutdown did not fail with SSL_R_PROTOCOL_IS_SHUTDOWN")                 \
    X(TA_SD_R_CRASH, "SD-CRASH", TA_SEV_ERROR, "",                                               \
      "the driver crashed, exited or hung (isolated child)")                                     \
    X(TA_SD_R_INCOMPLETE, "SD-INCOMPLETE", TA_SEV_ERROR, "",                                     \
      "a case could not be run (set-up failed, driver state too large): not a pass")             \
    X(TA_SD_R_IGNORE_EOF, "SD-IGNORE-EOF", TA_SEV_WARNING, "SSL_CTX_set_options(3)",             \
      "with SSL_OP_IGNORE_UNEXPECTED_EOF a truncation reads as a clean close")                   \
    X(TA_SD_R_OSSL_KEYUPDATE, "SD-OSSL-KEYUPDATE", TA_SEV_WARNING, "RFC 8446 §6.1, §4.6.3",      \
      "OpenSSL itself sent a KeyUpdate after our close_notify (answering the peer's)")           \
    /* Live endpoints (ta_sd_remote): real programs over real sockets. */                        \
    X(TA_SD_R_HOLD, "SD-HOLD", TA_SEV_ERROR, "RFC 8446 §6.1; asio answer (resources remain)",    \
      "the connection was finished but the endpoint kept it open past the hold bound")           \
    X(TA_SD_R_PEER_NO_CN, "SD-PEER-NO-CN", TA_SEV_ERROR, "RFC 8446 §6.1; RFC 5246 §7.2.1",       \
      "the endpoint closed its side without sending its own close_notify")                       \
    X(TA_SD_R_NO_TERMINATION, "SD-NO-TERMINATION", TA_SEV_ERROR, "asio answer",                  \
      "the program under test had not finished at the hard timeout (a hang)")                    \
    X(TA_SD_R_RESUME_AFTER_FATAL, "SD-RESUME-AFTER-FATAL", TA_SEV_ERROR, "RFC 5246 §7.2.2",      \
      "a session was resumed although its connection ended with a fatal alert")                  \
    X(TA_SD_R_STARVATION, "SD-STARVATION", TA_SEV_ERROR, "asio answer (resources remain)",       \
      "a fresh handshake did not complete while finished connections stayed silent")             \
    X(TA_SD_R_SURVIVAL, "SD-SURVIVAL", TA_SEV_ERROR, "",                                         \
      "the endpoint stopped completing handshakes (sanity handshake)")                           \
    X(TA_SD_R_IDLE_TIMER, "SD-IDLE-TIMER", TA_SEV_WARNING, "RFC 9112 §9.8 (idle connections)",   \
      "an idle or keep-alive connection stayed open past the idle bound")                        \
    X(TA_SD_R_TRUNCATION_ACCEPTED, "SD-TRUNCATION-ACCEPTED", TA_SEV_ERROR,                       \
      "RFC 8446 §6.1; RFC 9112 §9.8",                                                            \
      "the client reported success on a body cut short or ended without close_notify")           \
    /* Forged records (sd_remote_forge.c). */                                                    \
    X(TA_SD_R_WARNING_CLOSE, "SD-WARNING-CLOSE", TA_SEV_ERROR, "RFC 5246 §7.2; RFC 8446 §6.1",   \
      "a warning alert (user_canceled) was taken for the end of the connection: a fatal "        \
      "alert, a failure, or the transport closed before the close_notify that followed it")      \
    X(TA_SD_R_ALERT_IGNORED, "SD-ALERT-IGNORED", TA_SEV_ERROR, "RFC 8446 §6.2",                  \
      "TLS 1.3: an error alert sent with level warning was ignored (the level does not make "    \
      "it a warning: the connection must end)")                                                  \
    X(TA_SD_R_ACTED_AFTER_CN, "SD-ACTED-AFTER-CN", TA_SEV_ERROR,                                 \
      "RFC 8446 §6.1 (data after a closure alert MUST be ignored)",                              \
      "the endpoint acted on application data that followed the peer's close_notify")

typedef enum {
#define TA__SD_ENUM(e, id, sev, src, help) e,
    TA_SD_RULE_TABLE(TA__SD_ENUM)
#undef TA__SD_ENUM
        TA_SD_RULE_COUNT
} ta_sd_rule;
typedef ta_rule_info ta_sd_rule_info; /* report.h: one struct for every rule */
const ta_sd_rule_info *ta_sd_rule_table(size_t *out_count);

/* ------------------------------------------------ running */

typedef struct ta_sd_opts {
    uint64_t seed;      /* seeded environment (replayable transcripts) */
    const char *only;   /* glob(s) over case names, comma-separated; NULL: all */
    double timeout_s;   /* a case with no answer after this long is SD-CRASH (hung) */
    int max_steps;      /* step calls per case (default 256) */
    int idle_max;       /* step calls without new input before SD-SPIN (default 16) */
    ta_mode mode;       /* handshake of every case: TA_MODE_PSK (default, fast),
                             TA_MODE_CERT (full ECDHE + certificate handshake) or
                             TA_MODE_RESUME; AES-128-GCM suites in every mode */
    const char *target; /* CLI form of the driver for reproducers
                             ("--builtin drain", "--lib F --symbol S") */
    /* A driver in a shared object: lib (a path, as in ta_sid_opts) and symbol (a
     * 'const ta_sd_driver', a data object). Loaded only in the worker children;
     * the driver argument of ta_sd_matrix/replay/explore is then NULL. Every
     * case, built-in or loaded, runs in a worker child (src/runner.c). */
    const char *lib, *symbol;
    unsigned mem_limit_mb; /* RLIMIT_AS of every worker (default 4096; 0: none) */
    /* Backpressure for every case: at most this many bytes in flight towards the
     * peer after the handshake, so the driver's writes block (SSL_ERROR_WANT_WRITE)
     * until the harness delivers (like the 'b' action; 0: unbounded, the default). */
    unsigned capacity;
    /* Exhaustive mode: the tokens explored, as a schedule without prefix
     * ("dcke<>x"); NULL: every TA_SD_A_EXHAUSTIVE action of the table (and "<*"). */
    const char *actions;
    unsigned explore_flags; /* TA_SD_EXPLORE_* */
} ta_sd_opts;
/* Exhaustive mode without any pruning: every schedule up to the depth is run and
 * extended (tests compare it with the pruned search). */
#define TA_SD_EXPLORE_NO_PRUNE 0x1u
void ta_sd_opts_default(ta_sd_opts *o);

/* One case's result. Case names: "tls13/client/peer-eof/drain". */
typedef struct ta_sd_result {
    char name[128];
    char scenario[40]; /* scenario name, "schedule" for a replayed/explored one */
    ta_tls tls;
    ta_role role;
    ta_sd_answer expected;
    ta_sd_answer got;
    int pass;
    int rule;       /* ta_sd_rule violated, -1 */
    int flag;       /* warning raised on a pass, -1 */
    unsigned steps; /* step calls made */
    char detail[256];
    char schedule[200];   /* the schedule's string form (--schedule) */
    char reproducer[400]; /* full command line */
} ta_sd_result;


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
/* Every interleaving of the exhaustive actions {d, c, k, e, <, >, x, g, f, b, j} (those
 * with TA_SD_A_EXHAUSTIVE in the action table, and "<*": coalesced deliveries) after
 * the start up to depth, both versions and roles, from two roots: "s" and "bs"
 * (backpressure from the start), the local SSL reading ahead; o->actions replaces
 * the set. Schedules whose last action would change nothing are not run (nor, on
 * the last level, those whose last action could not change the verdict), and a
 * state already explored is not extended (the state key: sd_explore.c; off with
 * TA_SD_EXPLORE_NO_PRUNE). Violations become results (one per distinct violated
 * rule and version/role, shortest first). */
typedef struct ta_sd_explore_stats {
    uint64_t explored;    /* schedules run */
    uint64_t distinct;    /* distinct states reached (state keys, sd_explore.c) */
    uint64_t pruned_idle; /* schedules not run: their last action would change nothing */
    uint64_t pruned_seen; /* schedules run whose state was already explored: not extended */
    uint64_t violations;  /* runs the oracle failed */
    double seconds;
    uint64_t pruned_silent; /* last-level schedules not run: their last action could
                               not change the verdict of the shorter one */
    uint64_t pruned_twin;   /* schedules not run: their last action would deliver
                               exactly what an earlier sibling's did */
} ta_sd_explore_stats;
TA_MUST_CHECK ta_status ta_sd_explore(const ta_sd_driver *d, const ta_sd_opts *o, unsigned depth,
                                      ta_sd_report **out, ta_sd_explore_stats *out_stats);
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

/* The report as a subject for JUnit/SARIF: a check per case, a finding per
 * failed case and per warning raised on a pass, and where the driver lives. */
TA_MUST_CHECK ta_status ta_sd_report_to_subject(const ta_sd_report *r, ta_subject_report *out);

/* ------------------------------------------------ live endpoints */

/*
 * Real, unmodified programs over real sockets (README, "Checking a live
 * endpoint"). The scripted peer is a real OpenSSL endpoint whose records go
 * through a TCP socket on 127.0.0.1; what the program under test does is seen
 * as timestamped wire events (close_notify, alerts, data, bytes after
 * close_notify, FIN, RST, still open at the end of a window: never a close).
 * Each scenario runs `repeat` times; every distinct outcome is reported with
 * its count, and a scenario passes only when every outcome is allowed.
 *   TA_SD_FORM_CONNECT  a server at HOST:PORT (optionally started by `start`);
 *                       tlsaudit is the client. Result role: server.
 *   TA_SD_FORM_CLIENT   `cmd` with {port} substituted, started per run;
 *                       tlsaudit is the server. Result role: client.
 *   TA_SD_FORM_SHIM     `cmd` started per run with the shim protocol's
 *                       environment (tools/shims/README.md). Role: client.
 */
typedef enum {
    TA_SD_FORM_CONNECT = 0,
    TA_SD_FORM_CLIENT,
    TA_SD_FORM_SHIM,
    TA_SD_FORM_COUNT
} ta_sd_form;
const char *ta_sd_form_name(ta_sd_form f); /* "connect", "client", "shim" */

typedef struct ta_sd_remote_opts {
    ta_sd_form form;
    const char *connect; /* HOST:PORT (connect) */
    const char *start;   /* command starting the server (connect; NULL: already running) */
    const char *cmd;     /* client or shim command */
    int http;            /* connect: speak HTTP/1.1 (a GET, keep-alive or Connection: close) */
    unsigned repeat;     /* runs per scenario (default 3) */
    double window_s;     /* how long to wait for an answer (default 2) */
    double hold_s;       /* SD-HOLD: open this long after its close_notify (default 2) */
    double idle_s;       /* SD-IDLE-TIMER bound (default 5) */
    double timeout_s;    /* hard timeout of a client or shim run (default 5) */
    double start_s;      /* how long the server may take to open its port (default 10) */
    unsigned starve_n;   /* silent finished connections before the fresh handshake (3) */
    unsigned cancel_ms;  /* TA_SHIM_CANCEL_MS of the cancel scenario (default 300) */
    const char *only;    /* globs over case names ("tls13/server/our-cn-first/connect") */
    const char *target;  /* CLI form for reproducers ("--connect 127.0.0.1:8443 --http") */
} ta_sd_remote_opts;
void ta_sd_remote_opts_default(ta_sd_remote_opts *o);

/* A named scenario of the live forms. forms: bit (1u << ta_sd_form). */
typedef struct ta_sd_remote_scenario {
    const char *name, *description, *source;
    unsigned forms, versions;
    int http; /* 1: connect form with --http only */
} ta_sd_remote_scenario;
const ta_sd_remote_scenario *ta_sd_remote_scenario_table(size_t *out_count);

/* Run every scenario of o->form (matching o->only). TA_E_NET when the server
 * cannot be reached or started, TA_E_ARG for bad options. */
TA_MUST_CHECK ta_status ta_sd_remote(const ta_sd_remote_opts *o, ta_sd_report **out);

#ifdef __cplusplus
}
#endif
#endif /* TLSAUDIT_SHUTDOWN_H */
