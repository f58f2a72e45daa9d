/*
 * report_subjects.c - turn each audit's results into report subjects
 * (ta_subject_report) for the JUnit and SARIF writers of report.c, and locate
 * the code under test (object file, symbol, source line) for SARIF.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>

#include "internal.h"

/* Where the session-id requirements come from. */
#define TA__SID_MAN "SSL_CTX_set_generate_session_id(3)"

static const char *ta__sid_source(const char *id)
{
    if (strcmp(id, "SID-BUCKET-COLLAPSE") == 0)
        return "OpenSSL session cache (ssl/ssl_sess.c): sessions hash on the first 4 id bytes";
    if (strcmp(id, "SID-SHORT-ID") == 0)
        return "OpenSSL 3.0 TLS 1.3 stateful tickets resume only with a 32-byte id";
    if (strcmp(id, "SID-HANDSHAKE") == 0 || strcmp(id, "SID-NEVER-CALLED") == 0)
        return TA__SID_MAN "; ssl_generate_session_id (ssl/ssl_sess.c)";
    if (strcmp(id, "SID-PREDICTABLE") == 0)
        return TA__SID_MAN " (session ids travel in the clear)";
    return TA__SID_MAN;
}

const ta_rule_info *ta_report_rules(size_t *out_count)
{
    static ta_rule_info rules[TA_SID_RULE_COUNT + TA_SD_RULE_COUNT];
    static size_t n;

    if (n == 0) { /* filled once; the tables are constant */
        size_t ns, nd;
        const ta_sid_rule_info *s = ta_sid_rule_table(&ns);
        const ta_sd_rule_info *d = ta_sd_rule_table(&nd);
        for (size_t i = 0; i < ns; i++)
            rules[n++] = (ta_rule_info){s[i].id, s[i].severity, s[i].help,
                                        ta__sid_source(s[i].id)};
        for (size_t i = 0; i < nd; i++)
            rules[n++] = (ta_rule_info){d[i].id, d[i].severity, d[i].help, d[i].source};
    }
    *out_count = n;
    return rules;
}

void ta_subject_report_clear(ta_subject_report *s)
{
    if (s == NULL)
        return;
    free(s->checks);
    free(s->findings);
    free(s->check_of);
    memset(s, 0, sizeof(*s));
}

ta_status ta_subject_report_init(ta_subject_report *s, const char *kind, const char *name,
                                 size_t nchecks, size_t nfindings)
{
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->checks = calloc(nchecks ? nchecks : 1, sizeof(*s->checks));
    s->findings = calloc(nfindings ? nfindings : 1, sizeof(*s->findings));
    s->check_of = malloc((nfindings ? nfindings : 1) * sizeof(*s->check_of));
    if (s->checks == NULL || s->findings == NULL || s->check_of == NULL) {
        ta_subject_report_clear(s);
        TA_BAIL(TA_E_NOMEM, "report of %zu checks", nchecks);
    }
    return TA_OK;
}

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
            c->outcome = rules[k].severity == TA_SEV_ERROR
                                 || (strict && rules[k].severity == TA_SEV_WARNING)
                             ? TA_CHECK_FAIL : TA_CHECK_PASS;
            break;
        case TA_SID_PASS:
            c->outcome = TA_CHECK_PASS;
            break;
        case TA_SID_INCOMPLETE:
            c->outcome = TA_CHECK_SKIP;
            snprintf(c->message, sizeof(c->message), "its check did not finish (see "
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

/* addr2line (binutils) turns an object offset into "file:line" when the object
 * has debug info; without it the location stays at the object and symbol. */
static void ta__source_line(ta_subject_report *s, unsigned long offset)
{
    char cmd[1200], line[sizeof(s->source_file)];
    FILE *p;

    if (strchr(s->object, '\'') != NULL)
        return;
    snprintf(cmd, sizeof(cmd), "addr2line -f -e '%s' 0x%lx 2>/dev/null", s->object, offset);
    p = popen(cmd, "r");
    if (p == NULL)
        return;
    if (fgets(line, sizeof(line), p) != NULL && line[0] != '?' && s->symbol[0] == '\0') {
        line[strcspn(line, "\n")] = '\0';
        snprintf(s->symbol, sizeof(s->symbol), "%.127s", line);
    }
    if (fgets(line, sizeof(line), p) != NULL) {
        char *colon = strrchr(line, ':');
        if (colon != NULL && line[0] != '?' && atoi(colon + 1) > 0) {
            char cwd[512];
            size_t n;
            *colon = '\0';
            /* SARIF consumers resolve relative URIs against the checkout. */
            if (getcwd(cwd, sizeof(cwd)) != NULL && (n = strlen(cwd)) > 1
                && strncmp(line, cwd, n) == 0 && line[n] == '/')
                snprintf(s->source_file, sizeof(s->source_file), "%s", line + n + 1);
            else
                snprintf(s->source_file, sizeof(s->source_file), "%s", line);
            s->source_line = atoi(colon + 1);
        }
    }
    pclose(p);
}

void ta__subject_locate_at(ta_subject_report *s, const ta__location *loc)
{
    if (loc->symbol[0] != '\0')
        snprintf(s->symbol, sizeof(s->symbol), "%s", loc->symbol);
    if (loc->object[0] == '\0')
        return;
    snprintf(s->object, sizeof(s->object), "%s", loc->object);
    ta__source_line(s, loc->offset);
}

void ta_subject_locate(ta_subject_report *s, const void *addr, const char *symbol)
{
    Dl_info info;

    if (symbol != NULL)
        snprintf(s->symbol, sizeof(s->symbol), "%s", symbol);
    if (addr == NULL || dladdr(addr, &info) == 0 || info.dli_fname == NULL)
        return;
    snprintf(s->object, sizeof(s->object), "%s", info.dli_fname);
    if (s->symbol[0] == '\0' && info.dli_sname != NULL)
        snprintf(s->symbol, sizeof(s->symbol), "%s", info.dli_sname);
    ta__source_line(s, (unsigned long)((const char *)addr - (const char *)info.dli_fbase));
}
