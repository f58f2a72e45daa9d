/* sid_rules.c - the session-id auditor's rules: its view of the one rule table
 * (report/rules.c; rows: TA_SID_RULE_TABLE in tlsaudit/sid.h), names, --only. */
#include <string.h>

#include "sid_internal.h"

static const char *const ta__sid_rule_ids[] = {
#define TA__SID_ID(e, id, sev, src, help) id,
    TA_SID_RULE_TABLE(TA__SID_ID)
#undef TA__SID_ID
};

const ta_sid_rule_info *ta_sid_rule_table(size_t *out_count)
{
    if (out_count)
        *out_count = TA_SID_RULE_COUNT;
    return ta_report_rules(NULL); /* the sid rows come first in the one table */
}

const char *const *ta_sid_rules(size_t *out_count)
{
    if (out_count)
        *out_count = TA_SID_RULE_COUNT;
    return ta__sid_rule_ids;
}

int ta_sid_rule_from_name(const char *id)
{
    for (int i = 0; id != NULL && i < TA_SID_RULE_COUNT; i++)
        if (strcmp(ta__sid_rule_ids[i], id) == 0)
            return i;
    return -1;
}

ta_status ta_sid_rules_parse(const char *list, uint32_t *out_mask)
{
    char name[64];
    uint32_t mask = 0;

    TA_ENSURE(list != NULL && out_mask != NULL, TA_E_ARG, "ta_sid_rules_parse: NULL");
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        int r;
        TA_ENSURE(n > 0 && n < sizeof(name), TA_E_PARSE, "empty or overlong rule id in '%s'", list);
        memcpy(name, p, n);
        name[n] = '\0';
        r = ta_sid_rule_from_name(name);
        TA_ENSURE(r >= 0, TA_E_PARSE, "unknown rule '%s' (see 'tlsaudit list')", name);
        mask |= TA__SID_BIT(r);
        p += n;
        if (*p == ',')
            p++;
    }
    TA_ENSURE(mask != 0, TA_E_PARSE, "no rule given");
    *out_mask = mask;
    return TA_OK;
}

const char *ta_sid_result_name(ta_sid_result r)
{
    static const char *const names[] = {"not-run", "pass", "found", "incomplete"};
    return (unsigned)r < 4 ? names[r] : "?";
}
