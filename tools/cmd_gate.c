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
#include "tlsaudit/unstable.h" /* the JSON writer */

void ta_cmd_gate_help(FILE *out)
{
    char rng[128];
    ta_opt_help(out, &ta_gate_optset);
    fprintf(out, "\ngate keys (KEY=VALUE on a line of that kind; the same types and ranges\n"
                 "as the options they stand for):\n");
    for (int k = TA_GATE_SID; k <= TA_GATE_FUZZ; k++) {
        const ta_optset *set = ta_gate_line_optset(k);
        for (size_t i = 0; i < set->n; i++) {
            const ta_opt *o = &set->opts[i];
            if (o->gate_key == NULL)
                continue;
            ta_opt_range_text(o, 1, rng, sizeof(rng));
            fprintf(out, "  %-8s %-11s %s%s%s (%s)\n", set->name, o->gate_key, o->name ? "as " : "",
                    o->name ? o->name : o->help, o->name ? "" : "", rng);
        }
    }
    fprintf(out, "\nexit: 0 pass, 1 open findings (or stale entries under --strict), 2 config,\n"
                 "      usage or load error\n");
}

static double ta_gate_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* The accept entry that covers finding f of subject s, or -1. */
static int ta_gate_accepting(ta_gate_config *cfg, const ta_gate_subject *gs, const ta_finding *f)
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

static void ta_gate_json(FILE *out, const ta_gate_config *cfg, const ta_gate_subject *gs, size_t n,
                         int failed, double seconds)
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
            if (gs[i].accepted[k])
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

typedef struct ta__gate_doc {
    const ta_gate_config *cfg;
    const ta_gate_subject *gs;
    size_t n;
    int failed;
    double secs;
} ta__gate_doc;

static void ta__gate_json(FILE *f, const void *arg)
{
    const ta__gate_doc *d = arg;
    ta_gate_json(f, d->cfg, d->gs, d->n, d->failed, d->secs);
}

/* Write the reports; -1 (and a line on stderr) when a file cannot be written. */
static int ta_gate_write(const char *junit, const char *sarif, const char *json,
                         const ta_gate_config *cfg, const ta_gate_subject *gs, size_t n, int failed,
                         double secs)
{
    ta__gate_doc doc = {cfg, gs, n, failed, secs};
    ta_subject_report *reps = calloc(n ? n : 1, sizeof(*reps));
    int rc;

    if (reps == NULL) {
        fprintf(stderr, "tlsaudit gate: out of memory writing the reports\n");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        reps[i] = gs[i].rep;
    rc = ta_cli_write_reports("gate", reps, n, junit, sarif);
    free(reps);
    if (rc == 0 && json != NULL)
        rc = ta_cli_report_write("gate", "json", json, ta__gate_json, &doc);
    return rc;
}

static void ta_gate_free(ta_gate_config *cfg, ta_gate_subject *gs)
{
    for (size_t i = 0; gs != NULL && i < cfg->nitems; i++) {
        ta_subject_report_clear(&gs[i].rep);
        free(gs[i].accepted);
    }
    free(gs);
    ta_gate_config_free(cfg);
}

int ta_cmd_gate(int argc, char **argv)
{
    ta_optvals v;
    const char *config, *junit, *sarif, *json;
    int strict, quiet, failed = 0, usage = 0;
    ta_gate_config cfg;
    char err[2400], esc[4800], e1[400], e2[400], e3[700];
    double t0 = ta_gate_now();
    FILE *tty = stdout;

    if (ta_cli_parse(&ta_gate_optset, argc, argv, &v) != 0)
        return TA_EXIT_USAGE;
    config = ta_opt_get(&v, "--config")->s;
    strict = ta_opt_get(&v, "--strict")->given;
    quiet = ta_opt_get(&v, "--quiet")->given;
    if (config == NULL)
        return ta_cli_usage_error("gate", "--config FILE is required");
    /* The whole file is checked before anything runs. */
    if (ta_gate_config_load(config, argv[-1], &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlsaudit gate: %s\n", ta_cli_escape(err, esc, sizeof(esc)));
        return TA_EXIT_USAGE;
    }
    junit = ta_opt_get(&v, "--junit")->given ? ta_opt_get(&v, "--junit")->s : cfg.junit;
    sarif = ta_opt_get(&v, "--sarif")->given ? ta_opt_get(&v, "--sarif")->s : cfg.sarif;
    json = ta_opt_get(&v, "--json")->given ? ta_opt_get(&v, "--json")->s : cfg.json;
    {
        const char *reports[] = {junit, sarif, json};
        size_t nlibs = 0;
        const char **libs = calloc(cfg.nitems + 1, sizeof(*libs));
        for (size_t i = 0; libs != NULL && i < cfg.nitems; i++)
            if (cfg.items[i].lib != NULL)
                libs[nlibs++] = cfg.items[i].lib;
        int bad = libs == NULL || ta_cli_reports_check("gate", reports, 3, libs, nlibs) != 0;
        free(libs);
        if (bad) {
            ta_gate_config_free(&cfg);
            return TA_EXIT_USAGE;
        }
        /* A report on stdout is all that goes there: the table moves to stderr. */
        if (ta_cli_reports_stdout(reports, 3))
            tty = stderr;
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
            fprintf(stderr, "gate: %s %s ...\n", ta_gate_kind_name(it->kind),
                    ta_cli_escape(it->subject, e1, sizeof(e1)));
        if (it->kind == TA_GATE_SID)
            rc = ta_gate_run_sid(&cfg, it, strict, &gs[i]);
        else if (it->kind == TA_GATE_SHUTDOWN)
            rc = ta_gate_run_shutdown(&cfg, it, &gs[i]);
        else
            rc = ta_gate_run_program(&cfg, it, &gs[i]);
        gs[i].seconds = ta_gate_now() - t;
        if (rc == 0 && gs[i].rep.nfindings > 0
            && (gs[i].accepted = calloc(gs[i].rep.nfindings, sizeof(int))) == NULL) {
            snprintf(gs[i].error, sizeof(gs[i].error), "out of memory");
            rc = -1;
        }
        if (rc != 0) {
            fprintf(stderr, "tlsaudit gate: %s\n", ta_cli_escape(gs[i].error, esc, sizeof(esc)));
            usage = 1;
        }
    }
    if (usage) {
        ta_gate_free(&cfg, gs);
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
        /* Subjects, messages and reproducers come from the config and from code
         * under test: escaped for the terminal. */
        fprintf(tty, "%-4s %-9s %-44s %3zu checks %3zu findings (%zu open) %6.1fs\n",
                bad ? "FAIL" : "ok", ta_gate_kind_name(gs[i].item->kind),
                ta_cli_escape(gs[i].item->subject, e1, sizeof(e1)), gs[i].rep.nchecks, nf, bad,
                gs[i].seconds);
        for (size_t k = 0; k < nf && !quiet; k++) {
            const ta_finding *f = &gs[i].rep.findings[k];
            if (gs[i].accepted[k])
                fprintf(tty, "       accepted %-20s %.100s\n",
                        ta_cli_escape(f->rule, e1, sizeof(e1)),
                        ta_cli_escape(cfg.accepts[gs[i].accepted[k] - 1].reason, e2, sizeof(e2)));
            else
                fprintf(tty, "       %-7s  %-20s %.160s\n       reproduce: %s\n",
                        ta_severity_name(f->severity), ta_cli_escape(f->rule, e1, sizeof(e1)),
                        ta_cli_escape(f->message, e2, sizeof(e2)),
                        ta_cli_escape(f->reproducer, e3, sizeof(e3)));
        }
    }
    for (size_t i = 0; i < cfg.naccepts; i++) {
        if (cfg.accepts[i].matched)
            continue;
        stale++;
        fprintf(tty, "stale baseline entry %s:%d: accept %s %s matched no finding; remove it\n",
                ta_cli_escape(cfg.path, e1, sizeof(e1)), cfg.accepts[i].line,
                ta_cli_escape(cfg.accepts[i].rule, e2, sizeof(e2)),
                ta_cli_escape(cfg.accepts[i].subject, e3, sizeof(e3)));
    }
    failed = open_findings > 0 || (strict && stale > 0);
    double secs = ta_gate_now() - t0;
    fprintf(tty, "gate: %s: %zu open finding(s), %zu accepted, %zu stale baseline entr%s, %.1fs\n",
            failed ? "FAIL" : "pass", open_findings, accepted, stale, stale == 1 ? "y" : "ies",
            secs);
    if (ta_gate_write(junit, sarif, json, &cfg, gs, cfg.nitems, failed, secs) != 0)
        usage = 1;
    ta_gate_free(&cfg, gs);
    if (usage)
        return TA_EXIT_USAGE;
    return failed ? TA_EXIT_FINDINGS : TA_EXIT_OK;
}
