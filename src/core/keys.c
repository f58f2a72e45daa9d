/*
 * keys.c - the one copy of test key material.
 *
 * An ECDSA P-256 key and a self-signed certificate are made in memory, in the
 * env's library context, the first time a context needs them; no key file is
 * ever stored in the repository. The validity period is fixed (2020-01-01 to
 * 2099-12-31) so that a seeded run sends the same certificate bytes whatever the
 * date.
 */
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "internal.h"

const char ta_psk_identity[] = "tlsaudit-psk";
const unsigned char ta_psk_key[32] = {
    0x74, 0x6c, 0x73, 0x61, 0x75, 0x64, 0x69, 0x74, 0x2d, 0x70, 0x73,
    0x6b, 0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x6e, 0x6f, 0x74, 0x2d, 0x61,
    0x2d, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x21, 0x21, 0x21, /* "tlsaudit-psk-key-not-a-secret!!!" */
};

static ta_status ta__make_cert(OSSL_LIB_CTX *libctx, EVP_PKEY *key, X509 **out)
{
    X509 *x = X509_new_ex(libctx, NULL);
    X509_NAME *name = NULL;
    ta_status st = TA_OK;

    TA_GUARD_PTR(x, "X509_new_ex");
    if (ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1
        || X509_set_version(x, X509_VERSION_3) != 1
        || ASN1_TIME_set_string_X509(X509_getm_notBefore(x), "20200101000000Z") != 1
        || ASN1_TIME_set_string_X509(X509_getm_notAfter(x), "20991231235959Z") != 1
        || X509_set_pubkey(x, key) != 1 || (name = X509_get_subject_name(x)) == NULL
        || X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                      (const unsigned char *)"tlsaudit.test", -1, -1, 0)
               != 1
        || X509_set_issuer_name(x, name) != 1 || X509_sign(x, key, EVP_sha256()) <= 0)
        st = ta__error_set(TA_E_OSSL, 1, TA__FILE, __LINE__, "building the test certificate");
    if (st != TA_OK) {
        X509_free(x);
        return st;
    }
    *out = x;
    return TA_OK;
}

ta_status ta_keys_make(ta_env *env, EVP_PKEY **out_key, X509 **out_cert)
{
    EVP_PKEY **key;
    X509 **cert;

    TA_ENSURE(env != NULL && out_key != NULL && out_cert != NULL, TA_E_ARG,
              "ta_keys_make: NULL argument");
    key = ta__env_key_slot(env);
    cert = ta__env_cert_slot(env);
    if (*key == NULL) {
        EVP_PKEY *k = EVP_PKEY_Q_keygen(ta_env_libctx(env), NULL, "EC", "P-256");
        X509 *c = NULL;
        TA_GUARD_PTR(k, "generating the P-256 test key");
        ta_status st = ta__make_cert(ta_env_libctx(env), k, &c);
        if (st != TA_OK) {
            EVP_PKEY_free(k);
            return st;
        }
        *key = k;
        *cert = c;
    }
    TA_GUARD_OSSL(EVP_PKEY_up_ref(*key), "EVP_PKEY_up_ref");
    if (X509_up_ref(*cert) != 1) {
        EVP_PKEY_free(*key);
        TA_BAIL_OSSL("X509_up_ref");
    }
    *out_key = *key;
    *out_cert = *cert;
    return TA_OK;
}
