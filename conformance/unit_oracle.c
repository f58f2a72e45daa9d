/*
 * unit_oracle.c - the shutdown oracle alone, on facts built by hand: the expected
 * verdict follows the first deciding event (asio answer, RFC 8446 §6.1, RFC 5246
 * §7.2.1), the always-checks fire with their rule, and the one exception (the
 * SSL_OP_IGNORE_UNEXPECTED_EOF flag) passes with a warning and nothing else.
 * Also the schedule language: parse, print, parse again gives the same schedule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tlsaudit.h"
#include "tlsaudit/unstable.h"

enum {
    P = TA_SD_PENDING_READ,
    CL = TA_SD_CLEAN,
    SE = TA_SD_SENT,
    TR = TA_SD_TRUNCATED,
    CA = TA_SD_CANCELLED,
    FA = TA_SD_FAILED
};

typedef struct {
    const char *name;
    unsigned dflags, sflags;
    ta_sd_decider decider;
    int hs_done, data, got, local_cn, after_cn, spin, probe, ku;
    /* expected oracle output */
    int expected, pass;
    const char *rule; /* violated rule, or the flag on a pass; NULL none */
} ocase;

#define U TA_SD_UNIDIRECTIONAL
static const ocase cases[] = {
    /* name                   dfl sfl decider                 hs dat got lcn aft spn prb ku  exp pass rule */
    {"cn/clean", 0, 0, TA_SD_EV_CLOSE_NOTIFY, 1, 0, CL, 1, 0, 0, -1, 0, CL, 1, NULL},
    {"cn/truncated", 0, 0, TA_SD_EV_CLOSE_NOTIFY, 1, 0, TR, 1, 0, 0, -1, 0, CL, 0, "SD-VERDICT"},
    {"cn/pending-is-stall", 0, 0, TA_SD_EV_CLOSE_NOTIFY, 1, 0, P, 1, 0, 0, -1, 0, CL, 0,
     "SD-STALL"},
    {"cn/uni-sent", U, 0, TA_SD_EV_CLOSE_NOTIFY, 1, 0, SE, 1, 0, 0, -1, 0, SE, 1, NULL},
    {"cn/uni-clean", U, 0, TA_SD_EV_CLOSE_NOTIFY, 1, 0, CL, 1, 0, 0, -1, 0, SE, 1, NULL},
    {"cn/sent-not-uni", 0, 0, TA_SD_EV_CLOSE_NOTIFY, 1, 0, SE, 1, 0, 0, -1, 0, CL, 0, "SD-VERDICT"},
    {"cn/data-failed", 0, 0, TA_SD_EV_CLOSE_NOTIFY, 1, 1, FA, 1, 0, 0, -1, 0, CL, 0,
     "SD-DATA-FAILS"},
    {"none/data-failed", 0, 0, TA_SD_EV_NONE, 1, 1, FA, 1, 0, 0, -1, 0, P, 0, "SD-DATA-FAILS"},
    {"eof/truncated", 0, 0, TA_SD_EV_EOF, 1, 0, TR, 1, 0, 0, -1, 0, TR, 1, NULL},
    {"eof/clean", 0, 0, TA_SD_EV_EOF, 1, 0, CL, 1, 0, 0, -1, 0, TR, 0, "SD-TRUNCATION"},
    {"eof/failed", 0, 0, TA_SD_EV_EOF, 1, 0, FA, 1, 0, 0, -1, 0, TR, 0, "SD-VERDICT"},
    {"eof/ignore-eof-clean", 0, TA_SD_F_IGNORE_EOF, TA_SD_EV_EOF, 1, 0, CL, 1, 0, 0, -1, 0, TR, 1,
     "SD-IGNORE-EOF"},
    {"eof/ignore-eof-failed", 0, TA_SD_F_IGNORE_EOF, TA_SD_EV_EOF, 1, 0, FA, 1, 0, 0, -1, 0, TR, 0,
     "SD-VERDICT"},
    {"cancel/cancelled", 0, 0, TA_SD_EV_CANCEL, 1, 0, CA, 1, 0, 0, -1, 0, CA, 1, NULL},
    {"cancel/ignored", 0, 0, TA_SD_EV_CANCEL, 1, 0, P, 1, 0, 0, -1, 0, CA, 0, "SD-CANCEL"},
    {"fatal/failed", 0, 0, TA_SD_EV_FATAL, 1, 0, FA, 1, 0, 0, -1, 0, FA, 1, NULL},
    {"fatal/clean", 0, 0, TA_SD_EV_FATAL, 1, 0, CL, 1, 0, 0, -1, 0, FA, 0, "SD-VERDICT"},
    {"none/pending", 0, 0, TA_SD_EV_NONE, 1, 0, P, 1, 0, 0, -1, 0, P, 1, NULL},
    {"none/clean-is-early", 0, 0, TA_SD_EV_NONE, 1, 0, CL, 1, 0, 0, -1, 0, P, 0, "SD-EARLY"},
    {"none/uni-sent", U, 0, TA_SD_EV_NONE, 1, 0, SE, 1, 0, 0, -1, 0, SE, 1, NULL},
    {"none/uni-pending", U, 0, TA_SD_EV_NONE, 1, 0, P, 1, 0, 0, -1, 0, SE, 0, "SD-STALL"},
    {"none/spin", 0, 0, TA_SD_EV_NONE, 1, 0, P, 1, 0, 1, -1, 0, P, 0, "SD-SPIN"},
    {"cn/data-after-cn", 0, 0, TA_SD_EV_CLOSE_NOTIFY, 1, 0, CL, 1, 1, 0, -1, 0, CL, 0,
     "SD-DATA-AFTER-CN"},
    {"cn/no-close-notify", 0, 0, TA_SD_EV_CLOSE_NOTIFY, 1, 0, CL, 0, 0, 0, -1, 0, CL, 0,
     "SD-NO-CN"},
    {"cn/write-probe-bad", 0, 0, TA_SD_EV_CLOSE_NOTIFY, 1, 0, CL, 1, 0, 0, 0, 0, CL, 0,
     "SD-WRITE-AFTER"},
    {"cn/write-probe-ok", 0, 0, TA_SD_EV_CLOSE_NOTIFY, 1, 0, CL, 1, 0, 0, 1, 0, CL, 1, NULL},
    {"cn/openssl-keyupdate", 0, 0, TA_SD_EV_CLOSE_NOTIFY, 1, 0, CL, 1, 0, 0, -1, 1, CL, 1,
     "SD-OSSL-KEYUPDATE"},
    {"in-init/failed", 0, 0, TA_SD_EV_NONE, 0, 0, FA, 0, 0, 0, -1, 0, FA, 1, NULL},
    {"in-init/sent", U, 0, TA_SD_EV_NONE, 0, 0, SE, 0, 0, 0, -1, 0, FA, 0, "SD-EARLY"},
};

static void check_case(void **state)
{
    const ocase *c = *state;
    ta_sd_facts f;
    ta_sd_verdict v;
    size_t n;
    const ta_sd_rule_info *rules = ta_sd_rule_table(&n);

    memset(&f, 0, sizeof(f));
    f.driver_flags = c->dflags;
    f.sched_flags = c->sflags;
    f.decider = c->decider;
    f.handshake_done = c->hs_done;
    f.peer_data_before_cn = c->data;
    f.got = (ta_sd_answer)c->got;
    f.local_cn = c->local_cn;
    f.nonalert_after_cn = c->after_cn;
    f.spin = c->spin;
    f.write_probe = c->probe;
    f.keyupdate_after_cn = c->ku;
    ta_sd_oracle(&f, &v);
    assert_int_equal(v.pass, c->pass);
    assert_string_equal(ta_sd_answer_name(v.expected),
                        ta_sd_answer_name((ta_sd_answer)c->expected));
    const char *rule =
        c->pass ? (v.flag >= 0 ? rules[v.flag].id : NULL) : (v.rule >= 0 ? rules[v.rule].id : "?");
    if (c->rule == NULL)
        assert_null(rule);
    else {
        assert_non_null(rule);
        assert_string_equal(rule, c->rule);
    }
    assert_true(v.detail[0] != '\0');
}

/* Injected bytes that end mid-record (a fuzzer's 1-byte "record"): the receiver
 * may fail at once, see the EOF after them, or wait for the rest; a clean close
 * is still wrong. Found by the shutdown_records smoke run (SD-STALL on drain). */
static void fatal_partial(void **state)
{
    static const struct {
        int got;
        int pass;
    } want[] = {
        {TA_SD_PENDING_READ, 1},
        {TA_SD_FAILED, 1},
        {TA_SD_TRUNCATED, 1},
        {TA_SD_CLEAN, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        ta_sd_facts f;
        ta_sd_verdict v;
        memset(&f, 0, sizeof(f));
        f.decider = TA_SD_EV_FATAL;
        f.handshake_done = 1;
        f.local_cn = 1;
        f.write_probe = -1;
        f.junk_partial = 1;
        f.got = (ta_sd_answer)want[i].got;
        ta_sd_oracle(&f, &v);
        assert_int_equal(v.pass, want[i].pass);
        f.junk_partial = 0; /* a whole bad record: only failed is right */
        ta_sd_oracle(&f, &v);
        assert_int_equal(v.pass, want[i].got == TA_SD_FAILED);
    }
}

static void rule_table(void **state)
{
    size_t n;
    const ta_sd_rule_info *r = ta_sd_rule_table(&n);
    (void)state;
    assert_int_equal(n, TA_SD_RULE_COUNT);
    for (size_t i = 0; i < n; i++) {
        assert_true(strncmp(r[i].id, "SD-", 3) == 0);
        for (size_t k = i + 1; k < n; k++)
            assert_string_not_equal(r[i].id, r[k].id);
    }
}

static void schedule_roundtrip(void **state)
{
    static const char *const good[] = {
        "tls13/client:s>c<",
        "tls12/server+ignore-eof:s>e",
        "tls13/server+in-handshake:s>",
        "tls13/client+tickets:tt<<s>c<1<1<",
        "tls12/client:sd100<*>5xw!gazfmkhr",
        "tls13/client:si15030300020101.<",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ta_sd_schedule a, b;
        char buf[400], buf2[400];
        memset(&a, 0, sizeof(a));
        memset(&b, 0, sizeof(b));
        assert_int_equal(ta_sd_schedule_parse(good[i], &a), TA_OK);
        ta_sd_schedule_format(&a, buf, sizeof(buf));
        assert_string_equal(buf, good[i]);
        assert_int_equal(ta_sd_schedule_parse(buf, &b), TA_OK);
        ta_sd_schedule_format(&b, buf2, sizeof(buf2));
        assert_string_equal(buf, buf2);
        assert_int_equal(a.n, b.n);
    }
    static const char *const bad[] = {"tls14/client:s",     "tls13/peer:s",
                                      "tls13/client:sq",    "tls13/client+nope:s",
                                      "tls13/client:i1503", "tls13:s"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ta_sd_schedule a;
        memset(&a, 0, sizeof(a));
        assert_int_equal(ta_sd_schedule_parse(bad[i], &a), TA_E_PARSE);
    }
}

int main(void)
{
    struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 3];
    size_t n = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        tests[n++] = (struct CMUnitTest){cases[i].name, check_case, NULL, NULL, (void *)&cases[i]};
    tests[n++] = (struct CMUnitTest){"fatal/partial-record", fatal_partial, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"rule-table", rule_table, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"schedule-roundtrip", schedule_roundtrip, NULL, NULL, NULL};
    return _cmocka_run_group_tests("oracle", tests, n, NULL, NULL);
}
