/*
 * sd_report.c - a set of shutdown results and its three forms: the terminal
 * matrix (scenario x version/role), JSON and a coloured HTML page.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct ta_sd_report {
    char driver[160]; /* a driver, or a live endpoint: "server 127.0.0.1:8443" */
    ta_sd_result *v;
    size_t n, cap;
    int explored;
    int live; /* the subject is a live endpoint (ta_sd_remote), not a driver */
    unsigned depth;
    ta_sd_explore_stats st;
    ta__location loc;
};

void ta__sd_report_live(ta_sd_report *r)
{
    r->live = 1;
}

void ta__sd_report_locate(ta_sd_report *r, const ta__location *loc)
{
    r->loc = *loc;
}

const ta__location *ta__sd_report_location(const ta_sd_report *r)
{
    return &r->loc;
}

static const char *ta__sd_verdict_word(const ta_sd_report *r)
{
    static const char *const w[] = {"conformant", "violations", "incomplete"};
    return w[ta_sd_report_verdict(r)];
}

ta_status ta__sd_report_new(const char *driver, ta_sd_report **out)
{
    ta_sd_report *r = calloc(1, sizeof(*r));
    TA_ENSURE(r != NULL, TA_E_NOMEM, "ta_sd_report");
    snprintf(r->driver, sizeof(r->driver), "%s", driver ? driver : "?");
    *out = r;
    return TA_OK;
}

ta_status ta__sd_report_add(ta_sd_report *r, const ta_sd_result *res)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        ta_sd_result *v = realloc(r->v, cap * sizeof(*v));
        TA_ENSURE(v != NULL, TA_E_NOMEM, "ta_sd_report results");
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = *res;
    return TA_OK;
}

void ta__sd_report_explore(ta_sd_report *r, const ta_sd_explore_stats *st, unsigned depth)
{
    r->explored = 1;
    r->depth = depth;
    r->st = *st;
}

void ta__sd_name_result(const ta_sd_opts *o, const char *driver, const char *scenario,
                        ta_sd_result *out)
{
    char target[160], env[64] = "";

    snprintf(out->scenario, sizeof(out->scenario), "%s", scenario);
    snprintf(out->name, sizeof(out->name), "%s/%s/%s/%s", ta_tls_name(out->tls),
             ta_role_name(out->role), scenario, driver);
    if (o->target != NULL)
        snprintf(target, sizeof(target), "%s", o->target);
    else
        snprintf(target, sizeof(target), "--builtin %s", driver);
    /* What else the run depended on, when not the CLI's defaults. */
    if (o->mode != TA_MODE_PSK)
        snprintf(env, sizeof(env), " --mode %s", ta_mode_name(o->mode));
    if (o->seed != 1)
        snprintf(env + strlen(env), sizeof(env) - strlen(env), " --seed %llu",
                 (unsigned long long)o->seed);
    if (o->capacity != 0)
        snprintf(env + strlen(env), sizeof(env) - strlen(env), " --capacity %u", o->capacity);
    if (strcmp(scenario, "schedule") == 0)
        snprintf(out->reproducer, sizeof(out->reproducer),
                 "tlsaudit shutdown %s%s --schedule '%.200s'", target, env, out->schedule);
    else
        snprintf(out->reproducer, sizeof(out->reproducer), "tlsaudit shutdown %s%s --only %s",
                 target, env, out->name);
}

void ta_sd_report_free(ta_sd_report *r)
{
    if (r == NULL)
        return;
    free(r->v);
    free(r);
}

const char *ta_sd_report_driver(const ta_sd_report *r)
{
    return r->driver;
}

size_t ta_sd_report_results(const ta_sd_report *r, const ta_sd_result **out)
{
    *out = r->v;
    return r->n;
}

/* Fail closed: a case that could not be run (SD-INCOMPLETE) is never a pass. */
ta_verdict ta_sd_report_verdict(const ta_sd_report *r)
{
    int incomplete = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].pass)
            continue;
        if (r->v[i].rule != TA_SD_R_INCOMPLETE)
            return TA_VERDICT_FAIL;
        incomplete = 1;
    }
    return incomplete ? TA_VERDICT_INCOMPLETE : TA_VERDICT_PASS;
}

int ta_sd_report_failed(const ta_sd_report *r)
{
    return ta_sd_report_verdict(r) != TA_VERDICT_PASS;
}

static const char *ta__sd_shown_verdict(const ta_sd_report *r)
{
    static const char *const w[] = {"conformant", "NOT conformant", "INCOMPLETE (not a pass)"};
    return w[ta_sd_report_verdict(r)];
}

static const char *ta__shown(ta_sd_answer a)
{
    return TA_SD_IS_FINAL(a) ? ta_sd_answer_name(a) : "pending";
}

static const char *ta__rule_id(int rule)
{
    size_t n;
    const ta_sd_rule_info *t = ta_sd_rule_table(&n);
    return rule >= 0 && (size_t)rule < n ? t[rule].id : "";
}

void ta_sd_report_json(const ta_sd_report *r, FILE *out)
{
    ta_json j;
    ta_json_init(&j, out);
    ta_json_object(&j);
    ta_json_key(&j, "driver");
    ta_json_string(&j, r->driver);
    ta_json_key(&j, "verdict");
    ta_json_string(&j, ta__sd_verdict_word(r));
    ta_json_key(&j, "openssl");
    ta_json_string(&j, OpenSSL_version(OPENSSL_VERSION_STRING));
    if (r->explored) {
        ta_json_key(&j, "explore");
        ta_json_object(&j);
        ta_json_key(&j, "depth");
        ta_json_int(&j, r->depth);
        ta_json_key(&j, "explored");
        ta_json_int(&j, (long long)r->st.explored);
        ta_json_key(&j, "distinct");
        ta_json_int(&j, (long long)r->st.distinct);
        ta_json_key(&j, "pruned_idle");
        ta_json_int(&j, (long long)r->st.pruned_idle);
        ta_json_key(&j, "pruned_seen");
        ta_json_int(&j, (long long)r->st.pruned_seen);
        ta_json_key(&j, "pruned_silent");
        ta_json_int(&j, (long long)r->st.pruned_silent);
        ta_json_key(&j, "pruned_twin");
        ta_json_int(&j, (long long)r->st.pruned_twin);
        ta_json_key(&j, "violations");
        ta_json_int(&j, (long long)r->st.violations);
        ta_json_key(&j, "seconds");
        ta_json_double(&j, r->st.seconds);
        ta_json_end_object(&j);
    }
    ta_json_key(&j, "results");
    ta_json_array(&j);
    for (size_t i = 0; i < r->n; i++) {
        const ta_sd_result *x = &r->v[i];
        ta_json_object(&j);
        ta_json_key(&j, "name");
        ta_json_string(&j, x->name);
        ta_json_key(&j, "scenario");
        ta_json_string(&j, x->scenario);
        ta_json_key(&j, "tls");
        ta_json_string(&j, ta_tls_name(x->tls));
        ta_json_key(&j, "role");
        ta_json_string(&j, ta_role_name(x->role));
        ta_json_key(&j, "expected");
        ta_json_string(&j, ta__shown(x->expected));
        ta_json_key(&j, "got");
        ta_json_string(&j, ta__shown(x->got));
        ta_json_key(&j, "pass");
        ta_json_bool(&j, x->pass);
        ta_json_key(&j, "rule");
        if (x->rule >= 0)
            ta_json_string(&j, ta__rule_id(x->rule));
        else
            ta_json_null(&j);
        ta_json_key(&j, "flag");
        if (x->flag >= 0)
            ta_json_string(&j, ta__rule_id(x->flag));
        else
            ta_json_null(&j);
        ta_json_key(&j, "detail");
        ta_json_string(&j, x->detail);
        ta_json_key(&j, "steps");
        ta_json_int(&j, x->steps);
        ta_json_key(&j, "schedule");
        ta_json_string(&j, x->schedule);
        ta_json_key(&j, "reproducer");
        ta_json_string(&j, x->reproducer);
        ta_json_end_object(&j);
    }
    ta_json_end_array(&j);
    ta_json_end_object(&j);
}

/* Column of a result: tls12/client, tls12/server, tls13/client, tls13/server. */
static int ta__col(const ta_sd_result *x)
{
    return (int)x->tls * TA_ROLE_COUNT + (int)x->role;
}

#define TA__NCOL (TA_TLS_COUNT * TA_ROLE_COUNT)

/* Distinct scenario names in order of first appearance. */
static size_t ta__rows(const ta_sd_report *r, const char **rows, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        size_t k;
        for (k = 0; k < n && strcmp(rows[k], r->v[i].scenario) != 0; k++)
            ;
        if (k == n && n < cap)
            rows[n++] = r->v[i].scenario;
    }
    return n;
}

static const ta_sd_result *ta__cell(const ta_sd_report *r, const char *scen, int col)
{
    const ta_sd_result *found = NULL;
    for (size_t i = 0; i < r->n; i++)
        if (ta__col(&r->v[i]) == col && strcmp(r->v[i].scenario, scen) == 0) {
            if (found == NULL || (found->pass && !r->v[i].pass))
                found = &r->v[i];
        }
    return found;
}

static void ta__cell_text(const ta_sd_result *x, char *buf, size_t cap)
{
    if (x == NULL)
        snprintf(buf, cap, "-");
    else if (x->pass)
        snprintf(buf, cap, "%s%s", ta__shown(x->got), x->flag >= 0 ? " (!)" : "");
    else
        snprintf(buf, cap, "FAIL %s", ta__shown(x->got));
}

void ta_sd_report_print(const ta_sd_report *r, FILE *out)
{
    const char *rows[256];
    size_t nrows = ta__rows(r, rows, 256), fails = 0, flags = 0;
    char cell[64];

    /* A live endpoint's subject names its form ("server 127.0.0.1:8443"); the
     * OpenSSL is then our scripted peer's, not the endpoint's. */
    if (r->live)
        fprintf(out, "live %s (our peer: OpenSSL %s)\n", r->driver,
                OpenSSL_version(OPENSSL_VERSION_STRING));
    else
        fprintf(out, "shutdown driver '%s' (OpenSSL %s)\n", r->driver,
                OpenSSL_version(OPENSSL_VERSION_STRING));
    if (r->explored)
        fprintf(out,
                "exhaustive, depth %u: %llu schedules run, %llu distinct states; pruned: %llu "
                "not run (their last action would change nothing), %llu not run (last level: "
                "their last action could not change the verdict), %llu not run (their last "
                "action would deliver what an earlier one did), %llu run but not extended "
                "(state already explored); %llu violations, %.2f s\n",
                r->depth, (unsigned long long)r->st.explored, (unsigned long long)r->st.distinct,
                (unsigned long long)r->st.pruned_idle, (unsigned long long)r->st.pruned_silent,
                (unsigned long long)r->st.pruned_twin, (unsigned long long)r->st.pruned_seen,
                (unsigned long long)r->st.violations, r->st.seconds);
    for (int c = -1; c < TA__NCOL && !r->explored; c++) {
        char h[32];
        if (c < 0) {
            fprintf(out, "%-24s", "scenario");
            continue;
        }
        snprintf(h, sizeof(h), "%s/%s", ta_tls_name((ta_tls)(c / TA_ROLE_COUNT)),
                 ta_role_name((ta_role)(c % TA_ROLE_COUNT)));
        fprintf(out, " %-17s%s", h, c + 1 == TA__NCOL ? "\n" : "");
    }
    for (size_t i = 0; i < nrows && !r->explored; i++) {
        fprintf(out, "%-24s", rows[i]);
        for (int c = 0; c < TA__NCOL; c++) {
            ta__cell_text(ta__cell(r, rows[i], c), cell, sizeof(cell));
            fprintf(out, " %-17s", cell);
        }
        fprintf(out, "\n");
    }
    for (size_t i = 0; i < r->n; i++) {
        const ta_sd_result *x = &r->v[i];
        if (!x->pass) {
            if (fails++ == 0)
                fprintf(out, "\nviolations:\n");
            fprintf(out, "  %s: %s (expected %s, got %s) %s\n    schedule %s\n    reproduce: %s\n",
                    x->name, ta__rule_id(x->rule), ta__shown(x->expected), ta__shown(x->got),
                    x->detail, x->schedule, x->reproducer);
        }
    }
    for (size_t i = 0; i < r->n; i++) {
        const ta_sd_result *x = &r->v[i];
        if (x->pass && x->flag >= 0) {
            if (flags++ == 0)
                fprintf(out, "\nflags (warnings, not violations):\n");
            fprintf(out, "  %s: %s\n    schedule %s\n", x->name, x->detail, x->schedule);
        }
    }
    if (r->explored)
        fprintf(out,
                "\n%zu violations reported (shortest schedule per rule, version and role): "
                "%s\n",
                fails, ta__sd_shown_verdict(r));
    else
        fprintf(out, "\n%zu cases, %zu violations: %s\n", r->n, fails, ta__sd_shown_verdict(r));
}

void ta_sd_report_html(const ta_sd_report *r, FILE *out)
{
    const char *rows[256];
    size_t nrows = ta__rows(r, rows, 256);
    char cell[64];

    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tlsaudit shutdown: ", out);
    ta__xml_text(out, r->driver);
    fputs("</title>\n<style>body{font-family:sans-serif}table{border-collapse:collapse}"
          "td,th{border:1px solid #999;padding:4px 8px;font-size:13px}"
          "td.pass{background:#b7e4b0}td.fail{background:#f4a6a6}td.flag{background:#f7dc8f}"
          "td.na{background:#e6e6e6;color:#777}</style></head><body>\n<h1>Shutdown driver ",
          out);
    ta__xml_text(out, r->driver);
    fprintf(out, "</h1>\n<p>OpenSSL %s &mdash; %s</p>\n", OpenSSL_version(OPENSSL_VERSION_STRING),
            ta__sd_verdict_word(r));
    fputs("<table><tr><th>scenario</th>", out);
    for (int c = 0; c < TA__NCOL; c++)
        fprintf(out, "<th>%s/%s</th>", ta_tls_name((ta_tls)(c / TA_ROLE_COUNT)),
                ta_role_name((ta_role)(c % TA_ROLE_COUNT)));
    fputs("</tr>\n", out);
    for (size_t i = 0; i < nrows; i++) {
        fputs("<tr><th>", out);
        ta__xml_text(out, rows[i]);
        fputs("</th>", out);
        for (int c = 0; c < TA__NCOL; c++) {
            const ta_sd_result *x = ta__cell(r, rows[i], c);
            const char *cls = x == NULL ? "na" : !x->pass ? "fail" : x->flag >= 0 ? "flag" : "pass";
            ta__cell_text(x, cell, sizeof(cell));
            fprintf(out, "<td class=\"%s\" title=\"", cls);
            if (x != NULL) {
                ta__xml_text(out, x->detail);
                fputs(" | ", out);
                ta__xml_text(out, x->reproducer);
            }
            fputs("\">", out);
            ta__xml_text(out, cell);
            if (x != NULL && !x->pass) {
                fputs("<br><small>", out);
                ta__xml_text(out, ta__rule_id(x->rule));
                fputs(" (expected ", out);
                ta__xml_text(out, ta__shown(x->expected));
                fputs(")</small>", out);
            }
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</table>\n<h2>Details</h2>\n<ul>\n", out);
    for (size_t i = 0; i < r->n; i++) {
        const ta_sd_result *x = &r->v[i];
        if (x->pass && x->flag < 0)
            continue;
        fputs("<li><code>", out);
        ta__xml_text(out, x->name);
        fputs("</code>: ", out);
        ta__xml_text(out, x->detail);
        fputs("<br><code>", out);
        ta__xml_text(out, x->reproducer);
        fputs("</code></li>\n", out);
    }
    fputs("</ul>\n</body></html>\n", out);
}
