/* gate_config.h - the 'tlsaudit gate' configuration file (tools/ only). */
#ifndef TA_GATE_CONFIG_H
#define TA_GATE_CONFIG_H

#include <stddef.h>

#include "cli_opts.h"

/* The order of ta_gate_line_optset (cli_tables.c). */
typedef enum { TA_GATE_SID, TA_GATE_SHUTDOWN, TA_GATE_REPLAY, TA_GATE_FUZZ } ta_gate_kind;

/* Everything below is allocated to the size of the input: nothing the file
 * holds can overrun a fixed array. */
typedef struct ta_gate_item {
    ta_gate_kind kind;
    char *subject;   /* builtin:NAME | lib:FILE:SYMBOL | a directory | a target */
    char *lib;       /* lib: subjects: FILE (a name without '/' as "./NAME") */
    char *symbol;    /* and SYMBOL; NULL for the others */
    char *program;   /* replay: the replay program; fuzz: the tools/fuzz command */
    ta_optvals vals; /* the line's KEY=VALUE, checked against its kind's option table */
    int live;        /* shutdown of a live endpoint (connect:, client:, shim:) */
    int line;
} ta_gate_item;

typedef struct ta_gate_accept {
    char *rule;
    char *subject;
    char *reason;
    int line;
    int matched; /* set by the gate when a finding used this entry */
} ta_gate_accept;

typedef struct ta_gate_config {
    char *path;
    ta_gate_item *items;
    size_t nitems;
    ta_gate_accept *accepts;
    size_t naccepts;
    char *junit, *sarif, *json; /* 'report' lines; NULL when absent */
} ta_gate_config;

/* Parse and check the whole of path into *cfg before anything runs: every key
 * of every line against its kind's table, every value against its range, every
 * built-in name, lib: file, only= list and replay program. self is argv[0], to
 * find the replay programs. On error: -1 and *err gets one line "FILE:LINE:
 * what is wrong; what to do". */
int ta_gate_config_load(const char *path, const char *self, ta_gate_config *cfg, char *err,
                        size_t errlen);
void ta_gate_config_free(ta_gate_config *cfg);
const char *ta_gate_kind_name(ta_gate_kind k);

#include "tlsaudit.h"

/* One configured item after it ran (gate_run.c). */
typedef struct ta_gate_subject {
    ta_subject_report rep;
    const ta_gate_item *item;
    int *accepted; /* per finding: index+1 of the accept entry, 0 if none */
    double seconds;
    char error[2200]; /* the item could not run (harness failure), truncated to fit */
} ta_gate_subject;

/* Run one (checked) item into gs: its report, or gs->error and -1 when it could
 * not run (exit 2). */
int ta_gate_run_sid(const ta_gate_config *cfg, const ta_gate_item *it, int strict,
                    ta_gate_subject *gs);
int ta_gate_run_shutdown(const ta_gate_config *cfg, const ta_gate_item *it, ta_gate_subject *gs);
int ta_gate_run_program(const ta_gate_config *cfg, const ta_gate_item *it, ta_gate_subject *gs);

#endif
