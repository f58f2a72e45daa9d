/* json.c - a minimal streaming JSON writer shared by the reports. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static void ta__json_sep(ta_json *j)
{
    /* Levels deeper than TA_JSON_MAX_DEPTH are not tracked (no commas there)
     * rather than written outside count[]. */
    if (j->depth > 0 && j->depth <= TA_JSON_MAX_DEPTH && j->count[j->depth - 1]++ > 0
        && !j->after_key)
        fputc(',', j->out);
    j->after_key = 0;
}

void ta_json_init(ta_json *j, FILE *out)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
}

void ta_json_escaped(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void ta__json_open(ta_json *j, char c)
{
    ta__json_sep(j);
    fputc(c, j->out);
    if (j->depth < TA_JSON_MAX_DEPTH)
        j->count[j->depth] = 0;
    j->depth++;
}

void ta_json_object(ta_json *j)
{
    ta__json_open(j, '{');
}
void ta_json_array(ta_json *j)
{
    ta__json_open(j, '[');
}

void ta_json_end_object(ta_json *j)
{
    if (j->depth > 0)
        j->depth--;
    fputc('}', j->out);
    if (j->depth == 0)
        fputc('\n', j->out);
}

void ta_json_end_array(ta_json *j)
{
    if (j->depth > 0)
        j->depth--;
    fputc(']', j->out);
}

void ta_json_key(ta_json *j, const char *key)
{
    ta__json_sep(j);
    ta_json_escaped(j->out, key);
    fputc(':', j->out);
    j->after_key = 1;
}

void ta_json_string(ta_json *j, const char *s)
{
    ta__json_sep(j);
    ta_json_escaped(j->out, s);
}

void ta_json_int(ta_json *j, long long v)
{
    ta__json_sep(j);
    fprintf(j->out, "%lld", v);
}

void ta_json_double(ta_json *j, double v)
{
    ta__json_sep(j);
    if (!isfinite(v))
        fputs("null", j->out); /* JSON has no NaN or infinity (RFC 8259 §6) */
    else
        fprintf(j->out, "%.6g", v);
}

void ta_json_bool(ta_json *j, int v)
{
    ta__json_sep(j);
    fputs(v ? "true" : "false", j->out);
}

void ta_json_null(ta_json *j)
{
    ta__json_sep(j);
    fputs("null", j->out);
}

void ta_json_finding_fields(ta_json *j, const ta_finding *f)
{
    ta_json_key(j, "rule");
    ta_json_string(j, f->rule);
    ta_json_key(j, "severity");
    ta_json_string(j, ta_severity_name(f->severity));
    ta_json_key(j, "message");
    ta_json_string(j, f->message);
    ta_json_key(j, "reproducer");
    ta_json_string(j, f->reproducer);
}
