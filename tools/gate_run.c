/*
 * gate_run.c - run one checked item of a 'tlsaudit gate' configuration: a
 * session-id audit, a shutdown matrix or exploration, or a program (corpus
 * replay, fuzz campaign) whose exit code is the check. gate_config.c checked
 * every key and value before anything runs; the options reach the library
 * through the same functions the CLI uses (ta_cli_sid_apply, ta_cli_sd_apply).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "gate_config.h"

static int ta_gate_fail(const ta_gate_config *cfg, const ta_gate_item *it, ta_gate_subject *gs,
                        const char *msg)
{
    snprintf(gs->error, sizeof(gs->error), "%s:%d: %s", cfg->path, it->line, msg);
    return -1;
}

/* sid connect:HOST:PORT [start="CMD" ...]: a live server (sid --connect). */
static int ta_gate_run_sid_remote(const ta_gate_config *cfg, const ta_gate_item *it, int strict,
                                  ta_gate_subject *gs)
{
    ta_sid_remote_opts o;
    ta_sid_report *r = NULL;
    char ebuf[400];

    ta_sid_remote_opts_default(&o);
    if (ta_cli_sid_remote_apply(&it->vals, 1, &o, ebuf, sizeof(ebuf)) != 0)
        return ta_gate_fail(cfg, it, gs, ebuf);
    o.connect = it->subject + 8;
    o.strict = strict;
    if (ta_sid_remote_audit(&o, &r) != TA_OK
        || ta_sid_report_to_subject(r, strict, &gs->rep) != TA_OK) {
        ta_error_format(ebuf, sizeof(ebuf));
        ta_sid_report_free(r);
        return ta_gate_fail(cfg, it, gs, ebuf);
    }
    ta_sid_report_free(r);
    return 0;
}

int ta_gate_run_sid(const ta_gate_config *cfg, const ta_gate_item *it, int strict,
                    ta_gate_subject *gs)
{
    if (strncmp(it->subject, "connect:", 8) == 0)
        return ta_gate_run_sid_remote(cfg, it, strict, gs);
    ta_sid_opts o;
    ta_sid_cb cb = NULL;
    ta_sid_report *r = NULL;
    char target[1200], ebuf[400];

    ta_sid_opts_default(&o);
    if (ta_cli_sid_apply(&it->vals, 1, &o, ebuf, sizeof(ebuf)) != 0)
        return ta_gate_fail(cfg, it, gs, ebuf);
    o.strict = strict;
    if (it->lib == NULL) {
        const ta_sid_builtin *b = ta_sid_builtin_find(it->subject + 8);
        cb = b->cb; /* checked when the config was loaded */
        snprintf(target, sizeof(target), "--builtin %s", b->name);
    } else {
        /* Loaded only in the check children (src/): cb stays NULL. */
        o.lib = it->lib;
        o.symbol = it->symbol;
        snprintf(target, sizeof(target), "--lib %.500s --symbol %.500s", it->lib, it->symbol);
    }
    o.target = target;
    if (ta_sid_audit(it->subject, cb, &o, &r) != TA_OK
        || ta_sid_report_to_subject(r, strict, &gs->rep) != TA_OK) {
        ta_error_format(ebuf, sizeof(ebuf));
        ta_sid_report_free(r);
        return ta_gate_fail(cfg, it, gs, ebuf);
    }
    ta_sid_report_free(r);
    if (cb != NULL) /* a built-in; a loaded callback is located by the converter */
        ta_subject_locate(&gs->rep, *(void **)&cb, NULL);
    return 0;
}

int ta_gate_run_shutdown(const ta_gate_config *cfg, const ta_gate_item *it, ta_gate_subject *gs)
{
    ta_sd_opts o;
    const ta_sd_driver *d = NULL;
    ta_sd_report *r = NULL;
    ta_sd_explore_stats stats;
    char target[1200], ebuf[400];
    const ta_optval *depth = ta_opt_get(&it->vals, "--depth"); /* gate key exhaustive= */
    ta_status st;

    if (it->live) {
        /* A live endpoint: the options were checked when the config was loaded. */
        ta_sd_remote_opts ro;
        if (ta_cli_sd_remote_build(&it->vals, &ro, target, sizeof(target), ebuf, sizeof(ebuf)) != 0)
            return ta_gate_fail(cfg, it, gs, ebuf);
        st = ta_sd_remote(&ro, &r);
    } else {
        ta_sd_opts_default(&o);
        if (ta_cli_sd_apply(&it->vals, 1, &o, ebuf, sizeof(ebuf)) != 0)
            return ta_gate_fail(cfg, it, gs, ebuf);
        if (it->lib == NULL) {
            d = ta_sd_driver_find(it->subject + 8); /* checked when the config was loaded */
            snprintf(target, sizeof(target), "--builtin %s", d->name);
        } else {
            /* Loaded only in the worker children (src/): d stays NULL. */
            o.lib = it->lib;
            o.symbol = it->symbol;
            snprintf(target, sizeof(target), "--lib %.500s --symbol %.500s", it->lib, it->symbol);
        }
        o.target = target;
        st = depth->given ? ta_sd_explore(d, &o, (unsigned)depth->u, &r, &stats)
                          : ta_sd_matrix(d, &o, &r);
    }
    if (st == TA_OK && depth->given && ta_sd_report_results(r, &(const ta_sd_result *){0}) == 0
        && !ta_sd_report_failed(r)) {
        /* No violation to list: one passing check says what was explored. */
        ta_sd_report_free(r);
        if (ta_subject_report_init(&gs->rep, "shutdown", it->subject, 1, 0) != TA_OK)
            return ta_gate_fail(cfg, it, gs, "out of memory");
        ta_check *c = &gs->rep.checks[gs->rep.nchecks++];
        snprintf(c->name, sizeof(c->name), "exhaustive/depth-%u", (unsigned)depth->u);
        snprintf(c->message, sizeof(c->message),
                 "%llu schedules explored, %llu distinct, %llu + %llu + %llu + %llu pruned, "
                 "0 violations, %.1fs",
                 (unsigned long long)stats.explored, (unsigned long long)stats.distinct,
                 (unsigned long long)stats.pruned_idle, (unsigned long long)stats.pruned_silent,
                 (unsigned long long)stats.pruned_twin, (unsigned long long)stats.pruned_seen,
                 stats.seconds);
        if (d != NULL)
            ta_subject_locate(&gs->rep, *(void *const *)&d->step, NULL);
        return 0;
    }
    if (st != TA_OK || ta_sd_report_to_subject(r, &gs->rep) != TA_OK) {
        ta_error_format(ebuf, sizeof(ebuf));
        ta_sd_report_free(r);
        return ta_gate_fail(cfg, it, gs, ebuf);
    }
    ta_sd_report_free(r);
    snprintf(gs->rep.name, sizeof(gs->rep.name), "%.159s", it->subject);
    for (size_t i = 0; i < gs->rep.nfindings; i++)
        snprintf(gs->rep.findings[i].subject, sizeof(gs->rep.findings[i].subject), "%.159s",
                 it->subject);
    if (d != NULL)
        ta_subject_locate(&gs->rep, *(void *const *)&d->step, NULL);
    return 0;
}

/* replay and fuzz items run programs: a check whose outcome is their exit code.
 * Their subjects and keys were checked (no quotes, names of [a-z0-9_-]). */
int ta_gate_run_program(const ta_gate_config *cfg, const ta_gate_item *it, ta_gate_subject *gs)
{
    char line[512], tail[4][512] = {{0}};
    const char *rule = it->kind == TA_GATE_REPLAY ? "REPLAY-FAILED" : "FUZZ-FINDING";
    size_t cap = strlen(it->subject) + (it->program ? strlen(it->program) : 0) + 128;
    char *cmd = malloc(cap);
    int n = 0;

    if (cmd == NULL)
        return ta_gate_fail(cfg, it, gs, "out of memory");
    if (it->kind == TA_GATE_REPLAY)
        snprintf(cmd, cap, "'%s' '%s' 2>&1", it->program, it->subject);
    else
        snprintf(cmd, cap, "tools/fuzz run '%s' --engine %s --time %llu 2>&1", it->subject,
                 ta_opt_get_key(&it->vals, "engine")->s,
                 (unsigned long long)ta_opt_get_key(&it->vals, "seconds")->u);
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        free(cmd);
        return ta_gate_fail(cfg, it, gs, "cannot start the program");
    }
    while (fgets(line, sizeof(line), p) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(tail[n++ % 4], sizeof(tail[0]), "%s", line);
    }
    int status = pclose(p);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    if (ta_subject_report_init(&gs->rep, ta_gate_kind_name(it->kind), it->subject, 1, 1) != TA_OK) {
        free(cmd);
        return ta_gate_fail(cfg, it, gs, "out of memory");
    }
    ta_check *c = &gs->rep.checks[gs->rep.nchecks++];
    snprintf(c->name, sizeof(c->name), "%s %.140s", ta_gate_kind_name(it->kind), it->subject);
    snprintf(c->reproducer, sizeof(c->reproducer), "%.*s", (int)(strlen(cmd) - 5), cmd);
    free(cmd);
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
