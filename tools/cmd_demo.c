/*
 * cmd_demo.c - 'tlsaudit demo': the main job on the built-in examples.
 *
 * Audits every built-in session-id callback (one table: callback x rule) and
 * runs every built-in shutdown driver through the named matrix, then says
 * whether each result is the one the catalog documents: correct callbacks and
 * the conformant drivers clean, each faulty callback exactly its rules, each
 * canary caught by exactly its scenarios. Exit 0 when all are as documented.
 */
#include <string.h>

#include "cli.h"

void ta_cmd_demo_help(FILE *out)
{
    ta_opt_help(out, &ta_demo_optset);
}

/* 1 when rule id appears in the comma-separated list. */
static int ta_demo_listed(const char *list, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, id, n) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

static char ta_demo_cell(const ta_sid_report *r, size_t rule, ta_severity sev)
{
    switch (ta_sid_report_rule(r, (ta_sid_rule)rule)) {
    case TA_SID_FOUND:
        return sev == TA_SEV_ERROR ? 'E' : sev == TA_SEV_WARNING ? 'W' : 'i';
    case TA_SID_PASS:
        return '.';
    case TA_SID_INCOMPLETE:
        return '?';
    default:
        return ' ';
    }
}

static int ta_demo_sid(uint64_t ids, uint64_t seed)
{
    size_t ncat, nrules;
    const ta_sid_builtin *cat = ta_sid_catalog(&ncat);
    const ta_sid_rule_info *rules = ta_sid_rule_table(&nrules);
    int unexpected = 0;
    char ebuf[300];

    printf("== session-id callbacks: %zu built-ins x %zu rules (%llu ids per check, seed %llu)\n",
           ncat, nrules, (unsigned long long)ids, (unsigned long long)seed);
    printf("%-22s", "callback");
    for (size_t k = 0; k < nrules; k++)
        printf("%3zu", k + 1);
    printf("  as documented?\n");
    for (size_t i = 0; i < ncat; i++) {
        ta_sid_opts o;
        ta_sid_report *r = NULL;
        char target[128], missing[256] = "", extra[256] = "";

        ta_sid_opts_default(&o);
        o.ids = (size_t)ids;
        o.seed = seed;
        snprintf(target, sizeof(target), "--builtin %s", cat[i].name);
        o.target = target;
        if (ta_sid_audit(cat[i].name, cat[i].cb, &o, &r) != TA_OK) {
            printf("%-22s audit failed: %s\n", cat[i].name, ta_error_format(ebuf, sizeof(ebuf)));
            unexpected++;
            continue;
        }
        printf("%-22s", cat[i].name);
        for (size_t k = 0; k < nrules; k++) {
            int found = ta_sid_report_rule(r, (ta_sid_rule)k) == TA_SID_FOUND;
            int expected = ta_demo_listed(cat[i].expected_rules, rules[k].id);
            printf("  %c", ta_demo_cell(r, k, rules[k].severity));
            if (rules[k].severity == TA_SEV_INFO)
                continue; /* SID-NEVER-CALLED is reported for every callback */
            if (expected && !found)
                snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), " %s",
                         rules[k].id);
            if (found && !expected)
                snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), " %s", rules[k].id);
        }
        if (missing[0] || extra[0]) {
            unexpected++;
            printf("  NO:%s%s%s%s\n", missing[0] ? " missing" : "", missing,
                   extra[0] ? " unexpected" : "", extra);
        } else {
            printf("  yes\n");
        }
        ta_sid_report_free(r);
    }
    printf("rules:");
    for (size_t k = 0; k < nrules; k++)
        printf("%s %zu %s", k % 4 == 0 ? "\n " : ",", k + 1, rules[k].id);
    printf("\ncells: E error found, W warning found, i info, . checked and clean, "
           "? cut short, blank not run\n\n");
    return unexpected;
}

/* Canaries must fail in exactly their caught_by scenarios; drain,
 * unidirectional and yield-checks-pending (a specimen's correct twin) pass
 * everywhere; the others are described in README.md. */
static int ta_demo_driver(const ta_sd_driver *d, uint64_t seed)
{
    ta_sd_opts o;
    ta_sd_report *r = NULL;
    const ta_sd_result *res;
    char failing[1024] = "", target[96], ebuf[300];
    size_t n, fails = 0;
    int bad = 0;

    ta_sd_opts_default(&o);
    o.seed = seed;
    snprintf(target, sizeof(target), "--builtin %s", d->name);
    o.target = target;
    if (ta_sd_matrix(d, &o, &r) != TA_OK) {
        printf("%-16s matrix failed: %s\n", d->name, ta_error_format(ebuf, sizeof(ebuf)));
        return 1;
    }
    n = ta_sd_report_results(r, &res);
    for (size_t i = 0; i < n; i++) {
        if (res[i].pass)
            continue;
        fails++;
        if (!ta_demo_listed(failing, res[i].scenario))
            snprintf(failing + strlen(failing), sizeof(failing) - strlen(failing), "%s%s",
                     failing[0] ? "," : "", res[i].scenario);
        if ((d->flags & TA_SD_CANARY) && !ta_demo_listed(d->caught_by, res[i].scenario))
            bad = 1;
    }
    if (d->flags & TA_SD_CANARY) {
        /* every scenario named in caught_by must have caught it */
        for (const char *p = d->caught_by; p && *p;) {
            const char *e = strchr(p, ',');
            char one[64];
            snprintf(one, sizeof(one), "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
            if (!ta_demo_listed(failing, one))
                bad = 1;
            p = e ? e + 1 : NULL;
        }
    } else if (strcmp(d->name, "drain") == 0 || strcmp(d->name, "unidirectional") == 0
               || strcmp(d->name, "yield-checks-pending") == 0) {
        bad = fails > 0;
    }
    printf("%-16s %3zu/%-3zu pass  %-10s %s%s\n", d->name, n - fails, n,
           (d->flags & TA_SD_CANARY) ? (bad ? "NOT CAUGHT" : "caught")
           : bad                     ? "UNEXPECTED"
           : fails                   ? "see README"
                                     : "conformant",
           fails ? "fails: " : "", failing);
    ta_sd_report_free(r);
    return bad;
}

static int ta_demo_shutdown(uint64_t seed)
{
    size_t n;
    const ta_sd_driver *cat = ta_sd_catalog(&n);
    int unexpected = 0;

    printf("== shutdown drivers: %zu built-ins through the named matrix "
           "(scenario x tls12/tls13 x client/server)\n",
           n);
    for (size_t i = 0; i < n; i++)
        unexpected += ta_demo_driver(&cat[i], seed);
    printf("one driver's full matrix: tlsaudit shutdown --builtin NAME\n\n");
    return unexpected;
}

int ta_cmd_demo(int argc, char **argv)
{
    ta_optvals v;
    int unexpected = 0;

    if (ta_cli_parse(&ta_demo_optset, argc, argv, &v) != 0)
        return TA_EXIT_USAGE;
    uint64_t ids = ta_opt_get(&v, "--ids")->u, seed = ta_opt_get(&v, "--seed")->u;
    if (!ta_opt_get(&v, "--skip-sid")->given)
        unexpected += ta_demo_sid(ids, seed);
    if (!ta_opt_get(&v, "--skip-shutdown")->given)
        unexpected += ta_demo_shutdown(seed);
    if (unexpected)
        printf("demo: %d result(s) differ from the documented ones\n", unexpected);
    else
        printf("demo: every built-in example behaved as documented\n");
    return unexpected ? TA_EXIT_FINDINGS : TA_EXIT_OK;
}
