/*
 * test_sid_isolation.c - hostile code under test: a callback that crashes, exits
 * or never returns is a finding (SID-CRASH with the signal and call number,
 * SID-NO-TERMINATION), and the other checks still run and report.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/rand.h>

#include "tlsaudit.h"

/* Counts calls in the process that runs the check (each check is a fresh child). */
static unsigned ta_t_calls;

static int ta_t_good(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    for (int i = 0; i < 10; i++) {
        if (RAND_bytes(id, (int)*id_len) != 1)
            return 0;
        if (!SSL_has_matching_session_id(ssl, id, *id_len))
            return 1;
    }
    return 0;
}

static int ta_t_segv_at_7(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    /* A real fault, not undefined behaviour a sanitizer would stop first: a
     * store to an inaccessible page. */
    if (++ta_t_calls == 7) {
        void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        *(volatile int *)page = 1;
    }
    return ta_t_good(ssl, id, id_len);
}

static int ta_t_exit_at_3(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    if (++ta_t_calls == 3)
        _exit(7);
    return ta_t_good(ssl, id, id_len);
}

/* Correct while some id is free; spins for ever once every id is taken. */
static int ta_t_spin_when_taken(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    do {
        if (RAND_bytes(id, (int)*id_len) != 1)
            return 0;
    } while (SSL_has_matching_session_id(ssl, id, *id_len));
    return 1;
}

static int ta_t_sleep_forever(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    (void)ssl;
    (void)id;
    (void)id_len;
    for (;;)
        pause();
    return 0;
}

/* Two random bytes, no cache check: duplicates within a few hundred calls. */
static int ta_t_two_bytes(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    (void)ssl;
    *id_len = 32;
    memset(id, 0, 32);
    return RAND_bytes(id + 4, 2) == 1;
}

static void ta_t_opts(ta_sid_opts *o)
{
    ta_sid_opts_default(o);
    o->ids = 500;
    o->threads = 4;
    /* Generous: a correct check must never look hung on a loaded machine; the
     * hanging callbacks below pay this once per hanging check. */
    o->timeout_s = 3.0;
    o->handshakes = 2;
    o->bucket_n = 256;
}

static const ta_finding *ta_t_find(const ta_sid_report *r, ta_sid_rule rule)
{
    const ta_finding *f;
    size_t n = ta_sid_report_findings(r, &f);
    for (size_t i = 0; i < n; i++)
        if (ta_sid_rule_from_name(f[i].rule) == (int)rule)
            return &f[i];
    return NULL;
}

static double ta_t_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void crash_is_named_with_call_number(void **state)
{
    ta_sid_opts o;
    ta_sid_report *r = NULL;
    const ta_finding *f;
    (void)state;
    ta_t_opts(&o);
    assert_int_equal(ta_sid_audit("segv-at-7", ta_t_segv_at_7, &o, &r), TA_OK);
    f = ta_t_find(r, TA_SID_CRASH);
    assert_non_null(f);
    assert_non_null(strstr(f->message, "SIGSEGV"));
    assert_non_null(strstr(f->message, "at call 7"));
    assert_true(ta_sid_report_failed(r));
    /* The crash ended some checks, not the audit: the TLS 1.2 ticket check (no
     * call at all) still ran to its end. */
    assert_non_null(ta_t_find(r, TA_SID_NEVER_CALLED));
    /* Rules of a check cut short are incomplete, never "pass". */
    assert_int_equal(ta_sid_report_rule(r, TA_SID_OVERFLOW), TA_SID_INCOMPLETE);
    ta_sid_report_free(r);
    assert_int_equal(ta_t_calls, 0); /* no call ever ran in this process */
}

static void exit_is_a_crash(void **state)
{
    ta_sid_opts o;
    ta_sid_report *r = NULL;
    const ta_finding *f;
    (void)state;
    ta_t_opts(&o);
    o.only = 1u << TA_SID_CRASH;
    assert_int_equal(ta_sid_audit("exit-at-3", ta_t_exit_at_3, &o, &r), TA_OK);
    f = ta_t_find(r, TA_SID_CRASH);
    assert_non_null(f);
    assert_non_null(strstr(f->message, "exited with status 7 at call 3"));
    ta_sid_report_free(r);
}

static void hang_when_taken_is_no_termination(void **state)
{
    ta_sid_opts o;
    ta_sid_report *r = NULL;
    const ta_finding *f;
    (void)state;
    ta_t_opts(&o);
    assert_int_equal(ta_sid_audit("spin", ta_t_spin_when_taken, &o, &r), TA_OK);
    f = ta_t_find(r, TA_SID_NO_TERMINATION);
    assert_non_null(f);
    assert_non_null(strstr(f->message, "all-taken"));
    /* Everything else ran: uniqueness and threads passed, no crash. */
    assert_null(ta_t_find(r, TA_SID_CRASH));
    assert_int_equal(ta_sid_report_rule(r, TA_SID_DUPLICATE), TA_SID_PASS);
    assert_int_equal(ta_sid_report_rule(r, TA_SID_DUPLICATE_CONCURRENT), TA_SID_PASS);
    assert_int_equal(ta_sid_report_rule(r, TA_SID_HANDSHAKE), TA_SID_PASS);
    ta_sid_report_free(r);
}

/* A callback that never returns at all: every check is cut at the timeout and
 * the audit still ends (bounded by checks x timeout plus set-up). */
static void endless_callback_ends_the_audit(void **state)
{
    ta_sid_opts o;
    ta_sid_report *r = NULL;
    const ta_finding *f;
    double t0 = ta_t_now();
    (void)state;
    ta_t_opts(&o);
    o.timeout_s = 0.5;
    assert_int_equal(ta_sid_audit("sleeper", ta_t_sleep_forever, &o, &r), TA_OK);
    f = ta_t_find(r, TA_SID_NO_TERMINATION);
    assert_non_null(f);
    assert_non_null(strstr(f->message, "[bounds]"));
    assert_non_null(strstr(f->message, "[unique]"));
    assert_true(ta_t_now() - t0 < 120.0); /* a loose bound: the point is that it ends */
    ta_sid_report_free(r);
}

static void correct_callback_passes(void **state)
{
    ta_sid_opts o;
    ta_sid_report *r = NULL;
    const ta_finding *f;
    size_t n;
    (void)state;
    ta_t_opts(&o);
    assert_int_equal(ta_sid_audit("good", ta_t_good, &o, &r), TA_OK);
    n = ta_sid_report_findings(r, &f);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(f[i].severity, TA_SEV_INFO);
    assert_false(ta_sid_report_failed(r));
    for (int i = 0; i < TA_SID_RULE_COUNT; i++)
        if (i != TA_SID_NEVER_CALLED && !(TA_SID_REMOTE_ONLY & (1u << i)))
            assert_int_equal(ta_sid_report_rule(r, (ta_sid_rule)i), TA_SID_PASS);
        else if (i != TA_SID_NEVER_CALLED) /* only a live server's audit evaluates these */
            assert_int_equal(ta_sid_report_rule(r, (ta_sid_rule)i), TA_SID_NOT_RUN);
    ta_sid_report_free(r);
}

static void ta_t_dup_message(uint64_t seed, char *out, size_t cap)
{
    ta_sid_opts o;
    ta_sid_report *r = NULL;
    const ta_finding *f;
    ta_t_opts(&o);
    o.seed = seed;
    o.only = 1u << TA_SID_DUPLICATE;
    assert_int_equal(ta_sid_audit("two-bytes", ta_t_two_bytes, &o, &r), TA_OK);
    f = ta_t_find(r, TA_SID_DUPLICATE);
    assert_non_null(f);
    snprintf(out, cap, "%s", f->message);
    ta_sid_report_free(r);
}

/* --seed also drives the callback's own RAND_bytes (the child's default library
 * context draws from the seeded generator): the same seed gives the same first
 * duplicate (call number and bytes), another seed another one. */
static void seed_replays_the_callbacks_randomness(void **state)
{
    char a[512], b[512], c[512];
    (void)state;
    ta_t_dup_message(5, a, sizeof(a));
    ta_t_dup_message(5, b, sizeof(b));
    ta_t_dup_message(6, c, sizeof(c));
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crash_is_named_with_call_number),
        cmocka_unit_test(exit_is_a_crash),
        cmocka_unit_test(hang_when_taken_is_no_termination),
        cmocka_unit_test(endless_callback_ends_the_audit),
        cmocka_unit_test(correct_callback_passes),
        cmocka_unit_test(seed_replays_the_callbacks_randomness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
