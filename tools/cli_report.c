/* cli_report.c - report files for every subcommand (--json, --junit, --sarif). */
#include <string.h>

#include "cli.h"

FILE *ta_cli_report_open(const char *cmd, const char *what, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (f == NULL)
        fprintf(stderr, "tlsaudit %s: cannot write the %s report '%s'; check that the "
                "directory exists and is writable\n", cmd, what, path);
    return f;
}

int ta_cli_report_close(const char *cmd, const char *path, FILE *f)
{
    if (f == stdout)
        return fflush(f) == 0 ? 0 : -1;
    if (fclose(f) != 0) {
        fprintf(stderr, "tlsaudit %s: writing '%s' failed (disk full?)\n", cmd, path);
        return -1;
    }
    return 0;
}

int ta_cli_write_reports(const char *cmd, const ta_subject_report *subjects, size_t n,
                         const char *junit, const char *sarif)
{
    FILE *f;

    if (junit != NULL) {
        if ((f = ta_cli_report_open(cmd, "junit", junit)) == NULL)
            return -1;
        ta_report_junit(f, subjects, n);
        if (ta_cli_report_close(cmd, junit, f) != 0)
            return -1;
    }
    if (sarif != NULL) {
        size_t nrules;
        const ta_rule_info *rules = ta_report_rules(&nrules);
        if ((f = ta_cli_report_open(cmd, "sarif", sarif)) == NULL)
            return -1;
        ta_report_sarif(f, subjects, n, rules, nrules);
        if (ta_cli_report_close(cmd, sarif, f) != 0)
            return -1;
    }
    return 0;
}
