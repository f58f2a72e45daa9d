/*
 * wire.h - the scripted OpenSSL peer on a real TCP socket (ep_wire.c) and the
 * key material a live endpoint needs (ep_cert.c). Private to src/.
 *
 * The peer's SSL reads and writes memory BIOs; ep_wire.c moves the bytes between
 * those BIOs and the socket itself, so every record the peer writes can be sent
 * whole, split, coalesced with the next, cut mid-record or corrupted, and every
 * byte the endpoint under test sends is seen with a timestamp. Alerts are seen
 * decrypted (SSL_set_msg_callback). A window that ends with the connection open
 * is "open", never a close (endpoints-facts.md).
 */
#ifndef TA_WIRE_H
#define TA_WIRE_H

#include "endpoint.h"

/* What the endpoint under test did, in order, timed from the peer's creation. */
typedef enum ta__wev_kind {
    TA__WEV_CN = 0,   /* its close_notify */
    TA__WEV_ALERT,    /* another alert (level, desc) */
    TA__WEV_DATA,     /* application data (n bytes) */
    TA__WEV_AFTER_CN, /* bytes on the wire after its close_notify (n) */
    TA__WEV_FIN,
    TA__WEV_RST,
    TA__WEV_OPEN, /* still open at the end of a window */
    TA__WEV_ERROR /* a TLS error of ours reading its bytes */
} ta__wev_kind;

typedef struct ta__wev {
    double t; /* seconds since the peer was made */
    ta__wev_kind kind;
    int level, desc;
    size_t n;
} ta__wev;

#define TA__WIRE_EVENTS 48
#define TA__WIRE_APP_KEEP 65536
#define TA__WIRE_SENT_KEEP (256 * 1024) /* past it, forging fails (-1) */

typedef struct ta__wire {
    SSL *ssl;
    BIO *rb, *wb; /* network side: bytes in from the socket, bytes out to it */
    int fd;
    double t0;
    ta__wev ev[TA__WIRE_EVENTS];
    size_t nev;
    int cn, fin, rst, fatal, dead; /* seen: its close_notify, FIN, RST, a fatal alert */
    double t_cn, t_fin;            /* when (t_fin: FIN or RST) */
    size_t app, after_cn;          /* application bytes; bytes after its close_notify */
    ta__buf in;                    /* the application bytes (first TA__WIRE_APP_KEEP) */
    char err[120];                 /* why the handshake or a read failed */
    /* Forging (ep_forge.c): every byte we sent (the sequence numbers come from
     * it), our write traffic secret (TLS 1.3, from the keylog callback), and
     * whether a forged record went out (then our SSL's own writes are stale). */
    int is_server, forged;
    ta__buf sent;
    char secret[160];
} ta__wire;

/* A peer on fd (owned: closed by ta__wire_free unless taken) with a new SSL of
 * ctx in the given role. */
TA_MUST_CHECK ta_status ta__wire_new(SSL_CTX *ctx, int fd, int is_server, ta__wire **out);
void ta__wire_free(ta__wire *w);
/* Handshake within timeout_s: 1 done, 0 failed (w->err says why). */
int ta__wire_handshake(ta__wire *w, double timeout_s);
/* Queue n bytes of application data / our close_notify (nothing sent yet). */
int ta__wire_queue_data(ta__wire *w, const void *b, size_t n);
int ta__wire_queue_cn(ta__wire *w);
/* Take everything the SSL wrote and not sent yet. */
void ta__wire_take(ta__wire *w, ta__buf *out);
/* Send bytes as they are, in one write. 0, -1 on error. */
int ta__wire_send(ta__wire *w, const void *b, size_t n);
/* Send what is queued: in one write, or one write per record (split). */
int ta__wire_flush(ta__wire *w, int split);
/* Read for up to window_s, feeding our SSL, until done(w, arg) says 1 (may be
 * NULL), a FIN or an RST. Ends with an OPEN event when the window ran out. */
void ta__wire_observe(ta__wire *w, double window_s, int (*done)(const ta__wire *w, void *arg),
                      void *arg);
/* The events as one short line ("data:120 cn@0.01 fin@0.02"). */
void ta__wire_events_text(const ta__wire *w, size_t from, char *out, size_t cap);
/* The name of an alert description (OpenSSL's long form). */
const char *ta__alert_name(int desc);

/* ---------------------------------------------------------------- forging */

/* OpenSSL cannot be made to send a warning alert other than close_notify, or
 * application data after its close_notify, yet a peer can (ep_forge.c, with
 * the engine's forger sd_forge.c). Make ctx's connections forgeable: only
 * AES-128-GCM with SHA-256, a keylog callback (TLS 1.3 secrets), and no TLS 1.3
 * tickets of ours as a server (they would hide the sequence number). */
TA_MUST_CHECK ta_status ta__wire_forging_ctx(SSL_CTX *ctx, int is_server);
/* Append to out whatever our SSL wrote and was not sent yet, then n bytes of
 * `type` as authentic records in our name (at most 32 bytes each; n == 0: one
 * empty record). From then on our SSL's own writes are dropped (their sequence
 * numbers are stale): a scenario forges everything it sends after. 0, or -1
 * when our keys or sequence number cannot be known (not an AEAD suite of the
 * forging context, a renegotiation, a transcript too long). */
int ta__wire_forge(ta__wire *w, uint8_t type, const void *b, size_t n, ta__buf *out);
/* An alert (level, desc) in our name, appended to out as above. */
int ta__wire_forge_alert(ta__wire *w, int level, int desc, ta__buf *out);

/* ---------------------------------------------------------------- key material */

/* The certificate a live endpoint is served (valid for localhost and
 * 127.0.0.1) and its key, made once per process in memory. */
TA_MUST_CHECK ta_status ta__ep_keys(EVP_PKEY **key, X509 **cert);
/* A context pinned to one version (min = max): a client that does not verify,
 * or a server with the key material above. */
TA_MUST_CHECK ta_status ta__ep_ctx(int is_server, ta_tls v, SSL_CTX **out);
/* A private directory (0700) holding ca.pem (the certificate) and key.pem;
 * ta__ep_dir_remove removes it. */
TA_MUST_CHECK ta_status ta__ep_dir(char *dir, size_t cap);
void ta__ep_dir_remove(const char *dir);

#endif
