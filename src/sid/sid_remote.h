/*
 * sid_remote.h - the audit of a live server's session ids (`tlsaudit sid
 * --connect`), what its files share (src/sid/ only):
 *
 *   sid_remote_conn.c     one client connection: bounded connect and handshake,
 *                         clean and unclean closes, a fatal alert of ours
 *   sid_remote_collect.c  N handshakes over C parallel connections: the ids
 *                         (TLS 1.2) and NewSessionTickets (TLS 1.3)
 *   sid_remote_stats.c    what the ids look like: per-position statistics,
 *                         counters, the hash-key count (birthday estimate)
 *   sid_remote_resume.c   resumption: recent sessions, after an unclean close,
 *                         after our fatal alert
 *   sid_remote.c          the audit: start, collect, check, report, stop
 */
#ifndef TA_SID_REMOTE_H
#define TA_SID_REMOTE_H

#include <pthread.h>

#include "endpoint.h"
#include "sid_internal.h"

#define TA__SR_ENTRY (1 + TA__SID_MAX) /* an id: its length, then 32 bytes */
#define TA__SR_RECENT 8                /* sessions kept for resumption */

/* ------------------------------------------------------------ one connection */

typedef struct ta__sr_conn {
    int fd;
    SSL *ssl;
} ta__sr_conn;

/* A client context for version (TLS1_2_VERSION: no tickets offered, so the
 * server's session id is what resumes; TLS1_3_VERSION: tickets collected by
 * the collector's new-session callback). NULL with the error record set. */
SSL_CTX *ta__sr_client_ctx(int version);
/* Connect and handshake within timeout_s (each blocking call is bounded by
 * SO_RCVTIMEO/SO_SNDTIMEO), offering resume when not NULL. 0: done; -1: no TCP
 * connection, or it closed or timed out during the handshake; -2: the
 * handshake failed in TLS (an alert, a protocol error). err: one line. */
int ta__sr_open(const ta__hostport *hp, SSL_CTX *ctx, SSL_SESSION *resume, double timeout_s,
                ta__sr_conn *c, char *err, size_t cap);
/* Our close_notify, then read until the server's close_notify or EOF (what the
 * server sends meanwhile, TLS 1.3 tickets, is processed), at most wait_s.
 * Returns 1 when the server answered within wait_s, 0 otherwise. Frees c. */
int ta__sr_close_clean(ta__sr_conn *c, double wait_s);
/* No close_notify: a FIN, then up to wait_s for the server's close. Frees c. */
void ta__sr_close_unclean(ta__sr_conn *c, double wait_s);
/* Make our TLS stack send a fatal alert (bad_record_mac: it is fed one forged
 * record), keeping the connection open. 0 when the alert went out. */
int ta__sr_send_fatal_alert(ta__sr_conn *c);
void ta__sr_conn_free(ta__sr_conn *c);

/* ------------------------------------------------------------ collection */

typedef struct ta__sr_ids {
    uint8_t *e; /* n entries of TA__SR_ENTRY bytes, in arrival order */
    size_t n, cap;
} ta__sr_ids;
int ta__sr_ids_add(ta__sr_ids *s, const uint8_t *id, unsigned len); /* 0, -1: no memory */
void ta__sr_ids_free(ta__sr_ids *s);

typedef struct ta__sr_collect {
    /* in */
    const ta__hostport *hp;
    int version; /* TLS1_2_VERSION or TLS1_3_VERSION */
    size_t want; /* handshakes */
    unsigned conns;
    double timeout_s, deadline; /* deadline: ta__mono_s() at which to stop */
    void (*progress)(void *arg, const char *check, uint64_t calls, uint64_t planned);
    void *progress_arg;
    /* out */
    ta__sr_ids ids;    /* TLS 1.2 session ids; TLS 1.3: tickets of at most 32 bytes */
    size_t ok;         /* handshakes completed */
    size_t conn_fail;  /* no TCP connection, or closed / timed out in the handshake */
    size_t hs_fail;    /* handshake failures */
    size_t unanswered; /* our close_notify got no answer within the wait */
    int serial;        /* timeouts with parallel connections: one at a time from then on */
    int cut;           /* stopped at the deadline or after too many failures */
    char first_error[256];
    double seconds;
    /* TLS 1.3 */
    size_t tickets, stateless; /* tickets; of them longer than 32 bytes */
    size_t ticket_min, ticket_max;
    unsigned long life_min, life_max;
    size_t per_conn_min, per_conn_max;
    /* The last sessions that completed (for resumption), owned here. */
    SSL_SESSION *recent[TA__SR_RECENT];
    size_t nrecent; /* total ever stored; the ring holds the last TA__SR_RECENT */
    /* private */
    pthread_mutex_t mu;
    size_t next, done;
    SSL_CTX *ctx;
} ta__sr_collect;
/* Run it. TA_E_OSSL / TA_E_NOMEM only for our own failures. */
TA_MUST_CHECK ta_status ta__sr_collect_run(ta__sr_collect *c);
void ta__sr_collect_free(ta__sr_collect *c);

/* ------------------------------------------------------------ checks */

typedef struct ta__sr_cx {
    ta_sid_report *r;
    const ta_sid_remote_opts *o;
    const ta__hostport *hp;
    ta_env *env;
    double deadline; /* ta__mono_s() at which the budget ends */
} ta__sr_cx;

/* The structure checks of one collection of ids (label: "tls12-ids",
 * "tls13-tickets"): SID-DUPLICATE, SID-SHORT-ID, SID-BUCKET-COLLAPSE,
 * SID-PREDICTABLE, evidence prefixed "[label]". Marks those rules covered. */
void ta__sr_check_ids(ta__sr_cx *cx, const char *label, const ta__sr_ids *ids);
/* Resumption checks on the TLS 1.2 collection (SID-NEVER-RESUMES,
 * SID-RESUME-AFTER-ALERT, notes on unclean closes). */
void ta__sr_check_resume(ta__sr_cx *cx, SSL_CTX *ctx, ta__sr_collect *c12);

#endif
