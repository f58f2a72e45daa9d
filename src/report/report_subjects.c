/*
 * report_subjects.c - report subjects (ta_subject_report), what the JUnit and
 * SARIF writers of report.c take, and where the code under test lives (object
 * file, symbol, source line) for SARIF. Each audit converts its own results
 * (sid/sid_subject.c, shutdown/sd_subject.c).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>

#include "internal.h"

void ta_subject_report_clear(ta_subject_report *s)
{
    if (s == NULL)
        return;
    free(s->checks);
    free(s->findings);
    free(s->check_of);
    memset(s, 0, sizeof(*s));
}

ta_status ta_subject_report_init(ta_subject_report *s, const char *kind, const char *name,
                                 size_t nchecks, size_t nfindings)
{
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->checks = calloc(nchecks ? nchecks : 1, sizeof(*s->checks));
    s->findings = calloc(nfindings ? nfindings : 1, sizeof(*s->findings));
    s->check_of = malloc((nfindings ? nfindings : 1) * sizeof(*s->check_of));
    if (s->checks == NULL || s->findings == NULL || s->check_of == NULL) {
        ta_subject_report_clear(s);
        TA_BAIL(TA_E_NOMEM, "report of %zu checks", nchecks);
    }
    return TA_OK;
}

/* addr2line (binutils) turns an object offset into "file:line" when the object
 * has debug info; without it the location stays at the object and symbol. */
static void ta__source_line(ta_subject_report *s, unsigned long offset)
{
    char cmd[1200], line[sizeof(s->source_file)];
    FILE *p;

    if (strchr(s->object, '\'') != NULL)
        return;
    snprintf(cmd, sizeof(cmd), "addr2line -f -e '%s' 0x%lx 2>/dev/null", s->object, offset);
    p = popen(cmd, "r");
    if (p == NULL)
        return;
    if (fgets(line, sizeof(line), p) != NULL && line[0] != '?' && s->symbol[0] == '\0') {
        line[strcspn(line, "\n")] = '\0';
        snprintf(s->symbol, sizeof(s->symbol), "%.127s", line);
    }
    if (fgets(line, sizeof(line), p) != NULL) {
        char *colon = strrchr(line, ':');
        if (colon != NULL && line[0] != '?' && atoi(colon + 1) > 0) {
            char cwd[512];
            size_t n;
            *colon = '\0';
            /* SARIF consumers resolve relative URIs against the checkout. */
            if (getcwd(cwd, sizeof(cwd)) != NULL && (n = strlen(cwd)) > 1
                && strncmp(line, cwd, n) == 0 && line[n] == '/')
                snprintf(s->source_file, sizeof(s->source_file), "%s", line + n + 1);
            else
                snprintf(s->source_file, sizeof(s->source_file), "%s", line);
            s->source_line = atoi(colon + 1);
        }
    }
    pclose(p);
}

void ta__subject_locate_at(ta_subject_report *s, const ta__location *loc)
{
    if (loc->symbol[0] != '\0')
        snprintf(s->symbol, sizeof(s->symbol), "%s", loc->symbol);
    if (loc->object[0] == '\0')
        return;
    snprintf(s->object, sizeof(s->object), "%s", loc->object);
    ta__source_line(s, loc->offset);
}

void ta_subject_locate(ta_subject_report *s, const void *addr, const char *symbol)
{
    Dl_info info;

    if (symbol != NULL)
        snprintf(s->symbol, sizeof(s->symbol), "%s", symbol);
    if (addr == NULL || dladdr(addr, &info) == 0 || info.dli_fname == NULL)
        return;
    snprintf(s->object, sizeof(s->object), "%s", info.dli_fname);
    if (s->symbol[0] == '\0' && info.dli_sname != NULL)
        snprintf(s->symbol, sizeof(s->symbol), "%s", info.dli_sname);
    ta__source_line(s, (unsigned long)((const char *)addr - (const char *)info.dli_fbase));
}
