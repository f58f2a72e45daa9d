/* cmd_sid.c - 'tlsaudit sid': audit a session-id generator callback. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void ta_cmd_sid_help(FILE *out)
{
    size_t n;
    const ta_sid_rule_info *rules = ta_sid_rule_table(&n);
    ta_opt_help(out, &ta_sid_optset);
    fprintf(out, "\nexit: 0 no error finding, 1 findings or an incomplete audit (warnings\n"
                 "      too with --strict), 2 usage or load error\n\nrules:\n");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %-25s %-7s %s\n", rules[i].id, ta_severity_name(rules[i].severity),
                rules[i].help);
}

static void ta__sid_progress(void *arg, const char *check, uint64_t calls, uint64_t planned)
{
    (void)arg;
    if (planned)
        fprintf(stderr, "\r\033[Ktlsaudit sid: %-20s %llu/%llu calls", check,
                (unsigned long long)calls, (unsigned long long)planned);
    else
        fprintf(stderr, "\r\033[Ktlsaudit sid: %-20s", check);
}

const char *ta_cli_lib_path(const char *lib, char *buf, size_t cap)
{
    if (lib == NULL || strchr(lib, '/') != NULL)
        return lib;
    snprintf(buf, cap, "./%s", lib);
    return buf;
}

int ta_cli_sid_apply(const ta_optvals *v, int gate, ta_sid_opts *o, char *why, size_t cap)
{
    const ta_optval *only = ta_opt_get(v, "--only");

    o->ids = (size_t)ta_opt_get(v, "--ids")->u;
    o->threads = (unsigned)ta_opt_get(v, "--threads")->u;
    o->seed = ta_opt_get(v, "--seed")->u;
    o->timeout_s = ta_opt_get(v, "--timeout")->d;
    o->handshakes = (int)ta_opt_get(v, "--handshakes")->u;
    o->bucket_n = (size_t)ta_opt_get(v, "--bucket-n")->u;
    o->mem_limit_mb = (unsigned)ta_opt_get(v, "--mem-limit")->u;
    if (o->bucket_n > o->ids && ta_opt_get(v, "--bucket-n")->given) {
        snprintf(why, cap, "%s must be at most %s (%zu)",
                 ta_opt_label(&v->set->opts[ta_opt_index(v->set, "--bucket-n")], gate),
                 ta_opt_label(&v->set->opts[ta_opt_index(v->set, "--ids")], gate), o->ids);
        return -1;
    }
    if (only->given && ta_sid_rules_parse(only->s, &o->only) != TA_OK) {
        snprintf(why, cap, "%s: %s", gate ? "only" : "--only", ta_last_error()->message);
        return -1;
    }
    return 0;
}

static void ta__sid_json(FILE *f, const void *r)
{
    ta_sid_report_json(r, f);
}

/* The end of every sid run: the table, the reports, the exit code. cb: a
 * built-in callback (located in this process), else NULL. */
int ta_cli_sid_finish(const ta_sid_report *r, int strict, int quiet, const char *json,
                      const char *junit, const char *sarif, ta_sid_cb cb)
{
    char ebuf[400];
    int rc;
    if (!quiet)
        ta_sid_report_print(r, stdout);
    /* ta_sid_report_failed: 1 for "fail" and for "incomplete" alike. */
    rc = ta_sid_report_failed(r) ? TA_EXIT_FINDINGS : TA_EXIT_OK;
    if (json != NULL && ta_cli_report_write("sid", "json", json, ta__sid_json, r) != 0)
        rc = TA_EXIT_USAGE;
    if (rc != TA_EXIT_USAGE && (junit != NULL || sarif != NULL)) {
        ta_subject_report s;
        if (ta_sid_report_to_subject(r, strict, &s) != TA_OK) {
            fprintf(stderr, "tlsaudit sid: %s\n", ta_error_format(ebuf, sizeof(ebuf)));
            rc = TA_EXIT_USAGE;
        } else {
            /* Built-ins are in this process; a loaded callback's location comes
             * from the report (the children learnt it). */
            if (cb != NULL)
                ta_subject_locate(&s, *(void **)&cb, NULL);
            if (ta_cli_write_reports("sid", &s, 1, junit, sarif) != 0)
                rc = TA_EXIT_USAGE;
            ta_subject_report_clear(&s);
        }
    }
    return rc;
}

int ta_cmd_sid(int argc, char **argv)
{
    ta_optvals v;
    ta_sid_opts o;
    const char *builtin, *lib, *symbol, *json, *junit, *sarif;
    int quiet, rc;
    char target[1200], subject[1100], ebuf[400], why[300], libbuf[1024];
    ta_sid_cb cb = NULL;
    ta_sid_report *r = NULL;

    if (ta_cli_parse(&ta_sid_optset, argc, argv, &v) != 0)
        return TA_EXIT_USAGE;
    if (ta_opt_get(&v, "--connect")->given || ta_opt_get(&v, "--start")->given)
        return ta_cmd_sid_remote(&v); /* cmd_sid_remote.c */
    builtin = ta_opt_get(&v, "--builtin")->s;
    lib = ta_cli_lib_path(ta_opt_get(&v, "--lib")->s, libbuf, sizeof(libbuf));
    symbol = ta_opt_get(&v, "--symbol")->s;
    json = ta_opt_get(&v, "--json")->s;
    junit = ta_opt_get(&v, "--junit")->s;
    sarif = ta_opt_get(&v, "--sarif")->s;
    quiet = ta_opt_get(&v, "--quiet")->given;

    ta_sid_opts_default(&o);
    o.strict = ta_opt_get(&v, "--strict")->given;
    if (ta_cli_sid_apply(&v, 0, &o, why, sizeof(why)) != 0)
        return ta_cli_usage_error("sid", "%s", why);
    if ((builtin != NULL) == (lib != NULL))
        return ta_cli_usage_error("sid", "give exactly one of --builtin NAME or --lib FILE.so");
    const char *reports[] = {json, junit, sarif};
    if (ta_cli_reports_check("sid", reports, 3, &lib, lib != NULL) != 0)
        return TA_EXIT_USAGE;
    if (ta_cli_reports_stdout(reports, 3))
        quiet = 1; /* the report is all that goes to stdout */
    if (builtin != NULL) {
        const ta_sid_builtin *b = ta_sid_builtin_find(builtin);
        if (symbol != NULL)
            return ta_cli_usage_error("sid", "--symbol goes with --lib, not --builtin");
        if (b == NULL)
            return ta_cli_usage_error("sid", "no built-in callback '%s' (see 'tlsaudit list')",
                                      builtin);
        cb = b->cb;
        snprintf(subject, sizeof(subject), "%s", b->name);
        snprintf(target, sizeof(target), "--builtin %s", b->name);
    } else {
        if (symbol == NULL)
            return ta_cli_usage_error("sid", "--lib needs --symbol NAME");
        /* The callback is loaded only in the check children (src/): cb stays NULL. */
        if (access(lib, R_OK) != 0) /* a clear line now; loading is the children's */
            return ta_cli_usage_error("sid", "cannot read '%s' (%s)", lib, strerror(errno));
        o.lib = lib;
        o.symbol = symbol;
        snprintf(subject, sizeof(subject), "%s:%s", lib, symbol);
        snprintf(target, sizeof(target), "--lib %s --symbol %s", lib, symbol);
    }
    o.target = target;
    if (!quiet && isatty(STDERR_FILENO))
        o.progress = ta__sid_progress;
    if (ta_sid_audit(subject, cb, &o, &r) != TA_OK) {
        if (o.progress != NULL)
            fprintf(stderr, "\r\033[K");
        fprintf(stderr, "tlsaudit sid: %s\n",
                ta_cli_escape(ta_error_format(ebuf, sizeof(ebuf)), why, sizeof(why)));
        return TA_EXIT_USAGE;
    }
    if (o.progress != NULL)
        fprintf(stderr, "\r\033[K");
    rc = ta_cli_sid_finish(r, o.strict, quiet, json, junit, sarif, cb);
    ta_sid_report_free(r);
    return rc;
}
