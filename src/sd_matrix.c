/*
 * sd_matrix.c - cases, isolation, the named matrix and schedule replay.
 *
 * A case is one schedule run for one driver. Built-in drivers run in-process;
 * drivers from a shared object (o->isolate) run each case in a child process
 * with a timeout, so that a crash or an endless loop in the code under test
 * becomes an SD-CRASH result and the run goes on.
 */
#include <errno.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

int ta__sd_only_match(const char *globs, const char *name)
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

static double ta__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The case in a child: the result comes back through a pipe. */
static ta_status ta__sd_isolated(ta_sd_engine *e, const ta_sd_driver *d, const ta_sd_opts *o,
                                 const ta_sd_schedule *s, ta_sd_result *out)
{
    int fds[2];
    ta_sd_facts f;

    TA_ENSURE(pipe(fds) == 0, TA_E_CHILD, "pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        TA_BAIL(TA_E_CHILD, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        ta_sd_result r;
        int code = ta__sd_run_sig(e, d, s, &f, &r, NULL, NULL) == TA_OK ? 0 : 3;
        const char *b = (const char *)&r;
        size_t left = code == 0 ? sizeof(r) : 0;
        while (left > 0) {
            ssize_t w = write(fds[1], b, left);
            if (w <= 0)
                _exit(4);
            b += w;
            left -= (size_t)w;
        }
        _exit(code);
    }
    close(fds[1]);
    size_t got = 0;
    const double deadline = ta__now() + (o->timeout_s > 0 ? o->timeout_s : 5.0);
    char *b = (char *)out;
    int timed_out = 0;
    while (got < sizeof(*out)) {
        double left = deadline - ta__now();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int pr = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;
        ssize_t n = read(fds[0], b + got, sizeof(*out) - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fds[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (got == sizeof(*out) && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return TA_OK;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3 && !timed_out)
        TA_BAIL(TA_E_CHILD, "the isolated case failed in the harness");
    /* Crash or hang of the code under test: a finding. */
    memset(&f, 0, sizeof(f));
    f.driver_flags = d->flags;
    f.sched_flags = s->flags;
    f.handshake_done = 1;
    f.write_probe = -1;
    if (timed_out)
        snprintf(f.crash, sizeof(f.crash), "hung: no answer within %.1f s", o->timeout_s);
    else if (WIFSIGNALED(status))
        snprintf(f.crash, sizeof(f.crash), "crashed: signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(f.crash, sizeof(f.crash), "crashed: exit status %d inside a step (exit() or a sanitizer)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    ta_sd_verdict v;
    ta_sd_oracle(&f, &v);
    memset(out, 0, sizeof(*out));
    out->tls = s->tls;
    out->role = s->role;
    out->expected = v.expected;
    out->got = TA_SD_FAILED;
    out->pass = 0;
    out->rule = v.rule;
    out->flag = -1;
    snprintf(out->detail, sizeof(out->detail), "%s", v.detail);
    ta_sd_schedule_format(s, out->schedule, sizeof(out->schedule));
    return TA_OK;
}

ta_status ta__sd_case(ta_sd_engine *e, const ta_sd_driver *d, const ta_sd_opts *o,
                      const ta_sd_schedule *s, const char *scenario, ta_sd_result *out)
{
    ta_sd_facts f;
    char target[160], env[64] = "";

    TA_ENSURE(d != NULL && d->step != NULL, TA_E_ARG, "no driver");
    if (o->isolate)
        TA_GUARD(ta__sd_isolated(e, d, o, s, out));
    else
        TA_GUARD(ta__sd_run_sig(e, d, s, &f, out, NULL, NULL));
    snprintf(out->scenario, sizeof(out->scenario), "%s", scenario);
    snprintf(out->name, sizeof(out->name), "%s/%s/%s/%s", ta_tls_name(s->tls),
             ta_role_name(s->role), scenario, d->name);
    if (o->target != NULL)
        snprintf(target, sizeof(target), "%s", o->target);
    else
        snprintf(target, sizeof(target), "--builtin %s", d->name);
    /* What else the run depended on, when not the CLI's defaults. */
    if (o->mode != TA_MODE_PSK)
        snprintf(env, sizeof(env), " --mode %s", ta_mode_name(o->mode));
    if (o->seed != 1)
        snprintf(env + strlen(env), sizeof(env) - strlen(env), " --seed %llu",
                 (unsigned long long)o->seed);
    if (strcmp(scenario, "schedule") == 0)
        snprintf(out->reproducer, sizeof(out->reproducer),
                 "tlsaudit shutdown %s%s --schedule '%.200s'", target, env, out->schedule);
    else
        snprintf(out->reproducer, sizeof(out->reproducer), "tlsaudit shutdown %s%s --only %s",
                 target, env, out->name);
    return TA_OK;
}

ta_status ta_sd_matrix(const ta_sd_driver *d, const ta_sd_opts *o, ta_sd_report **out)
{
    ta_sd_engine *e = NULL;
    ta_sd_report *rep = NULL;
    size_t n;
    const ta_sd_scenario *sc = ta_sd_scenario_table(&n);
    ta_status st;

    TA_ENSURE(d != NULL && o != NULL && out != NULL, TA_E_ARG, "ta_sd_matrix: NULL argument");
    *out = NULL;
    TA_GUARD(ta_sd_engine_new(o, &e));
    st = ta__sd_report_new(d->name, &rep);
    for (size_t i = 0; st == TA_OK && i < n; i++) {
        for (int v = 0; st == TA_OK && v < TA_TLS_COUNT; v++) {
            for (int r = 0; st == TA_OK && r < TA_ROLE_COUNT; r++) {
                char name[160];
                ta_sd_schedule s;
                ta_sd_result res;
                if (!ta_sd_scenario_applies(&sc[i], (ta_tls)v, (ta_role)r))
                    continue;
                snprintf(name, sizeof(name), "%s/%s/%s/%s", ta_tls_name((ta_tls)v),
                         ta_role_name((ta_role)r), sc[i].name, d->name);
                if (!ta__sd_only_match(o->only, name))
                    continue;
                st = ta_sd_scenario_schedule(&sc[i], (ta_tls)v, (ta_role)r, &s);
                if (st == TA_OK)
                    st = ta__sd_case(e, d, o, &s, sc[i].name, &res);
                if (st == TA_OK)
                    st = ta__sd_report_add(rep, &res);
            }
        }
    }
    ta_sd_engine_free(e);
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
    ta_sd_engine *e = NULL;
    ta_sd_report *rep = NULL;
    ta_sd_schedule s;
    ta_sd_result res;
    ta_status st;

    TA_ENSURE(d != NULL && o != NULL && schedule != NULL && out != NULL, TA_E_ARG,
              "ta_sd_replay: NULL argument");
    *out = NULL;
    memset(&s, 0, sizeof(s));
    TA_GUARD(ta_sd_schedule_parse(schedule, &s));
    TA_GUARD(ta_sd_engine_new(o, &e));
    st = ta__sd_report_new(d->name, &rep);
    if (st == TA_OK)
        st = ta__sd_case(e, d, o, &s, "schedule", &res);
    if (st == TA_OK)
        st = ta__sd_report_add(rep, &res);
    ta_sd_engine_free(e);
    if (st != TA_OK) {
        ta_sd_report_free(rep);
        return st;
    }
    *out = rep;
    return TA_OK;
}
