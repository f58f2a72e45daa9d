/*
 * test_pair_determinism.c - a seed replays a session byte for byte.
 *
 * Same seed -> identical transcripts in both directions; different seeds, or the
 * OS's randomness, -> different ones. The one other input is the clock: session
 * tickets carry their issue time (RFC 5077 §4 / RFC 8446 §4.6.1 leave the
 * ticket's contents to the server; OpenSSL puts the serialized session, with its
 * time in seconds, inside), and a TLS 1.3 resumption offers a ticket in the
 * ClientHello. To show that time(3) is the ONLY clock that matters, this suite
 * interposes time() (libssl calls it through the PLT): frozen, every
 * configuration replays, tickets included; moved by 2 s between two runs,
 * exactly the configurations that carry a ticket change.
 */
#define _GNU_SOURCE
#include <time.h>

#include "test_pair_fixture.h"

static int fake_clock_on;
static time_t fake_now;

/* Interposes libc's time() for libssl/libcrypto; the real clock unless frozen. */
time_t time(time_t *t)
{
    time_t now = fake_now;
    if (!fake_clock_on) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        now = ts.tv_sec;
    }
    if (t != NULL)
        *t = now;
    return now;
}

enum { TICKETS_OFF = 0, TICKETS_ON = 1 };
enum { CLOCK_REAL, CLOCK_FROZEN, CLOCK_PLUS_2S };
static const char *const clock_names[] = {"real-clock", "frozen-clock", "clock+2s"};

/* Which directions of a session carry a time-stamped ticket, directly or by
 * consequence. The server sends one when tickets are on (NewSessionTicket,
 * RFC 5077 §3.3 / RFC 8446 §4.6.1). The client offers one when it resumes from
 * a ticket: TLS 1.3 resumption always (the priming handshake had tickets on),
 * TLS 1.2 resumption when tickets are on. What the server answers depends on
 * that ClientHello (TLS 1.2 echoes the session ID the client derived from the
 * ticket, RFC 5077 §3.4; TLS 1.3 keys hash the whole ClientHello, RFC 8446 §7.1). */
static int clock_changes(ta_dir d, ta_tls v, ta_mode m, int tickets)
{
    int client_offers = m == TA_MODE_RESUME && (v == TA_TLS13 || tickets == TICKETS_ON);
    int server_issues = tickets == TICKETS_ON;
    return d == TA_C2S ? client_offers : client_offers || server_issues;
}

typedef struct transcript {
    uint8_t *b[2];
    size_t len[2];
} transcript;

static void transcript_free(transcript *t)
{
    free(t->b[0]);
    free(t->b[1]);
}

/* Handshake, one message each way, a clean close; keep both transcripts. */
static void run_session(const uint64_t *seed, ta_tls v, ta_mode m, int tickets, transcript *out)
{
    ta_ctx_opts o = {.num_tickets = -1};
    unsigned char buf[8];
    size_t n;
    fx f;

    if (tickets == TICKETS_OFF) {
        if (v == TA_TLS13)
            o.num_tickets = 0;
        else
            o.server_options = SSL_OP_NO_TICKET; /* RFC 5077 off: session IDs */
    }
    fx_open(&f, seed, v, m, &o);
    FX_OK(ta_pair_handshake(f.p, TA_DEFAULT_STEPS));
    /* the configuration is what it claims: resume resumed */
    if (m == TA_MODE_RESUME)
        assert_true(SSL_session_reused(fx_ssl(&f, TA_SERVER)));
    FX_OK(ta_pair_write(f.p, TA_CLIENT, "ping", 4, TA_DEFAULT_STEPS));
    FX_OK(ta_pair_read(f.p, TA_SERVER, buf, sizeof(buf), &n, TA_DEFAULT_STEPS));
    FX_OK(ta_pair_write(f.p, TA_SERVER, "pong", 4, TA_DEFAULT_STEPS));
    FX_OK(ta_pair_read(f.p, TA_CLIENT, buf, sizeof(buf), &n, TA_DEFAULT_STEPS));
    FX_OK(ta_pair_shutdown(f.p, TA_CLIENT, TA_DEFAULT_STEPS));
    for (int d = 0; d < 2; d++) {
        const uint8_t *t = ta_pair_transcript(f.p, (ta_dir)d, &out->len[d]);
        out->b[d] = malloc(out->len[d]);
        assert_non_null(out->b[d]);
        memcpy(out->b[d], t, out->len[d]);
    }
    fx_close(&f);
}

/* Offset of the first difference, or -1 when identical. */
static long first_diff(const transcript *a, const transcript *b, int d)
{
    size_t n = a->len[d] < b->len[d] ? a->len[d] : b->len[d];
    for (size_t i = 0; i < n; i++)
        if (a->b[d][i] != b->b[d][i])
            return (long)i;
    return a->len[d] == b->len[d] ? -1 : (long)n;
}

/* same[d]: whether direction d must be byte-identical in both runs. */
static void expect_same(const char *name, const transcript *a, const transcript *b,
                        const int same[2])
{
    for (int d = 0; d < 2; d++) {
        long at = first_diff(a, b, d);
        if (same[d] && at >= 0)
            fail_msg("%s: %s transcripts differ at byte %ld (%zu vs %zu bytes)", name,
                     d == TA_C2S ? "client->server" : "server->client", at, a->len[d], b->len[d]);
        if (!same[d] && at < 0)
            fail_msg("%s: %s transcripts are identical (%zu bytes)", name,
                     d == TA_C2S ? "client->server" : "server->client", a->len[d]);
    }
}

/* variant = tickets + 2 * clock */
static void test_same_seed(void **state)
{
    const fx_case *c = fx_case_of(state);
    int tickets = c->variant % 2, clk = c->variant / 2;
    const uint64_t seed = 0x5eed0001;
    transcript a, b;
    int same[2];

    fake_clock_on = clk != CLOCK_REAL;
    fake_now = 1800000000; /* 2027-01-15 */
    run_session(&seed, c->version, c->mode, tickets, &a);
    if (clk == CLOCK_PLUS_2S)
        fake_now += 2;
    run_session(&seed, c->version, c->mode, tickets, &b);
    fake_clock_on = 0;
    for (int d = 0; d < 2; d++)
        same[d] = clk != CLOCK_PLUS_2S || !clock_changes((ta_dir)d, c->version, c->mode, tickets);
    expect_same(c->name, &a, &b, same);
    transcript_free(&a);
    transcript_free(&b);
}

/* Different seeds (clock frozen, so only the seed differs) and two OS-random
 * runs: both directions differ. variant 0: seeds, 1: OS randomness. */
static void test_differ(void **state)
{
    const fx_case *c = fx_case_of(state);
    const uint64_t s1 = 1, s2 = 2;
    transcript a, b;

    fake_clock_on = 1;
    fake_now = 1800000000;
    run_session(c->variant ? NULL : &s1, c->version, c->mode, TICKETS_OFF, &a);
    run_session(c->variant ? NULL : &s2, c->version, c->mode, TICKETS_OFF, &b);
    fake_clock_on = 0;
    expect_same(c->name, &a, &b, (const int[2]){0, 0});
    transcript_free(&a);
    transcript_free(&b);
}

/* The interposition is real: OpenSSL stamps sessions with our clock. Without
 * this, the frozen-clock cases would prove nothing. */
static void test_clock_seen(void **state)
{
    fx f;
    (void)state;

    fake_clock_on = 1;
    fake_now = 1800000000;
    fx_open(&f, &fx_default_seed, TA_TLS12, TA_MODE_CERT, NULL);
    FX_OK(ta_pair_handshake(f.p, TA_DEFAULT_STEPS));
    assert_int_equal(SSL_SESSION_get_time(SSL_get_session(fx_ssl(&f, TA_SERVER))), 1800000000);
    fx_close(&f);
    fake_clock_on = 0;
}

#define N_VM (TA_TLS_COUNT * TA_MODE_COUNT)
/* 2 tickets x 3 clocks, minus the 7 ticket-carrying real-clock runs, + 2 */
#define N_TESTS (N_VM * (2 * 3 + 2) + 1 - 7)

int main(void)
{
    static struct CMUnitTest tests[N_TESTS];
    static fx_case cases[N_TESTS];
    static const char *const tk_names[] = {"no-tickets", "tickets"};
    size_t n = 0;

    n = fx_add(tests, cases, n, test_clock_seen, TA_TLS12, TA_MODE_CERT, 0,
               "clock/openssl-uses-interposed-time");
    for (int v = 0; v < TA_TLS_COUNT; v++) {
        for (int m = 0; m < TA_MODE_COUNT; m++) {
            const char *vn = ta_tls_name((ta_tls)v), *mn = ta_mode_name((ta_mode)m);
            for (int clk = 0; clk < 3; clk++) {
                for (int tk = 0; tk < 2; tk++) {
                    /* On the real clock a ticket-carrying run replays only when
                     * both runs fall in the same second: not a test. */
                    if (clk == CLOCK_REAL
                        && (clock_changes(TA_C2S, v, m, tk) || clock_changes(TA_S2C, v, m, tk)))
                        continue;
                    n = fx_add(tests, cases, n, test_same_seed, v, m, tk + 2 * clk,
                               "%s/%s/%s/same-seed/%s", vn, mn, tk_names[tk], clock_names[clk]);
                }
            }
            n = fx_add(tests, cases, n, test_differ, v, m, 0, "%s/%s/different-seeds", vn, mn);
            n = fx_add(tests, cases, n, test_differ, v, m, 1, "%s/%s/os-rand/two-runs-differ", vn,
                       mn);
        }
    }
    return fx_run("test_pair_determinism", tests, n, N_TESTS);
}
