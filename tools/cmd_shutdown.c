/* cmd_shutdown.c - 'tlsaudit shutdown': check a shutdown driver. */
#include <fnmatch.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void ta_cmd_shutdown_help(FILE *out)
{
    size_t nd, ns;
    const ta_sd_driver *d = ta_sd_catalog(&nd);
    const ta_sd_scenario *sc = ta_sd_scenario_table(&ns);

    ta_opt_help(out, &ta_sd_optset);
    fprintf(out, "\nexit: 0 conformant, 1 violations or an incomplete run, 2 usage or load "
                 "error\n\nbuilt-in drivers:\n");
    for (size_t i = 0; i < nd; i++)
        fprintf(out, "  %-16s %s\n", d[i].name, d[i].summary);
    fprintf(out, "\nscenarios:\n");
    for (size_t i = 0; i < ns; i++)
        fprintf(out, "  %-22s %s\n", sc[i].name, sc[i].description);
}

int ta_cli_sd_apply(const ta_optvals *v, int gate, ta_sd_opts *o, char *why, size_t cap)
{
    const ta_optval *only = ta_opt_get(v, "--only");
    (void)gate;
    o->seed = ta_opt_get(v, "--seed")->u;
    o->mode = (ta_mode)ta_mode_from_name(ta_opt_get(v, "--mode")->s);
    o->timeout_s = ta_opt_get(v, "--timeout")->d;
    o->mem_limit_mb = (unsigned)ta_opt_get(v, "--mem-limit")->u;
    o->only = only->given ? only->s : NULL;
    o->capacity = (unsigned)ta_opt_get(v, "--capacity")->u;
    const ta_optval *actions = ta_opt_get(v, "--actions");
    if (actions->given) {
        ta_sd_schedule tok;
        memset(&tok, 0, sizeof(tok));
        if (strchr(actions->s, ':') != NULL || ta_sd_schedule_parse(actions->s, &tok) != TA_OK
            || tok.n == 0) {
            snprintf(why, cap, "--actions '%s' is not a list of schedule actions (e.g. 'dcke<>x')",
                     actions->s);
            return -1;
        }
        o->actions = actions->s;
    }
    return 0;
}

int ta_cli_sd_only_matches(const char *globs, const char *driver, int exhaustive)
{
    size_t ns;
    const ta_sd_scenario *sc = ta_sd_scenario_table(&ns);
    size_t len = strlen(globs);
    char g[len + 1], name[400];

    for (const char *p = globs; *p;) {
        size_t n = strcspn(p, ",");
        snprintf(g, sizeof(g), "%.*s", (int)n, p);
        p += n + (p[n] == ',');
        if (g[0] == '\0')
            continue;
        /* A loaded driver's name is known only after the run: a glob without '/'
         * may name it, so it is left to the check after the run. */
        if (driver == NULL && strchr(g, '/') == NULL)
            return 1;
        for (size_t i = 0; i < (exhaustive ? 1 : ns); i++)
            for (int v = 0; v < TA_TLS_COUNT; v++)
                for (int r = 0; r < TA_ROLE_COUNT; r++) {
                    if (!exhaustive && !ta_sd_scenario_applies(&sc[i], (ta_tls)v, (ta_role)r))
                        continue;
                    snprintf(name, sizeof(name), "%s/%s/%s/", ta_tls_name((ta_tls)v),
                             ta_role_name((ta_role)r), exhaustive ? "schedule" : sc[i].name);
                    size_t base = strlen(name);
                    if (driver != NULL) {
                        snprintf(name + base, sizeof(name) - base, "%s", driver);
                        if (ta_sd_only_match(g, name))
                            return 1;
                        continue;
                    }
                    /* Unknown driver name: the glob's last component may match it,
                     * so match the rest against the case's first three. */
                    const char *last = strrchr(g, '/');
                    char head[len + 1];
                    snprintf(head, sizeof(head), "%.*s", (int)(last - g), g);
                    name[base - 1] = '\0';
                    if (fnmatch(head, name, 0) == 0 || fnmatch(g, name, 0) == 0)
                        return 1;
                }
    }
    return 0;
}

typedef struct {
    const ta_sd_report *r;
    int html;
} ta__sd_file;

static void ta__sd_write(FILE *f, const void *arg)
{
    const ta__sd_file *x = arg;
    if (x->html)
        ta_sd_report_html(x->r, f);
    else
        ta_sd_report_json(x->r, f);
}

/* --junit / --sarif: the report as one subject, located at the driver. */
static int ta__sd_write_reports(const ta_sd_report *r, const ta_sd_driver *d, const char *junit,
                                const char *sarif)
{
    ta_subject_report s;
    int rc;

    if (junit == NULL && sarif == NULL)
        return 0;
    if (ta_sd_report_to_subject(r, &s) != TA_OK) {
        fprintf(stderr, "tlsaudit shutdown: out of memory writing the reports\n");
        return -1;
    }
    if (d != NULL) /* a built-in, in this process; a loaded driver: from the report */
        ta_subject_locate(&s, *(void *const *)&d->step, NULL);
    rc = ta_cli_write_reports("shutdown", &s, 1, junit, sarif);
    ta_subject_report_clear(&s);
    return rc;
}

/* The terminal matrix, the report files and the exit code, for every form. */
static int ta__sd_output(ta_sd_report *rep, const ta_sd_driver *d, const ta_optvals *v, int quiet)
{
    const char *json = ta_opt_get(v, "--json")->s, *html = ta_opt_get(v, "--html")->s;
    const char *junit = ta_opt_get(v, "--junit")->s, *sarif = ta_opt_get(v, "--sarif")->s;
    /* TODO(src): ta_sd_report_print writes the driver's name (from a loaded
     * object: untrusted) unescaped; src/ should escape it. */
    if (!quiet)
        ta_sd_report_print(rep, stdout);
    /* ta_sd_report_failed: 1 for "fail" and for "incomplete" alike. */
    int rc = ta_sd_report_failed(rep) ? TA_EXIT_FINDINGS : TA_EXIT_OK;
    ta__sd_file jf = {rep, 0}, hf = {rep, 1};
    if ((json != NULL && ta_cli_report_write("shutdown", "json", json, ta__sd_write, &jf) != 0)
        || (html != NULL && ta_cli_report_write("shutdown", "html", html, ta__sd_write, &hf) != 0)
        || ta__sd_write_reports(rep, d, junit, sarif) != 0)
        rc = TA_EXIT_USAGE;
    ta_sd_report_free(rep);
    return rc;
}

/* --connect, --client, --shim: a live endpoint (cmd_shutdown_remote.c builds the options). */
static int ta__sd_remote_cmd(const ta_optvals *v)
{
    ta_sd_remote_opts o;
    ta_sd_report *rep = NULL;
    char target[1400], ebuf[400], esc[800];
    const char *reports[] = {ta_opt_get(v, "--json")->s, ta_opt_get(v, "--html")->s,
                             ta_opt_get(v, "--junit")->s, ta_opt_get(v, "--sarif")->s};
    int quiet = ta_opt_get(v, "--quiet")->given;

    if (ta_cli_sd_remote_opts(v, &o, target, sizeof(target)) != 0)
        return TA_EXIT_USAGE;
    if (ta_cli_reports_check("shutdown", reports, 4, NULL, 0) != 0)
        return TA_EXIT_USAGE;
    if (ta_cli_reports_stdout(reports, 4))
        quiet = 1;
    if (ta_sd_remote(&o, &rep) != TA_OK) {
        fprintf(stderr, "tlsaudit shutdown: %s\n",
                ta_cli_escape(ta_error_format(ebuf, sizeof(ebuf)), esc, sizeof(esc)));
        return TA_EXIT_USAGE;
    }
    const ta_sd_result *res;
    if (ta_sd_report_results(rep, &res) == 0) {
        ta_sd_report_free(rep);
        return ta_cli_usage_error("shutdown", "--only '%s' matches no case", o.only ? o.only : "");
    }
    return ta__sd_output(rep, NULL, v, quiet);
}

int ta_cmd_shutdown(int argc, char **argv)
{
    ta_optvals v;
    const char *builtin, *lib, *symbol, *schedule, *json, *html, *junit, *sarif;
    int exhaustive, quiet;
    ta_sd_opts o;
    const ta_sd_driver *d = NULL;
    ta_sd_report *rep = NULL;
    ta_sd_explore_stats st;
    char ebuf[400], esc[800], target[1200], libbuf[1024], why[200];

    if (ta_cli_parse(&ta_sd_optset, argc, argv, &v) != 0)
        return TA_EXIT_USAGE;
    builtin = ta_opt_get(&v, "--builtin")->s;
    lib = ta_cli_lib_path(ta_opt_get(&v, "--lib")->s, libbuf, sizeof(libbuf));
    symbol = ta_opt_get(&v, "--symbol")->s;
    schedule = ta_opt_get(&v, "--schedule")->s;
    json = ta_opt_get(&v, "--json")->s;
    html = ta_opt_get(&v, "--html")->s;
    junit = ta_opt_get(&v, "--junit")->s;
    sarif = ta_opt_get(&v, "--sarif")->s;
    exhaustive = ta_opt_get(&v, "--exhaustive")->given;
    quiet = ta_opt_get(&v, "--quiet")->given;
    unsigned depth = (unsigned)ta_opt_get(&v, "--depth")->u;
    if (ta_opt_get(&v, "--connect")->given || ta_opt_get(&v, "--client")->given
        || ta_opt_get(&v, "--shim")->given)
        return ta__sd_remote_cmd(&v);
    if (ta_cli_sd_remote_only(&v) != 0)
        return TA_EXIT_USAGE;

    ta_sd_opts_default(&o);
    if (ta_cli_sd_apply(&v, 0, &o, why, sizeof(why)) != 0)
        return ta_cli_usage_error("shutdown", "%s", why);
    if ((builtin != NULL) == (lib != NULL))
        return ta_cli_usage_error("shutdown",
                                  "give exactly one of --builtin NAME or --lib FILE.so");
    if ((lib != NULL) != (symbol != NULL))
        return ta_cli_usage_error("shutdown", "--lib and --symbol go together");
    if (ta_opt_get(&v, "--depth")->given && !exhaustive)
        return ta_cli_usage_error("shutdown", "--depth goes with --exhaustive");
    if ((ta_opt_get(&v, "--actions")->given || ta_opt_get(&v, "--no-prune")->given) && !exhaustive)
        return ta_cli_usage_error("shutdown", "--actions and --no-prune go with --exhaustive");
    if (ta_opt_get(&v, "--no-prune")->given)
        o.explore_flags |= TA_SD_EXPLORE_NO_PRUNE;
    if (exhaustive && schedule != NULL)
        return ta_cli_usage_error("shutdown", "--exhaustive and --schedule exclude each other");
    const char *reports[] = {json, html, junit, sarif};
    if (ta_cli_reports_check("shutdown", reports, 4, &lib, lib != NULL) != 0)
        return TA_EXIT_USAGE;
    if (ta_cli_reports_stdout(reports, 4))
        quiet = 1; /* the report is all that goes to stdout */
    if (builtin != NULL) {
        d = ta_sd_driver_find(builtin);
        if (d == NULL)
            return ta_cli_usage_error("shutdown", "no built-in driver '%s' (see --help)", builtin);
        snprintf(target, sizeof(target), "--builtin %s", d->name);
    } else {
        /* Loaded only in the worker children (src/): d stays NULL. */
        if (access(lib, R_OK) != 0) /* a clear line now; loading is the children's */
            return ta_cli_usage_error("shutdown", "cannot read '%s' (%s)", lib, strerror(errno));
        o.lib = lib;
        o.symbol = symbol;
        snprintf(target, sizeof(target), "--lib %s --symbol %s", lib, symbol);
    }
    o.target = target;
    if (o.only != NULL && schedule == NULL
        && !ta_cli_sd_only_matches(o.only, d ? d->name : NULL, exhaustive))
        return ta_cli_usage_error("shutdown", "--only '%s' matches no case", o.only);
    if (schedule != NULL) {
        ta_sd_schedule probe;
        memset(&probe, 0, sizeof(probe));
        if (ta_sd_schedule_parse(schedule, &probe) != TA_OK)
            return ta_cli_usage_error("shutdown", "--schedule: %s", ta_last_error()->message);
        if (strchr(schedule, ':') == NULL)
            return ta_cli_usage_error("shutdown", "--schedule needs a VERSION/ROLE: prefix, "
                                                  "e.g. 'tls13/client:s>c<'");
    }

    ta_status s;
    if (schedule != NULL)
        s = ta_sd_replay(d, &o, schedule, &rep);
    else if (exhaustive)
        s = ta_sd_explore(d, &o, depth, &rep, &st);
    else
        s = ta_sd_matrix(d, &o, &rep);
    if (s != TA_OK) {
        fprintf(stderr, "tlsaudit shutdown: %s\n",
                ta_cli_escape(ta_error_format(ebuf, sizeof(ebuf)), esc, sizeof(esc)));
        return TA_EXIT_USAGE;
    }
    const ta_sd_result *res;
    if (ta_sd_report_results(rep, &res) == 0 && !exhaustive) {
        ta_sd_report_free(rep);
        return ta_cli_usage_error("shutdown", "--only '%s' matches no case", o.only ? o.only : "");
    }
    return ta__sd_output(rep, d, &v, quiet);
}
