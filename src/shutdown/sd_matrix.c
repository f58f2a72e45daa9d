/*
 * sd_matrix.c - the named matrix and schedule replay.
 *
 * A case is one schedule run for one driver, always in a worker child
 * (sd_worker.c), built-in driver or loaded: a crash, an exit or an endless loop
 * in the code under test becomes an SD-CRASH result and the run goes on.
 */
#include <fnmatch.h>
#include <string.h>

#include "internal.h"
#include "sd_worker.h"

int ta_sd_only_match(const char *globs, const char *name)
{
    char buf[512], *save = NULL;

    if (globs == NULL || globs[0] == '\0')
        return 1;
    snprintf(buf, sizeof(buf), "%s", globs);
    for (char *g = strtok_r(buf, ",", &save); g != NULL; g = strtok_r(NULL, ",", &save)) {
        if (fnmatch(g, name, 0) == 0)
            return 1;
        if (strchr(g, '/') == NULL) { /* "peer-eof", "tls13", "drain": any component */
            char comp[128];
            const char *p = name;
            while (*p != '\0') {
                size_t n = strcspn(p, "/");
                if (n < sizeof(comp)) {
                    memcpy(comp, p, n);
                    comp[n] = '\0';
                    if (fnmatch(g, comp, 0) == 0)
                        return 1;
                }
                p += n + (p[n] == '/');
            }
        }
    }
    return 0;
}

ta_status ta__sd_begin(const ta_sd_driver *d, const ta_sd_opts *o, ta__sd_worker **w,
                       ta_sd_report **rep, int *dead)
{
    *rep = NULL;
    *dead = 0;
    TA_GUARD(ta__sd_worker_new(d, o, w));
    ta_status st = ta__sd_report_new(ta__sd_worker_name(*w), rep);
    if (st == TA_OK)
        ta__sd_report_locate(*rep, ta__sd_worker_location(*w));
    if (st == TA_OK && ta__sd_worker_load_crash(*w) != NULL) {
        ta_sd_result res;
        memset(&res, 0, sizeof(res));
        res.expected = TA_SD_PENDING_READ;
        res.got = TA_SD_FAILED;
        res.rule = TA_SD_R_CRASH;
        res.flag = -1;
        snprintf(res.detail, sizeof(res.detail), "loading the object: %s",
                 ta__sd_worker_load_crash(*w));
        ta__sd_name_result(o, ta__sd_worker_name(*w), "load", &res);
        snprintf(res.name, sizeof(res.name), "load/%s", ta__sd_worker_name(*w));
        st = ta__sd_report_add(*rep, &res);
        *dead = 1;
    }
    if (st != TA_OK) {
        ta_sd_report_free(*rep);
        *rep = NULL;
        ta__sd_worker_free(*w);
        *w = NULL;
    }
    return st;
}

/* One case in the worker, named, into the report. Cases share a worker (a fork
 * per case costs ~15 ms here), so a driver that keeps state outside its state
 * block (statics, the heap) could fail a case for what an earlier one left
 * behind: a failure is therefore run again in a fresh worker, and the fresh
 * result is the case's, so every finding replays alone (--only, --schedule).
 * State that outlives a connection is what the +second scenarios look for,
 * inside one case. */
static ta_status ta__sd_case(ta__sd_worker *w, const ta_sd_opts *o, const ta_sd_schedule *s,
                             const char *scenario, ta_sd_report *rep)
{
    ta__sd_reply reply;
    TA_GUARD(ta__sd_worker_run(w, s, &reply));
    if (!reply.res.pass && !reply.crashed && !reply.incomplete && ta__sd_worker_restarts(w)) {
        ta_sd_result shared = reply.res;
        ta__sd_worker_recycle(w);
        TA_GUARD(ta__sd_worker_run(w, s, &reply));
        if (reply.res.pass) {
            size_t n = strlen(reply.res.detail);
            snprintf(reply.res.detail + n, sizeof(reply.res.detail) - n,
                     "; failed after other cases in the same process (%.40s), passes alone",
                     ta_sd_rule_table(NULL)[shared.rule].id);
        }
    }
    ta__sd_name_result(o, ta__sd_worker_name(w), scenario, &reply.res);
    return ta__sd_report_add(rep, &reply.res);
}

ta_status ta_sd_matrix(const ta_sd_driver *d, const ta_sd_opts *o, ta_sd_report **out)
{
    ta__sd_worker *w = NULL;
    ta_sd_report *rep = NULL;
    size_t n;
    const ta_sd_scenario *sc = ta_sd_scenario_table(&n);
    ta_status st;
    int dead;

    TA_ENSURE(o != NULL && out != NULL, TA_E_ARG, "ta_sd_matrix: NULL argument");
    *out = NULL;
    TA_GUARD(ta__sd_begin(d, o, &w, &rep, &dead));
    st = TA_OK;
    for (size_t i = 0; st == TA_OK && !dead && i < n; i++) {
        for (int v = 0; st == TA_OK && v < TA_TLS_COUNT; v++) {
            for (int r = 0; st == TA_OK && r < TA_ROLE_COUNT; r++) {
                char name[160];
                ta_sd_schedule s;
                if (!ta_sd_scenario_applies(&sc[i], (ta_tls)v, (ta_role)r))
                    continue;
                snprintf(name, sizeof(name), "%s/%s/%s/%s", ta_tls_name((ta_tls)v),
                         ta_role_name((ta_role)r), sc[i].name, ta__sd_worker_name(w));
                if (!ta_sd_only_match(o->only, name))
                    continue;
                st = ta_sd_scenario_schedule(&sc[i], (ta_tls)v, (ta_role)r, &s);
                if (st == TA_OK)
                    st = ta__sd_case(w, o, &s, sc[i].name, rep);
            }
        }
    }
    ta__sd_worker_free(w);
    if (st != TA_OK) {
        ta_sd_report_free(rep);
        return st;
    }
    *out = rep;
    return TA_OK;
}

ta_status ta_sd_replay(const ta_sd_driver *d, const ta_sd_opts *o, const char *schedule,
                       ta_sd_report **out)
{
    ta__sd_worker *w = NULL;
    ta_sd_report *rep = NULL;
    ta_sd_schedule s;
    ta_status st = TA_OK;
    int dead;

    TA_ENSURE(o != NULL && schedule != NULL && out != NULL, TA_E_ARG,
              "ta_sd_replay: NULL argument");
    *out = NULL;
    memset(&s, 0, sizeof(s));
    TA_GUARD(ta_sd_schedule_parse(schedule, &s));
    TA_GUARD(ta__sd_begin(d, o, &w, &rep, &dead));
    if (!dead)
        st = ta__sd_case(w, o, &s, "schedule", rep);
    ta__sd_worker_free(w);
    if (st != TA_OK) {
        ta_sd_report_free(rep);
        return st;
    }
    *out = rep;
    return TA_OK;
}
