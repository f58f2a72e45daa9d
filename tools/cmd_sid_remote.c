/* cmd_sid_remote.c - 'tlsaudit sid --connect HOST:PORT [--start CMD]': audit the
 * session ids a live server hands out (src/sid/sid_remote.c). */
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Options that shape a callback audit only. */
static const char *const ta__callback_only[] = {"--builtin", "--lib",        "--symbol",
                                                "--threads", "--handshakes", "--mem-limit"};

int ta_cli_sid_remote_apply(const ta_optvals *v, int gate, ta_sid_remote_opts *o, char *why,
                            size_t cap)
{
    const ta_optval *only = ta_opt_get(v, "--only");
    const ta_optval *ids = ta_opt_get(v, "--ids"), *timeout = ta_opt_get(v, "--timeout");
    const ta_optval *bucket = ta_opt_get(v, "--bucket-n");

    for (size_t i = 0; i < sizeof(ta__callback_only) / sizeof(ta__callback_only[0]); i++) {
        const ta_opt *opt = &v->set->opts[ta_opt_index(v->set, ta__callback_only[i])];
        if (ta_opt_get(v, ta__callback_only[i])->given) {
            snprintf(why, cap, "%s is for a callback audit, not for %s", ta_opt_label(opt, gate),
                     gate ? "a connect: subject" : "--connect");
            return -1;
        }
    }
    o->start = ta_opt_get(v, "--start")->s;
    if (ids->given)
        o->ids = (size_t)ids->u;
    if (timeout->given)
        o->timeout_s = timeout->d;
    if (bucket->given)
        o->bucket_n = (size_t)bucket->u;
    o->connections = (unsigned)ta_opt_get(v, "--connections")->u;
    o->budget_s = ta_opt_get(v, "--budget")->d;
    o->seed = ta_opt_get(v, "--seed")->u;
    if (only->given && ta_sid_rules_parse(only->s, &o->only) != TA_OK) {
        snprintf(why, cap, "%s: %s", gate ? "only" : "--only", ta_last_error()->message);
        return -1;
    }
    return 0;
}

static void ta__remote_progress(void *arg, const char *check, uint64_t done, uint64_t planned)
{
    (void)arg;
    if (planned)
        fprintf(stderr, "\r\033[Ktlsaudit sid: %-14s %llu/%llu handshakes", check,
                (unsigned long long)done, (unsigned long long)planned);
    else
        fprintf(stderr, "\r\033[Ktlsaudit sid: %-14s", check);
}

int ta_cmd_sid_remote(const ta_optvals *v)
{
    ta_sid_remote_opts o;
    ta_sid_report *r = NULL;
    const char *json = ta_opt_get(v, "--json")->s, *junit = ta_opt_get(v, "--junit")->s,
               *sarif = ta_opt_get(v, "--sarif")->s;
    int quiet = ta_opt_get(v, "--quiet")->given, rc;
    char why[300], ebuf[400];

    ta_sid_remote_opts_default(&o);
    o.connect = ta_opt_get(v, "--connect")->s;
    o.strict = ta_opt_get(v, "--strict")->given;
    if (o.connect == NULL)
        return ta_cli_usage_error("sid", "--start needs --connect HOST:PORT");
    if (ta_cli_sid_remote_apply(v, 0, &o, why, sizeof(why)) != 0)
        return ta_cli_usage_error("sid", "%s", why);
    const char *reports[] = {json, junit, sarif};
    if (ta_cli_reports_check("sid", reports, 3, NULL, 0) != 0)
        return TA_EXIT_USAGE;
    if (ta_cli_reports_stdout(reports, 3))
        quiet = 1; /* the report is all that goes to stdout */
    if (!quiet && isatty(STDERR_FILENO))
        o.progress = ta__remote_progress;
    rc = ta_sid_remote_audit(&o, &r) == TA_OK ? 0 : -1;
    if (o.progress != NULL)
        fprintf(stderr, "\r\033[K");
    if (rc != 0) {
        /* A server that cannot be started or reached: one line, exit 2. */
        fprintf(stderr, "tlsaudit sid: %s\n",
                ta_cli_escape(ta_error_format(ebuf, sizeof(ebuf)), why, sizeof(why)));
        return TA_EXIT_USAGE;
    }
    rc = ta_cli_sid_finish(r, o.strict, quiet, json, junit, sarif, NULL);
    ta_sid_report_free(r);
    return rc;
}
