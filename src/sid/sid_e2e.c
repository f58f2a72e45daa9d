/*
 * sid_e2e.c - the callback installed on a real server context
 * (SSL_CTX_set_generate_session_id) and real handshakes over the memory-BIO pair.
 *
 * Where OpenSSL calls it (server side, measured on 3.0; ssl/ssl_sess.c):
 *   TLS 1.2 default (tickets on)    never: the ticket carries the session;
 *   TLS 1.2 + SSL_OP_NO_TICKET      once per full handshake (session-id resumption);
 *   TLS 1.3 stateless tickets       once per NewSessionTicket;
 *   TLS 1.3 + SSL_OP_NO_TICKET      once per NewSessionTicket, and the id is the
 *                                   ticket (stateful): only 32-byte ids resume.
 * Every connection is shut down cleanly: SSL_free of an unclean connection evicts
 * its session from the cache and would hide duplicate ids.
 */
#include <string.h>
#include <unistd.h>
#include <openssl/err.h>

#include "sid_internal.h"

typedef struct ta__e2e_rec {
    ta_sid_cb cb;
    ta__sid_cx *cx;
    uint64_t calls;
    unsigned last_len;
    uint8_t last[TA__SID_MAX];
    unsigned min_len;
} ta__e2e_rec;

static int ta__e2e_idx = -1;

/* Installed on the server: records what the callback under test produced. */
static int ta__e2e_gen(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    ta__e2e_rec *r = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ta__e2e_idx);
    int ret;

    ta__sid_tick(r->cx);
    r->calls++;
    ret = r->cb(ssl, id, id_len);
    if (ret != 0 && *id_len >= 1 && *id_len <= TA__SID_MAX) {
        r->last_len = *id_len;
        memcpy(r->last, id, *id_len);
        if (*id_len < r->min_len)
            r->min_len = *id_len;
    }
    return ret;
}

/* Process the TLS 1.3 NewSessionTickets (they follow the handshake). */
static ta_status ta__e2e_settle(ta_pair *p, ta_tls v)
{
    unsigned char b[4];
    size_t n = 0;
    if (v != TA_TLS13)
        return TA_OK;
    TA_GUARD(ta_pair_write(p, TA_SERVER, "t", 1, TA_DEFAULT_STEPS));
    return ta_pair_read(p, TA_CLIENT, b, sizeof(b), &n, TA_DEFAULT_STEPS);
}

static void ta__e2e_run(ta__sid_cx *cx, const char *name, ta_tls v, uint64_t server_opts)
{
    ta_ctx_opts co = {.server_options = server_opts, .num_tickets = -1};
    ta__e2e_rec rec = {cx->cb, cx, 0, 0, {0}, TA__SID_MAX + 1};
    ta_ctx *ctx = NULL;
    SSL_SESSION *sess[TA_SID_HANDSHAKES_MAX] = {0};
    /* About 3 calls a handshake (TLS 1.3: 2 tickets, then the resumption's). */
    int h_n = cx->o->handshakes < TA_SID_HANDSHAKES_MAX ? cx->o->handshakes : TA_SID_HANDSHAKES_MAX;
    char what[80];
    snprintf(what, sizeof(what), "%s handshakes", name);
    h_n = (int)ta__sid_calls(cx, what, (size_t)h_n, 1, 3);
    int fails = 0, first_fail = 0, mism = 0, resumed = 0, tried = 0;
    uint64_t full_calls = 0;
    char why[300] = "", mism_text[160] = "";
    const int stateful = v == TA_TLS13 && (server_opts & SSL_OP_NO_TICKET);

    if (ta__e2e_idx < 0)
        ta__e2e_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    if (ta_ctx_new(cx->env, v, TA_MODE_CERT, &co, &ctx) != TA_OK) {
        ta__child_harness_fail("%s: context: %s", name, ta_last_error()->message);
    }
    SSL_CTX_set_ex_data(ta_ctx_server(ctx), ta__e2e_idx, &rec);
    SSL_CTX_set_generate_session_id(ta_ctx_server(ctx), ta__e2e_gen);
    cx->sh->planned = (uint64_t)h_n * 2;

    for (int h = 0; h < h_n; h++) {
        ta_pair *p = NULL;
        uint64_t before = rec.calls;
        ta_status st;
        ta__sid_phase(cx, "%s: full handshake %d of %d", name, h + 1, h_n);
        ta__sid_beat(cx);
        if (ta_pair_new(ctx, &p) != TA_OK)
            TA__SID_SETUP_FAIL();
        st = ta_pair_handshake(p, TA_DEFAULT_STEPS);
        if (st == TA_OK)
            st = ta__e2e_settle(p, v);
        if (st == TA_OK) {
            sess[h] = SSL_get1_session(ta_pair_ssl(p, TA_CLIENT));
            if (v == TA_TLS12 && rec.calls > before && sess[h] != NULL) {
                unsigned int len = 0;
                const unsigned char *seen = SSL_SESSION_get_id(sess[h], &len);
                if ((len != rec.last_len || memcmp(seen, rec.last, len) != 0) && mism++ == 0)
                    snprintf(mism_text, sizeof(mism_text),
                             "; at handshake %d the client saw a %u-byte id, the callback "
                             "made a %u-byte one",
                             h + 1, len, rec.last_len);
            }
            st = ta_pair_shutdown(p, TA_CLIENT, TA_DEFAULT_STEPS);
        }
        if (st != TA_OK && fails++ == 0) {
            first_fail = h + 1;
            snprintf(why, sizeof(why), "%s", ta_last_error()->message);
        }
        ERR_clear_error();
        ta_pair_free(p);
    }
    full_calls = rec.calls;

    for (int h = 0; h < h_n; h++) {
        ta_pair *p = NULL;
        if (sess[h] == NULL)
            continue;
        ta__sid_phase(cx, "%s: resumption %d of %d", name, h + 1, h_n);
        ta__sid_beat(cx);
        tried++;
        if (ta_pair_new(ctx, &p) != TA_OK)
            TA__SID_SETUP_FAIL();
        if (SSL_set_session(ta_pair_ssl(p, TA_CLIENT), sess[h]) == 1
            && ta_pair_handshake(p, TA_DEFAULT_STEPS) == TA_OK && ta__e2e_settle(p, v) == TA_OK) {
            resumed += SSL_session_reused(ta_pair_ssl(p, TA_CLIENT)) == 1;
            if (ta_pair_shutdown(p, TA_CLIENT, TA_DEFAULT_STEPS) != TA_OK)
                ERR_clear_error(); /* resumption is what counts here */
        }
        ERR_clear_error();
        ta_pair_free(p);
        SSL_SESSION_free(sess[h]);
    }

    if (full_calls == 0 && fails == 0)
        ta__sid_emit(cx, TA_SID_NEVER_CALLED,
                     "%s: 0 calls in %d full handshakes (%d of %d resumptions succeeded): "
                     "OpenSSL never asks the callback for an id here, so this configuration "
                     "tells nothing about it",
                     name, h_n, resumed, tried);
    if (fails)
        ta__sid_emit(cx, TA_SID_HANDSHAKE,
                     "%s: %d of %d handshakes failed (callback called %llu times); first at "
                     "handshake %d: %s",
                     name, fails, h_n, (unsigned long long)full_calls, first_fail, why);
    else if (mism)
        ta__sid_emit(cx, TA_SID_HANDSHAKE,
                     "%s: ids seen by the client differ from the ids "
                     "generated in %d of %d handshakes%s",
                     name, mism, h_n, mism_text);
    if (stateful && rec.min_len < TA__SID_MAX)
        ta__sid_emit(cx, TA_SID_SHORT_ID,
                     "%s: ids of %u bytes; %d of %d resumptions succeeded, the others fell "
                     "back to full handshakes",
                     name, rec.min_len, resumed, tried);
    if (!stateful)
        ta__sid_skip(cx, TA_SID_SHORT_ID);
    ta_ctx_free(ctx);
}

void ta__sid_check_e2e_tls12_noticket(ta__sid_cx *cx)
{
    ta__e2e_run(cx, "tls12/no-ticket", TA_TLS12, SSL_OP_NO_TICKET);
}

void ta__sid_check_e2e_tls12_tickets(ta__sid_cx *cx)
{
    ta__e2e_run(cx, "tls12/tickets", TA_TLS12, 0);
}

void ta__sid_check_e2e_tls13_stateless(ta__sid_cx *cx)
{
    ta__e2e_run(cx, "tls13/stateless", TA_TLS13, 0);
}

void ta__sid_check_e2e_tls13_stateful(ta__sid_cx *cx)
{
    ta__e2e_run(cx, "tls13/stateful", TA_TLS13, SSL_OP_NO_TICKET);
}
