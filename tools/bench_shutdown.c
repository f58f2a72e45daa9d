/*
 * bench_shutdown.c - figures for the shutdown engine (not a test):
 *   - the named matrix (every scenario x version x role) for each built-in
 *     driver: cases and runs per second;
 *   - exhaustive mode, both versions and roles, twice: every exhaustive action at
 *     --depth (default 6; goal <= 30 s), and the seven actions of before issue 14
 *     ("dcke<>x") at --old-depth (default 12; goal <= 10 s): wall time, schedules
 *     run, distinct states, pruned (not run / not extended).
 * usage: bench-shutdown [--depth D] [--old-depth D] [--repeat N] [--driver NAME]
 *        (--old-depth 0 skips the second run; --depth 0 the first)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tlsaudit.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    unsigned depth = 6, old_depth = 12, repeat = 5;
    const char *only_driver = NULL;
    size_t nd;
    const ta_sd_driver *d = ta_sd_catalog(&nd);
    ta_sd_opts o;
    char ebuf[400];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--depth") == 0 && i + 1 < argc)
            depth = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--old-depth") == 0 && i + 1 < argc)
            old_depth = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--driver") == 0 && i + 1 < argc)
            only_driver = argv[++i];
        else {
            fprintf(stderr, "usage: bench-shutdown [--depth D] [--old-depth D] [--repeat N] "
                            "[--driver NAME]\n");
            return 2;
        }
    }
    if (depth > 12 || old_depth > 12 || repeat < 1) {
        fprintf(stderr, "bench-shutdown: --depth and --old-depth 0..12, --repeat >= 1\n");
        return 2;
    }
    ta_sd_opts_default(&o);
    printf("OpenSSL %s; PSK contexts, seeded environment\n\n",
           OpenSSL_version(OPENSSL_VERSION_STRING));
    printf("%-16s %6s %8s %8s | %s\n", "driver", "cases", "matrix s", "runs/s",
           "exhaustive (both versions and roles): actions, depth: seconds, schedules run "
           "(/s), distinct states, pruned not run (idle + silent last + twin) + not extended, "
           "violating "
           "runs");
    for (size_t i = 0; i < nd; i++) {
        if (only_driver != NULL && strcmp(only_driver, d[i].name) != 0)
            continue;
        ta_sd_report *rep = NULL;
        const ta_sd_result *res;
        size_t cases = 0;
        double t0 = now();
        for (unsigned k = 0; k < repeat; k++) {
            if (ta_sd_matrix(&d[i], &o, &rep) != TA_OK) {
                fprintf(stderr, "matrix: %s\n", ta_error_format(ebuf, sizeof(ebuf)));
                return 1;
            }
            cases = ta_sd_report_results(rep, &res);
            ta_sd_report_free(rep);
        }
        double per = (now() - t0) / repeat;
        printf("%-16s %6zu %8.3f %8.0f", d[i].name, cases, per, (double)cases / per);
        static const struct {
            const char *actions, *label;
        } runs[] = {{NULL, "all"}, {"dcke<>x", "dcke<>x"}};
        for (int k = 0; k < 2; k++) {
            unsigned dep = k == 0 ? depth : old_depth;
            if (dep == 0)
                continue;
            ta_sd_explore_stats st;
            ta_sd_opts eo = o;
            eo.actions = runs[k].actions;
            if (ta_sd_explore(&d[i], &eo, dep, &rep, &st) != TA_OK) {
                fprintf(stderr, "explore: %s\n", ta_error_format(ebuf, sizeof(ebuf)));
                return 1;
            }
            ta_sd_report_free(rep);
            printf(" | %s d%u: %6.2f s, %llu (%.0f/s), %llu, %llu+%llu+%llu+%llu, %llu",
                   runs[k].label, dep, st.seconds, (unsigned long long)st.explored,
                   (double)st.explored / st.seconds, (unsigned long long)st.distinct,
                   (unsigned long long)st.pruned_idle, (unsigned long long)st.pruned_silent,
                   (unsigned long long)st.pruned_twin, (unsigned long long)st.pruned_seen,
                   (unsigned long long)st.violations);
            fflush(stdout);
        }
        printf("\n");
    }
    return 0;
}
