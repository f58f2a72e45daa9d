/*
 * sd_remote.h - what the live-endpoint runner (sd_remote.c) and its scenario
 * sets (sd_remote_server.c: tlsaudit is the client of a server under test;
 * sd_remote_client.c: tlsaudit is the server of a client or shim) share.
 * Private to those files.
 */
#ifndef TA_SD_REMOTE_H
#define TA_SD_REMOTE_H

#include "internal.h"
#include "wire.h"

/* One run of one scenario, and what the scenario concluded from it. */
typedef struct ta__rrun {
    const ta_sd_remote_opts *o;
    ta_tls v;
    SSL_CTX *ctx;    /* our side, pinned to v */
    ta__hostport hp; /* connect form */
    const char *dir; /* private directory (client and shim forms): ca.pem, out */
    /* The outcome: key is what distinguishes outcomes (counted), note is
     * evidence (times, output) kept from the first run with that key. */
    char key[96];
    char note[240];
    int rule, flag; /* ta_sd_rule violated / warned, -1 */
    ta_sd_answer expected, got;
} ta__rrun;

typedef void (*ta__rplay)(ta__rrun *r);
/* A scenario row: the public part and what plays one run. */
typedef struct ta__rscen {
    ta_sd_remote_scenario pub;
    ta__rplay play;
    unsigned forges : 1; /* our records are forged: a forging context (wire.h) */
    unsigned last : 1;   /* runs after every other scenario of the form (sanity-last) */
} ta__rscen;

extern const ta__rscen ta__sd_rscen_server[];
extern const size_t ta__sd_rscen_server_n;
extern const ta__rscen ta__sd_rscen_client[];
extern const size_t ta__sd_rscen_client_n;
extern const ta__rscen ta__sd_rscen_shim[];
extern const size_t ta__sd_rscen_shim_n;
/* Forged records (sd_remote_forge.c): warning alerts, data after close_notify. */
extern const ta__rscen ta__sd_rscen_forge[];
extern const size_t ta__sd_rscen_forge_n;

/* Outcome helpers. */
void ta__r_set(ta__rrun *r, int rule, const char *key, const char *fmt, ...) TA_PRINTF(4, 5);
/* The events of w from index `from`, as outcome words: "cn fin", "alert:bad_record_mac fin",
 * "fin", "open" (the key part; times are left to the note). */
void ta__r_words(const ta__wire *w, size_t from, char *out, size_t cap);

/* A connection to the server under test, handshake done within the window; 0
 * with the outcome set ("no-handshake") when it failed. sess: resume it (may
 * be NULL). */
int ta__r_dial(ta__rrun *r, SSL_SESSION *sess, ta__wire **out);
/* Close a collection connection cleanly (our close_notify, a short wait). */
void ta__r_hangup(ta__wire *w);

/* The server form's pieces the forged scenarios share (sd_remote_server.c). */
const char *ta__r_http_get(int keepalive);
/* 1 once a whole HTTP response is in (a ta__wire_observe done function). */
int ta__r_http_done(const ta__wire *w, void *arg);
/* The connection a scenario acts on: handshake done, the server reading; 0
 * with the outcome set when the server closed first. */
int ta__r_exchange(ta__rrun *r, ta__wire *w);
/* After we ended the connection: the server must close its side within the
 * window; need_cn: with its own close_notify. Sets the outcome. */
void ta__r_judge_close(ta__rrun *r, const ta__wire *w, size_t mark, int need_cn);

/* The client and shim forms' plumbing (sd_remote_client.c). */
/* One run's program and its connection. */
typedef struct ta__rcl {
    ta__proc *p;
    ta__wire *w;
    ta__child_end end;
    int hung; /* still running at the hard timeout */
    double t0;
} ta__rcl;

/* Listen, start the program (shim form: its environment, TA_SHIM_READ=read),
 * accept its connection and handshake: 1; 0 with the outcome set when the
 * set-up failed; -1 it never connected, -2 the handshake failed (judged by
 * how the program ended). */
int ta__cl_begin(ta__rrun *r, const char *read, unsigned cancel_ms, ta__rcl *c);
/* Wait for the program to end, up to the hard timeout from its start; then it
 * is a hang (c->hung) and its group is killed. */
void ta__cl_finish(ta__rrun *r, ta__rcl *c);
/* Observe until done, the program's close, or its hard timeout. */
void ta__cl_watch(ta__rrun *r, ta__rcl *c, int (*done)(const ta__wire *, void *));
/* Its close_notify is in (a done function). */
int ta__cn_in(const ta__wire *w, void *arg);
/* Send s (and our close_notify) in one write. */
void ta__cl_send(ta__wire *w, const char *s, int cn);

#endif
