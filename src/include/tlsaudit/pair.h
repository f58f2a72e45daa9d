/*
 * tlsaudit/pair.h - contexts, the memory-BIO pair the harness delivers on, bounded pumps, keys.
 */
#ifndef TLSAUDIT_PAIR_H
#define TLSAUDIT_PAIR_H

#include "tlsaudit/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- contexts */

typedef enum { TA_TLS12 = 0, TA_TLS13 = 1, TA_TLS_COUNT } ta_tls;
typedef enum {
    TA_MODE_CERT = 0, /* ECDSA P-256 key + self-signed cert made in memory */
    TA_MODE_PSK,      /* pre-shared key, no certificate */
    TA_MODE_RESUME,   /* full handshake once, then every pair resumes */
    TA_MODE_COUNT
} ta_mode;
typedef enum { TA_CLIENT = 0, TA_SERVER = 1, TA_ROLE_COUNT } ta_role;

const char *ta_tls_name(ta_tls v);       /* "tls12", "tls13" */
const char *ta_mode_name(ta_mode m);     /* "cert", "psk", "resume" */
const char *ta_role_name(ta_role r);     /* "client", "server" */
int ta_tls_from_name(const char *name);  /* -1 if unknown */
int ta_mode_from_name(const char *name); /* -1 if unknown */
int ta_role_from_name(const char *name); /* -1 if unknown */

/* Options for ta_ctx_new; zero-initialise and set what you need. */
typedef struct ta_ctx_opts {
    uint64_t server_options;   /* extra SSL_OP_* for the server SSL_CTX */
    uint64_t client_options;   /* extra SSL_OP_* for the client SSL_CTX */
    int num_tickets;           /* TLS 1.3 tickets per handshake; <0: OpenSSL default */
    int server_cache_off;      /* 1: SSL_SESS_CACHE_OFF on the server */
    const char *tls13_suites;  /* SSL_CTX_set_ciphersuites on both sides, or NULL */
    const char *tls12_ciphers; /* SSL_CTX_set_cipher_list on both sides, or NULL
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
/* Bytes delivered to side that it has not read yet (its transport end's count). */
size_t ta_pair_unread(ta_pair *p, ta_role side);
/* Append arbitrary bytes to the queue of direction d (they are delivered like
 * the sender's own, but are not part of its record view). */
TA_MUST_CHECK ta_status ta_pair_inject(ta_pair *p, ta_dir d, const void *buf, size_t len);

/* Backpressure: at most cap bytes in flight in direction d (written and not yet
 * delivered, plus delivered and not yet read by the receiver); a write beyond it
 * takes what fits and the sender's SSL sees SSL_ERROR_WANT_WRITE. 0: unbounded
 * (the default). Set it after the handshake: it bounds every write. */
void ta_pair_set_capacity(ta_pair *p, ta_dir d, size_t cap);
/* Bytes the sender of d may still write before it blocks (SIZE_MAX: unbounded). */
size_t ta_pair_room(ta_pair *p, ta_dir d);
/* Bytes of records side's SSL has built that have not reached the transport yet
 * (held in OpenSSL's write buffer because the transport was full). */
size_t ta_pair_stuck(ta_pair *p, ta_role side);

/* Every byte the sender of direction d wrote, in order (injected bytes excluded). */
const uint8_t *ta_pair_transcript(ta_pair *p, ta_dir d, size_t *out_len);

/* Record view: one entry per TLS record the sender of d wrote, from OpenSSL's
 * message callback, so TLS 1.3 records show their inner content type. */
typedef enum {
    TA_REC_HANDSHAKE,
    TA_REC_CCS,
    TA_REC_APPDATA,
    TA_REC_CLOSE_NOTIFY,
    TA_REC_ALERT, /* any alert other than close_notify */
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
TA_MUST_CHECK ta_status ta_pair_write(ta_pair *p, ta_role side, const void *buf, size_t len,
                                      int max_steps);
/* Read up to cap bytes; *out_n gets the count (0 with TA_OK: close_notify seen). */
TA_MUST_CHECK ta_status ta_pair_read(ta_pair *p, ta_role side, void *buf, size_t cap, size_t *out_n,
                                     int max_steps);
/* Bidirectional shutdown of `side`: SSL_shutdown until it returns 1, the peer
 * answering with its own SSL_shutdown. */
TA_MUST_CHECK ta_status ta_pair_shutdown(ta_pair *p, ta_role side, int max_steps);


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

#ifdef __cplusplus
}
#endif
#endif /* TLSAUDIT_PAIR_H */
