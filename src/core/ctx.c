/*
 * ctx.c - server and client SSL_CTX pairs for one protocol version and mode.
 *
 * TA_MODE_CERT   ECDSA P-256 certificate (keys.c); the client does not verify.
 * TA_MODE_PSK    TLS 1.2: PSK-AES128-GCM-SHA256 through the psk callbacks;
 *                TLS 1.3: an external PSK session (TLS_AES_128_GCM_SHA256), psk_ke
 *                (no key exchange).
 * TA_MODE_RESUME a certificate context that made one full handshake at creation;
 *                every pair then offers that session. Tickets carry it (stateless),
 *                so a pair freed without a clean shutdown cannot evict it.
 *
 * The one circle of calls in core/: making a TA_MODE_RESUME context runs that
 * first handshake over a pair (pair.c, pump.c), and a pair reads its context. It
 * stays: a resumption context is not usable until it holds a session.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>

#include "internal.h"

struct ta_ctx {
    ta_env *env;
    ta_tls version;
    ta_mode mode;
    SSL_CTX *server, *client;
    SSL_SESSION *session; /* TA_MODE_RESUME: the session every pair resumes */
};

static const char *const ta__tls_names[] = {"tls12", "tls13"};
static const char *const ta__mode_names[] = {"cert", "psk", "resume"};
static const char *const ta__role_names[] = {"client", "server"};

#define TA__NAME_OF(table, i, n) ((unsigned)(i) < (n) ? (table)[(i)] : "?")

const char *ta_tls_name(ta_tls v)
{
    return TA__NAME_OF(ta__tls_names, v, TA_TLS_COUNT);
}
const char *ta_mode_name(ta_mode m)
{
    return TA__NAME_OF(ta__mode_names, m, TA_MODE_COUNT);
}
const char *ta_role_name(ta_role r)
{
    return TA__NAME_OF(ta__role_names, r, TA_ROLE_COUNT);
}

static int ta__lookup(const char *const *table, int n, const char *name)
{
    for (int i = 0; name != NULL && i < n; i++)
        if (strcmp(table[i], name) == 0)
            return i;
    return -1;
}

int ta_tls_from_name(const char *n)
{
    return ta__lookup(ta__tls_names, TA_TLS_COUNT, n);
}
int ta_mode_from_name(const char *n)
{
    return ta__lookup(ta__mode_names, TA_MODE_COUNT, n);
}
int ta_role_from_name(const char *n)
{
    return ta__lookup(ta__role_names, TA_ROLE_COUNT, n);
}

/* ------------------------------------------------------------ PSK callbacks */

static unsigned int ta__psk_server_cb(SSL *ssl, const char *identity, unsigned char *psk,
                                      unsigned int max_psk_len)
{
    (void)ssl;
    if (identity == NULL || strcmp(identity, ta_psk_identity) != 0
        || max_psk_len < sizeof(ta_psk_key))
        return 0;
    memcpy(psk, ta_psk_key, sizeof(ta_psk_key));
    return sizeof(ta_psk_key);
}

static unsigned int ta__psk_client_cb(SSL *ssl, const char *hint, char *identity,
                                      unsigned int max_identity_len, unsigned char *psk,
                                      unsigned int max_psk_len)
{
    (void)ssl;
    (void)hint;
    if (max_identity_len < (strlen(ta_psk_identity) + 1) || max_psk_len < sizeof(ta_psk_key))
        return 0;
    memcpy(identity, ta_psk_identity, (strlen(ta_psk_identity) + 1));
    memcpy(psk, ta_psk_key, sizeof(ta_psk_key));
    return sizeof(ta_psk_key);
}

/* TLS 1.3 external PSK (RFC 8446 §4.2.11): a session holding the key. */
static SSL_SESSION *ta__psk13_session(SSL *ssl)
{
    static const unsigned char aes128gcmsha256[2] = {0x13, 0x01};
    const SSL_CIPHER *cipher = SSL_CIPHER_find(ssl, aes128gcmsha256);
    SSL_SESSION *sess = SSL_SESSION_new();

    if (sess == NULL || cipher == NULL
        || !SSL_SESSION_set1_master_key(sess, ta_psk_key, sizeof(ta_psk_key))
        || !SSL_SESSION_set_cipher(sess, cipher)
        || !SSL_SESSION_set_protocol_version(sess, TLS1_3_VERSION)) {
        SSL_SESSION_free(sess);
        return NULL;
    }
    return sess;
}

static int ta__psk13_find_cb(SSL *ssl, const unsigned char *identity, size_t identity_len,
                             SSL_SESSION **sess)
{
    *sess = NULL;
    if (identity_len != strlen(ta_psk_identity)
        || memcmp(identity, ta_psk_identity, identity_len) != 0)
        return 1; /* unknown identity: no PSK, not an error */
    *sess = ta__psk13_session(ssl);
    return *sess != NULL;
}

static int ta__psk13_use_cb(SSL *ssl, const EVP_MD *md, const unsigned char **id, size_t *idlen,
                            SSL_SESSION **sess)
{
    (void)md;
    *sess = ta__psk13_session(ssl);
    if (*sess == NULL)
        return 0;
    *id = (const unsigned char *)ta_psk_identity;
    *idlen = strlen(ta_psk_identity);
    return 1;
}

/* ------------------------------------------------------------ contexts */

static ta_status ta__ctx_configure(ta_ctx *c, const ta_ctx_opts *opts)
{
    const int v = c->version == TA_TLS12 ? TLS1_2_VERSION : TLS1_3_VERSION;
    SSL_CTX *both[2] = {c->server, c->client};
    static const unsigned char sid_ctx[] = "tlsaudit";

    for (int i = 0; i < 2; i++) {
        TA_GUARD_OSSL(SSL_CTX_set_min_proto_version(both[i], v), "min version");
        TA_GUARD_OSSL(SSL_CTX_set_max_proto_version(both[i], v), "max version");
    }
    SSL_CTX_set_options(c->server, opts->server_options);
    SSL_CTX_set_options(c->client, opts->client_options);
    TA_GUARD_OSSL(SSL_CTX_set_session_id_context(c->server, sid_ctx, sizeof(sid_ctx) - 1),
                  "session id context");
    if (opts->server_cache_off)
        SSL_CTX_set_session_cache_mode(c->server, SSL_SESS_CACHE_OFF);
    /* The client keeps sessions only where a test asks for them. */
    SSL_CTX_set_session_cache_mode(c->client,
                                   SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);

    if (c->mode == TA_MODE_PSK) {
        if (c->version == TA_TLS12) {
            for (int i = 0; i < 2; i++)
                TA_GUARD_OSSL(SSL_CTX_set_cipher_list(both[i], "PSK-AES128-GCM-SHA256"),
                              "PSK cipher list");
            SSL_CTX_set_psk_server_callback(c->server, ta__psk_server_cb);
            SSL_CTX_set_psk_client_callback(c->client, ta__psk_client_cb);
        } else {
            for (int i = 0; i < 2; i++)
                TA_GUARD_OSSL(SSL_CTX_set_ciphersuites(both[i], "TLS_AES_128_GCM_SHA256"),
                              "TLS 1.3 suites");
            SSL_CTX_set_psk_find_session_callback(c->server, ta__psk13_find_cb);
            SSL_CTX_set_psk_use_session_callback(c->client, ta__psk13_use_cb);
            /* psk_ke, no (EC)DHE: the fast path stays fast. OpenSSL 3.0's client
             * always offers psk_dhe_ke and a key share; its server falls back to
             * psk_ke only when the two sides share no group (final_key_share in
             * ssl/statem/extensions.c), so they get disjoint groups. Measured
             * here: 2,300-2,700 handshakes/s against 1,450-1,750 with ECDHE. */
            for (int i = 0; i < 2; i++)
                SSL_CTX_set_options(both[i], SSL_OP_ALLOW_NO_DHE_KEX);
            TA_GUARD_OSSL(SSL_CTX_set1_groups_list(c->client, "X25519"), "client groups");
            TA_GUARD_OSSL(SSL_CTX_set1_groups_list(c->server, "P-256"), "server groups");
        }
    } else {
        for (int i = 0; i < 2; i++) {
            if (opts->tls13_suites != NULL)
                TA_GUARD_OSSL(SSL_CTX_set_ciphersuites(both[i], opts->tls13_suites),
                              "TLS 1.3 suites '%s'", opts->tls13_suites);
            if (opts->tls12_ciphers != NULL)
                TA_GUARD_OSSL(SSL_CTX_set_cipher_list(both[i], opts->tls12_ciphers),
                              "TLS 1.2 ciphers '%s'", opts->tls12_ciphers);
        }
        EVP_PKEY *key = NULL;
        X509 *cert = NULL;
        TA_GUARD(ta_keys_make(c->env, &key, &cert));
        int ok = SSL_CTX_use_certificate(c->server, cert) == 1
                 && SSL_CTX_use_PrivateKey(c->server, key) == 1;
        EVP_PKEY_free(key);
        X509_free(cert);
        if (!ok)
            TA_BAIL_OSSL("installing the test certificate");
    }
    return TA_OK;
}

/* One full handshake whose session the later pairs of this context resume. */
static ta_status ta__ctx_prime(ta_ctx *c)
{
    ta_pair *p = NULL;
    unsigned char b[16];
    size_t n = 0;
    ta_status st;

    TA_GUARD(ta_pair_new(c, &p));
    st = ta_pair_handshake(p, TA_DEFAULT_STEPS);
    if (st == TA_OK && c->version == TA_TLS13) {
        /* The NewSessionTicket arrives after the handshake: read to process it. */
        st = ta_pair_write(p, TA_SERVER, "t", 1, TA_DEFAULT_STEPS);
        if (st == TA_OK)
            st = ta_pair_read(p, TA_CLIENT, b, sizeof(b), &n, TA_DEFAULT_STEPS);
    }
    if (st == TA_OK) {
        c->session = SSL_get1_session(ta_pair_ssl(p, TA_CLIENT));
        if (c->session == NULL || !SSL_SESSION_is_resumable(c->session))
            st = ta__error_set(TA_E_STATE, 1, TA__FILE, __LINE__,
                               "the priming handshake left no resumable session");
    }
    if (st == TA_OK)
        st = ta_pair_shutdown(p, TA_CLIENT, TA_DEFAULT_STEPS);
    ta_pair_free(p);
    return st;
}

ta_status ta_ctx_new(ta_env *env, ta_tls version, ta_mode mode, const ta_ctx_opts *opts,
                     ta_ctx **out_ctx)
{
    static const ta_ctx_opts none = {.num_tickets = -1};
    OSSL_LIB_CTX *lib = ta_env_libctx(env);
    ta_ctx *c;
    ta_status st;

    TA_ENSURE(out_ctx != NULL && env != NULL, TA_E_ARG, "ta_ctx_new: NULL argument");
    TA_ENSURE((unsigned)version < TA_TLS_COUNT && (unsigned)mode < TA_MODE_COUNT, TA_E_ARG,
              "ta_ctx_new: version %d / mode %d out of range", version, mode);
    *out_ctx = NULL;
    if (opts == NULL)
        opts = &none;
    c = calloc(1, sizeof(*c));
    TA_ENSURE(c != NULL, TA_E_NOMEM, "ta_ctx_new");
    c->env = env;
    c->version = version;
    c->mode = mode;
    c->server = SSL_CTX_new_ex(lib, NULL, TLS_server_method());
    c->client = SSL_CTX_new_ex(lib, NULL, TLS_client_method());
    if (c->server == NULL || c->client == NULL)
        st = ta__error_set(TA_E_OSSL, 1, TA__FILE, __LINE__, "SSL_CTX_new_ex");
    else
        st = ta__ctx_configure(c, opts);
    if (st == TA_OK && mode == TA_MODE_RESUME)
        st = ta__ctx_prime(c);
    if (st == TA_OK && opts->num_tickets >= 0)
        st = SSL_CTX_set_num_tickets(c->server, (size_t)opts->num_tickets) == 1
                 ? TA_OK
                 : ta__error_set(TA_E_OSSL, 1, TA__FILE, __LINE__, "SSL_CTX_set_num_tickets");
    if (st != TA_OK) {
        ta_ctx_free(c);
        return st;
    }
    *out_ctx = c;
    return TA_OK;
}

void ta_ctx_free(ta_ctx *c)
{
    if (c == NULL)
        return;
    SSL_SESSION_free(c->session);
    SSL_CTX_free(c->server);
    SSL_CTX_free(c->client);
    free(c);
}

SSL_CTX *ta_ctx_server(ta_ctx *c)
{
    return c->server;
}
SSL_CTX *ta_ctx_client(ta_ctx *c)
{
    return c->client;
}
ta_tls ta_ctx_version(const ta_ctx *c)
{
    return c->version;
}
ta_mode ta_ctx_mode(const ta_ctx *c)
{
    return c->mode;
}
ta_env *ta_ctx_env(const ta_ctx *c)
{
    return c->env;
}
SSL_SESSION *ta_ctx_session(ta_ctx *c)
{
    return c->session;
}
