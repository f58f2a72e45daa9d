/*
 * test_sid_catalog.c - every built-in callback gets exactly the error and
 * warning findings its catalog entry expects (the correct ones: none), each
 * finding carries a reproducer naming its rule, and SID-NEVER-CALLED (info) is
 * reported for every entry (TLS 1.2 with tickets never calls a callback).
 * One cmocka test per entry, named after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tlsaudit.h"

/* Small counts: the CLI defaults are for real audits, not CI. */
static void ta_t_opts(ta_sid_opts *o)
{
    ta_sid_opts_default(o);
    o->ids = 3000;
    o->threads = 8;
    o->seed = 11;
    o->timeout_s = 4.0; /* retry-forever is cut here; a correct check never stalls this long */
    o->handshakes = 4;
    o->bucket_n = 512;
}

static uint32_t ta_t_mask(const char *list)
{
    uint32_t m = 0;
    if (list[0] != '\0')
        assert_int_equal(ta_sid_rules_parse(list, &m), TA_OK);
    return m;
}

/* The message of rule's finding in r (NULL: not found). */
static const char *ta_t_message(const ta_sid_report *r, const char *rule)
{
    const ta_finding *f;
    size_t n = ta_sid_report_findings(r, &f);
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].rule, rule) == 0)
            return f[i].message;
    return NULL;
}

/* What some entries' findings must say, besides their rule: why the ids are
 * predictable (the differential check names the clock or fixed state, recovery
 * names the generator family), and that a slow callback's audit made fewer
 * calls and said which (never a silent pass). */
static const struct {
    const char *entry, *rule, *says;
} ta_t_says[] = {
    {"lcg-time", "SID-PREDICTABLE", "seeded from the clock"},
    {"hmac-fixed-key", "SID-PREDICTABLE", "fixed state"},
    {"xorshift", "SID-PREDICTABLE", "GF(2)-linear"},
    {"libc-rand-time", "SID-PREDICTABLE", "glibc random()"},
    {"lcg-full-state", "SID-PREDICTABLE", "linear congruential"},
    {"rand-unchecked", "SID-RAND-FAILURE", "an all-zero id"},
    {"fips-probe", "SID-ERROR-QUEUE", "digital envelope routines"},
    {"log-leak", "SID-MEMORY-GROWTH", "bytes per call"},
    {"overread-checksum", "SID-OVERREAD", "read past the offered length"},
    {"slow-service", "SID-SLOW", "it waits"},
    {"slow-service", "SID-SLOW", "cut to fit the time budget"},
};

static void ta_t_check_says(const ta_sid_builtin *b, const ta_sid_report *r)
{
    for (size_t i = 0; i < sizeof(ta_t_says) / sizeof(ta_t_says[0]); i++) {
        if (strcmp(ta_t_says[i].entry, b->name) != 0)
            continue;
        const char *m = ta_t_message(r, ta_t_says[i].rule);
        if (m == NULL || strstr(m, ta_t_says[i].says) == NULL)
            fail_msg("%s: expected \"%s\" in its %s finding: %s", b->name, ta_t_says[i].says,
                     ta_t_says[i].rule, m ? m : "(none)");
    }
    if (strcmp(b->name, "slow-service") == 0) {
        /* The uniqueness run was cut: "unique N/3000", 64 <= N < 3000, and noted. */
        const char *u = strstr(ta_t_message(r, "SID-SLOW"), "unique ");
        unsigned made = 0, planned = 0;
        assert_non_null(u);
        assert_int_equal(sscanf(u, "unique %u/%u", &made, &planned), 2);
        assert_int_equal(planned, 3000);
        assert_true(made >= 64 && made < 3000);
        assert_non_null(ta_sid_report_note(r, 0));
    }
}

static void catalog_entry(void **state)
{
    const ta_sid_builtin *b = *state;
    ta_sid_opts o;
    ta_sid_report *r = NULL;
    const ta_finding *f;
    uint32_t got = 0, expected = ta_t_mask(b->expected_rules);
    int never_called = 0, has_error = 0;
    char want[80];

    ta_t_opts(&o);
    assert_int_equal(ta_sid_audit(b->name, b->cb, &o, &r), TA_OK);
    size_t n = ta_sid_report_findings(r, &f);
    for (size_t i = 0; i < n; i++) {
        int rule = ta_sid_rule_from_name(f[i].rule);
        assert_true(rule >= 0);
        snprintf(want, sizeof(want), "--builtin %s --seed 11", b->name);
        assert_non_null(strstr(f[i].reproducer, want));
        assert_non_null(strstr(f[i].reproducer, f[i].rule));
        assert_string_equal(f[i].subject, b->name);
        if (f[i].severity == TA_SEV_INFO) {
            never_called |= rule == TA_SID_NEVER_CALLED;
            continue;
        }
        has_error |= f[i].severity == TA_SEV_ERROR;
        got |= 1u << rule;
    }
    if (got != expected) {
        for (size_t i = 0; i < n; i++)
            print_message("  %s: %s\n", f[i].rule, f[i].message);
        print_message("%s: expected {%s}\n", b->name, b->expected_rules);
    }
    assert_int_equal(got, expected);
    ta_t_check_says(b, r);
    assert_true(never_called);
    assert_int_equal(ta_sid_report_failed(r), has_error);
    /* Every rule it did not report was evaluated and passed (none skipped), except
     * where a rule cannot be evaluated for this entry. */
    assert_int_equal(ta_sid_report_rule(r, TA_SID_NEVER_CALLED), TA_SID_FOUND);
    for (int i = 0; i < TA_SID_RULE_COUNT; i++)
        if (expected & (1u << i))
            assert_int_equal(ta_sid_report_rule(r, (ta_sid_rule)i), TA_SID_FOUND);
    ta_sid_report_free(r);
}

/* The catalog has what the issue asks for: two correct entries, and at least one
 * entry per error rule that end-to-end runs can raise without a handshake. */
static void catalog_covers_every_rule(void **state)
{
    size_t n;
    const ta_sid_builtin *c = ta_sid_catalog(&n);
    const ta_sid_rule_info *rules = ta_sid_rule_table(NULL);
    uint32_t all = 0;
    int correct = 0;
    (void)state;
    for (size_t i = 0; i < n; i++) {
        all |= ta_t_mask(c[i].expected_rules);
        correct += c[i].expected_rules[0] == '\0';
        assert_ptr_equal(ta_sid_builtin_find(c[i].name), &c[i]);
    }
    assert_true(correct >= 2);
    /* SID-INCOMPLETE is about the run (a budget, our own set-up), not a kind of
     * callback: test_sid_isolation makes it happen. The live-server rules
     * (TA_SID_REMOTE_ONLY) come from servers: test_sid_remote raises them. */
    for (int i = 0; i < TA_SID_RULE_COUNT; i++)
        if (rules[i].severity != TA_SEV_INFO && i != TA_SID_CHECK_INCOMPLETE
            && !(TA_SID_REMOTE_ONLY & (1u << i)) && !(all & (1u << i)))
            fail_msg("no catalog entry raises %s", rules[i].id);
    assert_null(ta_sid_builtin_find("no-such-entry"));
}

int main(void)
{
    size_t n;
    const ta_sid_builtin *c = ta_sid_catalog(&n);
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(catalog_covers_every_rule),
    };
    const size_t nf = sizeof(fixed) / sizeof(fixed[0]);
    struct CMUnitTest *tests = calloc(n + nf, sizeof(*tests));
    int rc;

    if (tests == NULL)
        return 1;
    memcpy(tests, fixed, sizeof(fixed));
    for (size_t i = 0; i < n; i++) {
        tests[i + nf].name = c[i].name;
        tests[i + nf].test_func = catalog_entry;
        tests[i + nf].initial_state = (void *)&c[i];
    }
    /* cmocka_run_group_tests needs a real array (sizeof); this is what it calls. */
    rc = _cmocka_run_group_tests("sid_catalog", tests, n + nf, NULL, NULL);
    free(tests);
    return rc;
}
