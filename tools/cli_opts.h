/*
 * cli_opts.h - one option table per subcommand (tools/ only).
 *
 * Each row names an option, its value type and range, its default, its help
 * text and, when the gate accepts it, its key in gate lines. The CLI parser
 * (ta_cli_parse), every --help text, the gate's key and value checks
 * (gate_config.c) and the man page ('tlsaudit man', cli_man.c) all read these
 * tables, so the three can never disagree. The tables are in cli_tables.c.
 */
#ifndef TA_CLI_OPTS_H
#define TA_CLI_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    TA_OPT_FLAG,    /* no value; given twice is an error */
    TA_OPT_STRING,  /* any text that is not an option */
    TA_OPT_PATH,    /* a file; "-" is stdout where the help says so */
    TA_OPT_UINT,    /* decimal digits only, lo..hi */
    TA_OPT_SECONDS, /* decimal seconds (digits, one optional '.'), in (0, hi] */
    TA_OPT_CHOICE   /* one of choices ("cert|psk|resume"); the index is the value */
} ta_opt_type;

typedef struct ta_opt {
    const char *name; /* "--ids"; NULL: a key of gate lines only */
    ta_opt_type type;
    const char *arg;     /* what the value is, in help texts: "N", "FILE|-" */
    const char *def;     /* the default, as text (parsed like a value); NULL: none */
    uint64_t lo, hi;     /* TA_OPT_UINT: the range; TA_OPT_SECONDS: hi only */
    const char *choices; /* TA_OPT_CHOICE: '|'-separated */
    const char *help;
    const char *gate_key; /* the key in gate lines ("bucket_n"); NULL: not accepted */
    const char *gate_def; /* the gate's default when it differs from def */
} ta_opt;

typedef struct ta_optset {
    const char *name;     /* "sid", or a gate line kind ("replay") */
    const char *synopsis; /* after "tlsaudit NAME " */
    const char *about;    /* what the command does, one paragraph */
    const ta_opt *opts;
    size_t n;
} ta_optset;

/* The value of each row of a set, by row index. The size is the tables' (a
 * compile-time bound, checked by ta_cli_parse), never the input's. */
#define TA_OPTS_MAX 40
typedef struct ta_optval {
    int given;     /* 1 when the command line or gate line gave it */
    const char *s; /* the text: given, or the default (NULL: neither) */
    uint64_t u;    /* TA_OPT_UINT; TA_OPT_CHOICE: the index in choices; FLAG: 0/1 */
    double d;      /* TA_OPT_SECONDS */
} ta_optval;
typedef struct ta_optvals {
    const ta_optset *set;
    ta_optval v[TA_OPTS_MAX];
} ta_optvals;

/* The tables (cli_tables.c). */
extern const ta_optset ta_sid_optset, ta_sd_optset, ta_gate_optset, ta_demo_optset, ta_list_optset,
    ta_selfcheck_optset, ta_replay_optset, ta_fuzz_optset;
/* Every subcommand's set, in the order the man page lists them. */
const ta_optset *const *ta_cli_optsets(size_t *out_count);
/* The sets whose gate keys the gate's line kinds accept: sid, shutdown, replay,
 * fuzz (gate_config.h's ta_gate_kind order). */
const ta_optset *ta_gate_line_optset(int kind);

/* Row of name ("--ids") or of gate key ("ids") in set, or -1. */
int ta_opt_index(const ta_optset *set, const char *name);
int ta_opt_key_index(const ta_optset *set, const char *key);
/* "--ids" on the command line, "ids" in a gate line. */
const char *ta_opt_label(const ta_opt *o, int gate);

/* Parse text as a value of o into *out; on error -1 and why says what the value
 * must be ("must be 1..64", "takes a decimal number"). */
int ta_opt_value(const ta_opt *o, const char *text, ta_optval *out, char *why, size_t cap);
/* The defaults of every row (gate: the gate's defaults). */
void ta_optvals_defaults(const ta_optset *set, int gate, ta_optvals *out);

/* Parse argv (argv[0] is the subcommand) against set into *out. Every violation
 * prints one line (ta_cli_usage_error) and returns 2: an unknown option, a
 * missing value, a value that is an option ("--json --quiet"), an option given
 * twice, a value out of its range. 0 on success. Positional arguments are
 * errors. */
int ta_cli_parse(const ta_optset *set, int argc, char **argv, ta_optvals *out);
/* Shorthands for a parsed set: the value of row name. */
const ta_optval *ta_opt_get(const ta_optvals *v, const char *name);
/* The same by gate key (rows of gate line kinds have no CLI name). */
const ta_optval *ta_opt_get_key(const ta_optvals *v, const char *key);

/* Usage and options of set, as --help prints them. */
void ta_opt_help(FILE *out, const ta_optset *set);
/* "(default 8; 1..1024)" for a row, into buf. */
const char *ta_opt_range_text(const ta_opt *o, int gate, char *buf, size_t cap);

/* s with every byte that is not printable ASCII as \xNN (and '\\' as \\), for
 * the terminal: names and messages that come from code under test or from a
 * gate config. Truncated to fit buf; returns buf. */
const char *ta_cli_escape(const char *s, char *buf, size_t cap);

#endif
