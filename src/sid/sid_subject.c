/* sid_subject.c - a session-id audit as a report subject (JUnit/SARIF). */
#include <stdint.h>
#include <string.h>

#include "sid_internal.h"

ta_status ta_sid_report_to_subject(const ta_sid_report *r, int strict, ta_subject_report *out)
{
    size_t nrules, nf;
    const ta_sid_rule_info *rules = ta_sid_rule_table(&nrules);
    const ta_finding *f;

    nf = ta_sid_report_findings(r, &f);
    TA_GUARD(ta_subject_report_init(out, "sid", ta_sid_report_subject(r), nrules, nf));
    memcpy(out->findings, f, nf * sizeof(*f));
    out->nfindings = nf;
    for (size_t i = 0; i < nf; i++)
        out->check_of[i] = SIZE_MAX; /* set below for findings of a listed rule */
    for (size_t k = 0; k < nrules; k++) {
        ta_check *c = &out->checks[out->nchecks++];
        const ta_finding *hit = NULL;
        snprintf(c->name, sizeof(c->name), "%s", rules[k].id);
        for (size_t i = 0; i < nf; i++)
            if (strcmp(f[i].rule, rules[k].id) == 0)
                hit = &f[i];
        switch (ta_sid_report_rule(r, (ta_sid_rule)k)) {
        case TA_SID_FOUND:
            /* Errors fail; warnings fail only under --strict; info never does. */
            c->outcome =
                rules[k].severity == TA_SEV_ERROR || (strict && rules[k].severity == TA_SEV_WARNING)
                    ? TA_CHECK_FAIL
                    : TA_CHECK_PASS;
            break;
        case TA_SID_PASS:
            c->outcome = TA_CHECK_PASS;
            break;
        case TA_SID_INCOMPLETE:
            c->outcome = TA_CHECK_SKIP;
            snprintf(c->message, sizeof(c->message),
                     "its check did not finish (see "
                     "SID-CRASH, SID-NO-TERMINATION or SID-INCOMPLETE)");
            break;
        default:
            c->outcome = TA_CHECK_SKIP;
            snprintf(c->message, sizeof(c->message), "not run");
            break;
        }
        if (hit != NULL) {
            out->check_of[hit - f] = out->nchecks - 1;
            snprintf(c->message, sizeof(c->message), "%s", hit->message);
            snprintf(c->reproducer, sizeof(c->reproducer), "%s", hit->reproducer);
        }
    }
    ta__subject_locate_at(out, ta__sid_report_location(r));
    return TA_OK;
}
