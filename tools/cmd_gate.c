/*
 * cmd_gate.c - 'tlsaudit gate --config FILE': one command for a CI job.
 *
 * Runs every audit the configuration lists (gate_config.c documents the format),
 * writes the reports, and exits 0 only when no finding is left outside the
 * baseline of accepted findings ("accept RULE SUBJECT reason=..."). Accepted
 * entries that no longer match anything are reported as stale, so the baseline
 * shrinks as bugs are fixed (the idea of tlsfuzzer's and BoGo's expected-failure
 * lists).
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "gate_config.h"

void ta_cmd_gate_help(FILE *out)
{
    fprintf(out,
            "usage: tlsaudit gate --config FILE [--junit F] [--sarif F] [--json F]\n"
            "                     [--strict] [--quiet]\n"
            "Runs the audits listed in FILE and exits 0 only when every finding is\n"
            "accepted by the file's baseline. Report paths given here override the\n"
            "file's 'report' lines.\n"
            "  --strict  warnings and stale baseline entries fail the gate too\n"
            "config lines (one per line, '#' comments):\n"
            "  sid      builtin:NAME | lib:FILE:SYMBOL   [ids=N threads=N only=R,R timeout=S]\n"
            "  shutdown builtin:NAME | lib:FILE:SYMBOL   [only=GLOB exhaustive=DEPTH]\n"
            "  replay   CORPUS-DIR                       [target=NAME]\n"
            "  fuzz     TARGET seconds=N                 [engine=libfuzzer|afl]\n"
            "  accept   RULE SUBJECT reason=\"why\"        (RULE may be a glob: SD-*)\n"
            "  report   junit|sarif|json FILE\n");
}


static double ta_gate_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* The accept entry that covers finding f of subject s, or -1. */
static int ta_gate_accepting(ta_gate_config *cfg, const ta_gate_subject *gs,
                             const ta_finding *f)
{
    for (size_t i = 0; i < cfg->naccepts; i++) {
        const ta_gate_accept *a = &cfg->accepts[i];
        if (fnmatch(a->rule, f->rule, 0) == 0
            && (strcmp(a->subject, gs->item->subject) == 0
                || fnmatch(a->subject, gs->item->subject, 0) == 0))
            return (int)i;
    }
    return -1;
}

static int ta_gate_counts(const ta_finding *f, int strict)
{
    return f->severity == TA_SEV_ERROR || (strict && f->severity == TA_SEV_WARNING);
}

static void ta_gate_json(FILE *out, const ta_gate_config *cfg, const ta_gate_subject *gs,
                         size_t n, int failed, double seconds)
{
    ta_json j;
    ta_json_init(&j, out);
    ta_json_object(&j);
    ta_json_key(&j, "config");
    ta_json_string(&j, cfg->path);
    ta_json_key(&j, "verdict");
    ta_json_string(&j, failed ? "fail" : "pass");
    ta_json_key(&j, "seconds");
    ta_json_double(&j, seconds);
    ta_json_key(&j, "subjects");
    ta_json_array(&j);
    for (size_t i = 0; i < n; i++) {
        ta_json_object(&j);
        ta_json_key(&j, "kind");
        ta_json_string(&j, ta_gate_kind_name(gs[i].item->kind));
        ta_json_key(&j, "subject");
        ta_json_string(&j, gs[i].item->subject);
        ta_json_key(&j, "line");
        ta_json_int(&j, gs[i].item->line);
        ta_json_key(&j, "seconds");
        ta_json_double(&j, gs[i].seconds);
        ta_json_key(&j, "checks");
        ta_json_int(&j, (long long)gs[i].rep.nchecks);
        ta_json_key(&j, "findings");
        ta_json_array(&j);
        for (size_t k = 0; k < gs[i].rep.nfindings; k++) {
            const ta_finding *f = &gs[i].rep.findings[k];
            ta_json_object(&j);
            ta_json_finding_fields(&j, f);
            ta_json_key(&j, "accepted");
            if (k < 512 && gs[i].accepted[k])
                ta_json_string(&j, cfg->accepts[gs[i].accepted[k] - 1].reason);
            else
                ta_json_null(&j);
            ta_json_end_object(&j);
        }
        ta_json_end_array(&j);
        ta_json_end_object(&j);
    }
    ta_json_end_array(&j);
    ta_json_key(&j, "stale");
    ta_json_array(&j);
    for (size_t i = 0; i < cfg->naccepts; i++) {
        if (cfg->accepts[i].matched)
            continue;
        ta_json_object(&j);
        ta_json_key(&j, "rule");
        ta_json_string(&j, cfg->accepts[i].rule);
        ta_json_key(&j, "subject");
        ta_json_string(&j, cfg->accepts[i].subject);
        ta_json_key(&j, "line");
        ta_json_int(&j, cfg->accepts[i].line);
        ta_json_end_object(&j);
    }
    ta_json_end_array(&j);
    ta_json_end_object(&j);
}

/* Write the reports; -1 (and a line on stderr) when a file cannot be written. */
static int ta_gate_write(const char *junit, const char *sarif, const char *json,
                         const ta_gate_config *cfg, const ta_gate_subject *gs, size_t n,
                         int failed, double secs)
{
    ta_subject_report reps[n ? n : 1];
    FILE *f;

    for (size_t i = 0; i < n; i++)
        reps[i] = gs[i].rep;
    if (ta_cli_write_reports("gate", reps, n, junit && junit[0] ? junit : NULL,
                             sarif && sarif[0] ? sarif : NULL) != 0)
        return -1;
    if (json == NULL || json[0] == '\0')
        return 0;
    if ((f = ta_cli_report_open("gate", "json", json)) == NULL)
        return -1;
    ta_gate_json(f, cfg, gs, n, failed, secs);
    return ta_cli_report_close("gate", json, f);
}

int ta_cmd_gate(int argc, char **argv)
{
    const char *config = NULL, *junit = NULL, *sarif = NULL, *json = NULL;
    int strict = 0, quiet = 0, failed = 0, usage = 0;
    ta_gate_config cfg;
    char err[700];
    double t0 = ta_gate_now();

    for (int i = 1; i < argc; i++) {
        const char **dst = NULL;
        if (strcmp(argv[i], "--config") == 0) dst = &config;
        else if (strcmp(argv[i], "--junit") == 0) dst = &junit;
        else if (strcmp(argv[i], "--sarif") == 0) dst = &sarif;
        else if (strcmp(argv[i], "--json") == 0) dst = &json;
        else if (strcmp(argv[i], "--strict") == 0) { strict = 1; continue; }
        else if (strcmp(argv[i], "--quiet") == 0) { quiet = 1; continue; }
        else
            return ta_cli_usage_error("gate", "unknown option '%s'", argv[i]);
        if (i + 1 >= argc)
            return ta_cli_usage_error("gate", "%s needs a value", argv[i]);
        *dst = argv[++i];
    }
    if (config == NULL)
        return ta_cli_usage_error("gate", "--config FILE is required");
    if (ta_gate_config_load(config, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlsaudit gate: %s\n", err);
        return TA_EXIT_USAGE;
    }
    ta_gate_subject *gs = calloc(cfg.nitems, sizeof(*gs));
    if (gs == NULL) {
        fprintf(stderr, "tlsaudit gate: out of memory\n");
        ta_gate_config_free(&cfg);
        return TA_EXIT_USAGE;
    }
    for (size_t i = 0; i < cfg.nitems && !usage; i++) {
        const ta_gate_item *it = &cfg.items[i];
        double t = ta_gate_now();
        int rc;
        gs[i].item = it;
        if (!quiet)
            fprintf(stderr, "gate: %s %s ...\n", ta_gate_kind_name(it->kind), it->subject);
        if (it->kind == TA_GATE_SID)
            rc = ta_gate_run_sid(&cfg, it, strict, &gs[i]);
        else if (it->kind == TA_GATE_SHUTDOWN)
            rc = ta_gate_run_shutdown(&cfg, it, &gs[i]);
        else
            rc = ta_gate_run_program(&cfg, it, argv[-1], &gs[i]);
        gs[i].seconds = ta_gate_now() - t;
        if (rc != 0) {
            fprintf(stderr, "tlsaudit gate: %s\n", gs[i].error);
            usage = 1;
        }
    }
    if (usage) {
        for (size_t i = 0; i < cfg.nitems; i++)
            ta_subject_report_clear(&gs[i].rep);
        free(gs);
        ta_gate_config_free(&cfg);
        return TA_EXIT_USAGE;
    }

    size_t open_findings = 0, accepted = 0, stale = 0;
    for (size_t i = 0; i < cfg.nitems; i++) {
        size_t nf = gs[i].rep.nfindings, bad = 0;
        for (size_t k = 0; k < nf; k++) {
            int a = ta_gate_accepting(&cfg, &gs[i], &gs[i].rep.findings[k]);
            if (a >= 0) {
                size_t c = gs[i].rep.check_of[k];
                cfg.accepts[a].matched = 1;
                if (k < 512)
                    gs[i].accepted[k] = a + 1;
                accepted++;
                /* The failed check shows as skipped, with the baseline's reason. */
                if (c < gs[i].rep.nchecks && gs[i].rep.checks[c].outcome == TA_CHECK_FAIL) {
                    gs[i].rep.checks[c].outcome = TA_CHECK_SKIP;
                    snprintf(gs[i].rep.checks[c].message, sizeof(gs[i].rep.checks[c].message),
                             "accepted (%.80s:%d): %.400s", cfg.path, cfg.accepts[a].line,
                             cfg.accepts[a].reason);
                }
            } else if (ta_gate_counts(&gs[i].rep.findings[k], strict)) {
                bad++;
            }
        }
        open_findings += bad;
        printf("%-4s %-9s %-44s %3zu checks %3zu findings (%zu open) %6.1fs\n",
               bad ? "FAIL" : "ok", ta_gate_kind_name(gs[i].item->kind), gs[i].item->subject,
               gs[i].rep.nchecks, nf, bad, gs[i].seconds);
        for (size_t k = 0; k < nf && !quiet; k++) {
            const ta_finding *f = &gs[i].rep.findings[k];
            if (k < 512 && gs[i].accepted[k])
                printf("       accepted %-20s %.100s\n", f->rule,
                       cfg.accepts[gs[i].accepted[k] - 1].reason);
            else
                printf("       %-7s  %-20s %.160s\n       reproduce: %s\n",
                       ta_severity_name(f->severity), f->rule, f->message, f->reproducer);
        }
    }
    for (size_t i = 0; i < cfg.naccepts; i++) {
        if (cfg.accepts[i].matched)
            continue;
        stale++;
        printf("stale baseline entry %s:%d: accept %s %s matched no finding; remove it\n",
               cfg.path, cfg.accepts[i].line, cfg.accepts[i].rule, cfg.accepts[i].subject);
    }
    failed = open_findings > 0 || (strict && stale > 0);
    double secs = ta_gate_now() - t0;
    printf("gate: %s: %zu open finding(s), %zu accepted, %zu stale baseline entr%s, %.1fs\n",
           failed ? "FAIL" : "pass", open_findings, accepted, stale, stale == 1 ? "y" : "ies",
           secs);
    if (ta_gate_write(junit ? junit : cfg.junit, sarif ? sarif : cfg.sarif,
                      json ? json : cfg.json, &cfg, gs, cfg.nitems, failed, secs) != 0)
        usage = 1;
    for (size_t i = 0; i < cfg.nitems; i++)
        ta_subject_report_clear(&gs[i].rep);
    free(gs);
    ta_gate_config_free(&cfg);
    if (usage)
        return TA_EXIT_USAGE;
    return failed ? TA_EXIT_FINDINGS : TA_EXIT_OK;
}
