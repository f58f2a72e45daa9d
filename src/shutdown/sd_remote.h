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
} ta__rscen;

extern const ta__rscen ta__sd_rscen_server[];
extern const size_t ta__sd_rscen_server_n;
extern const ta__rscen ta__sd_rscen_client[];
extern const size_t ta__sd_rscen_client_n;

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

#endif
