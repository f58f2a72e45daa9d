/* cli_opts.c - parse and describe options from the tables of cli_tables.c. */
#include <string.h>

#include "cli.h"
#include "cli_opts.h"

int ta_opt_index(const ta_optset *set, const char *name)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->opts[i].name != NULL && strcmp(set->opts[i].name, name) == 0)
            return (int)i;
    return -1;
}

int ta_opt_key_index(const ta_optset *set, const char *key)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->opts[i].gate_key != NULL && strcmp(set->opts[i].gate_key, key) == 0)
            return (int)i;
    return -1;
}

const char *ta_opt_label(const ta_opt *o, int gate)
{
    return gate && o->gate_key ? o->gate_key : o->name ? o->name : o->gate_key;
}

const ta_optval *ta_opt_get(const ta_optvals *v, const char *name)
{
    static const ta_optval none;
    int i = ta_opt_index(v->set, name);
    return i < 0 ? &none : &v->v[i];
}

const ta_optval *ta_opt_get_key(const ta_optvals *v, const char *key)
{
    static const ta_optval none;
    int i = ta_opt_key_index(v->set, key);
    return i < 0 ? &none : &v->v[i];
}

/* Decimal seconds: digits with at most one '.', no sign, exponent, hex, inf or
 * nan (strtod would take all of those). */
static int ta__seconds(const char *s, double *out)
{
    double v = 0, scale = 0;
    int digits = 0;

    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            digits++;
            if (scale == 0)
                v = v * 10 + (*p - '0');
            else
                v += (*p - '0') * (scale /= 10);
            if (v > 1e12)
                return -1;
        } else if (*p == '.' && scale == 0) {
            scale = 1;
        } else {
            return -1;
        }
    }
    if (digits == 0)
        return -1;
    *out = v;
    return 0;
}

int ta_opt_value(const ta_opt *o, const char *text, ta_optval *out, char *why, size_t cap)
{
    memset(out, 0, sizeof(*out));
    out->s = text;
    switch (o->type) {
    case TA_OPT_FLAG:
        out->u = 1;
        return 0;
    case TA_OPT_STRING:
    case TA_OPT_PATH:
        if (text[0] == '\0') {
            snprintf(why, cap, "needs a non-empty value");
            return -1;
        }
        return 0;
    case TA_OPT_UINT:
        if (ta_cli_parse_u64(text, &out->u) != 0) {
            snprintf(why, cap, "takes a decimal number (%llu..%llu)", (unsigned long long)o->lo,
                     (unsigned long long)o->hi);
            return -1;
        }
        if (out->u < o->lo || out->u > o->hi) {
            snprintf(why, cap, "must be %llu..%llu", (unsigned long long)o->lo,
                     (unsigned long long)o->hi);
            return -1;
        }
        return 0;
    case TA_OPT_SECONDS:
        if (ta__seconds(text, &out->d) != 0 || !(out->d > 0 && out->d <= (double)o->hi)) {
            snprintf(why, cap, "takes decimal seconds in (0, %llu]", (unsigned long long)o->hi);
            return -1;
        }
        return 0;
    case TA_OPT_CHOICE: {
        size_t n = strlen(text), i = 0;
        for (const char *p = o->choices; *p; i++) {
            size_t len = strcspn(p, "|");
            if (len == n && strncmp(p, text, n) == 0) {
                out->u = i;
                return 0;
            }
            p += len + (p[len] == '|');
        }
        snprintf(why, cap, "takes one of %s", o->choices);
        return -1;
    }
    }
    snprintf(why, cap, "has an unknown type");
    return -1;
}

void ta_optvals_defaults(const ta_optset *set, int gate, ta_optvals *out)
{
    char why[128];
    memset(out, 0, sizeof(*out));
    out->set = set;
    for (size_t i = 0; i < set->n && i < TA_OPTS_MAX; i++) {
        const ta_opt *o = &set->opts[i];
        const char *def = gate && o->gate_def ? o->gate_def : o->def;
        if (def != NULL && o->type != TA_OPT_FLAG
            && ta_opt_value(o, def, &out->v[i], why, sizeof(why)) != 0)
            out->v[i].s = NULL; /* a table bug; test_cli_options catches it */
    }
}

int ta_cli_parse(const ta_optset *set, int argc, char **argv, ta_optvals *out)
{
    char why[160];

    if (set->n > TA_OPTS_MAX)
        return ta_cli_usage_error(set->name, "internal: option table larger than %d", TA_OPTS_MAX);
    ta_optvals_defaults(set, 0, out);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int k = ta_opt_index(set, a);
        if (k < 0) {
            if (a[0] == '-')
                return ta_cli_usage_error(set->name, "unknown option '%s'", a);
            return ta_cli_usage_error(set->name, "unexpected argument '%s'", a);
        }
        const ta_opt *o = &set->opts[k];
        if (out->v[k].given)
            return ta_cli_usage_error(set->name, "%s is given twice", a);
        if (o->type == TA_OPT_FLAG) {
            out->v[k].given = 1;
            out->v[k].u = 1;
            out->v[k].s = "1";
            continue;
        }
        if (i + 1 >= argc)
            return ta_cli_usage_error(set->name, "%s needs a value (%s)", a, o->arg);
        const char *val = argv[++i];
        /* "--json --quiet": a forgotten value must not swallow the next option. */
        if (strncmp(val, "--", 2) == 0)
            return ta_cli_usage_error(set->name, "%s needs a value (%s), not the option '%s'", a,
                                      o->arg, val);
        if (ta_opt_value(o, val, &out->v[k], why, sizeof(why)) != 0)
            return ta_cli_usage_error(set->name, "%s %s, not '%s'", a, why, val);
        out->v[k].given = 1;
    }
    return 0;
}

const char *ta_opt_range_text(const ta_opt *o, int gate, char *buf, size_t cap)
{
    const char *def = gate && o->gate_def ? o->gate_def : o->def;
    char range[96] = "";

    if (o->type == TA_OPT_UINT)
        snprintf(range, sizeof(range), "%llu..%llu", (unsigned long long)o->lo,
                 (unsigned long long)o->hi);
    else if (o->type == TA_OPT_SECONDS)
        snprintf(range, sizeof(range), "seconds in (0, %llu]", (unsigned long long)o->hi);
    else if (o->type == TA_OPT_CHOICE)
        snprintf(range, sizeof(range), "%s", o->choices);
    if (def != NULL && range[0])
        snprintf(buf, cap, "default %s; %s", def, range);
    else if (def != NULL)
        snprintf(buf, cap, "default %s", def);
    else
        snprintf(buf, cap, "%s", range);
    return buf;
}

void ta_opt_help(FILE *out, const ta_optset *set)
{
    char rng[128], lhs[64];

    fprintf(out, "usage: tlsaudit %s %s\n%s\n", set->name, set->synopsis, set->about);
    if (set->n > 0)
        fprintf(out, "\noptions:\n");
    for (size_t i = 0; i < set->n; i++) {
        const ta_opt *o = &set->opts[i];
        if (o->name == NULL)
            continue;
        snprintf(lhs, sizeof(lhs), "%s%s%s", o->name, o->type == TA_OPT_FLAG ? "" : " ",
                 o->type == TA_OPT_FLAG ? "" : o->arg);
        ta_opt_range_text(o, 0, rng, sizeof(rng));
        fprintf(out, "  %-20s %s%s%s%s\n", lhs, o->help, rng[0] ? " (" : "", rng,
                rng[0] ? ")" : "");
        if (o->gate_key != NULL)
            fprintf(out, "  %-20s gate key: %s\n", "", o->gate_key);
    }
}

const char *ta_cli_escape(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return buf;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        char one[5];
        if (*p == '\\')
            snprintf(one, sizeof(one), "\\\\");
        else if (*p < 0x20 || *p >= 0x7f)
            snprintf(one, sizeof(one), "\\x%02x", *p);
        else
            snprintf(one, sizeof(one), "%c", *p);
        size_t len = strlen(one);
        if (n + len >= cap)
            break;
        memcpy(buf + n, one, len);
        n += len;
    }
    buf[n] = '\0';
    return buf;
}
