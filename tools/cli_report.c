/*
 * cli_report.c - report files for every subcommand (--json, --junit, --sarif,
 * --html). A report is written to a temporary file in its own directory and
 * renamed into place, so a tool that dies mid-write leaves no half report under
 * the name a CI job reads. "-" is stdout: then it is the only thing on stdout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int ta_cli_reports_check(const char *cmd, const char *const *paths, size_t n,
                         const char *const *libs, size_t nlibs)
{
    const char *first_dash = NULL;
    char esc[600];

    for (size_t i = 0; i < n; i++) {
        struct stat rs, ls;
        if (paths[i] == NULL || paths[i][0] == '\0')
            continue;
        if (strcmp(paths[i], "-") == 0) {
            if (first_dash != NULL)
                return ta_cli_usage_error(cmd, "only one report can go to stdout ('-')");
            first_dash = paths[i];
            continue;
        }
        /* The code under test must not be overwritten by its own audit's report:
         * the same file by device and inode, whatever the spelling (links too). */
        if (stat(paths[i], &rs) != 0)
            continue;
        for (size_t k = 0; k < nlibs; k++) {
            if (libs[k] != NULL && stat(libs[k], &ls) == 0 && ls.st_dev == rs.st_dev
                && ls.st_ino == rs.st_ino)
                return ta_cli_usage_error(cmd,
                                          "the report '%s' is the library under test; "
                                          "write it elsewhere",
                                          ta_cli_escape(paths[i], esc, sizeof(esc)));
        }
    }
    return 0;
}

int ta_cli_reports_stdout(const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (paths[i] != NULL && strcmp(paths[i], "-") == 0)
            return 1;
    return 0;
}

int ta_cli_report_write(const char *cmd, const char *what, const char *path, ta_cli_writer fn,
                        const void *arg)
{
    char esc[600], tmp[4200];
    FILE *f;
    int fd;

    ta_cli_escape(path, esc, sizeof(esc));
    if (strcmp(path, "-") == 0) {
        fn(stdout, arg);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "tlsaudit %s: writing the %s report to stdout failed\n", cmd, what);
            return -1;
        }
        return 0;
    }
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    if (snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp-XXXXXX", dirlen, path, slash ? slash + 1 : path)
        >= (int)sizeof(tmp)) {
        fprintf(stderr, "tlsaudit %s: the %s report path '%s' is too long\n", cmd, what, esc);
        return -1;
    }
    if ((fd = mkstemp(tmp)) < 0 || (f = fdopen(fd, "w")) == NULL) {
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        fprintf(stderr,
                "tlsaudit %s: cannot write the %s report '%s' (%s); check that the "
                "directory exists and is writable\n",
                cmd, what, esc, strerror(errno));
        return -1;
    }
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask); /* mkstemp's 0600 is not what a report wants */
    fn(f, arg);
    int bad = fflush(f) != 0 || ferror(f);
    bad |= fsync(fd) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        fprintf(stderr, "tlsaudit %s: writing the %s report '%s' failed (%s)\n", cmd, what, esc,
                strerror(e));
        return -1;
    }
    return 0;
}

typedef struct {
    const ta_subject_report *subjects;
    size_t n;
} ta__subjects;

static void ta__junit(FILE *f, const void *arg)
{
    const ta__subjects *s = arg;
    ta_report_junit(f, s->subjects, s->n);
}

static void ta__sarif(FILE *f, const void *arg)
{
    const ta__subjects *s = arg;
    size_t nrules;
    const ta_rule_info *rules = ta_report_rules(&nrules);
    ta_report_sarif(f, s->subjects, s->n, rules, nrules);
}

int ta_cli_write_reports(const char *cmd, const ta_subject_report *subjects, size_t n,
                         const char *junit, const char *sarif)
{
    ta__subjects s = {subjects, n};

    if (junit != NULL && ta_cli_report_write(cmd, "junit", junit, ta__junit, &s) != 0)
        return -1;
    if (sarif != NULL && ta_cli_report_write(cmd, "sarif", sarif, ta__sarif, &s) != 0)
        return -1;
    return 0;
}
