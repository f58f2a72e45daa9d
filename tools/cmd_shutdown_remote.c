/* cmd_shutdown_remote.c - the options of 'tlsaudit shutdown' for live endpoints
 * (--connect, --client, --shim): checks, and the reproducer's target. */
#include <string.h>

#include "cli.h"

/* The options that only mean something for a live endpoint, and for which. */
static const struct {
    const char *name;
    unsigned forms; /* bit (1u << ta_sd_form) */
} ta__remote_only[] = {
    {"--start", 1u << TA_SD_FORM_CONNECT},
    {"--http", 1u << TA_SD_FORM_CONNECT},
    {"--hold-bound", 1u << TA_SD_FORM_CONNECT},
    {"--idle-bound", 1u << TA_SD_FORM_CONNECT},
    {"--starve", 1u << TA_SD_FORM_CONNECT},
    {"--cancel-ms", 1u << TA_SD_FORM_SHIM},
    {"--repeat", 7u},
    {"--window", 7u},
};
static const char *const ta__form_opt[] = {"--connect", "--client", "--shim"};

int ta_cli_sd_remote_only_why(const ta_optvals *v, char *why, size_t cap)
{
    for (size_t i = 0; i < sizeof(ta__remote_only) / sizeof(ta__remote_only[0]); i++)
        if (ta_opt_get(v, ta__remote_only[i].name)->given) {
            snprintf(why, cap, "%s goes with --connect, --client or --shim",
                     ta__remote_only[i].name);
            return -1;
        }
    return 0;
}

int ta_cli_sd_remote_only(const ta_optvals *v)
{
    char why[200];
    if (ta_cli_sd_remote_only_why(v, why, sizeof(why)) != 0)
        return ta_cli_usage_error("shutdown", "%s", why);
    return 0;
}

/* s in single quotes for a shell (reproducers). */
static void ta__quote(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    out[n++] = '\'';
    for (; *s && n + 6 < cap; s++) {
        if (*s == '\'') {
            memcpy(out + n, "'\\''", 4);
            n += 4;
        } else
            out[n++] = *s;
    }
    out[n++] = '\'';
    out[n] = '\0';
}

#define TA__WHY(...) (snprintf(why, whycap, __VA_ARGS__), -1)

int ta_cli_sd_remote_build(const ta_optvals *v, ta_sd_remote_opts *o, char *target, size_t cap,
                           char *why, size_t whycap)
{
    int forms = 0;
    char q[600];
    ta_sd_remote_opts_default(o);
    for (int f = 0; f < TA_SD_FORM_COUNT; f++)
        if (ta_opt_get(v, ta__form_opt[f])->given) {
            forms++;
            o->form = (ta_sd_form)f;
        }
    if (forms != 1)
        return TA__WHY("give one of --connect, --client or --shim");
    static const char *const drivers[] = {"--builtin",  "--lib",        "--symbol",
                                          "--schedule", "--exhaustive", "--depth",
                                          "--mode",     "--mem-limit",  "--seed"};
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
        if (ta_opt_get(v, drivers[i])->given)
            return TA__WHY("%s is for drivers, not with %s", drivers[i], ta__form_opt[o->form]);
    for (size_t i = 0; i < sizeof(ta__remote_only) / sizeof(ta__remote_only[0]); i++)
        if (ta_opt_get(v, ta__remote_only[i].name)->given
            && !(ta__remote_only[i].forms & (1u << o->form)))
            return TA__WHY("%s does not go with %s", ta__remote_only[i].name,
                           ta__form_opt[o->form]);
    const char *arg = ta_opt_get(v, ta__form_opt[o->form])->s;
    if (arg == NULL || arg[0] == '\0')
        return TA__WHY("%s needs a value", ta__form_opt[o->form]);
    if (o->form == TA_SD_FORM_CONNECT) {
        o->connect = arg;
        o->start = ta_opt_get(v, "--start")->s;
        o->http = ta_opt_get(v, "--http")->given;
    } else {
        if (o->form == TA_SD_FORM_CLIENT && strstr(arg, "{port}") == NULL)
            return TA__WHY("--client needs {port} in its command, e.g. "
                           "'curl -sk https://127.0.0.1:{port}/'");
        o->cmd = arg;
    }
    o->repeat = (unsigned)ta_opt_get(v, "--repeat")->u;
    o->window_s = ta_opt_get(v, "--window")->d;
    o->hold_s = ta_opt_get(v, "--hold-bound")->d;
    o->idle_s = ta_opt_get(v, "--idle-bound")->d;
    o->timeout_s = ta_opt_get(v, "--timeout")->d;
    o->starve_n = (unsigned)ta_opt_get(v, "--starve")->u;
    o->cancel_ms = (unsigned)ta_opt_get(v, "--cancel-ms")->u;
    if (o->window_s <= 0 || o->timeout_s <= 0)
        return TA__WHY("--window and --timeout must be more than 0");
    o->only = ta_opt_get(v, "--only")->given ? ta_opt_get(v, "--only")->s : NULL;
    /* The reproducer: the form and every option that changed what ran. */
    ta__quote(arg, q, sizeof(q));
    size_t n = (size_t)snprintf(target, cap, "%s %s", ta__form_opt[o->form],
                                o->form == TA_SD_FORM_CONNECT ? arg : q);
    if (o->start != NULL) {
        ta__quote(o->start, q, sizeof(q));
        n += (size_t)snprintf(target + n, n < cap ? cap - n : 0, " --start %s", q);
    }
    static const char *const keep[] = {"--http",       "--repeat",     "--window", "--timeout",
                                       "--hold-bound", "--idle-bound", "--starve", "--cancel-ms"};
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]) && n < cap; i++) {
        const ta_optval *x = ta_opt_get(v, keep[i]);
        int flag = strcmp(keep[i], "--http") == 0;
        if (x->given)
            n += (size_t)snprintf(target + n, cap - n, " %s%s%s", keep[i], flag ? "" : " ",
                                  flag ? "" : x->s);
    }
    o->target = target;
    return 0;
}

int ta_cli_sd_remote_opts(const ta_optvals *v, ta_sd_remote_opts *o, char *target, size_t cap)
{
    char why[300];
    if (ta_cli_sd_remote_build(v, o, target, cap, why, sizeof(why)) != 0)
        return ta_cli_usage_error("shutdown", "%s", why);
    return 0;
}
