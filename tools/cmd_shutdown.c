/* cmd_shutdown.c - 'tlsaudit shutdown': check a shutdown driver (issue 4). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void ta_cmd_shutdown_help(FILE *out)
{
    size_t nd, ns;
    const ta_sd_driver *d = ta_sd_catalog(&nd);
    const ta_sd_scenario *sc = ta_sd_scenario_table(&ns);

    fprintf(out,
            "usage: tlsaudit shutdown (--builtin NAME | --lib FILE.so --symbol NAME) [options]\n"
            "Checks a shutdown driver against a real OpenSSL peer: every named scenario for\n"
            "TLS 1.2 and 1.3, the driver as client and as server. A shutdown must complete\n"
            "when the peer's close_notify arrives (clean), the peer closes the transport\n"
            "(truncated) or the application cancels (cancelled), and never otherwise.\n"
            "  --builtin NAME      a built-in driver (below)\n"
            "  --lib FILE.so       load a driver from a shared object; each case then runs in a\n"
            "  --symbol NAME       child process (crash or hang = SD-CRASH). NAME is a\n"
            "                      'const ta_sd_driver' (see tlsaudit.h)\n"
            "  --only GLOBS        cases whose name matches, e.g. 'tls13/client/peer-eof/*',\n"
            "                      'peer-eof' (comma-separated)\n"
            "  --schedule STRING   replay one schedule, e.g. 'tls13/client:s>c<' (reports print it)\n"
            "  --exhaustive        every interleaving of peer actions, deliveries and cancel\n"
            "  --depth D           actions after the start in exhaustive mode (default 5)\n"
            "  --json FILE|-       JSON report\n"
            "  --html FILE         coloured HTML matrix\n"
            "  --junit FILE        JUnit XML: a testcase per case, failures with reproducers\n"
            "  --sarif FILE        SARIF 2.1.0: a result per failed case, at the driver\n"
            "  --seed S            seed of the TLS environment (default 1)\n"
            "  --mode M            handshake of each case: psk (default, fast), cert (full\n"
            "                      ECDHE + ECDSA certificate) or resume (session resumption)\n"
            "  --timeout SECONDS   per isolated case (default 5)\n"
            "  --quiet             no terminal matrix\n"
            "exit: 0 conformant, 1 violations, 2 usage or load error\n\nbuilt-in drivers:\n");
    for (size_t i = 0; i < nd; i++)
        fprintf(out, "  %-16s %s\n", d[i].name, d[i].summary);
    fprintf(out, "\nscenarios:\n");
    for (size_t i = 0; i < ns; i++)
        fprintf(out, "  %-22s %s\n", sc[i].name, sc[i].description);
}

static int ta__sd_write_file(const char *path, const ta_sd_report *r, int html)
{
    FILE *f = ta_cli_report_open("shutdown", html ? "html" : "json", path);
    if (f == NULL)
        return -1;
    if (html)
        ta_sd_report_html(r, f);
    else
        ta_sd_report_json(r, f);
    return ta_cli_report_close("shutdown", path, f);
}

/* --junit / --sarif: the report as one subject located at the driver. */
static int ta__sd_write_reports(const ta_sd_report *r, const ta_sd_driver *d, const char *lib,
                                const char *symbol, const char *junit, const char *sarif)
{
    ta_subject_report s;
    int rc;

    if (junit == NULL && sarif == NULL)
        return 0;
    if (ta_sd_report_to_subject(r, &s) != TA_OK) {
        fprintf(stderr, "tlsaudit shutdown: out of memory writing the reports\n");
        return -1;
    }
    ta_subject_locate(&s, *(void *const *)&d->step, lib ? symbol : NULL);
    rc = ta_cli_write_reports("shutdown", &s, 1, junit, sarif);
    ta_subject_report_clear(&s);
    return rc;
}

int ta_cmd_shutdown(int argc, char **argv)
{
    const char *builtin = NULL, *lib = NULL, *symbol = NULL, *schedule = NULL;
    const char *json = NULL, *html = NULL, *junit = NULL, *sarif = NULL;
    int exhaustive = 0, quiet = 0;
    uint64_t depth = 5, seed = 1;
    ta_sd_opts o;
    const ta_sd_driver *d = NULL;
    ta_sd_report *rep = NULL;
    ta_sd_explore_stats st;
    char ebuf[400], target[600];

    ta_sd_opts_default(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (strcmp(a, "--builtin") == 0 && has) builtin = argv[++i];
        else if (strcmp(a, "--lib") == 0 && has) lib = argv[++i];
        else if (strcmp(a, "--symbol") == 0 && has) symbol = argv[++i];
        else if (strcmp(a, "--only") == 0 && has) o.only = argv[++i];
        else if (strcmp(a, "--schedule") == 0 && has) schedule = argv[++i];
        else if (strcmp(a, "--json") == 0 && has) json = argv[++i];
        else if (strcmp(a, "--html") == 0 && has) html = argv[++i];
        else if (strcmp(a, "--junit") == 0 && has) junit = argv[++i];
        else if (strcmp(a, "--mode") == 0 && has) {
            int m = ta_mode_from_name(argv[++i]);
            if (m < 0)
                return ta_cli_usage_error("shutdown", "--mode takes cert, psk or resume, not "
                                          "'%s'", argv[i]);
            o.mode = (ta_mode)m;
        }
        else if (strcmp(a, "--sarif") == 0 && has) sarif = argv[++i];
        else if (strcmp(a, "--exhaustive") == 0) exhaustive = 1;
        else if (strcmp(a, "--quiet") == 0) quiet = 1;
        else if (strcmp(a, "--depth") == 0 && has) {
            if (ta_cli_parse_u64(argv[++i], &depth) != 0 || depth < 1 || depth > 12)
                return ta_cli_usage_error("shutdown", "--depth takes 1..12, not '%s'", argv[i]);
        } else if (strcmp(a, "--seed") == 0 && has) {
            if (ta_cli_parse_u64(argv[++i], &seed) != 0)
                return ta_cli_usage_error("shutdown", "--seed takes a number, not '%s'", argv[i]);
        } else if (strcmp(a, "--timeout") == 0 && has) {
            char *end;
            o.timeout_s = strtod(argv[++i], &end);
            if (*end != '\0' || !(o.timeout_s > 0 && o.timeout_s <= 3600))
                return ta_cli_usage_error("shutdown", "--timeout takes seconds (0..3600], not '%s'",
                                          argv[i]);
        } else if (a[0] == '-' && !has && (strcmp(a, "--builtin") == 0 || strcmp(a, "--lib") == 0
                   || strcmp(a, "--symbol") == 0 || strcmp(a, "--only") == 0
                   || strcmp(a, "--schedule") == 0 || strcmp(a, "--json") == 0
                   || strcmp(a, "--html") == 0 || strcmp(a, "--depth") == 0
                   || strcmp(a, "--junit") == 0 || strcmp(a, "--sarif") == 0
                   || strcmp(a, "--mode") == 0
                   || strcmp(a, "--seed") == 0 || strcmp(a, "--timeout") == 0)) {
            return ta_cli_usage_error("shutdown", "%s needs a value", a);
        } else {
            return ta_cli_usage_error("shutdown", "unknown option '%s'", a);
        }
    }
    o.seed = seed;
    if ((builtin != NULL) == (lib != NULL))
        return ta_cli_usage_error("shutdown", "give exactly one of --builtin NAME or --lib FILE.so");
    if ((lib != NULL) != (symbol != NULL))
        return ta_cli_usage_error("shutdown", "--lib and --symbol go together");
    if (exhaustive && schedule != NULL)
        return ta_cli_usage_error("shutdown", "--exhaustive and --schedule exclude each other");
    if (builtin != NULL) {
        d = ta_sd_driver_find(builtin);
        if (d == NULL)
            return ta_cli_usage_error("shutdown", "no built-in driver '%s' (see --help)", builtin);
    } else {
        if (ta_sd_driver_load(lib, symbol, &d) != TA_OK) {
            fprintf(stderr, "tlsaudit shutdown: %s\n", ta_last_error()->message);
            return TA_EXIT_USAGE;
        }
        o.isolate = 1;
        snprintf(target, sizeof(target), "--lib %s --symbol %s", lib, symbol);
        o.target = target;
    }
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
        s = ta_sd_explore(d, &o, (unsigned)depth, &rep, &st);
    else
        s = ta_sd_matrix(d, &o, &rep);
    if (s != TA_OK) {
        fprintf(stderr, "tlsaudit shutdown: %s\n", ta_error_format(ebuf, sizeof(ebuf)));
        return TA_EXIT_USAGE;
    }
    const ta_sd_result *res;
    if (ta_sd_report_results(rep, &res) == 0 && !exhaustive) {
        ta_sd_report_free(rep);
        return ta_cli_usage_error("shutdown", "--only '%s' matches no case", o.only ? o.only : "");
    }
    int json_stdout = json != NULL && strcmp(json, "-") == 0;
    if (!quiet && !json_stdout)
        ta_sd_report_print(rep, stdout);
    int rc = ta_sd_report_failed(rep) ? TA_EXIT_FINDINGS : TA_EXIT_OK;
    if ((json != NULL && ta__sd_write_file(json, rep, 0) != 0)
        || (html != NULL && ta__sd_write_file(html, rep, 1) != 0)
        || ta__sd_write_reports(rep, d, lib, symbol, junit, sarif) != 0)
        rc = TA_EXIT_USAGE;
    ta_sd_report_free(rep);
    return rc;
}
