/*
 * gate_config.c - parse and check the 'tlsaudit gate' configuration.
 *
 * One directive per line; '#' starts a comment; values with spaces go in double
 * quotes. See README.md, "Gating a pull request".
 *
 *   sid      builtin:NAME | lib:FILE:SYMBOL | connect:HOST:PORT   [KEY=VALUE...]
 *   shutdown builtin:NAME | lib:FILE:SYMBOL   [KEY=VALUE...]
 *   shutdown connect:HOST:PORT | client:"CMD {port}" | shim:"CMD" [KEY=VALUE...]
 *   replay   DIRECTORY                        [KEY=VALUE...]
 *   fuzz     TARGET                           [KEY=VALUE...]
 *   accept   RULE SUBJECT                     reason="why this finding is accepted"
 *   report   junit|sarif|json FILE
 *
 * The keys of each kind, their types and ranges are the gate keys of its option
 * table (cli_tables.c), the same the CLI's options use. The file comes from the
 * pull request under test, so it is an adversary: lines, words and values are
 * sized to the input, and the whole file is checked before anything runs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "gate_config.h"

static const char *const ta_gate_kinds[] = {"sid", "shutdown", "replay", "fuzz"};
#define TA_GATE_NKINDS (sizeof(ta_gate_kinds) / sizeof(ta_gate_kinds[0]))

const char *ta_gate_kind_name(ta_gate_kind k)
{
    return (unsigned)k < TA_GATE_NKINDS ? ta_gate_kinds[k] : "?";
}

typedef struct ta__words {
    char **w;
    size_t n, cap;
} ta__words;

/* Split a line into words in place; quotes group, key="a b" stays one word
 * without its quotes. NULL on success, else what is wrong. */
static const char *ta_gate_split(char *line, ta__words *ws)
{
    char *p = line;

    ws->n = 0;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            break;
        if (ws->n == ws->cap) {
            size_t cap = ws->cap ? ws->cap * 2 : 8;
            char **v = realloc(ws->w, cap * sizeof(*v));
            if (v == NULL)
                return "out of memory";
            ws->w = v;
            ws->cap = cap;
        }
        ws->w[ws->n++] = p;
        char *o = p;
        while (*p && *p != ' ' && *p != '\t') {
            if (*p == '"') {
                p++;
                while (*p && *p != '"')
                    *o++ = *p++;
                if (*p != '"')
                    return "unterminated double quote";
                p++;
            } else {
                *o++ = *p++;
            }
        }
        if (*p)
            p++;
        *o = '\0';
    }
    return NULL;
}

/* Append one element to a growing array; -1 when out of memory. */
static int ta_gate_grow(void **arr, size_t *n, size_t *cap, size_t size)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        void *v = realloc(*arr, c * size);
        if (v == NULL)
            return -1;
        *arr = v;
        *cap = c;
    }
    memset((char *)*arr + *n * size, 0, size);
    (*n)++;
    return 0;
}

/* "ids, threads, ..." : the gate keys of set. */
static void ta_gate_keys(const ta_optset *set, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < set->n; i++) {
        if (set->opts[i].gate_key == NULL)
            continue;
        int k = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", set->opts[i].gate_key);
        if (k < 0 || (size_t)k >= cap - len)
            break;
        len += (size_t)k;
    }
}

typedef struct ta__gate_ctx {
    const char *path, *self;
    int line;
    char *err;
    size_t errlen;
} ta__gate_ctx;

static int ta_gate_err(ta__gate_ctx *c, const char *fmt, ...) TA_PRINTF(2, 3);
static int ta_gate_err(ta__gate_ctx *c, const char *fmt, ...)
{
    va_list ap;
    int n = c->line > 0 ? snprintf(c->err, c->errlen, "%s:%d: ", c->path, c->line)
                        : snprintf(c->err, c->errlen, "%s: ", c->path);
    if (n < 0 || (size_t)n >= c->errlen)
        return -1;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* KEY=VALUE words of an item, against its kind's table. */
static int ta_gate_item_opts(ta__gate_ctx *c, ta_gate_item *it, char **words, size_t n)
{
    const ta_optset *set = ta_gate_line_optset((int)it->kind);
    char keys[400], why[200];

    ta_optvals_defaults(set, 1, &it->vals);
    for (size_t i = 0; i < n; i++) {
        char *eq = strchr(words[i], '=');
        if (eq == NULL || eq == words[i])
            return ta_gate_err(c, "'%s' is not KEY=VALUE", words[i]);
        *eq = '\0';
        int k = ta_opt_key_index(set, words[i]);
        if (k < 0) {
            ta_gate_keys(set, keys, sizeof(keys));
            return ta_gate_err(c, "key '%s' is not an option of %s lines; options: %s", words[i],
                               set->name, keys);
        }
        const ta_opt *o = &set->opts[k];
        if (it->vals.v[k].given)
            return ta_gate_err(c, "key '%s' is given twice", o->gate_key);
        if (ta_opt_value(o, eq + 1, &it->vals.v[k], why, sizeof(why)) != 0)
            return ta_gate_err(c, "%s %s, not '%s'", o->gate_key, why, eq + 1);
        if ((it->vals.v[k].s = strdup(eq + 1)) == NULL)
            return ta_gate_err(c, "out of memory");
        it->vals.v[k].given = 1;
    }
    return 0;
}

/* builtin:NAME or lib:FILE:SYMBOL, checked; lib files must be readable now. */
static int ta_gate_item_subject(ta__gate_ctx *c, ta_gate_item *it)
{
    const char *s = it->subject;
    int sid = it->kind == TA_GATE_SID;

    if (sid && strncmp(s, "connect:", 8) == 0) {
        /* A live server (sid --connect): HOST:PORT, checked for its form here;
         * whether it answers is the audit's business. */
        const char *port = strrchr(s + 8, ':');
        if (port == NULL || port == s + 8 || port[1] == '\0'
            || strspn(port + 1, "0123456789") != strlen(port + 1) || strlen(port + 1) > 5
            || atoi(port + 1) < 1 || atoi(port + 1) > 65535)
            return ta_gate_err(c, "subject '%s' is not connect:HOST:PORT", s);
        return 0;
    }
    /* A live endpoint (shutdown lines): its form's option gets the rest. */
    static const char *const live[][2] = {
        {"connect:", "--connect"}, {"client:", "--client"}, {"shim:", "--shim"}};
    for (size_t i = 0; !sid && i < sizeof(live) / sizeof(live[0]); i++) {
        size_t n = strlen(live[i][0]);
        if (strncmp(s, live[i][0], n) != 0)
            continue;
        int k = ta_opt_index(ta_gate_line_optset((int)it->kind), live[i][1]);
        if (s[n] == '\0')
            return ta_gate_err(c, "'%s' needs what follows the colon", s);
        if (k < 0 || (it->vals.v[k].s = strdup(s + n)) == NULL)
            return ta_gate_err(c, "out of memory");
        it->vals.v[k].given = 1;
        it->live = 1;
        return 0;
    }
    if (strncmp(s, "builtin:", 8) == 0) {
        if (sid ? ta_sid_builtin_find(s + 8) == NULL : ta_sd_driver_find(s + 8) == NULL)
            return ta_gate_err(c, "no built-in %s '%s' (see 'tlsaudit list %s')",
                               sid ? "callback" : "driver", s + 8, sid ? "callbacks" : "drivers");
        return 0;
    }
    const char *colon = strncmp(s, "lib:", 4) == 0 ? strrchr(s + 4, ':') : NULL;
    if (colon == NULL || colon == s + 4 || colon[1] == '\0')
        return ta_gate_err(c, "subject '%s' is neither builtin:NAME nor lib:FILE:SYMBOL", s);
    size_t flen = (size_t)(colon - (s + 4));
    char file[flen + 1], buf[flen + 3];
    memcpy(file, s + 4, flen);
    file[flen] = '\0';
    const char *path = ta_cli_lib_path(file, buf, sizeof(buf));
    if ((it->lib = strdup(path)) == NULL || (it->symbol = strdup(colon + 1)) == NULL)
        return ta_gate_err(c, "out of memory");
    if (access(it->lib, R_OK) != 0)
        return ta_gate_err(c, "cannot read '%s' (%s)", it->lib, strerror(errno));
    return 0;
}

/* What the options mean together, and the programs replay and fuzz lines run. */
static int ta_gate_item_check(ta__gate_ctx *c, ta_gate_item *it)
{
    char why[400];

    if (it->kind == TA_GATE_SID && strncmp(it->subject, "connect:", 8) == 0) {
        ta_sid_remote_opts o;
        ta_sid_remote_opts_default(&o);
        if (ta_cli_sid_remote_apply(&it->vals, 1, &o, why, sizeof(why)) != 0)
            return ta_gate_err(c, "%s", why);
        return 0;
    }
    if (it->kind == TA_GATE_SID) {
        ta_sid_opts o;
        ta_sid_opts_default(&o);
        if (ta_opt_get(&it->vals, "--start")->given)
            return ta_gate_err(c, "start= goes with a connect:HOST:PORT subject");
        if (ta_cli_sid_apply(&it->vals, 1, &o, why, sizeof(why)) != 0)
            return ta_gate_err(c, "%s", why);
        return 0;
    }
    if (it->kind == TA_GATE_SHUTDOWN && it->live) {
        ta_sd_remote_opts o;
        char target[1400];
        if (ta_cli_sd_remote_build(&it->vals, &o, target, sizeof(target), why, sizeof(why)) != 0)
            return ta_gate_err(c, "%s", why);
        return 0;
    }
    if (it->kind == TA_GATE_SHUTDOWN) {
        const ta_optval *only = ta_opt_get(&it->vals, "--only");
        if (ta_cli_sd_remote_only_why(&it->vals, why, sizeof(why)) != 0)
            return ta_gate_err(c, "%s (a connect:, client: or shim: subject)", why);
        const char *driver = it->lib ? NULL : it->subject + 8;
        if (only->given
            && !ta_cli_sd_only_matches(only->s, driver, ta_opt_get(&it->vals, "--depth")->given))
            return ta_gate_err(c, "only=%s matches no case of %s", only->s, it->subject);
        return 0;
    }
    if (strchr(it->subject, '\'') != NULL)
        return ta_gate_err(c, "quotes are not allowed in '%s'", it->subject);
    if (it->kind == TA_GATE_FUZZ) {
        if (strspn(it->subject, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(it->subject))
            return ta_gate_err(c,
                               "fuzz target '%s' is not a target name (letters, digits, "
                               "'_', '-')",
                               it->subject);
        if (access("tools/fuzz", X_OK) != 0)
            return ta_gate_err(c, "fuzz lines need tlsaudit's source tree (tools/fuzz) as the "
                                  "current directory");
        return 0;
    }
    /* replay: corpus/<target>[/regressions]; the target is the directory's name. */
    struct stat st;
    if (stat(it->subject, &st) != 0 || !S_ISDIR(st.st_mode))
        return ta_gate_err(c, "'%s' is not a corpus directory", it->subject);
    const char *t = ta_opt_get_key(&it->vals, "target")->s;
    size_t len = strlen(it->subject);
    char dir[len + 1];
    memcpy(dir, it->subject, len + 1);
    while (len > 1 && dir[len - 1] == '/')
        dir[--len] = '\0';
    if (t == NULL) {
        char *base = strrchr(dir, '/');
        base = base ? base + 1 : dir;
        if (strcmp(base, "regressions") == 0 && base > dir + 1) {
            base[-1] = '\0';
            char *b2 = strrchr(dir, '/');
            t = b2 ? b2 + 1 : dir;
        } else {
            t = base;
        }
    }
    if (strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(t))
        return ta_gate_err(c, "replay target '%s' is not a target name; set target=NAME", t);
    const char *slash = strrchr(c->self, '/');
    int dl = slash ? (int)(slash - c->self + 1) : 0;
    size_t plen = (size_t)dl + strlen(t) + 16;
    if ((it->program = malloc(plen)) == NULL)
        return ta_gate_err(c, "out of memory");
    snprintf(it->program, plen, "%.*sfuzz/%s-replay", dl, c->self, t);
    if (access(it->program, X_OK) != 0)
        return ta_gate_err(c,
                           "no replay program for target '%s' (looked for %s); set "
                           "target=NAME",
                           t, it->program);
    return 0;
}

static int ta_gate_line(ta__gate_ctx *c, ta_gate_config *cfg, char **w, size_t n, size_t *cap_items,
                        size_t *cap_acc)
{
    if (strcmp(w[0], "report") == 0) {
        char **dst = NULL;
        if (n != 3)
            return ta_gate_err(c, "'report' takes a format and a file: report junit out.xml");
        if (strcmp(w[1], "junit") == 0)
            dst = &cfg->junit;
        else if (strcmp(w[1], "sarif") == 0)
            dst = &cfg->sarif;
        else if (strcmp(w[1], "json") == 0)
            dst = &cfg->json;
        else
            return ta_gate_err(c, "unknown report format '%s'; use junit, sarif or json", w[1]);
        if (*dst != NULL)
            return ta_gate_err(c, "a second 'report %s' line", w[1]);
        if ((*dst = strdup(w[2])) == NULL)
            return ta_gate_err(c, "out of memory");
        return 0;
    }
    if (strcmp(w[0], "accept") == 0) {
        const char *reason = NULL;
        if (n < 4)
            return ta_gate_err(c, "'accept' needs RULE SUBJECT reason=\"...\"");
        for (size_t i = 3; i < n; i++) {
            if (strncmp(w[i], "reason=", 7) != 0)
                return ta_gate_err(c, "unknown accept option '%s'; only reason=\"...\"", w[i]);
            if (reason != NULL)
                return ta_gate_err(c, "key 'reason' is given twice");
            reason = w[i] + 7;
        }
        if (reason[0] == '\0')
            return ta_gate_err(c, "accepting %s needs a non-empty reason=\"...\"", w[1]);
        if (ta_gate_grow((void **)&cfg->accepts, &cfg->naccepts, cap_acc, sizeof(*cfg->accepts))
            != 0)
            return ta_gate_err(c, "out of memory");
        ta_gate_accept *a = &cfg->accepts[cfg->naccepts - 1];
        a->line = c->line;
        if ((a->rule = strdup(w[1])) == NULL || (a->subject = strdup(w[2])) == NULL
            || (a->reason = strdup(reason)) == NULL)
            return ta_gate_err(c, "out of memory");
        return 0;
    }
    int kind = -1;
    for (size_t k = 0; k < TA_GATE_NKINDS; k++)
        if (strcmp(w[0], ta_gate_kinds[k]) == 0)
            kind = (int)k;
    if (kind < 0)
        return ta_gate_err(c,
                           "unknown directive '%s'; use sid, shutdown, replay, fuzz, accept "
                           "or report",
                           w[0]);
    if (n < 2)
        return ta_gate_err(c, "'%s' needs a subject", w[0]);
    if (ta_gate_grow((void **)&cfg->items, &cfg->nitems, cap_items, sizeof(*cfg->items)) != 0)
        return ta_gate_err(c, "out of memory");
    ta_gate_item *it = &cfg->items[cfg->nitems - 1];
    it->kind = (ta_gate_kind)kind;
    it->line = c->line;
    if ((it->subject = strdup(w[1])) == NULL)
        return ta_gate_err(c, "out of memory");
    if (ta_gate_item_opts(c, it, w + 2, n - 2) != 0)
        return -1;
    if ((kind == TA_GATE_SID || kind == TA_GATE_SHUTDOWN) && ta_gate_item_subject(c, it) != 0)
        return -1;
    return ta_gate_item_check(c, it);
}

int ta_gate_config_load(const char *path, const char *self, ta_gate_config *cfg, char *err,
                        size_t errlen)
{
    ta__gate_ctx c = {path, self, 0, err, errlen};
    ta__words ws = {0};
    char *line = NULL;
    size_t linecap = 0, cap_items = 0, cap_acc = 0;
    ssize_t len;
    int rc = 0;
    FILE *f;

    memset(cfg, 0, sizeof(*cfg));
    if ((cfg->path = strdup(path)) == NULL)
        return ta_gate_err(&c, "out of memory");
    if ((f = fopen(path, "r")) == NULL) {
        ta_gate_err(&c, "cannot open the gate config (%s); check the path", strerror(errno));
        ta_gate_config_free(cfg);
        return -1;
    }
    while (rc == 0 && (len = getline(&line, &linecap, f)) >= 0) {
        const char *why;
        c.line++;
        if (memchr(line, '\0', (size_t)len) != NULL) {
            rc = ta_gate_err(&c, "a NUL byte; the config is text");
            break;
        }
        line[strcspn(line, "\r\n")] = '\0';
        if ((why = ta_gate_split(line, &ws)) != NULL)
            rc = ta_gate_err(&c, "%s", why);
        else if (ws.n > 0)
            rc = ta_gate_line(&c, cfg, ws.w, ws.n, &cap_items, &cap_acc);
    }
    if (rc == 0 && ferror(f))
        rc = ta_gate_err(&c, "read error");
    fclose(f);
    free(line);
    free(ws.w);
    c.line = 0;
    if (rc == 0 && cfg->nitems == 0)
        rc = ta_gate_err(&c, "nothing to check; add at least one sid, shutdown, replay or "
                             "fuzz line");
    if (rc != 0)
        ta_gate_config_free(cfg);
    return rc;
}

void ta_gate_config_free(ta_gate_config *cfg)
{
    for (size_t i = 0; i < cfg->nitems; i++) {
        ta_gate_item *it = &cfg->items[i];
        for (size_t k = 0; k < TA_OPTS_MAX; k++)
            if (it->vals.v[k].given)
                free((char *)it->vals.v[k].s);
        free(it->subject);
        free(it->lib);
        free(it->symbol);
        free(it->program);
    }
    for (size_t i = 0; i < cfg->naccepts; i++) {
        free(cfg->accepts[i].rule);
        free(cfg->accepts[i].subject);
        free(cfg->accepts[i].reason);
    }
    free(cfg->items);
    free(cfg->accepts);
    free(cfg->path);
    free(cfg->junit);
    free(cfg->sarif);
    free(cfg->json);
    memset(cfg, 0, sizeof(*cfg));
}
