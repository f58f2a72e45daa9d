/*
 * test_shutdown.c - the shutdown matrix against real OpenSSL: one cmocka test per
 * (version, role, scenario, driver), named "tls13/client/peer-eof/drain".
 *
 * What each driver must do comes from this file's own table, written from the
 * issue and from what each driver models, not from the engine: drain and
 * unidirectional pass every case that applies; naive and the asio models fail
 * exactly the listed scenarios with the listed rule; each canary is caught by
 * the scenarios that target it, with its rule, and by no other. A second table
 * pins verdicts that must be observed, so a pass cannot come from an oracle that
 * accepts anything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "sanitized.h"

#include "tlsaudit.h"
#include "tlsaudit/unstable.h"

typedef struct {
    const char *driver;
    const char *rule;  /* rule every failing case must report */
    const char *fails; /* comma-separated scenarios that must fail; "" none */
} expect_row;
/* Drivers run through the public matrix (a worker child) instead of in this
 * process: one that crashes, or keeps state in statics, must not share the
 * suite's process. Only their fails scenarios and ISOLATED_TOO are run. */
#define ISOLATED "static-sent,crash-on-alert"
#define ISOLATED_TOO "peer-replies"
#define COALESCED                                                                          \
    "peer-data-cn-coalesced,peer-data-cn-split,peer-data-split-coalesced,peer-data-burst-" \
    "coalesced"

#define SPIN_CAUGHT                                                                        \
    "peer-replies,peer-replies-late,simultaneous,peer-data-then-reply,"                    \
    "peer-tickets-pending,peer-keyupdate,peer-empty-record,peer-warning-alert,peer-eof,"   \
    "peer-eof-mid-record,peer-eof-after-data,peer-silent-cancel,peer-silent,peer-garbage," \
    "peer-hello-request,write-after-shutdown," COALESCED                                   \
    ",second-connection,backpressure,backpressure-data,ignore-unexpected-eof"

static const expect_row expect[] = {
    {"drain", "", ""},
    {"unidirectional", "", ""},
    /* SSL_shutdown refuses application data after our close_notify; after a
     * fatal alert OpenSSL sets RECEIVED_SHUTDOWN and SSL_shutdown returns 1. */
    {"naive", "SD-DATA-FAILS|SD-VERDICT",
     "peer-data-then-reply,peer-empty-record,peer-eof-after-data,peer-fatal-alert," COALESCED
     ",backpressure-data"},
    {"asio", "SD-DATA-FAILS|SD-VERDICT",
     "peer-data-then-reply,peer-empty-record,peer-eof-after-data,peer-fatal-alert," COALESCED
     ",backpressure-data"},
    /* Under backpressure its failed 1-byte write closes the transport while the
     * close_notify still waits in OpenSSL's buffer: it never goes out. */
    {"asio-fast-close", "SD-VERDICT|SD-NO-CN", "peer-fatal-alert,backpressure,backpressure-data"},
    /* nginx-like: an error queue means failure, and 3.0 queues UNEXPECTED_EOF. */
    {"quiet-on-cancel", "SD-DATA-FAILS|SD-VERDICT",
     "peer-data-then-reply,peer-empty-record,peer-eof,peer-eof-mid-record,peer-eof-after-data,"
     "peer-fatal-alert," COALESCED ",backpressure-data"},
    {"spin", "SD-SPIN", SPIN_CAUGHT},
    {"ignores-cancel", "SD-CANCEL", "peer-silent-cancel"},
    {"eof-is-clean", "SD-TRUNCATION", "peer-eof,peer-eof-mid-record,peer-eof-after-data"},
    /* Issue 14's specimens: faulty ones and their twins. */
    {"yield-after-data", "SD-STALL", "peer-data-cn-coalesced,peer-data-burst-coalesced"},
    {"bounded-reads", "SD-STALL", "peer-data-burst-coalesced"},
    {"yield-checks-pending", "", ""},
    {"static-sent", "SD-NO-CN", "second-connection"},
    {"want-write-reads", "SD-WANT-WRITE", "backpressure,backpressure-data"},
    {"crash-on-alert", "SD-CRASH", "peer-fatal-alert"},
};

/* Verdicts that must be observed (any version and role where the scenario applies). */
static const struct {
    const char *driver, *scenario, *got, *flag;
} observed[] = {
    {"drain", "peer-replies", "clean", NULL},
    {"drain", "peer-first", "clean", NULL},
    {"drain", "peer-data-then-reply", "clean", NULL},
    {"drain", "peer-eof", "truncated", NULL},
    {"drain", "peer-eof-after-data", "truncated", NULL},
    {"drain", "peer-silent-cancel", "cancelled", NULL},
    {"drain", "peer-silent", "pending", NULL},
    {"drain", "peer-garbage", "failed", NULL},
    {"drain", "peer-warning-alert", "clean", NULL}, /* forged record authenticated */
    {"drain", "peer-empty-record", "clean", NULL},
    {"drain", "shutdown-in-handshake", "failed", NULL},
    {"drain", "ignore-unexpected-eof", "clean", "SD-IGNORE-EOF"},
    {"unidirectional", "peer-replies", "sent", NULL},
    {"naive", "peer-data-then-reply", "failed", NULL},
    {"naive", "peer-fatal-alert", "clean", NULL},
    {"eof-is-clean", "peer-eof", "clean", NULL},
    {"asio-fast-close", "write-after-shutdown", "sent", NULL},
    {"drain", "peer-data-cn-coalesced", "clean", NULL},
    {"drain", "peer-data-split-coalesced", "clean", NULL},
    {"drain", "second-connection", "clean", NULL},
    {"drain", "backpressure", "clean", NULL},
    {"drain", "backpressure-data", "clean", NULL},
    {"yield-checks-pending", "peer-data-cn-coalesced", "clean", NULL},
    {"yield-after-data", "peer-data-cn-coalesced", "pending", NULL},
    {"drain", "peer-data-burst-coalesced", "clean", NULL},
    {"yield-checks-pending", "peer-data-burst-coalesced", "clean", NULL},
    {"bounded-reads", "peer-data-burst-coalesced", "pending", NULL},
    {"want-write-reads", "backpressure", "pending", NULL},
    {"crash-on-alert", "peer-fatal-alert", "failed", NULL}, /* shown for a crash */
};

static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p != NULL && *p != '\0';) {
        const char *end = strpbrk(p, ",|");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

typedef struct {
    char name[128];
    char report_name[140];
    const ta_sd_driver *d;
    const ta_sd_scenario *sc;
    ta_tls v;
    ta_role r;
} tcase;

static ta_sd_engine *engine;

static const char *shown(ta_sd_answer a)
{
    return TA_SD_IS_FINAL(a) ? ta_sd_answer_name(a) : "pending";
}

static void run_case(void **state)
{
    const tcase *c = *state;
    ta_sd_schedule s;
    ta_sd_result res;
    size_t nr;
    const ta_sd_rule_info *rules = ta_sd_rule_table(&nr);
    const expect_row *row = NULL;
    char ebuf[400];

    for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
        if (strcmp(expect[i].driver, c->d->name) == 0)
            row = &expect[i];
    assert_non_null(row);
    if (in_list(ISOLATED, row->driver)) {
        ta_sd_opts o;
        ta_sd_report *rep = NULL;
        const ta_sd_result *rs;
        ta_sd_opts_default(&o);
        o.only = c->name;
        if (ta_sd_matrix(c->d, &o, &rep) != TA_OK)
            fail_msg("%s: harness error: %s", c->name, ta_error_format(ebuf, sizeof(ebuf)));
        assert_int_equal(ta_sd_report_results(rep, &rs), 1);
        res = rs[0];
        ta_sd_report_free(rep);
    } else if (ta_sd_scenario_schedule(c->sc, c->v, c->r, &s) != TA_OK
               || ta_sd_run(engine, c->d, &s, &res) != TA_OK)
        fail_msg("%s: harness error: %s", c->name, ta_error_format(ebuf, sizeof(ebuf)));
    /* A crash shows what the scenario expected, not "pending" (issue 14). */
    if (!res.pass && strcmp(rules[res.rule].id, "SD-CRASH") == 0
        && strcmp(c->sc->name, "peer-fatal-alert") == 0 && res.expected != TA_SD_FAILED)
        fail_msg("%s: SD-CRASH says expected %s, the scenario expects failed", c->name,
                 shown(res.expected));

    const int must_fail = in_list(row->fails, c->sc->name);
    if (must_fail && res.pass)
        fail_msg("%s: must be caught but passed (got %s): %s", c->name, shown(res.got), res.detail);
    if (!must_fail && !res.pass)
        fail_msg("%s: must pass but %s (expected %s, got %s): %s", c->name, rules[res.rule].id,
                 shown(res.expected), shown(res.got), res.detail);
    if (must_fail && !in_list(row->rule, rules[res.rule].id))
        fail_msg("%s: caught by %s, not %s: %s", c->name, rules[res.rule].id, row->rule,
                 res.detail);
    for (size_t i = 0; i < sizeof(observed) / sizeof(observed[0]); i++) {
        if (strcmp(observed[i].driver, c->d->name) != 0
            || strcmp(observed[i].scenario, c->sc->name) != 0)
            continue;
        if (strcmp(shown(res.got), observed[i].got) != 0)
            fail_msg("%s: got %s, must be %s", c->name, shown(res.got), observed[i].got);
        const char *flag = res.flag >= 0 ? rules[res.flag].id : NULL;
        if ((flag == NULL) != (observed[i].flag == NULL)
            || (flag && strcmp(flag, observed[i].flag) != 0))
            fail_msg("%s: flag %s, must be %s", c->name, flag ? flag : "none",
                     observed[i].flag ? observed[i].flag : "none");
    }
}

/* Every case of the matrix, for the table checks below. */
static const tcase *all_cases;
static size_t n_cases;

static int has_case(const char *driver, const char *scenario)
{
    for (size_t i = 0; i < n_cases; i++)
        if (strcmp(all_cases[i].d->name, driver) == 0
            && strcmp(all_cases[i].sc->name, scenario) == 0)
            return 1;
    return 0;
}

/* An expectation that matches no case checks nothing: each row of observed[] and
 * each scenario an expect[] row says must fail names at least one case (a renamed
 * scenario or driver, or one that applies nowhere, fails here with the row). */
static void every_expectation_matches_a_case(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(observed) / sizeof(observed[0]); i++)
        if (!has_case(observed[i].driver, observed[i].scenario))
            fail_msg("observed[%zu] {%s, %s, %s} matches no case", i, observed[i].driver,
                     observed[i].scenario, observed[i].got);
    for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
        for (const char *p = expect[i].fails; *p != '\0';) {
            size_t len = strcspn(p, ",");
            char name[96];
            snprintf(name, sizeof(name), "%.*s", (int)len, p);
            if (!has_case(expect[i].driver, name))
                fail_msg("expect[%zu] {%s}: scenario '%s' in its fails list matches no case", i,
                         expect[i].driver, name);
            p += len + (p[len] == ',');
        }
}

/* The case names the reports use are the test names. */
static void names_match(void **state)
{
    const tcase *c = *state;
    ta_sd_opts o;
    ta_sd_report *rep = NULL;
    const ta_sd_result *res;
    ta_sd_opts_default(&o);
    o.only = c->name;
    assert_int_equal(ta_sd_matrix(c->d, &o, &rep), TA_OK);
    assert_int_equal(ta_sd_report_results(rep, &res), 1);
    assert_string_equal(res[0].name, c->name);
    assert_string_equal(res[0].scenario, c->sc->name);
    ta_sd_report_free(rep);
}

/* ------------------------------------------------------------ engine checks */

/* Drivers written here to break one always-check each, so that the engine's
 * observation (record view, write probe, bounds) is proven, not just the oracle. */
static ta_sd_answer writes_after_cn(SSL *ssl, ta_sd_event ev, void *state)
{
    size_t n;
    (void)ev;
    (void)state;
    if (SSL_shutdown(ssl) >= 0) {
        SSL_set_shutdown(ssl, 0); /* forget it was sent: SSL_write now works */
        (void)SSL_write_ex(ssl, "late", 4, &n);
    }
    return TA_SD_PENDING_READ;
}

static ta_sd_answer claims_clean(SSL *ssl, ta_sd_event ev, void *state)
{
    (void)ssl;
    (void)ev;
    (void)state;
    return TA_SD_CLEAN; /* never calls SSL_shutdown */
}

static ta_sd_answer bad_answer(SSL *ssl, ta_sd_event ev, void *state)
{
    (void)ssl;
    (void)ev;
    (void)state;
    return (ta_sd_answer)99;
}

static const ta_sd_driver test_drivers[] = {
    {"writes-after-cn", "", 0, writes_after_cn, 0, ""},
    {"claims-clean", "", 0, claims_clean, 0, ""},
    {"bad-answer", "", 0, bad_answer, 0, ""},
};

static const struct {
    const char *driver, *schedule, *rule, *got;
} engine_checks[] = {
    {"writes-after-cn", "tls13/client:s>c<", "SD-DATA-AFTER-CN", NULL},
    {"writes-after-cn", "tls12/server:s>c<", "SD-DATA-AFTER-CN", NULL},
    {"claims-clean", "tls13/server:s>c<", "SD-EARLY", "clean"},
    {"claims-clean", "tls12/client:c<s", "SD-NO-CN", "clean"},
    {"bad-answer", "tls13/client:s>c<", "SD-EARLY", "failed"},
    /* Forged records authenticate (else bad_record_mac: failed); after a peer
     * KeyUpdate the keys are stale, the raw fallback must be rejected. */
    {"drain", "tls13/client:s>aaz<<<c<", NULL, "clean"},
    {"drain", "tls12/server:s>zd<<c<", NULL, "clean"},
    {"drain", "tls13/server:s>k<a<c<", NULL, "failed"},
    /* The write probe of a correct driver: OpenSSL refuses, nothing on the wire. */
    {"drain", "tls13/client:sw>c<", NULL, "clean"},
    /* Our close_notify blocked behind 93 bytes of room; the fatal-alert action's
     * junk reaches the peer and makes room: the blocked writer must be woken
     * (found by the CI fuzz step as SD-STALL). */
    {"drain", "tls13/server+tickets:b93sc<36f", NULL, "clean"},
    /* Coalesced records: with read-ahead the close_notify leaves the transport
     * with the data, and only a driver that checks SSL_has_pending sees it;
     * without read-ahead it stays on the transport (readable). */
    {"drain", "tls13/client+read-ahead:s>dc<*", NULL, "clean"},
    {"yield-after-data", "tls12/server+read-ahead:s>dc<*", "SD-STALL", "pending"},
    {"yield-after-data", "tls12/server:s>dc<*", NULL, "clean"},
    {"yield-checks-pending", "tls13/server+read-ahead:s>ddc<*", NULL, "clean"},
    {"drain", "tls12/client+read-ahead:s>dcjj", NULL, "clean"},
    /* Backpressure: WANT_WRITE until the peer reads; a close_notify that cannot
     * leave may stay pending; a peer that closed takes our bytes. */
    {"want-write-reads", "tls13/server:bs>>>>c<", "SD-WANT-WRITE", NULL},
    {"want-write-reads", "tls12/client:bs", "SD-WANT-WRITE", NULL},
    {"drain", "tls12/client:bsc<", NULL, "pending"},
    {"drain", "tls12/client:bsc<x", NULL, "cancelled"},
    {"drain", "tls13/server:bse", NULL, "truncated"},
    {"drain", "tls13/client:b1s>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>c<", NULL, "clean"},
    /* 'f' after our close_notify reached the peer: a fatal alert forged in its name. */
    {"drain", "tls13/client:s>f<", NULL, "failed"},
    {"drain", "tls12/server:s>f<", NULL, "failed"},
    /* +second: a second connection in the same process is judged too. */
    {"drain", "tls12/client+second:s>c<", NULL, "clean"},
};

static void engine_check(void **state)
{
    const size_t i = (size_t)(uintptr_t)*state;
    const ta_sd_driver *d = ta_sd_driver_find(engine_checks[i].driver);
    ta_sd_schedule s;
    ta_sd_result res;
    size_t nr;
    const ta_sd_rule_info *rules = ta_sd_rule_table(&nr);

    for (size_t k = 0; d == NULL && k < sizeof(test_drivers) / sizeof(test_drivers[0]); k++)
        if (strcmp(test_drivers[k].name, engine_checks[i].driver) == 0)
            d = &test_drivers[k];
    assert_non_null(d);
    memset(&s, 0, sizeof(s));
    assert_int_equal(ta_sd_schedule_parse(engine_checks[i].schedule, &s), TA_OK);
    assert_int_equal(ta_sd_run(engine, d, &s, &res), TA_OK);
    if (engine_checks[i].rule == NULL) {
        if (!res.pass)
            fail_msg("%s: %s", engine_checks[i].schedule, res.detail);
    } else {
        assert_false(res.pass);
        assert_string_equal(rules[res.rule].id, engine_checks[i].rule);
    }
    if (engine_checks[i].got != NULL)
        assert_string_equal(shown(res.got), engine_checks[i].got);
}

/* Exhaustive mode: prunes, is deterministic, finds the canary's shortest schedule. */
static void explore_checks(void **state)
{
    ta_sd_opts o;
    ta_sd_report *rep = NULL;
    ta_sd_explore_stats a, b;
    const ta_sd_result *res;
    (void)state;
    ta_sd_opts_default(&o);
    assert_int_equal(ta_sd_explore(ta_sd_driver_find("drain"), &o, 4, &rep, &a), TA_OK);
    assert_int_equal(a.violations, 0);
    assert_false(ta_sd_report_failed(rep));
    /* Measured OpenSSL behaviour the explorer must surface (flag, not violation):
     * two KeyUpdate(update_requested) after our close_notify make OpenSSL send a
     * KeyUpdate of its own, on TLS 1.3 only, for both roles. */
    size_t nres = ta_sd_report_results(rep, &res), flags = 0;
    for (size_t i = 0; i < nres; i++) {
        size_t nr;
        const ta_sd_rule_info *rules = ta_sd_rule_table(&nr);
        assert_true(res[i].pass);
        assert_int_equal(res[i].tls, TA_TLS13);
        assert_string_equal(rules[res[i].flag].id, "SD-OSSL-KEYUPDATE");
        assert_non_null(strstr(res[i].schedule, "k"));
        flags++;
    }
    assert_int_equal(flags, 2);
    assert_true(a.distinct > 0 && a.distinct < a.explored);
    ta_sd_report_free(rep);
    assert_int_equal(ta_sd_explore(ta_sd_driver_find("drain"), &o, 4, &rep, &b), TA_OK);
    assert_int_equal(a.explored, b.explored);
    assert_int_equal(a.distinct, b.distinct);
    ta_sd_report_free(rep);
    /* A driver that crashes: every crash restarts a worker, the other batch of
     * the lane is in flight meanwhile, and the counts are still the same from
     * run to run (a lost answer once blamed crashes on other schedules). */
    o.only = "tls12/client/*";
    ta_sd_explore_stats c[3];
    for (int k = 0; k < 3; k++) {
        assert_int_equal(ta_sd_explore(ta_sd_driver_find("crash-on-alert"), &o,
                                       TA_TEST_SANITIZED ? 3 : 4, &rep, &c[k]),
                         TA_OK);
        ta_sd_report_free(rep);
        assert_true(c[k].violations > 0);
        assert_int_equal(c[k].explored, c[0].explored);
        assert_int_equal(c[k].distinct, c[0].distinct);
        assert_int_equal(c[k].violations, c[0].violations);
        assert_int_equal(c[k].pruned_seen, c[0].pruned_seen);
    }
    o.only = "tls13/client/*";
    assert_int_equal(ta_sd_explore(ta_sd_driver_find("eof-is-clean"), &o, 3, &rep, &a), TA_OK);
    nres = ta_sd_report_results(rep, &res);
    size_t fails = 0;
    for (size_t i = 0; i < nres; i++) {
        if (res[i].pass)
            continue; /* the SD-OSSL-KEYUPDATE flag ("skk<*") */
        assert_string_equal(res[i].schedule, "tls13/client+read-ahead:se");
        fails++;
    }
    assert_int_equal(fails, 1);
    ta_sd_report_free(rep);
}

/* The rules the explorer reports for a driver, as "version/role:RULE@length"
 * (the length of the shortest schedule that shows it: breadth-first, every
 * search that hides nothing finds the same). actions NULL: every exhaustive one. */
static void explore_rules_with(const char *driver, const char *only, const char *actions,
                               unsigned depth, unsigned flags, char *out, size_t cap,
                               ta_sd_explore_stats *st)
{
    ta_sd_opts o;
    ta_sd_report *rep = NULL;
    const ta_sd_result *res;
    size_t nr;
    const ta_sd_rule_info *rules = ta_sd_rule_table(&nr);
    char ebuf[300];

    ta_sd_opts_default(&o);
    o.only = only;
    o.actions = actions;
    o.explore_flags = flags;
    if (ta_sd_explore(ta_sd_driver_find(driver), &o, depth, &rep, st) != TA_OK)
        fail_msg("%s: %s", driver, ta_error_format(ebuf, sizeof(ebuf)));
    /* Per (version, role, rule) the shortest length: the set, whatever the order. */
    size_t len_of[TA_TLS_COUNT * TA_ROLE_COUNT][64] = {{0}};
    size_t n = ta_sd_report_results(rep, &res);
    for (size_t i = 0; i < n; i++) {
        if (res[i].pass)
            continue;
        const char *colon = strchr(res[i].schedule, ':');
        size_t l = colon != NULL ? strlen(colon + 1) : 0, *at;
        at = &len_of[res[i].tls * TA_ROLE_COUNT + res[i].role][res[i].rule & 63];
        if (*at == 0 || l < *at)
            *at = l;
    }
    size_t len = 0;
    out[0] = '\0';
    for (size_t k = 0; k < TA_TLS_COUNT * TA_ROLE_COUNT; k++)
        for (size_t r = 0; r < nr && r < 64; r++)
            if (len_of[k][r] > 0)
                len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s/%s:%s@%zu ",
                                        ta_tls_name((ta_tls)(k / TA_ROLE_COUNT)),
                                        ta_role_name((ta_role)(k % TA_ROLE_COUNT)), rules[r].id,
                                        len_of[k][r]);
    ta_sd_report_free(rep);
}

static void explore_rules(const char *driver, const char *only, unsigned depth, unsigned flags,
                          char *out, size_t cap, ta_sd_explore_stats *st)
{
    explore_rules_with(driver, only, NULL, depth, flags, out, cap, st);
}

/* Pruning never hides a violation, nor lengthens its shortest schedule: the
 * pruned and the unpruned search find the same (version, role, rule, length)
 * set on faulty drivers, at depths the unpruned search can afford (seconds):
 * depth 3 with every action, one version each (the canaries go wrong in both);
 * and depths 4-5 with the actions of before issue 14 (plus 'j'), where the
 * state key cuts the queue at the horizon (ta__sd_signature_abstract). And
 * pruning did prune, the last level's silent tokens too (ta__sd_silent_mask),
 * and the twins of '<' (ta__sd_twin_mask). */
static void pruning_hides_nothing(void **state)
{
    static const struct {
        const char *driver, *only, *actions;
        unsigned depth;
        int heavy; /* plain pass only: see below */
    } runs[] = {
        {"naive", "tls13/*", NULL, 3, 0},
        {"eof-is-clean", "tls12/*", NULL, 3, 1},
        {"yield-after-data", "tls13/*", NULL, 3, 1},
        {"want-write-reads", "tls12/*", NULL, 3, 0},
        {"ignores-cancel", "tls13/client/*", NULL, 3, 1},
        {"crash-on-alert", "tls12/client/*", NULL, 3, 1},
        {"naive", "tls13/*", "dcke<>xj", 4, 1},
        {"eof-is-clean", "tls13/client/*", "dcke<>x", 5, 1},
    };
    /* Under the sanitizers (8x slower, and a fork costs far more) two rows run,
     * for the explorer's memory; the rest check the search's logic, which the
     * plain pass does (40 s of ASan for the five depth-3 rows: CI's budget). */
    (void)state;
    for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        char pruned[2048], full[2048];
        if (TA_TEST_SANITIZED && runs[i].heavy)
            continue;
        ta_sd_explore_stats a, b;
        explore_rules_with(runs[i].driver, runs[i].only, runs[i].actions, runs[i].depth, 0, pruned,
                           sizeof(pruned), &a);
        explore_rules_with(runs[i].driver, runs[i].only, runs[i].actions, runs[i].depth,
                           TA_SD_EXPLORE_NO_PRUNE, full, sizeof(full), &b);
        if (strcmp(pruned, full) != 0)
            fail_msg("%s depth %u: pruned search finds {%s}, unpruned {%s}", runs[i].driver,
                     runs[i].depth, pruned, full);
        assert_true(full[0] != '\0'); /* a faulty driver: there is something to hide */
        assert_true(a.explored < b.explored);
        assert_true(a.pruned_idle + a.pruned_seen > 0);
        /* The last level's silent tokens (the peer's own writes: in every set). */
        assert_true(a.pruned_silent > 0);
        /* "<*" and 'j' with one record queued: twins of '<' (ta__sd_twin_mask). */
        if (runs[i].actions == NULL || strchr(runs[i].actions, 'j') != NULL)
            assert_true(a.pruned_twin > 0);
        assert_int_equal(b.pruned_idle + b.pruned_seen + b.pruned_silent + b.pruned_twin, 0);
    }
}

/* Exhaustive mode finds each class of issue 14 on its own (the actions '<*',
 * 'b', 'f' and the read-ahead roots), with the rule the matrix gives. */
static void explore_finds_the_new_classes(void **state)
{
    static const struct {
        const char *driver, *only;
        unsigned depth;
        const char *want;
    } finds[] = {
        {"yield-after-data", "tls13/client/*", 3, "tls13/client:SD-STALL"},
        {"want-write-reads", "tls12/server/*", 1, "tls12/server:SD-WANT-WRITE"},
        {"crash-on-alert", "tls12/client/*", 2, "tls12/client:SD-CRASH"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(finds) / sizeof(finds[0]); i++) {
        char got[1024];
        ta_sd_explore_stats st;
        explore_rules(finds[i].driver, finds[i].only, finds[i].depth, 0, got, sizeof(got), &st);
        if (strstr(got, finds[i].want) == NULL)
            fail_msg("%s at depth %u: found {%s}, not %s", finds[i].driver, finds[i].depth, got,
                     finds[i].want);
    }
    /* Its correct twins stay clean there. */
    char got[1024];
    ta_sd_explore_stats st;
    explore_rules("yield-checks-pending", "tls13/client/*", 3, 0, got, sizeof(got), &st);
    assert_string_equal(got, "");
}

int main(void)
{
    size_t nd, ns, n = 0;
    const ta_sd_driver *d = ta_sd_catalog(&nd);
    const ta_sd_scenario *sc = ta_sd_scenario_table(&ns);
    tcase *cases = calloc(nd * ns * TA_TLS_COUNT * TA_ROLE_COUNT, sizeof(*cases));
    struct CMUnitTest *tests = calloc(nd * ns * TA_TLS_COUNT * TA_ROLE_COUNT + 1, sizeof(*tests));
    ta_sd_opts o;

    if (cases == NULL || tests == NULL)
        return 2;
    ta_sd_opts_default(&o);
    if (ta_sd_engine_new(&o, &engine) != TA_OK)
        return 2;
    /* Every built-in driver has a row: a new driver must be added here. */
    for (size_t i = 0; i < nd; i++) {
        size_t k;
        for (k = 0; k < sizeof(expect) / sizeof(expect[0]); k++)
            if (strcmp(expect[k].driver, d[i].name) == 0)
                break;
        if (k == sizeof(expect) / sizeof(expect[0])) {
            fprintf(stderr, "driver '%s' has no row in expect[]\n", d[i].name);
            return 1;
        }
    }
    for (size_t di = 0; di < nd; di++)
        for (size_t si = 0; si < ns; si++)
            for (int v = 0; v < TA_TLS_COUNT; v++)
                for (int r = 0; r < TA_ROLE_COUNT; r++) {
                    if (!ta_sd_scenario_applies(&sc[si], (ta_tls)v, (ta_role)r))
                        continue;
                    const expect_row *row = NULL;
                    for (size_t k = 0; k < sizeof(expect) / sizeof(expect[0]); k++)
                        if (strcmp(expect[k].driver, d[di].name) == 0)
                            row = &expect[k];
                    if (in_list(ISOLATED, row->driver) && !in_list(row->fails, sc[si].name)
                        && !in_list(ISOLATED_TOO, sc[si].name))
                        continue;
                    tcase *c = &cases[n];
                    c->d = &d[di];
                    c->sc = &sc[si];
                    c->v = (ta_tls)v;
                    c->r = (ta_role)r;
                    snprintf(c->name, sizeof(c->name), "%s/%s/%s/%s", ta_tls_name(c->v),
                             ta_role_name(c->r), sc[si].name, d[di].name);
                    tests[n].name = c->name;
                    tests[n].test_func = run_case;
                    tests[n].initial_state = c;
                    n++;
                }
    /* One name check per scenario (drain), through the public matrix. */
    size_t base = n;
    struct CMUnitTest *more = realloc(tests, (n + ns) * sizeof(*tests));
    if (more == NULL)
        return 2;
    tests = more;
    for (size_t i = 0; i < base; i++) {
        if (strcmp(cases[i].d->name, "drain") != 0 || cases[i].v != TA_TLS13)
            continue;
        int dup = 0;
        for (size_t k = base; k < n; k++)
            dup |= ((const tcase *)tests[k].initial_state)->sc == cases[i].sc;
        if (dup)
            continue;
        snprintf(cases[i].report_name, sizeof(cases[i].report_name), "%s#report", cases[i].name);
        tests[n] = (struct CMUnitTest){cases[i].report_name, names_match, NULL, NULL, &cases[i]};
        n++;
    }
    const size_t nchecks = sizeof(engine_checks) / sizeof(engine_checks[0]);
    more = realloc(tests, (n + nchecks + 4) * sizeof(*tests));
    if (more == NULL)
        return 2;
    tests = more;
    static char check_names[sizeof(engine_checks) / sizeof(engine_checks[0])][160];
    for (size_t i = 0; i < nchecks; i++) {
        snprintf(check_names[i], sizeof(check_names[i]), "engine/%s/%s", engine_checks[i].driver,
                 engine_checks[i].schedule);
        tests[n++] =
            (struct CMUnitTest){check_names[i], engine_check, NULL, NULL, (void *)(uintptr_t)i};
    }
    tests[n++] = (struct CMUnitTest){"engine/explore", explore_checks, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"engine/explore-pruning-hides-nothing", pruning_hides_nothing,
                                     NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"engine/explore-finds-issue-14-classes",
                                     explore_finds_the_new_classes, NULL, NULL, NULL};
    all_cases = cases;
    n_cases = base;
    tests[n++] = (struct CMUnitTest){"tables/every-expectation-matches-a-case",
                                     every_expectation_matches_a_case, NULL, NULL, NULL};
    int rc = _cmocka_run_group_tests("shutdown_matrix", tests, n, NULL, NULL);
    ta_sd_engine_free(engine);
    free(tests);
    free(cases);
    return rc;
}
