/*
 * bench_sid.c - figures of the session-id auditor, not a test.
 *
 *   bench-sid [IDS]          (default 1,000,000)
 *
 * 1. Cost of auditing IDS ids of the default-generator re-creation (the
 *    uniqueness check: guarded invoker, our cache, duplicate set, statistics,
 *    in a child process) against calling it IDS times bare, in this one run.
 * 2. Peak memory of the audit (largest child's max RSS) and of this process.
 * 3. Time to findings of every catalog entry with the CLI defaults, and the
 *    whole default run on the correct callbacks.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tlsaudit.h"

static double ta_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds: of this thread, and of all waited-for children so far. Far less
 * sensitive than wall time to other jobs on a shared machine. */
static double ta_cpu_self(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double ta_cpu_children(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
           + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double ta_audit_time(const ta_sid_builtin *b, const ta_sid_opts *o, size_t *nerr)
{
    ta_sid_report *r = NULL;
    const ta_finding *f;
    double t0 = ta_now();
    if (ta_sid_audit(b->name, b->cb, o, &r) != TA_OK) {
        fprintf(stderr, "bench-sid: audit of %s failed: %s\n", b->name, ta_last_error()->message);
        exit(1);
    }
    double t = ta_now() - t0;
    size_t n = ta_sid_report_findings(r, &f);
    *nerr = 0;
    for (size_t i = 0; i < n; i++)
        *nerr += f[i].severity != TA_SEV_INFO;
    ta_sid_report_free(r);
    return t;
}

int main(int argc, char **argv)
{
    uint64_t ids = 1000000;
    const ta_sid_builtin *def = ta_sid_builtin_find("openssl-default");
    ta_env *env = NULL;
    ta_ctx *ctx = NULL;
    SSL *ssl;
    unsigned char id[32];
    ta_sid_opts o;
    struct rusage ru;
    size_t nerr, n;

    if (argc > 1) {
        char *end;
        ids = strtoull(argv[1], &end, 10);
        if (*end != '\0' || ids == 0) {
            fprintf(stderr, "usage: bench-sid [IDS]\n");
            return 2;
        }
    }
    if (ta_env_new(NULL, &env) != TA_OK
        || ta_ctx_new(env, TA_TLS12, TA_MODE_CERT, NULL, &ctx) != TA_OK) {
        fprintf(stderr, "bench-sid: %s\n", ta_last_error()->message);
        return 1;
    }
    ssl = SSL_new(ta_ctx_server(ctx));

    /* 1. bare and audited, interleaved in rounds: on a shared machine the best
     * round of each is the least disturbed one. */
    double bare = 1e9, audited = 1e9, bare_cpu = 1e9, audited_cpu = 1e9;
    printf("ids                         %llu\n", (unsigned long long)ids);
    for (int round = 1; round <= 3; round++) {
        double t0 = ta_now(), c0 = ta_cpu_self();
        for (uint64_t i = 0; i < ids; i++) {
            unsigned int len = 32;
            if (def->cb(ssl, id, &len) != 1)
                return 1;
        }
        double b = ta_now() - t0, bc = ta_cpu_self() - c0;
        ta_sid_opts_default(&o);
        o.ids = (size_t)ids;
        o.only = 1u << TA_SID_DUPLICATE; /* the uniqueness check alone */
        double cc0 = ta_cpu_children();
        double a = ta_audit_time(def, &o, &nerr);
        double ac = ta_cpu_children() - cc0;
        printf("round %d: wall bare %.3f s, audited %.3f s (ratio %.3f); cpu bare %.3f s, "
               "audited %.3f s (ratio %.3f)\n",
               round, b, a, a / b, bc, ac, ac / bc);
        bare = b < bare ? b : bare;
        audited = a < audited ? a : audited;
        bare_cpu = bc < bare_cpu ? bc : bare_cpu;
        audited_cpu = ac < audited_cpu ? ac : audited_cpu;
    }
    printf("best of 3, wall             bare %.3f s (%.2f us/call), audited %.3f s, ratio %.3f\n",
           bare, bare * 1e6 / (double)ids, audited, audited / bare);
    printf("best of 3, cpu              bare %.3f s (%.2f us/call), audited %.3f s, ratio %.3f\n",
           bare_cpu, bare_cpu * 1e6 / (double)ids, audited_cpu, audited_cpu / bare_cpu);

    ta_sid_opts_default(&o);
    o.ids = (size_t)ids;
    double full = ta_audit_time(def, &o, &nerr);
    printf("full audit at %llu ids       %.3f s, %zu error/warning findings\n",
           (unsigned long long)ids, full, nerr);
    getrusage(RUSAGE_CHILDREN, &ru);
    printf("peak memory, largest child  %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    getrusage(RUSAGE_SELF, &ru);
    printf("peak memory, this process   %.1f MB\n", (double)ru.ru_maxrss / 1024.0);

    /* 3. every catalog entry with the CLI defaults */
    printf("\ncatalog, CLI defaults (%zu ids, %u threads, timeout %.0f s):\n", (size_t)200000, 8u,
           2.0);
    const ta_sid_builtin *c = ta_sid_catalog(&n);
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        ta_sid_opts_default(&o);
        double t = ta_audit_time(&c[i], &o, &nerr);
        worst = t > worst ? t : worst;
        printf("  %-18s %6.2f s  %zu finding(s), expected {%s}\n", c[i].name, t, nerr,
               c[i].expected_rules);
    }
    printf("slowest entry               %.2f s\n", worst);
    SSL_free(ssl);
    ta_ctx_free(ctx);
    ta_env_free(env);
    return 0;
}
