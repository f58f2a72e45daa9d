/* sid_catalog.h - the built-in callbacks of sid_catalog_rand.c, listed in the
 * catalog's one table (sid_catalog.c). */
#ifndef TA_SID_CATALOG_H
#define TA_SID_CATALOG_H

#include "sid_internal.h"

int ta__cb_thread_drbg(SSL *ssl, unsigned char *id, unsigned int *id_len);
int ta__cb_libc_rand_time(SSL *ssl, unsigned char *id, unsigned int *id_len);
int ta__cb_lcg_time(SSL *ssl, unsigned char *id, unsigned int *id_len);
int ta__cb_lcg_full(SSL *ssl, unsigned char *id, unsigned int *id_len);
int ta__cb_xorshift(SSL *ssl, unsigned char *id, unsigned int *id_len);
int ta__cb_hmac_fixed_key(SSL *ssl, unsigned char *id, unsigned int *id_len);
int ta__cb_hmac_random_key(SSL *ssl, unsigned char *id, unsigned int *id_len);
int ta__cb_rand_unchecked(SSL *ssl, unsigned char *id, unsigned int *id_len);
int ta__cb_fips_probe(SSL *ssl, unsigned char *id, unsigned int *id_len);
int ta__cb_fips_probe_quiet(SSL *ssl, unsigned char *id, unsigned int *id_len);
int ta__cb_slow_service(SSL *ssl, unsigned char *id, unsigned int *id_len);
int ta__cb_log_leak(SSL *ssl, unsigned char *id, unsigned int *id_len);
int ta__cb_log_freed(SSL *ssl, unsigned char *id, unsigned int *id_len);
int ta__cb_overread_checksum(SSL *ssl, unsigned char *id, unsigned int *id_len);

#endif
