/*
 * test_sid_threads_load.c - SID-DUPLICATE-CONCURRENT holds on a loaded machine.
 *
 * The threads check once caught the racy-counter canary (a lost-update counter)
 * only when the scheduler happened to run two of its threads inside the
 * callback's window together, so it missed under load. This suite loads every
 * core with busy-loop processes (in a process group of their own, killed as a
 * group at the end) and then requires, for each case:
 *   - racy-counter: caught in every one of RUNS audits, with 8 threads and with
 *     2 (two threads on a loaded machine are the hard case);
 *   - the correct twins (random + cache check, a lock-free atomic counter, host
 *     tag + random): never a SID-DUPLICATE-CONCURRENT.
 * Case names are made of their parameters: racy-counter/threads-8/load.
 * CMake runs this suite alone (RUN_SERIAL): its load must not slow other suites.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tlsaudit.h"

#define RUNS 10         /* audits per case, each must give the expected result */
#define BUSY_MAX 4      /* busy-loop processes: one per core, 2 to 4 */
#define BUSY_LIFE_S 600 /* a busy loop ends itself after this, whatever happens */

typedef struct load_case {
    const char *name;
    const char *builtin;
    unsigned threads;
    ta_sid_result expected;
} load_case;

static const load_case cases[] = {
    {"racy-counter/threads-8/load", "racy-counter", 8, TA_SID_FOUND},
    {"racy-counter/threads-2/load", "racy-counter", 2, TA_SID_FOUND},
    {"openssl-default/threads-8/load", "openssl-default", 8, TA_SID_PASS},
    {"counter/threads-8/load", "counter", 8, TA_SID_PASS},
    {"host-tag/threads-8/load", "host-tag", 8, TA_SID_PASS},
};

static pid_t busy_pgid;
static pid_t busy_pid[BUSY_MAX];
static int busy_n;

static void busy_loop(pid_t parent)
{
    volatile unsigned long x = 0;
    /* Bounded: dies with the suite, and on its own after BUSY_LIFE_S. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(0);
    alarm(BUSY_LIFE_S);
    for (;;)
        x++;
}

static int load_start(void **state)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    pid_t self = getpid();

    (void)state;
    busy_n = ncpu < 2 ? 2 : ncpu > BUSY_MAX ? BUSY_MAX : (int)ncpu;
    for (int i = 0; i < busy_n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return -1;
        if (pid == 0) {
            /* Both sides set the group, so it is set before either goes on. */
            setpgid(0, i == 0 ? 0 : busy_pgid);
            busy_loop(self);
        }
        if (i == 0)
            busy_pgid = pid;
        if (setpgid(pid, busy_pgid) != 0 && errno != EACCES)
            return -1;
        busy_pid[i] = pid;
    }
    fprintf(stderr, "load: %d busy loops (process group %d) on %ld cores\n", busy_n, (int)busy_pgid,
            ncpu);
    return 0;
}

static int load_stop(void **state)
{
    struct timespec pause = {0, 10 * 1000 * 1000};
    int left = busy_n;

    (void)state;
    if (busy_pgid > 0)
        kill(-busy_pgid, SIGKILL);
    /* Reap them, bounded: 5 s of 10 ms looks. */
    for (int tries = 0; left > 0 && tries < 500; tries++) {
        for (int i = 0; i < busy_n; i++)
            if (busy_pid[i] > 0 && waitpid(busy_pid[i], NULL, WNOHANG) == busy_pid[i]) {
                busy_pid[i] = 0;
                left--;
            }
        if (left > 0)
            nanosleep(&pause, NULL);
    }
    if (left > 0)
        fprintf(stderr, "load: %d busy loops not reaped after 5 s\n", left);
    return left == 0 ? 0 : -1;
}

static void under_load(void **state)
{
    const load_case *c = *state;
    const ta_sid_builtin *b = ta_sid_builtin_find(c->builtin);
    int as_expected = 0;
    ta_sid_opts o;

    assert_non_null(b);
    ta_sid_opts_default(&o);
    /* 125 rounds at 8 threads, 500 at 2: every round of racy-counter repeats ids
     * when its threads overlap, so this is far more than a catch needs, and
     * under load the canary's sched_yield can cost a time slice a call. */
    o.ids = 1000;
    o.threads = c->threads;
    o.timeout_s = 10.0; /* a loaded machine is slow, not hung */
    assert_int_equal(ta_sid_rules_parse("SID-DUPLICATE-CONCURRENT", &o.only), TA_OK);
    for (int run = 0; run < RUNS; run++) {
        ta_sid_report *r = NULL;
        /* The load is still there: the result is measured under it. */
        assert_int_equal(kill(-busy_pgid, 0), 0);
        o.seed = 100 + (uint64_t)run;
        assert_int_equal(ta_sid_audit(b->name, b->cb, &o, &r), TA_OK);
        ta_sid_result got = ta_sid_report_rule(r, TA_SID_DUPLICATE_CONCURRENT);
        if (got == c->expected) {
            as_expected++;
        } else {
            const ta_finding *f;
            size_t n = ta_sid_report_findings(r, &f);
            print_message("  run %d (seed %llu): %s\n", run, (unsigned long long)o.seed,
                          ta_sid_result_name(got));
            for (size_t i = 0; i < n; i++)
                print_message("    %s: %s\n", f[i].rule, f[i].message);
        }
        ta_sid_report_free(r);
    }
    print_message("  %s: %d/%d %s\n", c->name, as_expected, RUNS,
                  c->expected == TA_SID_FOUND ? "caught" : "clean");
    assert_int_equal(as_expected, RUNS);
}

int main(void)
{
    const size_t n = sizeof(cases) / sizeof(cases[0]);
    struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0])];

    for (size_t i = 0; i < n; i++) {
        memset(&tests[i], 0, sizeof(tests[i]));
        tests[i].name = cases[i].name;
        tests[i].test_func = under_load;
        tests[i].initial_state = (void *)&cases[i];
    }
    return _cmocka_run_group_tests("sid_threads_load", tests, n, load_start, load_stop);
}
