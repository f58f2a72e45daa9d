/*
 * sd_forge.c - authentic records in the peer's name.
 *
 * OpenSSL has no API to make an endpoint send a warning alert other than
 * close_notify, or an empty application_data record, yet both are legal
 * (RFC 8446 §6 user_canceled, §5.4 zero-length application data; RFC 5246
 * §6.2.1, §7.2). The harness forges them with the peer's own keys so that the
 * local side sees a record it must authenticate and accept:
 *   TLS 1.3: the peer's application traffic secret from the keylog callback,
 *            key/iv by HKDF-Expand-Label (RFC 8446 §7.1, §7.3), nonce iv ^ seq;
 *   TLS 1.2: the key block from the session's master secret (RFC 5246 §6.3),
 *            AES-GCM with salt || explicit sequence number (RFC 5288 §3).
 * Only AES-128-GCM with SHA-256 is handled: the suites of the PSK contexts.
 * The sequence number comes from the peer's transcript (TLS 1.2: records after
 * its ChangeCipherSpec; TLS 1.3: records that authenticate under the key).
 */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include "internal.h"

static int ta__hex(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* HKDF-Expand-Label(secret, label, "", len) with SHA-256, len <= 32. */
static int ta__expand_label(const uint8_t *secret, size_t slen, const char *label, uint8_t *out,
                            size_t len)
{
    uint8_t info[64], t[EVP_MAX_MD_SIZE];
    unsigned int tl = 0;
    size_t ll = strlen(label), n = 0;

    info[n++] = 0;
    info[n++] = (uint8_t)len;
    info[n++] = (uint8_t)(6 + ll);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, ll);
    n += ll;
    info[n++] = 0;    /* empty context */
    info[n++] = 0x01; /* T(1) = HMAC(secret, info || 0x01) */
    if (HMAC(EVP_sha256(), secret, (int)slen, info, n, t, &tl) == NULL || tl < len)
        return 0;
    memcpy(out, t, len);
    return 1;
}

/* AES-128-GCM seal (enc = 1) or open (enc = 0, tag checked). */
static int ta__gcm(int enc, const uint8_t key[16], const uint8_t nonce[12], const uint8_t *aad,
                   size_t alen, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[16])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ok = 0, n = 0;

    if (c != NULL && EVP_CipherInit_ex(c, EVP_aes_128_gcm(), NULL, NULL, NULL, enc) == 1
        && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1
        && EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) == 1
        && EVP_CipherUpdate(c, NULL, &n, aad, (int)alen) == 1
        && (len == 0 || EVP_CipherUpdate(c, out, &n, in, (int)len) == 1)
        && (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1)
        && EVP_CipherFinal_ex(c, out + (len ? n : 0), &n) == 1
        && (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1))
        ok = 1;
    EVP_CIPHER_CTX_free(c);
    return ok;
}

/* Make every primitive the forger uses once, in the process workers are forked
 * from: OpenSSL 3.0 fetches each one by name on first use and caches it, and a
 * worker restarted after a crash inherited none of that (crash-on-alert forged
 * an alert in nearly every schedule that killed its worker: ~0.7 ms of fetching
 * in each new worker). The outputs are thrown away. */
void ta__sd_forge_warm(void)
{
    static const uint8_t zero[32];
    uint8_t out[16], tag[16];
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;

    (void)ta__expand_label(zero, sizeof(zero), "key", out, sizeof(out));
    (void)ta__gcm(1, zero, zero, zero, 5, zero, sizeof(out), out, tag);
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
    ERR_clear_error();
}

static void ta__be64(uint8_t b[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (uint8_t)v;
}

/* TLS 1.2 key block: client key, server key, client salt, server salt. */
static int ta__tls12_keys(SSL *peer, int peer_is_server, uint8_t key[16], uint8_t salt[4])
{
    uint8_t master[48], seed[13 + 64], kb[40];
    size_t mlen = SSL_SESSION_get_master_key(SSL_get_session(peer), master, sizeof(master));
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[4];
    int ok = 0;

    memcpy(seed, "key expansion", 13);
    SSL_get_server_random(peer, seed + 13, 32);
    SSL_get_client_random(peer, seed + 45, 32);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, master, mlen);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof(seed));
    params[3] = OSSL_PARAM_construct_end();
    if (mlen == 48 && kc != NULL && EVP_KDF_derive(kc, kb, sizeof(kb), params) == 1) {
        memcpy(key, kb + (peer_is_server ? 16 : 0), 16);
        memcpy(salt, kb + (peer_is_server ? 36 : 32), 4);
        ok = 1;
    }
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
    OPENSSL_cleanse(master, sizeof(master));
    return ok;
}

int ta__sd_forge(SSL *peer, int peer_is_server, ta_tls v, const char *secret_hex,
                 const uint8_t *transcript, size_t tlen, uint8_t type, const uint8_t *content,
                 size_t clen, uint64_t seq_shift, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t key[16], iv[12], nonce[12], aad[8 + TA__REC_HEADER], tag[16], plain[64], buf[256];
    uint64_t seq = 0;

    if (clen > 32 || cap < TA__REC_HEADER + 8 + clen + 1 + 16)
        return 0;
    if (v == TA_TLS12) {
        int ccs = 0;
        if (!ta__tls12_keys(peer, peer_is_server, key, iv))
            return 0;
        for (size_t w = 0; w + TA__REC_HEADER <= tlen;) { /* records after the one CCS */
            size_t rl = ta__rec_len(transcript + w);
            if (ccs)
                seq++;
            if (transcript[w] == SSL3_RT_CHANGE_CIPHER_SPEC)
                ccs++;
            w += rl;
        }
        if (ccs != 1)
            return 0; /* renegotiated or not yet encrypting: keys unknown */
        seq += seq_shift;
        memcpy(nonce, iv, 4);
        ta__be64(nonce + 4, seq);
        ta__be64(aad, seq);
        ta__rec_put_header(aad + 8, type, clen); /* RFC 5246 §6.2.3.3: seq || header */
        size_t len = 8 + clen + 16;
        ta__rec_put_header(out, type, len);
        memcpy(out + TA__REC_HEADER, nonce + 4, 8); /* explicit nonce */
        if (!ta__gcm(1, key, nonce, aad, sizeof(aad), content, clen, out + TA__REC_HEADER + 8, tag))
            return 0;
        memcpy(out + TA__REC_HEADER + 8 + clen, tag, 16);
        *out_len = TA__REC_HEADER + len;
        return 1;
    }
    /* TLS 1.3 */
    uint8_t secret[48];
    size_t slen = secret_hex ? strlen(secret_hex) / 2 : 0;
    if (slen != 32)
        return 0;
    for (size_t i = 0; i < slen; i++) {
        int hi = ta__hex(secret_hex[2 * i]), lo = ta__hex(secret_hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        secret[i] = (uint8_t)(hi * 16 + lo);
    }
    if (!ta__expand_label(secret, slen, "key", key, 16)
        || !ta__expand_label(secret, slen, "iv", iv, 12))
        return 0;
    /* The next sequence number: protected records that open under this key. */
    for (size_t w = 0; w + TA__REC_HEADER <= tlen;) {
        size_t rl = ta__rec_len(transcript + w);
        if (transcript[w] == SSL3_RT_APPLICATION_DATA && rl >= TA__REC_HEADER + 17
            && rl - TA__REC_HEADER - 16 <= sizeof(buf) && w + rl <= tlen) {
            memcpy(nonce, iv, 12);
            uint8_t s8[8];
            ta__be64(s8, seq);
            for (int i = 0; i < 8; i++)
                nonce[4 + i] ^= s8[i];
            memcpy(tag, transcript + w + rl - 16, 16);
            if (ta__gcm(0, key, nonce, transcript + w, TA__REC_HEADER,
                        transcript + w + TA__REC_HEADER, rl - TA__REC_HEADER - 16, buf, tag))
                seq++;
        }
        w += rl;
    }
    seq += seq_shift;
    if (clen > 0)
        memcpy(plain, content, clen);
    plain[clen] = type; /* TLSInnerPlaintext: content || type, no padding */
    size_t len = clen + 1 + 16;
    ta__rec_put_header(out, SSL3_RT_APPLICATION_DATA, len); /* RFC 8446 §5.2: opaque_type */
    memcpy(nonce, iv, 12);
    uint8_t s8[8];
    ta__be64(s8, seq);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= s8[i];
    if (!ta__gcm(1, key, nonce, out, TA__REC_HEADER, plain, clen + 1, out + TA__REC_HEADER, tag))
        return 0;
    memcpy(out + TA__REC_HEADER + clen + 1, tag, 16);
    *out_len = TA__REC_HEADER + len;
    OPENSSL_cleanse(secret, sizeof(secret));
    return 1;
}
