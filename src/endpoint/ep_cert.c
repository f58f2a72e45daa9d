/*
 * ep_cert.c - what tlsaudit serves to a live client: a P-256 key and a
 * self-signed certificate valid for the name a client checks (SAN
 * DNS:localhost, IP:127.0.0.1; the engine's own test certificate names
 * tlsaudit.test only), made in memory once per process, and written to a
 * private directory only when a program under test must read it
 * (TA_SHIM_CA, docs/shim-protocol).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "wire.h"

static pthread_mutex_t ta__ep_lock = PTHREAD_MUTEX_INITIALIZER;
static EVP_PKEY *ta__ep_key;
static X509 *ta__ep_cert;

static int ta__ep_make(EVP_PKEY *key, X509 **out)
{
    X509 *x = X509_new();
    X509_NAME *name;
    X509_EXTENSION *ext = NULL;
    X509V3_CTX v3;
    int ok = x != NULL && ASN1_INTEGER_set(X509_get_serialNumber(x), 2) == 1
             && X509_set_version(x, X509_VERSION_3) == 1
             && X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL
             && X509_gmtime_adj(X509_getm_notAfter(x), 7L * 24 * 3600) != NULL
             && X509_set_pubkey(x, key) == 1 && (name = X509_get_subject_name(x)) != NULL
             && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                           (const unsigned char *)"localhost", -1, -1, 0)
                    == 1
             && X509_set_issuer_name(x, name) == 1;
    if (ok) {
        X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
        ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
        ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
        X509_EXTENSION_free(ext);
        /* A self-signed CA: Python's ssl and GnuTLS refuse a leaf as trust anchor otherwise. */
        ext = ok ? X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:TRUE") : NULL;
        ok = ok && ext != NULL && X509_add_ext(x, ext, -1) == 1;
        X509_EXTENSION_free(ext);
        ok = ok && X509_sign(x, key, EVP_sha256()) > 0;
    }
    if (!ok) {
        X509_free(x);
        return 0;
    }
    *out = x;
    return 1;
}

ta_status ta__ep_keys(EVP_PKEY **key, X509 **cert)
{
    int ok = 1;
    pthread_mutex_lock(&ta__ep_lock);
    if (ta__ep_key == NULL) {
        EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        X509 *c = NULL;
        ok = k != NULL && ta__ep_make(k, &c);
        if (ok) {
            ta__ep_key = k;
            ta__ep_cert = c;
        } else
            EVP_PKEY_free(k);
    }
    *key = ta__ep_key;
    *cert = ta__ep_cert;
    pthread_mutex_unlock(&ta__ep_lock);
    if (!ok)
        TA_BAIL_OSSL("making the localhost certificate");
    return TA_OK;
}

ta_status ta__ep_ctx(int is_server, ta_tls v, SSL_CTX **out)
{
    const int ver = v == TA_TLS13 ? TLS1_3_VERSION : TLS1_2_VERSION;
    SSL_CTX *c = SSL_CTX_new(is_server ? TLS_server_method() : TLS_client_method());
    EVP_PKEY *key;
    X509 *cert;

    TA_GUARD_PTR(c, "SSL_CTX_new");
    if (SSL_CTX_set_min_proto_version(c, ver) != 1 || SSL_CTX_set_max_proto_version(c, ver) != 1) {
        SSL_CTX_free(c);
        TA_BAIL_OSSL("pinning the protocol version");
    }
    if (is_server) {
        ta_status st = ta__ep_keys(&key, &cert);
        if (st != TA_OK || SSL_CTX_use_certificate(c, cert) != 1
            || SSL_CTX_use_PrivateKey(c, key) != 1) {
            SSL_CTX_free(c);
            TA_BAIL_OSSL("loading the localhost certificate");
        }
    } else
        SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL); /* we audit the closure, not the PKI */
    *out = c;
    return TA_OK;
}

static int ta__ep_write_pem(const char *dir, const char *name, EVP_PKEY *key, X509 *cert)
{
    char path[512];
    FILE *f;
    int ok;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL)
        return 0;
    ok = key != NULL ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
                     : PEM_write_X509(f, cert);
    return fclose(f) == 0 && ok == 1;
}

ta_status ta__ep_dir(char *dir, size_t cap)
{
    EVP_PKEY *key;
    X509 *cert;
    const char *tmp = getenv("TMPDIR");

    TA_GUARD(ta__ep_keys(&key, &cert));
    snprintf(dir, cap, "%s/tlsaudit-ep.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    TA_ENSURE(mkdtemp(dir) != NULL, TA_E_IO, "cannot make a private directory under %s",
              tmp != NULL && *tmp ? tmp : "/tmp");
    if (!ta__ep_write_pem(dir, "ca.pem", NULL, cert)
        || !ta__ep_write_pem(dir, "key.pem", key, NULL)) {
        ta__ep_dir_remove(dir);
        TA_BAIL(TA_E_IO, "cannot write the certificate to %s", dir);
    }
    return TA_OK;
}

void ta__ep_dir_remove(const char *dir)
{
    static const char *const names[] = {"ca.pem", "key.pem", "out"};
    char path[600];
    if (dir == NULL || dir[0] == '\0')
        return;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        (void)unlink(path);
    }
    (void)rmdir(dir);
}
