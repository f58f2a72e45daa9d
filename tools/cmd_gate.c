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

typedef struct ta_gate_subject {
    ta_subject_report rep;
    const ta_gate_item *item;
    int accepted[512];  /* per finding: index+1 of the accept entry, 0 if none */
    double seconds;
    char error[2200];   /* the item could not run (load error, harness failure) */
} ta_gate_subject;

static double ta_gate_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int ta_gate_split_lib(const char *subject, char *file, size_t fcap, char *sym,
                             size_t scap)
{
    const char *colon = strrchr(subject + 4, ':');
    if (colon == NULL)
        return -1;
    snprintf(file, fcap, "%.*s", (int)(colon - (subject + 4)), subject + 4);
    snprintf(sym, scap, "%s", colon + 1);
    return 0;
}

static int ta_gate_u64(const ta_gate_item *it, const char *key, uint64_t def, uint64_t *out,
                       char *err, size_t errlen, const char *path)
{
    const char *v = ta_gate_opt_get(it, key, NULL);
    *out = def;
    if (v != NULL && ta_cli_parse_u64(v, out) != 0) {
        snprintf(err, errlen, "%s:%d: %s=%s is not a number", path, it->line, key, v);
        return -1;
    }
    return 0;
}

static int ta_gate_run_sid(const ta_gate_config *cfg, const ta_gate_item *it, int strict,
                           ta_gate_subject *gs)
{
    ta_sid_opts o;
    ta_sid_cb cb = NULL;
    ta_sid_report *r = NULL;
    char target[600], file[512], sym[128], ebuf[400];
    uint64_t v;
    const char *only = ta_gate_opt_get(it, "only", NULL);

    ta_sid_opts_default(&o);
    o.ids = 20000;
    for (int i = 0; i < it->nopts; i++) {
        const char *k = it->opts[i].key;
        if (strcmp(k, "ids") && strcmp(k, "threads") && strcmp(k, "only") && strcmp(k, "timeout")
            && strcmp(k, "seed")) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: unknown sid option '%s' (ids, "
                     "threads, only, timeout, seed)", cfg->path, it->line, k);
            return -1;
        }
    }
    if (ta_gate_u64(it, "ids", o.ids, &v, gs->error, sizeof(gs->error), cfg->path) != 0)
        return -1;
    o.ids = (size_t)v;
    if (ta_gate_u64(it, "threads", o.threads, &v, gs->error, sizeof(gs->error), cfg->path) != 0)
        return -1;
    o.threads = (unsigned)v;
    if (ta_gate_u64(it, "seed", o.seed, &v, gs->error, sizeof(gs->error), cfg->path) != 0)
        return -1;
    o.seed = v;
    if (ta_gate_opt_get(it, "timeout", NULL) != NULL)
        o.timeout_s = atof(ta_gate_opt_get(it, "timeout", "2"));
    if (only != NULL && ta_sid_rules_parse(only, &o.only) != TA_OK) {
        snprintf(gs->error, sizeof(gs->error), "%s:%d: only=%s: %s", cfg->path, it->line, only,
                 ta_last_error()->message);
        return -1;
    }
    o.strict = strict;
    if (strncmp(it->subject, "builtin:", 8) == 0) {
        const ta_sid_builtin *b = ta_sid_builtin_find(it->subject + 8);
        if (b == NULL) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: no built-in callback '%s' (see "
                     "'tlsaudit list callbacks')", cfg->path, it->line, it->subject + 8);
            return -1;
        }
        cb = b->cb;
        snprintf(target, sizeof(target), "--builtin %s", b->name);
    } else {
        ta_gate_split_lib(it->subject, file, sizeof(file), sym, sizeof(sym));
        if (ta_sid_cb_load(file, sym, &cb) != TA_OK) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: %s", cfg->path, it->line,
                     ta_last_error()->message);
            return -1;
        }
        snprintf(target, sizeof(target), "--lib %.400s --symbol %.120s", file, sym);
    }
    o.target = target;
    if (ta_sid_audit(it->subject, cb, &o, &r) != TA_OK
        || ta_sid_report_to_subject(r, strict, &gs->rep) != TA_OK) {
        snprintf(gs->error, sizeof(gs->error), "%s:%d: %s", cfg->path, it->line,
                 ta_error_format(ebuf, sizeof(ebuf)));
        ta_sid_report_free(r);
        return -1;
    }
    ta_sid_report_free(r);
    ta_subject_locate(&gs->rep, *(void **)&cb,
                      strncmp(it->subject, "lib:", 4) == 0 ? sym : NULL);
    return 0;
}

static int ta_gate_run_shutdown(const ta_gate_config *cfg, const ta_gate_item *it,
                                ta_gate_subject *gs)
{
    ta_sd_opts o;
    const ta_sd_driver *d = NULL;
    ta_sd_report *r = NULL;
    ta_sd_explore_stats stats;
    char target[600], file[512], sym[128], ebuf[400];
    uint64_t depth = 0;
    ta_status st;

    ta_sd_opts_default(&o);
    for (int i = 0; i < it->nopts; i++) {
        const char *k = it->opts[i].key;
        if (strcmp(k, "only") && strcmp(k, "exhaustive") && strcmp(k, "seed")) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: unknown shutdown option '%s' "
                     "(only, exhaustive, seed)", cfg->path, it->line, k);
            return -1;
        }
    }
    o.only = ta_gate_opt_get(it, "only", NULL);
    if (ta_gate_u64(it, "exhaustive", 0, &depth, gs->error, sizeof(gs->error), cfg->path) != 0
        || ta_gate_u64(it, "seed", o.seed, &o.seed, gs->error, sizeof(gs->error), cfg->path) != 0)
        return -1;
    if (strncmp(it->subject, "builtin:", 8) == 0) {
        d = ta_sd_driver_find(it->subject + 8);
        if (d == NULL) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: no built-in driver '%s' (see "
                     "'tlsaudit list drivers')", cfg->path, it->line, it->subject + 8);
            return -1;
        }
        snprintf(target, sizeof(target), "--builtin %s", d->name);
    } else {
        ta_gate_split_lib(it->subject, file, sizeof(file), sym, sizeof(sym));
        if (ta_sd_driver_load(file, sym, &d) != TA_OK) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: %s", cfg->path, it->line,
                     ta_last_error()->message);
            return -1;
        }
        o.isolate = 1; /* user code: a crash or a hang is a finding, not our end */
        snprintf(target, sizeof(target), "--lib %.400s --symbol %.120s", file, sym);
    }
    o.target = target;
    st = depth > 0 ? ta_sd_explore(d, &o, (unsigned)depth, &r, &stats) : ta_sd_matrix(d, &o, &r);
    if (st == TA_OK && depth > 0 && ta_sd_report_results(r, &(const ta_sd_result *){0}) == 0) {
        /* No violation to list: one passing check says what was explored. */
        ta_sd_report_free(r);
        if (ta_subject_report_init(&gs->rep, "shutdown", it->subject, 1, 0) != TA_OK)
            st = TA_E_NOMEM;
        else {
            ta_check *c = &gs->rep.checks[gs->rep.nchecks++];
            snprintf(c->name, sizeof(c->name), "exhaustive/depth-%u", (unsigned)depth);
            snprintf(c->message, sizeof(c->message), "%llu schedules explored, %llu distinct, "
                     "0 violations, %.1fs", (unsigned long long)stats.explored,
                     (unsigned long long)stats.distinct, stats.seconds);
            ta_subject_locate(&gs->rep, *(void **)&d->step,
                              strncmp(it->subject, "lib:", 4) == 0 ? sym : NULL);
            return 0;
        }
    }
    if (st != TA_OK || ta_sd_report_to_subject(r, &gs->rep) != TA_OK) {
        snprintf(gs->error, sizeof(gs->error), "%s:%d: %s", cfg->path, it->line,
                 ta_error_format(ebuf, sizeof(ebuf)));
        ta_sd_report_free(r);
        return -1;
    }
    ta_sd_report_free(r);
    snprintf(gs->rep.name, sizeof(gs->rep.name), "%.159s", it->subject);
    for (size_t i = 0; i < gs->rep.nfindings; i++)
        snprintf(gs->rep.findings[i].subject, sizeof(gs->rep.findings[i].subject), "%.159s",
                 it->subject);
    ta_subject_locate(&gs->rep, *(void **)&d->step,
                      strncmp(it->subject, "lib:", 4) == 0 ? sym : NULL);
    return 0;
}

/* replay and fuzz items run programs: a check whose outcome is their exit code. */
static int ta_gate_run_program(const ta_gate_config *cfg, const ta_gate_item *it,
                               const char *self, ta_gate_subject *gs)
{
    char cmd[2048], target[128], line[512], tail[4][512] = {{0}};
    const char *rule = it->kind == TA_GATE_REPLAY ? "REPLAY-FAILED" : "FUZZ-FINDING";
    int n = 0;

    if (strchr(it->subject, '\'') != NULL) {
        snprintf(gs->error, sizeof(gs->error), "%s:%d: quotes are not allowed in '%s'",
                 cfg->path, it->line, it->subject);
        return -1;
    }
    if (it->kind == TA_GATE_REPLAY) {
        /* corpus/<target>[/regressions]: the target is the directory's name. */
        const char *t = ta_gate_opt_get(it, "target", NULL);
        char dir[512];
        snprintf(dir, sizeof(dir), "%s", it->subject);
        while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
            dir[strlen(dir) - 1] = '\0';
        if (t == NULL) {
            char *base = strrchr(dir, '/');
            base = base ? base + 1 : dir;
            if (strcmp(base, "regressions") == 0 && base > dir + 1) {
                base[-1] = '\0';
                char *b2 = strrchr(dir, '/');
                t = b2 ? b2 + 1 : dir;
            } else {
                t = base;
            }
        }
        snprintf(target, sizeof(target), "%s", t);
        char prog[1100];
        snprintf(prog, sizeof(prog), "%.*sfuzz/%s-replay",
                 (int)(strrchr(self, '/') ? strrchr(self, '/') - self + 1 : 0), self, target);
        if (access(prog, X_OK) != 0) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: no replay program for target '%s' "
                     "(looked for %s); set target=NAME", cfg->path, it->line, target, prog);
            return -1;
        }
        snprintf(cmd, sizeof(cmd), "'%s' '%s' 2>&1", prog, it->subject);
    } else {
        const char *secs = ta_gate_opt_get(it, "seconds", "30");
        const char *engine = ta_gate_opt_get(it, "engine", "libfuzzer");
        if (access("tools/fuzz", X_OK) != 0) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: fuzz lines need tlsaudit's source "
                     "tree (tools/fuzz) as the current directory", cfg->path, it->line);
            return -1;
        }
        if (strspn(secs, "0123456789") != strlen(secs) || strspn(engine, "abcdefghijklmnopqrstuvwxyz")
                                                              != strlen(engine)) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: seconds= must be a number and "
                     "engine= libfuzzer or afl", cfg->path, it->line);
            return -1;
        }
        snprintf(cmd, sizeof(cmd), "tools/fuzz run '%s' --engine %s --time %s 2>&1",
                 it->subject, engine, secs);
    }
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        snprintf(gs->error, sizeof(gs->error), "%s:%d: cannot run %s", cfg->path, it->line, cmd);
        return -1;
    }
    while (fgets(line, sizeof(line), p) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(tail[n++ % 4], sizeof(tail[0]), "%s", line);
    }
    int status = pclose(p);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    if (ta_subject_report_init(&gs->rep, ta_gate_kind_name(it->kind), it->subject, 1, 1)
        != TA_OK) {
        snprintf(gs->error, sizeof(gs->error), "out of memory");
        return -1;
    }
    ta_check *c = &gs->rep.checks[gs->rep.nchecks++];
    snprintf(c->name, sizeof(c->name), "%s %.140s", ta_gate_kind_name(it->kind), it->subject);
    snprintf(c->reproducer, sizeof(c->reproducer), "%.*s", (int)(strlen(cmd) - 5), cmd);
    snprintf(c->message, sizeof(c->message), "exit %d; last output: %.400s", code,
             tail[(n + 3) % 4]);
    c->outcome = code == 0 ? TA_CHECK_PASS : TA_CHECK_FAIL;
    if (code == 2 || code >= 126) {
        snprintf(gs->error, sizeof(gs->error), "%s:%d: %.300s (exit %d)", cfg->path, it->line,
                 tail[(n + 3) % 4], code);
        return -1;
    }
    if (code != 0) {
        ta_finding *f = &gs->rep.findings[gs->rep.nfindings++];
        snprintf(f->rule, sizeof(f->rule), "%s", rule);
        f->severity = TA_SEV_ERROR;
        snprintf(f->subject, sizeof(f->subject), "%.159s", it->subject);
        snprintf(f->message, sizeof(f->message), "%s", c->message);
        snprintf(f->reproducer, sizeof(f->reproducer), "%s", c->reproducer);
    }
    return 0;
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
