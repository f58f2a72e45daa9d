/* cli.h - what the tlsaudit subcommands share (tools/ only). */
#ifndef TA_CLI_H
#define TA_CLI_H

#include <stdio.h>
#include "tlsaudit.h"

/* Exit codes, the same for every subcommand. */
enum { TA_EXIT_OK = 0, TA_EXIT_FINDINGS = 1, TA_EXIT_USAGE = 2 };

typedef struct ta_cli_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    void (*help)(FILE *out);
} ta_cli_cmd;

/* One line "tlsaudit CMD: <message>; see 'tlsaudit CMD --help'" on stderr; returns 2. */
int ta_cli_usage_error(const char *cmd, const char *fmt, ...) TA_PRINTF(2, 3);
/* Parse an unsigned decimal/hex number; 0 on success, -1 if malformed. */
int ta_cli_parse_u64(const char *s, uint64_t *out);

/* Report files (cli_report.c). "-" is stdout. Open prints one line and returns
 * NULL when the file cannot be created; close reports write errors (-1). */
FILE *ta_cli_report_open(const char *cmd, const char *what, const char *path);
int ta_cli_report_close(const char *cmd, const char *path, FILE *f);
/* --junit / --sarif for these subjects (either path may be NULL): 0 or -1. */
int ta_cli_write_reports(const char *cmd, const ta_subject_report *subjects, size_t n,
                         const char *junit, const char *sarif);

/* The subcommands (one file each: cmd_<name>.c). */
int ta_cmd_selfcheck(int argc, char **argv);
void ta_cmd_selfcheck_help(FILE *out);
int ta_cmd_sid(int argc, char **argv);
void ta_cmd_sid_help(FILE *out);
int ta_cmd_shutdown(int argc, char **argv);
void ta_cmd_shutdown_help(FILE *out);
int ta_cmd_demo(int argc, char **argv);
void ta_cmd_demo_help(FILE *out);
int ta_cmd_gate(int argc, char **argv);
void ta_cmd_gate_help(FILE *out);
int ta_cmd_list(int argc, char **argv);
void ta_cmd_list_help(FILE *out);

#endif
