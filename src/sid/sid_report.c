/* sid_report.c - the result of one session-id audit: one finding per rule (the
 * evidence of several checks merged), per-rule results, verdict, JSON. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sid_internal.h"

#define TA__NOTES 16

struct ta_sid_report {
    char subject[160];
    ta_sid_opts o;
    char target[256];
    ta_finding findings[TA_SID_RULE_COUNT]; /* compacted by finish() */
    size_t nfindings;
    int found[TA_SID_RULE_COUNT]; /* index into findings + 1 */
    int covered[TA_SID_RULE_COUNT], cut[TA_SID_RULE_COUNT];
    ta_sid_result result[TA_SID_RULE_COUNT];
    char *notes[TA__NOTES];
    size_t nnotes;
    ta_verdict verdict;
    ta__location loc;
    char reproduce[400]; /* a live server's audit: the command, without --only */
};

/* What --only can never hide: a check that died, hung or could not finish
 * checked nothing, whatever rule was asked for. */
static int ta__sid_always(ta_sid_rule rule)
{
    return rule == TA_SID_CRASH || rule == TA_SID_NO_TERMINATION || rule == TA_SID_CHECK_INCOMPLETE;
}

void ta__sid_report_locate(ta_sid_report *r, const ta__location *loc)
{
    r->loc = *loc;
}

const ta__location *ta__sid_report_location(const ta_sid_report *r)
{
    return &r->loc;
}

ta_status ta__sid_report_new(const char *subject, const ta_sid_opts *o, ta_sid_report **out)
{
    ta_sid_report *r = calloc(1, sizeof(*r));
    TA_ENSURE(r != NULL, TA_E_NOMEM, "report");
    snprintf(r->subject, sizeof(r->subject), "%s", subject ? subject : "?");
    r->o = *o;
    if (o->target != NULL)
        snprintf(r->target, sizeof(r->target), "%s", o->target);
    else
        snprintf(r->target, sizeof(r->target), "--builtin %s", subject ? subject : "?");
    r->o.target = r->target;
    *out = r;
    return TA_OK;
}

void ta__sid_report_add(ta_sid_report *r, ta_sid_rule rule, const char *text)
{
    const ta_sid_rule_info *info = ta_sid_rule_table(NULL) + rule;
    ta_finding *f;

    if ((unsigned)rule >= TA_SID_RULE_COUNT)
        return;
    if (r->o.only != 0 && !(r->o.only & TA__SID_BIT(rule)) && !ta__sid_always(rule))
        return;
    if (r->found[rule]) {
        f = &r->findings[r->found[rule] - 1];
        size_t used = strlen(f->message), tag = strcspn(text, "]") + 1;
        /* Whole evidence while it fits, else just the name of the check. */
        if (used + 2 + strlen(text) < sizeof(f->message))
            snprintf(f->message + used, sizeof(f->message) - used, "; %s", text);
        else if (text[0] == '[' && tag < 80 && used + 8 + tag < sizeof(f->message))
            snprintf(f->message + used, sizeof(f->message) - used, "; also %.*s", (int)tag, text);
        return;
    }
    f = &r->findings[r->nfindings];
    r->found[rule] = (int)++r->nfindings;
    snprintf(f->rule, sizeof(f->rule), "%s", info->id);
    f->severity = info->severity;
    memcpy(f->subject, r->subject, sizeof(f->subject)); /* both 160 bytes */
    snprintf(f->message, sizeof(f->message), "%s", text);
    if (r->reproduce[0] != '\0') {
        snprintf(f->reproducer, sizeof(f->reproducer), "%s --only %s", r->reproduce, info->id);
        return;
    }
    /* Everything that shapes the run, so the line reproduces the finding alone. */
    ta_sid_opts def;
    char extra[64] = "";
    ta_sid_opts_default(&def);
    if (r->o.handshakes != def.handshakes || r->o.bucket_n != def.bucket_n)
        snprintf(extra, sizeof(extra), " --handshakes %d --bucket-n %zu", r->o.handshakes,
                 r->o.bucket_n);
    snprintf(f->reproducer, sizeof(f->reproducer),
             "tlsaudit sid %s --seed %llu --ids %zu --threads %u --timeout %g%s --only %s",
             r->target, (unsigned long long)r->o.seed, r->o.ids, r->o.threads, r->o.timeout_s,
             extra, info->id);
}

void ta__sid_report_reproduce(ta_sid_report *r, const char *cmd)
{
    snprintf(r->reproduce, sizeof(r->reproduce), "%s", cmd);
}

void ta__sid_report_cover(ta_sid_report *r, ta_sid_rule rule, int complete)
{
    if ((unsigned)rule >= TA_SID_RULE_COUNT)
        return;
    if (complete)
        r->covered[rule] = 1;
    else
        r->cut[rule] = 1;
}

void ta__sid_report_note(ta_sid_report *r, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    if (r->nnotes == TA__NOTES)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    r->notes[r->nnotes] = strdup(buf);
    if (r->notes[r->nnotes] != NULL)
        r->nnotes++;
}

static int ta__finding_order(const void *a, const void *b)
{
    int ra = ta_sid_rule_from_name(((const ta_finding *)a)->rule);
    int rb = ta_sid_rule_from_name(((const ta_finding *)b)->rule);
    return (ra > rb) - (ra < rb);
}

void ta__sid_report_finish(ta_sid_report *r)
{
    qsort(r->findings, r->nfindings, sizeof(r->findings[0]), ta__finding_order);
    int failed = 0, incomplete = 0;
    for (int i = 0; i < TA_SID_RULE_COUNT; i++) {
        r->found[i] = 0;
        if (r->o.only != 0 && !(r->o.only & TA__SID_BIT(i)) && !ta__sid_always((ta_sid_rule)i))
            r->result[i] = TA_SID_NOT_RUN;
        else if (r->cut[i])
            r->result[i] = TA_SID_INCOMPLETE;
        else if (r->covered[i])
            r->result[i] = TA_SID_PASS;
        else
            r->result[i] = TA_SID_NOT_RUN;
    }
    for (size_t k = 0; k < r->nfindings; k++) {
        int i = ta_sid_rule_from_name(r->findings[k].rule);
        r->found[i] = (int)k + 1;
        r->result[i] = TA_SID_FOUND;
        if (i == TA_SID_CHECK_INCOMPLETE)
            incomplete = 1;
        else if (r->findings[k].severity == TA_SEV_ERROR
                 || (r->o.strict && r->findings[k].severity == TA_SEV_WARNING))
            failed = 1;
    }
    /* Fail closed: a rule whose check was cut short was not evaluated. */
    for (int i = 0; i < TA_SID_RULE_COUNT; i++)
        incomplete |= r->result[i] == TA_SID_INCOMPLETE;
    r->verdict = failed ? TA_VERDICT_FAIL : incomplete ? TA_VERDICT_INCOMPLETE : TA_VERDICT_PASS;
}

const char *ta_sid_report_subject(const ta_sid_report *r)
{
    return r->subject;
}

size_t ta_sid_report_findings(const ta_sid_report *r, const ta_finding **out)
{
    if (out)
        *out = r->findings;
    return r->nfindings;
}

ta_sid_result ta_sid_report_rule(const ta_sid_report *r, ta_sid_rule rule)
{
    return (unsigned)rule < TA_SID_RULE_COUNT ? r->result[rule] : TA_SID_NOT_RUN;
}

int ta_sid_report_failed(const ta_sid_report *r)
{
    return r->verdict != TA_VERDICT_PASS;
}

ta_verdict ta_sid_report_verdict(const ta_sid_report *r)
{
    return r->verdict;
}

const char *ta_sid_report_note(const ta_sid_report *r, size_t i)
{
    return i < r->nnotes ? r->notes[i] : NULL;
}

void ta_sid_report_json(const ta_sid_report *r, FILE *out)
{
    ta_json j;
    const char *const *ids = ta_sid_rules(NULL);

    ta_json_init(&j, out);
    ta_json_object(&j);
    ta_json_key(&j, "subject");
    ta_json_string(&j, r->subject);
    ta_json_key(&j, "verdict");
    ta_json_string(&j, ta_verdict_name(r->verdict));
    ta_json_key(&j, "findings");
    ta_json_array(&j);
    for (size_t i = 0; i < r->nfindings; i++) {
        const ta_finding *f = &r->findings[i];
        ta_json_object(&j);
        ta_json_finding_fields(&j, f);
        ta_json_end_object(&j);
    }
    ta_json_end_array(&j);
    ta_json_key(&j, "rules");
    ta_json_object(&j);
    for (int i = 0; i < TA_SID_RULE_COUNT; i++) {
        ta_json_key(&j, ids[i]);
        ta_json_string(&j, ta_sid_result_name(r->result[i]));
    }
    ta_json_end_object(&j);
    ta_json_key(&j, "notes");
    ta_json_array(&j);
    for (size_t i = 0; i < r->nnotes; i++)
        ta_json_string(&j, r->notes[i]);
    ta_json_end_array(&j);
    ta_json_end_object(&j);
}

void ta_sid_report_print(const ta_sid_report *r, FILE *out)
{
    static const char *const shown[] = {"pass", "FAIL", "INCOMPLETE"};
    fprintf(out, "%s: %s (%zu finding%s)\n", r->subject, shown[r->verdict], r->nfindings,
            r->nfindings == 1 ? "" : "s");
    for (size_t i = 0; i < r->nfindings; i++) {
        const ta_finding *f = &r->findings[i];
        fprintf(out, "  %-7s %s\n          %s\n          reproduce: %s\n",
                ta_severity_name(f->severity), f->rule, f->message, f->reproducer);
    }
    for (size_t i = 0; i < r->nnotes; i++)
        fprintf(out, "  note: %s\n", r->notes[i]);
}

void ta_sid_report_free(ta_sid_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nnotes; i++)
        free(r->notes[i]);
    free(r);
}
