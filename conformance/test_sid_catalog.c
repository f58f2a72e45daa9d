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
    struct CMUnitTest *tests = calloc(n + 1, sizeof(*tests));
    int rc;

    if (tests == NULL)
        return 1;
    tests[0] = (struct CMUnitTest)cmocka_unit_test(catalog_covers_every_rule);
    for (size_t i = 0; i < n; i++) {
        tests[i + 1].name = c[i].name;
        tests[i + 1].test_func = catalog_entry;
        tests[i + 1].initial_state = (void *)&c[i];
    }
    /* cmocka_run_group_tests needs a real array (sizeof); this is what it calls. */
    rc = _cmocka_run_group_tests("sid_catalog", tests, n + 1, NULL, NULL);
    free(tests);
    return rc;
}
