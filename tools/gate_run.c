/*
 * gate_run.c - run one item of a 'tlsaudit gate' configuration: a session-id
 * audit, a shutdown matrix or exploration, or a program (corpus replay, fuzz
 * campaign) whose exit code is the check.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "gate_config.h"

static int ta_gate_split_lib(const char *subject, char *file, size_t fcap, char *sym,
                             size_t scap)
{
    const char *colon = strrchr(subject + 4, ':');
    if (colon == NULL)
        return -1;
    snprintf(file, fcap, "%.*s", (int)(colon - (subject + 4)), subject + 4);
    snprintf(sym, scap, "%s", colon + 1);
    return 0;
}

static int ta_gate_u64(const ta_gate_item *it, const char *key, uint64_t def, uint64_t *out,
                       char *err, size_t errlen, const char *path)
{
    const char *v = ta_gate_opt_get(it, key, NULL);
    *out = def;
    if (v != NULL && ta_cli_parse_u64(v, out) != 0) {
        snprintf(err, errlen, "%s:%d: %s=%s is not a number", path, it->line, key, v);
        return -1;
    }
    return 0;
}

/* ta_gate_u64, then a range check (lo..hi) with the same kind of message. */
static int ta_gate_u64_in(const ta_gate_item *it, const char *key, uint64_t def, uint64_t lo,
                          uint64_t hi, uint64_t *out, char *err, size_t errlen, const char *path)
{
    if (ta_gate_u64(it, key, def, out, err, errlen, path) != 0)
        return -1;
    if (*out < lo || *out > hi) {
        snprintf(err, errlen, "%s:%d: %s must be %llu..%llu", path, it->line, key,
                 (unsigned long long)lo, (unsigned long long)hi);
        return -1;
    }
    return 0;
}

int ta_gate_run_sid(const ta_gate_config *cfg, const ta_gate_item *it, int strict,
                           ta_gate_subject *gs)
{
    ta_sid_opts o;
    ta_sid_cb cb = NULL;
    ta_sid_report *r = NULL;
    char target[600], file[512], sym[128], ebuf[400];
    uint64_t v;
    const char *only = ta_gate_opt_get(it, "only", NULL);

    ta_sid_opts_default(&o);
    o.ids = 20000;
    for (int i = 0; i < it->nopts; i++) {
        const char *k = it->opts[i].key;
        if (strcmp(k, "ids") && strcmp(k, "threads") && strcmp(k, "only") && strcmp(k, "timeout")
            && strcmp(k, "seed") && strcmp(k, "handshakes") && strcmp(k, "bucket_n")) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: unknown sid option '%s' (ids, "
                     "threads, only, timeout, seed, handshakes, bucket_n)", cfg->path, it->line,
                     k);
            return -1;
        }
    }
    if (ta_gate_u64(it, "ids", o.ids, &v, gs->error, sizeof(gs->error), cfg->path) != 0)
        return -1;
    o.ids = (size_t)v;
    if (ta_gate_u64(it, "threads", o.threads, &v, gs->error, sizeof(gs->error), cfg->path) != 0)
        return -1;
    o.threads = (unsigned)v;
    if (ta_gate_u64(it, "seed", o.seed, &v, gs->error, sizeof(gs->error), cfg->path) != 0)
        return -1;
    o.seed = v;
    /* The ranges of 'tlsaudit sid --handshakes / --bucket-n'. */
    if (ta_gate_u64_in(it, "handshakes", (uint64_t)o.handshakes, 1, TA_SID_HANDSHAKES_MAX, &v,
                       gs->error,
                       sizeof(gs->error), cfg->path) != 0)
        return -1;
    o.handshakes = (int)v;
    if (ta_gate_u64_in(it, "bucket_n", o.bucket_n, TA_SID_BUCKET_MIN, TA_SID_IDS_MAX, &v,
                       gs->error,
                       sizeof(gs->error), cfg->path) != 0)
        return -1;
    o.bucket_n = (size_t)v;
    if (ta_gate_opt_get(it, "timeout", NULL) != NULL)
        o.timeout_s = atof(ta_gate_opt_get(it, "timeout", "2"));
    if (only != NULL && ta_sid_rules_parse(only, &o.only) != TA_OK) {
        snprintf(gs->error, sizeof(gs->error), "%s:%d: only=%s: %s", cfg->path, it->line, only,
                 ta_last_error()->message);
        return -1;
    }
    o.strict = strict;
    if (strncmp(it->subject, "builtin:", 8) == 0) {
        const ta_sid_builtin *b = ta_sid_builtin_find(it->subject + 8);
        if (b == NULL) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: no built-in callback '%s' (see "
                     "'tlsaudit list callbacks')", cfg->path, it->line, it->subject + 8);
            return -1;
        }
        cb = b->cb;
        snprintf(target, sizeof(target), "--builtin %s", b->name);
    } else {
        ta_gate_split_lib(it->subject, file, sizeof(file), sym, sizeof(sym));
        if (ta_sid_cb_load(file, sym, &cb) != TA_OK) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: %s", cfg->path, it->line,
                     ta_last_error()->message);
            return -1;
        }
        snprintf(target, sizeof(target), "--lib %.400s --symbol %.120s", file, sym);
    }
    o.target = target;
    if (ta_sid_audit(it->subject, cb, &o, &r) != TA_OK
        || ta_sid_report_to_subject(r, strict, &gs->rep) != TA_OK) {
        snprintf(gs->error, sizeof(gs->error), "%s:%d: %s", cfg->path, it->line,
                 ta_error_format(ebuf, sizeof(ebuf)));
        ta_sid_report_free(r);
        return -1;
    }
    ta_sid_report_free(r);
    ta_subject_locate(&gs->rep, *(void **)&cb,
                      strncmp(it->subject, "lib:", 4) == 0 ? sym : NULL);
    return 0;
}

int ta_gate_run_shutdown(const ta_gate_config *cfg, const ta_gate_item *it,
                                ta_gate_subject *gs)
{
    ta_sd_opts o;
    const ta_sd_driver *d = NULL;
    ta_sd_report *r = NULL;
    ta_sd_explore_stats stats;
    char target[600], file[512], sym[128], ebuf[400];
    uint64_t depth = 0;
    ta_status st;

    ta_sd_opts_default(&o);
    for (int i = 0; i < it->nopts; i++) {
        const char *k = it->opts[i].key;
        if (strcmp(k, "only") && strcmp(k, "exhaustive") && strcmp(k, "seed")) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: unknown shutdown option '%s' "
                     "(only, exhaustive, seed)", cfg->path, it->line, k);
            return -1;
        }
    }
    o.only = ta_gate_opt_get(it, "only", NULL);
    if (ta_gate_u64(it, "exhaustive", 0, &depth, gs->error, sizeof(gs->error), cfg->path) != 0
        || ta_gate_u64(it, "seed", o.seed, &o.seed, gs->error, sizeof(gs->error), cfg->path) != 0)
        return -1;
    if (strncmp(it->subject, "builtin:", 8) == 0) {
        d = ta_sd_driver_find(it->subject + 8);
        if (d == NULL) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: no built-in driver '%s' (see "
                     "'tlsaudit list drivers')", cfg->path, it->line, it->subject + 8);
            return -1;
        }
        snprintf(target, sizeof(target), "--builtin %s", d->name);
    } else {
        ta_gate_split_lib(it->subject, file, sizeof(file), sym, sizeof(sym));
        if (ta_sd_driver_load(file, sym, &d) != TA_OK) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: %s", cfg->path, it->line,
                     ta_last_error()->message);
            return -1;
        }
        o.isolate = 1; /* user code: a crash or a hang is a finding, not our end */
        snprintf(target, sizeof(target), "--lib %.400s --symbol %.120s", file, sym);
    }
    o.target = target;
    st = depth > 0 ? ta_sd_explore(d, &o, (unsigned)depth, &r, &stats) : ta_sd_matrix(d, &o, &r);
    if (st == TA_OK && depth > 0 && ta_sd_report_results(r, &(const ta_sd_result *){0}) == 0) {
        /* No violation to list: one passing check says what was explored. */
        ta_sd_report_free(r);
        if (ta_subject_report_init(&gs->rep, "shutdown", it->subject, 1, 0) != TA_OK)
            st = TA_E_NOMEM;
        else {
            ta_check *c = &gs->rep.checks[gs->rep.nchecks++];
            snprintf(c->name, sizeof(c->name), "exhaustive/depth-%u", (unsigned)depth);
            snprintf(c->message, sizeof(c->message), "%llu schedules explored, %llu distinct, "
                     "0 violations, %.1fs", (unsigned long long)stats.explored,
                     (unsigned long long)stats.distinct, stats.seconds);
            ta_subject_locate(&gs->rep, *(void **)&d->step,
                              strncmp(it->subject, "lib:", 4) == 0 ? sym : NULL);
            return 0;
        }
    }
    if (st != TA_OK || ta_sd_report_to_subject(r, &gs->rep) != TA_OK) {
        snprintf(gs->error, sizeof(gs->error), "%s:%d: %s", cfg->path, it->line,
                 ta_error_format(ebuf, sizeof(ebuf)));
        ta_sd_report_free(r);
        return -1;
    }
    ta_sd_report_free(r);
    snprintf(gs->rep.name, sizeof(gs->rep.name), "%.159s", it->subject);
    for (size_t i = 0; i < gs->rep.nfindings; i++)
        snprintf(gs->rep.findings[i].subject, sizeof(gs->rep.findings[i].subject), "%.159s",
                 it->subject);
    ta_subject_locate(&gs->rep, *(void **)&d->step,
                      strncmp(it->subject, "lib:", 4) == 0 ? sym : NULL);
    return 0;
}

/* replay and fuzz items run programs: a check whose outcome is their exit code. */
int ta_gate_run_program(const ta_gate_config *cfg, const ta_gate_item *it,
                               const char *self, ta_gate_subject *gs)
{
    char cmd[2048], target[128], line[512], tail[4][512] = {{0}};
    const char *rule = it->kind == TA_GATE_REPLAY ? "REPLAY-FAILED" : "FUZZ-FINDING";
    int n = 0;

    if (strchr(it->subject, '\'') != NULL) {
        snprintf(gs->error, sizeof(gs->error), "%s:%d: quotes are not allowed in '%s'",
                 cfg->path, it->line, it->subject);
        return -1;
    }
    if (it->kind == TA_GATE_REPLAY) {
        /* corpus/<target>[/regressions]: the target is the directory's name. */
        const char *t = ta_gate_opt_get(it, "target", NULL);
        char dir[512];
        snprintf(dir, sizeof(dir), "%s", it->subject);
        while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
            dir[strlen(dir) - 1] = '\0';
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
        snprintf(target, sizeof(target), "%s", t);
        char prog[1100];
        snprintf(prog, sizeof(prog), "%.*sfuzz/%s-replay",
                 (int)(strrchr(self, '/') ? strrchr(self, '/') - self + 1 : 0), self, target);
        if (access(prog, X_OK) != 0) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: no replay program for target '%s' "
                     "(looked for %s); set target=NAME", cfg->path, it->line, target, prog);
            return -1;
        }
        snprintf(cmd, sizeof(cmd), "'%s' '%s' 2>&1", prog, it->subject);
    } else {
        const char *secs = ta_gate_opt_get(it, "seconds", "30");
        const char *engine = ta_gate_opt_get(it, "engine", "libfuzzer");
        if (access("tools/fuzz", X_OK) != 0) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: fuzz lines need tlsaudit's source "
                     "tree (tools/fuzz) as the current directory", cfg->path, it->line);
            return -1;
        }
        if (strspn(secs, "0123456789") != strlen(secs) || strspn(engine, "abcdefghijklmnopqrstuvwxyz")
                                                              != strlen(engine)) {
            snprintf(gs->error, sizeof(gs->error), "%s:%d: seconds= must be a number and "
                     "engine= libfuzzer or afl", cfg->path, it->line);
            return -1;
        }
        snprintf(cmd, sizeof(cmd), "tools/fuzz run '%s' --engine %s --time %s 2>&1",
                 it->subject, engine, secs);
    }
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        snprintf(gs->error, sizeof(gs->error), "%s:%d: cannot run %s", cfg->path, it->line, cmd);
        return -1;
    }
    while (fgets(line, sizeof(line), p) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(tail[n++ % 4], sizeof(tail[0]), "%s", line);
    }
    int status = pclose(p);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    if (ta_subject_report_init(&gs->rep, ta_gate_kind_name(it->kind), it->subject, 1, 1)
        != TA_OK) {
        snprintf(gs->error, sizeof(gs->error), "out of memory");
        return -1;
    }
    ta_check *c = &gs->rep.checks[gs->rep.nchecks++];
    snprintf(c->name, sizeof(c->name), "%s %.140s", ta_gate_kind_name(it->kind), it->subject);
    snprintf(c->reproducer, sizeof(c->reproducer), "%.*s", (int)(strlen(cmd) - 5), cmd);
    snprintf(c->message, sizeof(c->message), "exit %d; last output: %.400s", code,
             tail[(n + 3) % 4]);
    c->outcome = code == 0 ? TA_CHECK_PASS : TA_CHECK_FAIL;
    if (code == 2 || code >= 126) {
        snprintf(gs->error, sizeof(gs->error), "%s:%d: %.300s (exit %d)", cfg->path, it->line,
                 tail[(n + 3) % 4], code);
        return -1;
    }
    if (code != 0) {
        ta_finding *f = &gs->rep.findings[gs->rep.nfindings++];
        snprintf(f->rule, sizeof(f->rule), "%s", rule);
        f->severity = TA_SEV_ERROR;
        snprintf(f->subject, sizeof(f->subject), "%.159s", it->subject);
        snprintf(f->message, sizeof(f->message), "%s", c->message);
        snprintf(f->reproducer, sizeof(f->reproducer), "%s", c->reproducer);
    }
    return 0;
}
