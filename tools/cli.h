/* cli.h - what the tlsaudit subcommands share (tools/ only). */
#ifndef TA_CLI_H
#define TA_CLI_H

#include <stdio.h>
#include "tlsaudit.h"
#include "cli_opts.h"

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
/* Parse an unsigned number: decimal digits only ("010" is ten; no sign, space,
 * hex or octal); 0 on success, -1 if malformed or past UINT64_MAX. */
int ta_cli_parse_u64(const char *s, uint64_t *out);

/* Report files (cli_report.c). */
/* Before running anything: at most one of paths is "-" (stdout), and none is
 * one of libs (the same file by st_dev/st_ino). NULL entries are skipped. One
 * line and 2 on violation, else 0. */
int ta_cli_reports_check(const char *cmd, const char *const *paths, size_t n,
                         const char *const *libs, size_t nlibs);
/* 1 when one of paths is "-": then the report is all that goes to stdout. */
int ta_cli_reports_stdout(const char *const *paths, size_t n);
/* Write one report: fn(f, arg) into a temporary file in path's directory, then
 * rename it to path; "-" writes to stdout. A failure is one line on stderr and
 * -1, and leaves no file behind. */
typedef void (*ta_cli_writer)(FILE *f, const void *arg);
int ta_cli_report_write(const char *cmd, const char *what, const char *path, ta_cli_writer fn,
                        const void *arg);
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
/* 'tlsaudit man': the tlsaudit(1) page in roff, from the option tables (hidden). */
int ta_cmd_man(int argc, char **argv);

/* Options of a parsed set into the library's options; shared by the CLI and the
 * gate. 0, or -1 with why naming the option (in the gate's spelling if gate). */
int ta_cli_sid_apply(const ta_optvals *v, int gate, ta_sid_opts *o, char *why, size_t cap);
/* sid --connect (cmd_sid_remote.c): the options of a live-server audit; the
 * ones that only mean something for a callback are refused. */
int ta_cli_sid_remote_apply(const ta_optvals *v, int gate, ta_sid_remote_opts *o, char *why,
                            size_t cap);
int ta_cmd_sid_remote(const ta_optvals *v);
/* The end of every sid run: the table unless quiet, the reports, the exit code
 * (cb: a built-in callback, located in this process; else NULL). */
int ta_cli_sid_finish(const ta_sid_report *r, int strict, int quiet, const char *json,
                      const char *junit, const char *sarif, ta_sid_cb cb);
int ta_cli_sd_apply(const ta_optvals *v, int gate, ta_sd_opts *o, char *why, size_t cap);
/* Live endpoints (cmd_shutdown_remote.c): the options of --connect, --client
 * or --shim into *o, the reproducer's target into target (o->target points at
 * it); one line and 2 on a violation, else 0. */
int ta_cli_sd_remote_opts(const ta_optvals *v, ta_sd_remote_opts *o, char *target, size_t cap);
/* The same without printing: -1 with why (the gate's checks). */
int ta_cli_sd_remote_build(const ta_optvals *v, ta_sd_remote_opts *o, char *target, size_t cap,
                           char *why, size_t whycap);
/* 2 with one line when an option of the live forms is given without one;
 * _why: -1 with the line in why instead. */
int ta_cli_sd_remote_only(const ta_optvals *v);
int ta_cli_sd_remote_only_why(const ta_optvals *v, char *why, size_t cap);
/* --lib FILE as the library gets it: a name without a slash is relative to the
 * current directory ("./FILE"), never a search of the library path. */
const char *ta_cli_lib_path(const char *lib, char *buf, size_t cap);
/* 1 when the comma-separated globs of a shutdown --only match a case of the
 * matrix (driver: its name; NULL when only the report will know it). */
int ta_cli_sd_only_matches(const char *globs, const char *driver, int exhaustive);

#endif
