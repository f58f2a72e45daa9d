/*
 * ep_forge.c - authentic records in the scripted peer's name on a real socket
 * (wire.h): a warning alert, a close_notify OpenSSL does not know it sent,
 * application data after our close_notify (RFC 8446 §6.1, RFC 5246 §7.2: a
 * peer can send them, OpenSSL refuses to).
 *
 * The record protection is the engine's (sd_forge.c: AES-128-GCM-SHA256, TLS
 * 1.2 key block from the master secret, TLS 1.3 traffic secret from the keylog
 * callback). Its sequence number comes from the transcript of every byte we
 * sent, which ta__wire_take keeps; forged records join that transcript, so
 * forgeries chain.
 */
#include <string.h>

#include <openssl/ssl.h>

#include "wire.h"

#define TA__FORGE_CHUNK 32 /* sd_forge.c's content limit per record */

/* SSL_CTX_set_keylog_callback(3): keep our own write secret of the
 * application epoch ("CLIENT_TRAFFIC_SECRET_0 <random> <secret>"). */
static void ta__forge_keylog(const SSL *ssl, const char *line)
{
    ta__wire *w = SSL_get_app_data(ssl);
    const char *label =
        w != NULL && w->is_server ? "SERVER_TRAFFIC_SECRET_0 " : "CLIENT_TRAFFIC_SECRET_0 ";
    if (w == NULL || strncmp(line, label, strlen(label)) != 0)
        return;
    const char *sec = strrchr(line, ' ');
    if (sec != NULL)
        snprintf(w->secret, sizeof(w->secret), "%s", sec + 1);
}

ta_status ta__wire_forging_ctx(SSL_CTX *ctx, int is_server)
{
    if (SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") != 1
        || SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-"
                                        "SHA256:AES128-GCM-SHA256")
               != 1)
        TA_BAIL_OSSL("forging context: AES-128-GCM-SHA256");
    if (is_server)
        (void)SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_keylog_callback(ctx, ta__forge_keylog);
    return TA_OK;
}

int ta__wire_forge(ta__wire *w, uint8_t type, const void *b, size_t n, ta__buf *out)
{
    const uint8_t *p = b;
    const SSL_CIPHER *c = SSL_get_current_cipher(w->ssl);
    ta_tls v = SSL_version(w->ssl) == TLS1_3_VERSION ? TA_TLS13 : TA_TLS12;

    /* Every AES-128-GCM suite of both versions has SHA-256 (sd_forge.c's PRF). */
    if (c == NULL || SSL_CIPHER_get_cipher_nid(c) != NID_aes_128_gcm)
        return -1;
    ta__wire_take(w, out); /* in order: what our SSL wrote goes first */
    size_t from = out->len;
    if (w->sent.len >= TA__WIRE_SENT_KEEP)
        return -1;
    do {
        uint8_t rec[TA__REC_HEADER + 8 + TA__FORGE_CHUNK + 1 + 16];
        size_t k = n < TA__FORGE_CHUNK ? n : TA__FORGE_CHUNK, len = 0;
        if (!ta__sd_forge(w->ssl, w->is_server, v, w->secret, w->sent.data, w->sent.len, type, p, k,
                          0, rec, sizeof(rec), &len)
            || ta__buf_append(&w->sent, rec, len) != TA_OK
            || ta__buf_append(out, rec, len) != TA_OK) {
            out->len = from; /* nothing half-forged goes out */
            return -1;
        }
        p += k;
        n -= k;
    } while (n > 0);
    w->forged = 1;
    return 0;
}

int ta__wire_forge_alert(ta__wire *w, int level, int desc, ta__buf *out)
{
    const uint8_t a[2] = {(uint8_t)level, (uint8_t)desc};
    return ta__wire_forge(w, SSL3_RT_ALERT, a, sizeof(a), out);
}
