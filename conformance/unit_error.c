/*
 * unit_error.c - the error convention of src/ (tlsaudit.h, "ERROR CONVENTION"):
 * one table of codes with names and texts, a per-thread last-error record with
 * code, message, file:line and OpenSSL's reason, and an OpenSSL error queue that
 * is empty once the record holds the error.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "internal.h"

static const struct {
    int code;
    const char *name;
} codes[] = {
#define ROW(name, value, text) {name, #name},
    TA_ERROR_TABLE(ROW)
#undef ROW
};
#define N_CODES (sizeof(codes) / sizeof(codes[0]))

static void test_table(void **state)
{
    (void)state;
    assert_string_equal(ta_error_name(TA_OK), "TA_OK");
    for (size_t i = 0; i < N_CODES; i++) {
        assert_true(codes[i].code < 0);
        assert_string_equal(ta_error_name(codes[i].code), codes[i].name);
        assert_true(strlen(ta_error_text(codes[i].code)) > 0);
        assert_string_not_equal(ta_error_text(codes[i].code), "unknown error");
        for (size_t k = 0; k < i; k++)
            assert_int_not_equal(codes[i].code, codes[k].code);
    }
    assert_string_equal(ta_error_name(-999), "TA_E_UNKNOWN");
    assert_string_equal(ta_error_text(-999), "unknown error");
    assert_string_equal(ta_error_name(TA_E_BOUND), "TA_E_BOUND");
}

static int bail_line;
static ta_status fails_plain(int n)
{
    bail_line = __LINE__ + 1;
    TA_BAIL(TA_E_STATE, "state %d is wrong", n);
}

static void test_record_and_format(void **state)
{
    char buf[400], want[400];
    const ta_error *e = ta_last_error();
    (void)state;

    ta_error_clear();
    assert_int_equal(e->code, TA_OK);
    assert_string_equal(ta_error_format(buf, sizeof(buf)), "no error");

    assert_int_equal(fails_plain(7), TA_E_STATE);
    assert_ptr_equal(ta_last_error(), e); /* one record per thread, never NULL */
    assert_int_equal(e->code, TA_E_STATE);
    assert_string_equal(e->message, "state 7 is wrong");
    assert_non_null(strstr(e->file, "unit_error.c"));
    assert_int_equal(e->line, bail_line);
    assert_int_equal(e->ossl_err, 0);
    assert_string_equal(e->ossl_reason, "");
    snprintf(want, sizeof(want), "%s:%d: state 7 is wrong", e->file, bail_line);
    assert_string_equal(ta_error_format(buf, sizeof(buf)), want);
    /* a short buffer is truncated, still terminated */
    assert_int_equal(strlen(ta_error_format(buf, 8)), 7);
    ta_error_clear();
    assert_int_equal(e->code, TA_OK);
}

/* A message longer than the record is cut, never overflows. */
static void test_long_message(void **state)
{
    char big[1000];
    (void)state;

    memset(big, 'm', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(ta__error_set(TA_E_ARG, 0, __FILE__, __LINE__, "%s", big), TA_E_ARG);
    assert_int_equal(strlen(ta_last_error()->message), sizeof(ta_last_error()->message) - 1);
}

/* A real OpenSSL failure: its reason is copied and the queue emptied. */
static ta_status fails_in_openssl(SSL_CTX *ctx)
{
    TA_GUARD_OSSL(SSL_CTX_set_cipher_list(ctx, "NO-SUCH-CIPHER"), "cipher list");
    return TA_OK;
}

static void test_openssl_reason(void **state)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    const ta_error *e = ta_last_error();
    char buf[400];
    (void)state;

    assert_non_null(ctx);
    ERR_clear_error();
    assert_int_equal(fails_in_openssl(ctx), TA_E_OSSL);
    assert_int_equal(e->code, TA_E_OSSL);
    assert_int_equal(ERR_GET_LIB(e->ossl_err), ERR_LIB_SSL);
    assert_int_equal(ERR_GET_REASON(e->ossl_err), SSL_R_NO_CIPHER_MATCH);
    assert_string_equal(e->ossl_reason, ERR_reason_error_string(e->ossl_err));
    assert_int_equal(ERR_peek_error(), 0);
    ta_error_format(buf, sizeof(buf));
    assert_non_null(strstr(buf, ": cipher list (OpenSSL: "));
    assert_non_null(strstr(buf, e->ossl_reason));
    SSL_CTX_free(ctx);
}

/* Even an error that does not quote OpenSSL leaves no stale entry behind. */
static void test_queue_cleared_without_ossl(void **state)
{
    (void)state;
    ERR_raise(ERR_LIB_SSL, SSL_R_UNEXPECTED_EOF_WHILE_READING);
    assert_int_not_equal(ERR_peek_error(), 0);
    assert_int_equal(fails_plain(1), TA_E_STATE);
    assert_int_equal(ERR_peek_error(), 0);
    assert_int_equal(ta_last_error()->ossl_err, 0);
}

/* Errors from the library itself say which src/ file raised them. */
static void test_library_errors(void **state)
{
    ta_ctx *ctx = (ta_ctx *)1;
    (void)state;

    assert_int_equal(ta_ctx_new(NULL, TA_TLS13, TA_MODE_CERT, NULL, &ctx), TA_E_ARG);
    assert_int_equal(ta_last_error()->code, TA_E_ARG);
    assert_string_equal(ta_last_error()->file, "src/core/ctx.c");
    assert_true(ta_last_error()->line > 0);
    assert_int_equal(ta_env_new(NULL, NULL), TA_E_ARG);
    assert_string_equal(ta_last_error()->file, "src/core/env.c");
}

/* The record is per thread: another thread's failure does not touch ours. */
static void *other_thread(void *arg)
{
    (void)arg;
    (void)fails_plain(99);
    return (void *)(intptr_t)ta_last_error()->code;
}

static void test_per_thread(void **state)
{
    pthread_t t;
    void *ret = NULL;
    (void)state;

    ta_error_clear();
    assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
    assert_int_equal(pthread_join(t, &ret), 0);
    assert_int_equal((intptr_t)ret, TA_E_STATE);
    assert_int_equal(ta_last_error()->code, TA_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_record_and_format),
        cmocka_unit_test(test_long_message),
        cmocka_unit_test(test_openssl_reason),
        cmocka_unit_test(test_queue_cleared_without_ossl),
        cmocka_unit_test(test_library_errors),
        cmocka_unit_test(test_per_thread),
    };
    return cmocka_run_group_tests_name("unit_error", tests, NULL, NULL);
}
