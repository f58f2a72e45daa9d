/*
 * rules.c - the one table of rules: every rule of every audit, in the order the
 * reports list them (session-id rules, then shutdown rules). Each subsystem
 * owns its rows (TA_SID_RULE_TABLE in tlsaudit/sid.h, TA_SD_RULE_TABLE in
 * tlsaudit/shutdown.h); their enums index this table, and ta_sid_rule_table /
 * ta_sd_rule_table are views of it.
 */
#include "internal.h"

static const ta_rule_info ta__rules[] = {
#define TA__ROW(e, id, sev, src, help) {id, sev, src, help},
    TA_SID_RULE_TABLE(TA__ROW) TA_SD_RULE_TABLE(TA__ROW)
#undef TA__ROW
};

const ta_rule_info *ta_report_rules(size_t *out_count)
{
    if (out_count != NULL)
        *out_count = sizeof(ta__rules) / sizeof(ta__rules[0]);
    return ta__rules;
}
