/*
 * report.c - machine-readable reports shared by every audit: JUnit XML and
 * SARIF 2.1.0 (OASIS SARIF v2.1.0, sections 3.13 run, 3.19 toolComponent,
 * 3.27 result, 3.28 location, 3.49 reportingDescriptor).
 *
 * Each audit (session-id, shutdown) turns its own results into ta_subject_report
 * values; the writers below know nothing about either audit.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------ JUnit XML */

void ta__xml_text(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '&':
            fputs("&amp;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&apos;", out);
            break;
        default:
            /* XML 1.0 forbids most control characters even as references. */
            if (*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r')
                fputc('?', out);
            else
                fputc(*p, out);
        }
    }
}

static size_t ta__count(const ta_subject_report *s, ta_check_outcome o)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nchecks; i++)
        n += s->checks[i].outcome == o;
    return n;
}

void ta_report_junit(FILE *out, const ta_subject_report *subjects, size_t n)
{
    size_t tests = 0, failures = 0, skipped = 0;

    for (size_t i = 0; i < n; i++) {
        tests += subjects[i].nchecks;
        failures += ta__count(&subjects[i], TA_CHECK_FAIL);
        skipped += ta__count(&subjects[i], TA_CHECK_SKIP);
    }
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out, "<testsuites name=\"tlsaudit\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n",
            tests, failures, skipped);
    for (size_t i = 0; i < n; i++) {
        const ta_subject_report *s = &subjects[i];
        fprintf(out, "  <testsuite name=\"");
        ta__xml_text(out, s->kind);
        fputc(':', out);
        ta__xml_text(out, s->name);
        fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n", s->nchecks,
                ta__count(s, TA_CHECK_FAIL), ta__count(s, TA_CHECK_SKIP));
        for (size_t c = 0; c < s->nchecks; c++) {
            const ta_check *k = &s->checks[c];
            fprintf(out, "    <testcase classname=\"");
            ta__xml_text(out, s->kind);
            fputc('.', out);
            ta__xml_text(out, s->name);
            fprintf(out, "\" name=\"");
            ta__xml_text(out, k->name);
            fprintf(out, "\"");
            if (k->outcome == TA_CHECK_PASS && k->message[0] == '\0') {
                fprintf(out, "/>\n");
                continue;
            }
            fprintf(out, ">\n");
            if (k->outcome == TA_CHECK_FAIL) {
                fprintf(out, "      <failure message=\"");
                ta__xml_text(out, k->message);
                fprintf(out, "\" type=\"");
                ta__xml_text(out, k->name);
                fprintf(out, "\">");
                ta__xml_text(out, k->message);
                if (k->reproducer[0] != '\0') {
                    fprintf(out, "\nreproduce: ");
                    ta__xml_text(out, k->reproducer);
                }
                fprintf(out, "</failure>\n");
            } else if (k->outcome == TA_CHECK_SKIP) {
                fprintf(out, "      <skipped message=\"");
                ta__xml_text(out, k->message);
                fprintf(out, "\"/>\n");
            } else {
                fprintf(out, "      <system-out>");
                ta__xml_text(out, k->message);
                fprintf(out, "</system-out>\n");
            }
            fprintf(out, "    </testcase>\n");
        }
        fprintf(out, "  </testsuite>\n");
    }
    fprintf(out, "</testsuites>\n");
}

/* ------------------------------------------------------------ SARIF 2.1.0 */

static const char *ta__sarif_level(ta_severity s)
{
    /* SARIF 3.27.10: "error", "warning", "note". */
    return s == TA_SEV_ERROR ? "error" : s == TA_SEV_WARNING ? "warning" : "note";
}

static long ta__rule_index(const ta_rule_info *rules, size_t nrules, const char *id)
{
    for (size_t i = 0; i < nrules; i++)
        if (strcmp(rules[i].id, id) == 0)
            return (long)i;
    return -1;
}

static void ta__sarif_text(ta_json *j, const char *key, const char *text)
{
    ta_json_key(j, key);
    ta_json_object(j);
    ta_json_key(j, "text");
    ta_json_string(j, text);
    ta_json_end_object(j);
}

/* A file path as a URI reference (RFC 3986 §2: SARIF 3.4.3 wants artifact
 * locations to be valid URIs): bytes outside the unreserved set and the path's
 * own delimiters are percent-encoded, so "my libs/cb.so" is "my%20libs/cb.so". */
static void ta__sarif_uri(char *out, size_t cap, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;

    for (const unsigned char *p = (const unsigned char *)path; *p && n + 4 <= cap; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
            || strchr("-._~/!$&'()*+,;=:@", *p) != NULL) {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
}

static const char *ta__sarif_symbol(const ta_subject_report *s)
{
    return s->symbol[0] ? s->symbol : s->name;
}

/* 1 when the subject has a place to point at (SARIF 3.28: a location with
 * neither a physical nor a logical part says nothing). */
static int ta__sarif_has_location(const ta_subject_report *s)
{
    return s->source_file[0] != '\0' || s->object[0] != '\0' || ta__sarif_symbol(s)[0] != '\0';
}

static void ta__sarif_location(ta_json *j, const ta_subject_report *s)
{
    ta_json_array(j);
    ta_json_object(j);
    if (s->source_file[0] != '\0' || s->object[0] != '\0') {
        ta_json_key(j, "physicalLocation");
        ta_json_object(j);
        ta_json_key(j, "artifactLocation");
        ta_json_object(j);
        char uri[3 * sizeof(s->object) + 1];
        ta__sarif_uri(uri, sizeof(uri), s->source_file[0] ? s->source_file : s->object);
        ta_json_key(j, "uri");
        ta_json_string(j, uri);
        ta_json_end_object(j);
        if (s->source_file[0] != '\0' && s->source_line > 0) {
            ta_json_key(j, "region");
            ta_json_object(j);
            ta_json_key(j, "startLine");
            ta_json_int(j, s->source_line);
            ta_json_end_object(j);
        }
        ta_json_end_object(j);
    }
    if (ta__sarif_symbol(s)[0] != '\0') {
        ta_json_key(j, "logicalLocations");
        ta_json_array(j);
        ta_json_object(j);
        ta_json_key(j, "name");
        ta_json_string(j, ta__sarif_symbol(s));
        ta_json_key(j, "kind");
        ta_json_string(j, "function");
        if (s->object[0] != '\0') {
            char fq[700];
            snprintf(fq, sizeof(fq), "%s!%s", s->object, ta__sarif_symbol(s));
            ta_json_key(j, "fullyQualifiedName");
            ta_json_string(j, fq);
        }
        ta_json_end_object(j);
        ta_json_end_array(j);
    }
    ta_json_end_object(j);
    ta_json_end_array(j);
}

void ta_report_sarif(FILE *out, const ta_subject_report *subjects, size_t n,
                     const ta_rule_info *rules, size_t nrules)
{
    ta_json j;

    ta_json_init(&j, out);
    ta_json_object(&j);
    ta_json_key(&j, "$schema");
    ta_json_string(&j, "https://json.schemastore.org/sarif-2.1.0.json");
    ta_json_key(&j, "version");
    ta_json_string(&j, "2.1.0");
    ta_json_key(&j, "runs");
    ta_json_array(&j);
    ta_json_object(&j);
    ta_json_key(&j, "tool");
    ta_json_object(&j);
    ta_json_key(&j, "driver");
    ta_json_object(&j);
    ta_json_key(&j, "name");
    ta_json_string(&j, "tlsaudit");
    ta_json_key(&j, "version");
    ta_json_string(&j, TA_VERSION_STRING);
    ta_json_key(&j, "rules");
    ta_json_array(&j);
    for (size_t i = 0; i < nrules; i++) {
        ta_json_object(&j);
        ta_json_key(&j, "id");
        ta_json_string(&j, rules[i].id);
        ta__sarif_text(&j, "shortDescription", rules[i].help);
        ta__sarif_text(&j, "help",
                       rules[i].source && rules[i].source[0] ? rules[i].source : rules[i].help);
        ta_json_key(&j, "defaultConfiguration");
        ta_json_object(&j);
        ta_json_key(&j, "level");
        ta_json_string(&j, ta__sarif_level(rules[i].severity));
        ta_json_end_object(&j);
        ta_json_key(&j, "properties");
        ta_json_object(&j);
        ta_json_key(&j, "requirement");
        ta_json_string(&j, rules[i].source ? rules[i].source : "");
        ta_json_end_object(&j);
        ta_json_end_object(&j);
    }
    ta_json_end_array(&j);
    ta_json_end_object(&j); /* driver */
    ta_json_end_object(&j); /* tool */
    ta_json_key(&j, "results");
    ta_json_array(&j);
    for (size_t i = 0; i < n; i++) {
        const ta_subject_report *s = &subjects[i];
        for (size_t f = 0; f < s->nfindings; f++) {
            const ta_finding *fd = &s->findings[f];
            long idx = ta__rule_index(rules, nrules, fd->rule);
            ta_json_object(&j);
            ta_json_key(&j, "ruleId");
            ta_json_string(&j, fd->rule);
            if (idx >= 0) {
                ta_json_key(&j, "ruleIndex");
                ta_json_int(&j, idx);
            }
            ta_json_key(&j, "level");
            ta_json_string(&j, ta__sarif_level(fd->severity));
            ta__sarif_text(&j, "message", fd->message);
            if (ta__sarif_has_location(s)) {
                ta_json_key(&j, "locations");
                ta__sarif_location(&j, s);
            }
            ta_json_key(&j, "properties");
            ta_json_object(&j);
            ta_json_key(&j, "subject");
            ta_json_string(&j, fd->subject[0] ? fd->subject : s->name);
            ta_json_key(&j, "reproducer");
            ta_json_string(&j, fd->reproducer);
            ta_json_end_object(&j);
            ta_json_end_object(&j);
        }
    }
    ta_json_end_array(&j);
    ta_json_end_object(&j); /* run */
    ta_json_end_array(&j);
    ta_json_end_object(&j);
}
