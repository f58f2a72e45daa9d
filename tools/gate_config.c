/*
 * gate_config.c - parse the 'tlsaudit gate' configuration.
 *
 * One directive per line; '#' starts a comment; values with spaces go in double
 * quotes. See README.md, "Gating a pull request".
 *
 *   sid      builtin:NAME | lib:FILE:SYMBOL   [ids=N threads=N only=R,R timeout=S seed=S
 *                                              handshakes=N bucket_n=N]
 *   shutdown builtin:NAME | lib:FILE:SYMBOL   [only=GLOB exhaustive=DEPTH]
 *   replay   DIRECTORY                        (a corpus directory; target from its name)
 *   fuzz     TARGET                           seconds=N
 *   accept   RULE SUBJECT                     reason="why this finding is accepted"
 *   report   junit|sarif|json FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate_config.h"

static const char *const ta_gate_kinds[] = {"sid", "shutdown", "replay", "fuzz"};

const char *ta_gate_kind_name(ta_gate_kind k)
{
    return (unsigned)k < 4 ? ta_gate_kinds[k] : "?";
}

/* Split a line into words; quotes group, key="a b" stays one word without quotes. */
static int ta_gate_split(char *line, char **words, int max, const char **why)
{
    int n = 0;
    char *p = line, *w;

    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            break;
        if (n == max) {
            *why = "too many words on one line";
            return -1;
        }
        w = p;
        words[n++] = w;
        char *o = p;
        while (*p && *p != ' ' && *p != '\t') {
            if (*p == '"') {
                p++;
                while (*p && *p != '"')
                    *o++ = *p++;
                if (*p != '"') {
                    *why = "unterminated double quote";
                    return -1;
                }
                p++;
            } else {
                *o++ = *p++;
            }
        }
        if (*p)
            p++;
        *o = '\0';
    }
    return n;
}

static int ta_gate_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

static int ta_gate_subject_ok(const char *s)
{
    if (strncmp(s, "builtin:", 8) == 0)
        return s[8] != '\0';
    if (strncmp(s, "lib:", 4) == 0) {
        const char *colon = strrchr(s + 4, ':');
        return colon != NULL && colon > s + 4 && colon[1] != '\0';
    }
    return 0;
}

#define TA_GATE_FAIL(...)                                                     \
    do {                                                                      \
        snprintf(err, errlen, __VA_ARGS__);                                   \
        goto fail;                                                            \
    } while (0)

int ta_gate_config_load(const char *path, ta_gate_config *cfg, char *err, size_t errlen)
{
    FILE *f;
    char line[4096];
    int lineno = 0;
    size_t cap_items = 0, cap_acc = 0;

    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->path, sizeof(cfg->path), "%s", path);
    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open the gate config; check the path", path);
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *words[4 + TA_GATE_MAX_OPTS];
        const char *why = NULL;
        int n;

        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f))
            TA_GATE_FAIL("%s:%d: line longer than %zu characters", path, lineno,
                         sizeof(line) - 1);
        line[strcspn(line, "\r\n")] = '\0';
        n = ta_gate_split(line, words, (int)(sizeof(words) / sizeof(words[0])), &why);
        if (n < 0)
            TA_GATE_FAIL("%s:%d: %s", path, lineno, why);
        if (n == 0)
            continue;

        if (strcmp(words[0], "report") == 0) {
            char *dst = NULL;
            if (n != 3)
                TA_GATE_FAIL("%s:%d: 'report' takes a format and a file: report junit out.xml",
                             path, lineno);
            if (strcmp(words[1], "junit") == 0) dst = cfg->junit;
            else if (strcmp(words[1], "sarif") == 0) dst = cfg->sarif;
            else if (strcmp(words[1], "json") == 0) dst = cfg->json;
            else
                TA_GATE_FAIL("%s:%d: unknown report format '%s'; use junit, sarif or json",
                             path, lineno, words[1]);
            if (ta_gate_copy(dst, 512, words[2]) != 0)
                TA_GATE_FAIL("%s:%d: report path too long", path, lineno);
            continue;
        }
        if (strcmp(words[0], "accept") == 0) {
            ta_gate_accept *a;
            const char *reason = NULL;
            if (n < 4)
                TA_GATE_FAIL("%s:%d: 'accept' needs RULE SUBJECT reason=\"...\"", path, lineno);
            for (int i = 3; i < n; i++) {
                if (strncmp(words[i], "reason=", 7) == 0)
                    reason = words[i] + 7;
                else
                    TA_GATE_FAIL("%s:%d: unknown accept option '%s'; only reason=\"...\"",
                                 path, lineno, words[i]);
            }
            if (reason == NULL || reason[0] == '\0')
                TA_GATE_FAIL("%s:%d: accepting %s needs a non-empty reason=\"...\"", path,
                             lineno, words[1]);
            if (cfg->naccepts == cap_acc) {
                cap_acc = cap_acc ? cap_acc * 2 : 8;
                void *v = realloc(cfg->accepts, cap_acc * sizeof(*cfg->accepts));
                if (v == NULL)
                    TA_GATE_FAIL("%s:%d: out of memory", path, lineno);
                cfg->accepts = v;
            }
            a = &cfg->accepts[cfg->naccepts++];
            memset(a, 0, sizeof(*a));
            a->line = lineno;
            if (ta_gate_copy(a->rule, sizeof(a->rule), words[1]) != 0
                || ta_gate_copy(a->subject, sizeof(a->subject), words[2]) != 0
                || ta_gate_copy(a->reason, sizeof(a->reason), reason) != 0)
                TA_GATE_FAIL("%s:%d: accept entry too long", path, lineno);
            continue;
        }

        int kind = -1;
        for (int k = 0; k < 4; k++)
            if (strcmp(words[0], ta_gate_kinds[k]) == 0)
                kind = k;
        if (kind < 0)
            TA_GATE_FAIL("%s:%d: unknown directive '%s'; use sid, shutdown, replay, fuzz, "
                         "accept or report", path, lineno, words[0]);
        if (n < 2)
            TA_GATE_FAIL("%s:%d: '%s' needs a subject", path, lineno, words[0]);
        if ((kind == TA_GATE_SID || kind == TA_GATE_SHUTDOWN) && !ta_gate_subject_ok(words[1]))
            TA_GATE_FAIL("%s:%d: subject '%s' is neither builtin:NAME nor lib:FILE:SYMBOL",
                         path, lineno, words[1]);
        if (cfg->nitems == cap_items) {
            cap_items = cap_items ? cap_items * 2 : 8;
            void *v = realloc(cfg->items, cap_items * sizeof(*cfg->items));
            if (v == NULL)
                TA_GATE_FAIL("%s:%d: out of memory", path, lineno);
            cfg->items = v;
        }
        ta_gate_item *it = &cfg->items[cfg->nitems++];
        memset(it, 0, sizeof(*it));
        it->kind = (ta_gate_kind)kind;
        it->line = lineno;
        if (ta_gate_copy(it->subject, sizeof(it->subject), words[1]) != 0)
            TA_GATE_FAIL("%s:%d: subject too long", path, lineno);
        for (int i = 2; i < n; i++) {
            char *eq = strchr(words[i], '=');
            if (eq == NULL || eq == words[i])
                TA_GATE_FAIL("%s:%d: '%s' is not key=value", path, lineno, words[i]);
            *eq = '\0';
            ta_gate_opt *o = &it->opts[it->nopts++];
            if (ta_gate_copy(o->key, sizeof(o->key), words[i]) != 0
                || ta_gate_copy(o->val, sizeof(o->val), eq + 1) != 0)
                TA_GATE_FAIL("%s:%d: option '%s' too long", path, lineno, words[i]);
        }
    }
    fclose(f);
    if (cfg->nitems == 0) {
        snprintf(err, errlen, "%s: nothing to check; add at least one sid, shutdown, replay "
                 "or fuzz line", path);
        ta_gate_config_free(cfg);
        return -1;
    }
    return 0;
fail:
    fclose(f);
    ta_gate_config_free(cfg);
    return -1;
}

void ta_gate_config_free(ta_gate_config *cfg)
{
    free(cfg->items);
    free(cfg->accepts);
    cfg->items = NULL;
    cfg->accepts = NULL;
    cfg->nitems = cfg->naccepts = 0;
}

const char *ta_gate_opt_get(const ta_gate_item *it, const char *key, const char *def)
{
    for (int i = 0; i < it->nopts; i++)
        if (strcmp(it->opts[i].key, key) == 0)
            return it->opts[i].val;
    return def;
}
