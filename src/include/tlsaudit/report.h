/*
 * tlsaudit/report.h - what every audit reports in: subjects, checks and findings as JUnit and SARIF.
 */
#ifndef TLSAUDIT_REPORT_H
#define TLSAUDIT_REPORT_H

#include "tlsaudit/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- reports */

/* A rule as the reports describe it (SARIF reportingDescriptor). */
typedef struct ta_rule_info {
    const char *id;       /* "SID-OVERFLOW": part of the interface (reports, baselines) */
    ta_severity severity; /* default level */
    const char *source;   /* the requirement: "RFC 8446 §6.1", a man page, ... ("": ours) */
    const char *help;     /* one line */
} ta_rule_info;

/* One check run against a subject: a JUnit testcase. */
typedef enum { TA_CHECK_PASS = 0, TA_CHECK_FAIL, TA_CHECK_SKIP } ta_check_outcome;
typedef struct ta_check {
    char name[160]; /* a rule id or a case name (tls13/client/peer-eof/drain) */
    ta_check_outcome outcome;
    char message[512];
    char reproducer[512];
} ta_check;

/* Everything one audit found about one subject (a callback, a driver). */
typedef struct ta_subject_report {
    const char *kind; /* "sid", "shutdown" */
    char name[160];   /* "builtin:www-18", "lib:./cb.so:my_gen" */
    char symbol[128]; /* where the code under test lives, when known */
    char object[512];
    char source_file[512]; /* from debug info, "" when unknown */
    int source_line;
    ta_check *checks;
    size_t nchecks;
    ta_finding *findings;
    size_t nfindings;
    size_t *check_of; /* per finding: index of the check it failed, or SIZE_MAX */
} ta_subject_report;

/* JUnit XML: a testsuite per subject, a testcase per check, failures carry the
 * message and the reproducer. */
void ta_report_junit(FILE *out, const ta_subject_report *subjects, size_t n);
/* SARIF 2.1.0: a rule per rule id, a result per finding, located at the
 * subject's symbol and object file (and source line when known). */
void ta_report_sarif(FILE *out, const ta_subject_report *subjects, size_t n,
                     const ta_rule_info *rules, size_t nrules);
/* Every rule of every audit (sid, then shutdown), with its requirement: one
 * table made of the two subsystems' X-macro tables (core/rules.c). */
const ta_rule_info *ta_report_rules(size_t *out_count);
/* Zero *s and allocate room for nchecks checks and nfindings findings (counts
 * start at 0); kind must outlive the report. */
TA_MUST_CHECK ta_status ta_subject_report_init(ta_subject_report *s, const char *kind,
                                               const char *name, size_t nchecks, size_t nfindings);
/* Free what the converters below allocated; the struct is zeroed. */
void ta_subject_report_clear(ta_subject_report *s);
/* Record the object file, symbol and (with debug info, via addr2line) source line
 * of the code under test at addr. symbol may be NULL (taken from dladdr). */
void ta_subject_locate(ta_subject_report *s, const void *addr, const char *symbol);

#ifdef __cplusplus
}
#endif
#endif /* TLSAUDIT_REPORT_H */
