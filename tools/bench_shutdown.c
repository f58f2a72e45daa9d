/*
 * bench_shutdown.c - figures for the shutdown engine (not a test):
 *   - the named matrix (every scenario x version x role) for each built-in
 *     driver: cases and runs per second;
 *   - exhaustive mode at a depth (default 6), both versions and roles: wall time,
 *     schedules run and distinct transcripts. Goal: depth 6 in <= 30 s.
 * usage: bench-shutdown [--depth D] [--repeat N] [--driver NAME]
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
    unsigned depth = 6, repeat = 5;
    const char *only_driver = NULL;
    size_t nd;
    const ta_sd_driver *d = ta_sd_catalog(&nd);
    ta_sd_opts o;
    char ebuf[400];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--depth") == 0 && i + 1 < argc)
            depth = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--driver") == 0 && i + 1 < argc)
            only_driver = argv[++i];
        else {
            fprintf(stderr, "usage: bench-shutdown [--depth D] [--repeat N] [--driver NAME]\n");
            return 2;
        }
    }
    if (depth < 1 || depth > 12 || repeat < 1) {
        fprintf(stderr, "bench-shutdown: --depth 1..12, --repeat >= 1\n");
        return 2;
    }
    ta_sd_opts_default(&o);
    printf("OpenSSL %s; PSK contexts, seeded environment\n\n",
           OpenSSL_version(OPENSSL_VERSION_STRING));
    printf("%-16s %8s %10s %10s   %s %u %s\n", "driver", "cases", "matrix s", "runs/s",
           "exhaustive depth", depth, "(both versions and roles)");
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
        ta_sd_explore_stats st;
        if (ta_sd_explore(&d[i], &o, depth, &rep, &st) != TA_OK) {
            fprintf(stderr, "explore: %s\n", ta_error_format(ebuf, sizeof(ebuf)));
            return 1;
        }
        ta_sd_report_free(rep);
        printf("%-16s %8zu %10.4f %10.0f   %7.2f s, %llu schedules (%.0f/s), %llu distinct, "
               "%llu violating\n",
               d[i].name, cases, per, (double)cases / per, st.seconds,
               (unsigned long long)st.explored, (double)st.explored / st.seconds,
               (unsigned long long)st.distinct, (unsigned long long)st.violations);
    }
    return 0;
}
