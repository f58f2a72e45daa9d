/*
 * gen_corpus.c - writes the seed corpora of the fuzz targets (corpus/<target>/).
 *
 *   tlsaudit-gen-corpus [--check] CORPUS_DIR
 *
 * Seeds come from the project's own tables, so coverage starts where the
 * conformance suites are:
 *   shutdown_schedule  one seed per named scenario x version x local role that
 *                      applies (ta_sd_scenario_table), when every action of the
 *                      scenario is in the schedule alphabet;
 *   shutdown_records   the same for every scenario (its alphabet has them all);
 *   sid_callback       one seed per catalog entry (an input aimed at the rules the
 *                      entry is expected to break) and one per auditor check.
 * Names are made of the parameters ("tls13-client-peer-eof"). --check writes
 * nothing and exits 1 when a committed seed differs or is missing (CI can tell
 * a stale corpus). regressions/ is never touched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tlsaudit.h"
#include "tlsaudit/unstable.h"

typedef struct gen {
    const char *root;
    int check;
    size_t written, same, stale;
} gen;

static int gen_mkdir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "gen-corpus: cannot create '%s': %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Write (or, with --check, compare) one seed. */
static int gen_seed(gen *g, const char *target, const char *name, const uint8_t *buf, size_t len)
{
    char path[1024];
    uint8_t old[4096];
    size_t oldlen = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s/%s", g->root, target, name);
    if ((f = fopen(path, "rb")) != NULL) {
        oldlen = fread(old, 1, sizeof(old), f);
        fclose(f);
        if (oldlen == len && memcmp(old, buf, len) == 0) {
            g->same++;
            return 0;
        }
    }
    if (g->check) {
        fprintf(stderr, "gen-corpus: stale or missing seed %s/%s\n", target, name);
        g->stale++;
        return 0;
    }
    if ((f = fopen(path, "wb")) == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "gen-corpus: cannot write '%s': %s\n", path, strerror(errno));
        return -1;
    }
    g->written++;
    return 0;
}

/* ------------------------------------------------------------ shutdown */

static int gen_in_alphabet(const ta_sd_schedule *s, ta_fuzz_sd_alphabet a)
{
    const char *ops = ta_fuzz_sd_alphabet_chars(a);
    for (size_t i = 0; i < s->n; i++)
        if (strchr(ops, s->act[i].op) == NULL)
            return 0;
    return 1;
}

static int gen_shutdown(gen *g)
{
    static const struct {
        const char *target;
        ta_fuzz_sd_alphabet alphabet;
    } targets[] = {{"shutdown_schedule", TA_FUZZ_SD_SCHEDULE},
                   {"shutdown_records", TA_FUZZ_SD_RECORDS}};
    size_t nsc;
    const ta_sd_scenario *sc = ta_sd_scenario_table(&nsc);

    for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
        char dir[1024];
        snprintf(dir, sizeof(dir), "%s/%s", g->root, targets[t].target);
        if (!g->check && gen_mkdir(dir) != 0)
            return -1;
        for (size_t i = 0; i < nsc; i++) {
            for (int v = 0; v < TA_TLS_COUNT; v++) {
                for (int r = 0; r < TA_ROLE_COUNT; r++) {
                    ta_sd_schedule s;
                    uint8_t buf[4096];
                    char name[160];
                    if (!ta_sd_scenario_applies(&sc[i], (ta_tls)v, (ta_role)r))
                        continue;
                    if (ta_sd_scenario_schedule(&sc[i], (ta_tls)v, (ta_role)r, &s) != TA_OK) {
                        char err[300];
                        fprintf(stderr, "gen-corpus: scenario %s: %s\n", sc[i].name,
                                ta_error_format(err, sizeof(err)));
                        return -1;
                    }
                    if (!gen_in_alphabet(&s, targets[t].alphabet))
                        continue;
                    size_t len = ta_fuzz_sd_encode(&s, targets[t].alphabet, buf, sizeof(buf));
                    if (len > sizeof(buf))
                        return -1;
                    snprintf(name, sizeof(name), "%s-%s-%s", ta_tls_name((ta_tls)v),
                             ta_role_name((ta_role)r), sc[i].name);
                    if (gen_seed(g, targets[t].target, name, buf, len) != 0)
                        return -1;
                }
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------ session ids */

static void gen_sid_base(ta_fuzz_sid *s, ta_tls v)
{
    memset(s, 0, sizeof(*s));
    s->version = v;
    s->offered_len = 32;
    s->threads = 1;
    s->calls = 1;
    s->interleave = 0x5eed;
}

/* The first call's scripted answers, then calls - 1 more calls. */
static void gen_sid_script(ta_fuzz_sid *s, unsigned calls, const uint8_t *answers, size_t n)
{
    s->nevents = 0;
    s->calls = 1;
    for (size_t i = 0; i < n; i++)
        (void)ta_fuzz_sid_push(s, (ta_fuzz_sid_event)answers[i]);
    for (unsigned k = 1; k < calls; k++)
        (void)ta_fuzz_sid_push(s, TA_FUZZ_SID_NEXT_CALL);
}

/* Shape an input towards a rule the catalog says an entry breaks. */
static void gen_sid_aim(ta_fuzz_sid *s, const char *rule)
{
    static const uint8_t collide[] = {TA_FUZZ_CACHE_TAKEN, TA_FUZZ_CACHE_TAKEN, TA_FUZZ_CACHE_FREE};
    static const uint8_t all_taken[] = {TA_FUZZ_CACHE_ALL_TAKEN};

    gen_sid_script(s, 4, NULL, 0);
    if (strcmp(rule, "SID-OVERFLOW") == 0 || strcmp(rule, "SID-OVERREAD") == 0
        || strcmp(rule, "SID-LEN-GROWN") == 0) {
        s->offered_len = 16; /* less than OpenSSL's 32: the contract allows it */
    } else if (strcmp(rule, "SID-DUPLICATE") == 0 || strcmp(rule, "SID-PREDICTABLE") == 0
               || strcmp(rule, "SID-BUCKET-COLLAPSE") == 0) {
        gen_sid_script(s, 16, NULL, 0);
    } else if (strcmp(rule, "SID-DUPLICATE-CONCURRENT") == 0) {
        s->threads = 4;
        gen_sid_script(s, 32, NULL, 0);
    } else if (strcmp(rule, "SID-COLLISION-ACCEPTED") == 0
               || strcmp(rule, "SID-NO-CACHE-CHECK") == 0) {
        gen_sid_script(s, 4, collide, sizeof(collide));
    } else if (strcmp(rule, "SID-NO-TERMINATION") == 0) {
        gen_sid_script(s, 1, all_taken, sizeof(all_taken));
    } else if (strcmp(rule, "SID-SHORT-ID") == 0) {
        s->offered_len = 32;
    }
}

static int gen_sid_write(gen *g, const char *name, const ta_fuzz_sid *s)
{
    uint8_t buf[256];
    size_t len = ta_fuzz_sid_encode(s, buf, sizeof(buf));
    return len > sizeof(buf) ? -1 : gen_seed(g, "sid_callback", name, buf, len);
}

static int gen_sid(gen *g)
{
    char dir[1024];
    size_t n;
    const ta_sid_builtin *cat = ta_sid_catalog(&n);

    snprintf(dir, sizeof(dir), "%s/sid_callback", g->root);
    if (!g->check && gen_mkdir(dir) != 0)
        return -1;
    /* One per catalog entry: aimed at its first expected rule. */
    for (size_t i = 0; i < n; i++) {
        ta_fuzz_sid s;
        char rule[64] = "", name[160];
        const char *comma = strchr(cat[i].expected_rules, ',');
        size_t rl = comma ? (size_t)(comma - cat[i].expected_rules) : strlen(cat[i].expected_rules);
        if (rl >= sizeof(rule))
            rl = sizeof(rule) - 1;
        memcpy(rule, cat[i].expected_rules, rl);
        gen_sid_base(&s, TA_TLS13);
        gen_sid_aim(&s, rule);
        snprintf(name, sizeof(name), "catalog-%s", cat[i].name);
        if (gen_sid_write(g, name, &s) != 0)
            return -1;
    }
    /* One per check of the auditor (src/sid/sid_checks.c, src/sid/sid_e2e.c), as this
     * target can express it. */
    static const struct {
        const char *name;
        ta_tls v;
        unsigned offered, threads, calls, nanswers; /* calls in all */
        uint8_t answers[4];
    } checks[] = {
        {"check-bounds-len1", TA_TLS13, 1, 1, 1, 0, {0}},
        {"check-bounds-len31", TA_TLS13, 31, 1, 1, 0, {0}},
        {"check-unique", TA_TLS13, 32, 1, 16, 0, {0}},
        {"check-taken", TA_TLS13, 32, 1, 2, 1, {TA_FUZZ_CACHE_ALL_TAKEN}},
        {"check-firstk",
         TA_TLS13,
         32,
         1,
         2,
         4,
         {TA_FUZZ_CACHE_TAKEN, TA_FUZZ_CACHE_TAKEN, TA_FUZZ_CACHE_TAKEN, TA_FUZZ_CACHE_FREE}},
        {"check-threads", TA_TLS13, 32, 4, 64, 0, {0}},
        {"check-e2e-tls12-noticket", TA_TLS12, 32, 1, 4, 0, {0}},
        {"check-e2e-tls13", TA_TLS13, 32, 2, 8, 0, {0}},
    };
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        ta_fuzz_sid s;
        gen_sid_base(&s, checks[i].v);
        s.offered_len = checks[i].offered;
        s.threads = checks[i].threads;
        gen_sid_script(&s, checks[i].calls, checks[i].answers, checks[i].nanswers);
        if (gen_sid_write(g, checks[i].name, &s) != 0)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    gen g = {0};
    int i = 1;

    if (i < argc && strcmp(argv[i], "--check") == 0) {
        g.check = 1;
        i++;
    }
    if (i + 1 != argc) {
        fprintf(stderr, "gen-corpus: usage: %s [--check] CORPUS_DIR\n", argv[0]);
        return 2;
    }
    g.root = argv[i];
    if (!g.check && gen_mkdir(g.root) != 0)
        return 2;
    if (gen_shutdown(&g) != 0 || gen_sid(&g) != 0)
        return 2;
    printf("gen-corpus: %zu written, %zu unchanged%s", g.written, g.same, g.check ? "" : "\n");
    if (g.check)
        printf(", %zu stale\n", g.stale);
    return g.stale ? 1 : 0;
}
