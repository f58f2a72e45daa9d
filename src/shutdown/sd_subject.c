/* sd_subject.c - a shutdown report as a report subject (JUnit/SARIF). */
#include <stdint.h>
#include <string.h>

#include "internal.h"

ta_status ta_sd_report_to_subject(const ta_sd_report *r, ta_subject_report *out)
{
    size_t nrules, n;
    const ta_sd_rule_info *rules = ta_sd_rule_table(&nrules);
    const ta_sd_result *res;

    n = ta_sd_report_results(r, &res);
    TA_GUARD(ta_subject_report_init(out, "shutdown", ta_sd_report_driver(r), n, n));
    for (size_t i = 0; i < n; i++) {
        ta_check *c = &out->checks[out->nchecks++];
        int rule = !res[i].pass ? res[i].rule : res[i].flag;
        snprintf(c->name, sizeof(c->name), "%s", res[i].name);
        c->outcome = res[i].pass ? TA_CHECK_PASS : TA_CHECK_FAIL;
        snprintf(c->message, sizeof(c->message), "expected %s, got %s%s%s",
                 ta_sd_answer_name(res[i].expected), ta_sd_answer_name(res[i].got),
                 res[i].detail[0] ? ": " : "", res[i].detail);
        snprintf(c->reproducer, sizeof(c->reproducer), "%s", res[i].reproducer);
        if (res[i].pass && res[i].flag < 0)
            continue;
        /* A failed case, or a warning raised on a pass, is a finding. */
        out->check_of[out->nfindings] = out->nchecks - 1;
        ta_finding *f = &out->findings[out->nfindings++];
        if (rule < 0 || (size_t)rule >= nrules)
            rule = TA_SD_R_VERDICT;
        snprintf(f->rule, sizeof(f->rule), "%s", rules[rule].id);
        f->severity = res[i].pass ? TA_SEV_WARNING : rules[rule].severity;
        snprintf(f->subject, sizeof(f->subject), "%s", ta_sd_report_driver(r));
        snprintf(f->message, sizeof(f->message), "%.127s: %.380s", res[i].name, c->message);
        snprintf(f->reproducer, sizeof(f->reproducer), "%s", res[i].reproducer);
    }
    ta__subject_locate_at(out, ta__sd_report_location(r));
    return TA_OK;
}
