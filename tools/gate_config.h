/* gate_config.h - the 'tlsaudit gate' configuration file (tools/ only). */
#ifndef TA_GATE_CONFIG_H
#define TA_GATE_CONFIG_H

#include <stddef.h>

typedef enum { TA_GATE_SID, TA_GATE_SHUTDOWN, TA_GATE_REPLAY, TA_GATE_FUZZ } ta_gate_kind;

#define TA_GATE_MAX_OPTS 8
typedef struct ta_gate_opt {
    char key[32];
    char val[512];
} ta_gate_opt;

typedef struct ta_gate_item {
    ta_gate_kind kind;
    char subject[512]; /* builtin:NAME | lib:FILE:SYMBOL | a directory | a target */
    ta_gate_opt opts[TA_GATE_MAX_OPTS];
    int nopts;
    int line;
} ta_gate_item;

typedef struct ta_gate_accept {
    char rule[48];
    char subject[512];
    char reason[256];
    int line;
    int matched; /* set by the gate when a finding used this entry */
} ta_gate_accept;

typedef struct ta_gate_config {
    char path[512];
    ta_gate_item *items;
    size_t nitems;
    ta_gate_accept *accepts;
    size_t naccepts;
    char junit[512], sarif[512], json[512];
} ta_gate_config;

/* Parse path into *cfg. On error: 0 is not returned; *err gets one line
 * "FILE:LINE: what is wrong; what to do" and the result is -1. */
int ta_gate_config_load(const char *path, ta_gate_config *cfg, char *err, size_t errlen);
void ta_gate_config_free(ta_gate_config *cfg);
/* The value of option key of an item, or def. */
const char *ta_gate_opt_get(const ta_gate_item *it, const char *key, const char *def);
const char *ta_gate_kind_name(ta_gate_kind k);

#include "tlsaudit.h"

/* One configured item after it ran (gate_run.c). */
typedef struct ta_gate_subject {
    ta_subject_report rep;
    const ta_gate_item *item;
    int accepted[512];  /* per finding: index+1 of the accept entry, 0 if none */
    double seconds;
    char error[2200];   /* the item could not run (load error, harness failure) */
} ta_gate_subject;

/* Run one item into gs (its report, or gs->error and -1 when it could not run:
 * a load or config error, exit 2). self is argv[0], to find the replay programs. */
int ta_gate_run_sid(const ta_gate_config *cfg, const ta_gate_item *it, int strict,
                    ta_gate_subject *gs);
int ta_gate_run_shutdown(const ta_gate_config *cfg, const ta_gate_item *it,
                         ta_gate_subject *gs);
int ta_gate_run_program(const ta_gate_config *cfg, const ta_gate_item *it, const char *self,
                        ta_gate_subject *gs);

#endif
