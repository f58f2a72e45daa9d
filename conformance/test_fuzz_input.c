/*
 * test_fuzz_input.c - the fuzz targets' input decoder (src/fuzzing/fuzz_input.c).
 *
 * What it proves: every byte string decodes (no input is "invalid" and the
 * decoder is never the crash); the encoders are exact inverses on what the seed
 * generator feeds them, so every named scenario's seed replays that scenario;
 * decode(encode(decode(x))) == decode(x) for random x, so a minimised crasher
 * prints as the schedule it ran; the printed forms are the readable ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tlsaudit.h"
#include "tlsaudit/unstable.h"

#define RANDOM_INPUTS 3000

/* ------------------------------------------------------------ byte consumer */

static void consumer_reads_big_endian_then_zeros(void **state)
{
    static const uint8_t b[] = {0x12, 0x34, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xff};
    ta_fuzz_in in;
    (void)state;

    ta_fuzz_in_init(&in, b, sizeof(b));
    assert_int_equal(ta_fuzz_u16(&in), 0x1234);
    assert_true(ta_fuzz_u64(&in) == 0x0102030405060708ULL);
    assert_int_equal(ta_fuzz_in_left(&in), 1);
    assert_int_equal(ta_fuzz_u16(&in), 0xff00); /* half read past the end: zero */
    assert_int_equal(ta_fuzz_in_left(&in), 0);
    assert_int_equal(ta_fuzz_u8(&in), 0);
    assert_true(ta_fuzz_u64(&in) == 0);
    ta_fuzz_in_init(&in, NULL, 5); /* NULL data: an empty input, not a crash */
    assert_int_equal(ta_fuzz_in_left(&in), 0);
}

static void consumer_pick_and_chunk_stay_in_bounds(void **state)
{
    static const uint8_t b[] = {200, 7, 9, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 50, 'x'};
    ta_fuzz_in in;
    const uint8_t *p;
    (void)state;

    ta_fuzz_in_init(&in, b, sizeof(b));
    assert_int_equal(ta_fuzz_pick(&in, 3), 200 % 3);
    assert_int_equal(ta_fuzz_pick(&in, 1), 0);      /* one choice: consumes nothing */
    assert_int_equal(ta_fuzz_chunk(&in, 4, &p), 4); /* asks 7, capped at 4 */
    assert_memory_equal(p,
                        "\x09"
                        "abc",
                        4);
    /* Length byte 'd' (100) is more than what is left: gets the rest. */
    assert_int_equal(ta_fuzz_chunk(&in, 255, &p), sizeof(b) - 7);
    assert_int_equal(p[0], 'e');
    assert_int_equal(ta_fuzz_in_left(&in), 0);
}

/* ------------------------------------------------------------ session-id input */

static void sid_decode_of_nothing_is_defined(void **state)
{
    ta_fuzz_sid s;
    (void)state;

    ta_fuzz_sid_decode(NULL, 0, &s);
    assert_int_equal(s.version, TA_TLS12);
    assert_int_equal(s.offered_len, 1);
    assert_int_equal(s.threads, 1);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.nevents, 0);
}

static void sid_encode_decode_round_trip(void **state)
{
    ta_fuzz_sid in, out;
    uint8_t buf[256];
    (void)state;

    for (unsigned len = 1; len <= 32; len++) {
        memset(&in, 0, sizeof(in)); /* decode zero-fills past nevents */
        in.version = len % 2 ? TA_TLS13 : TA_TLS12;
        in.offered_len = len;
        in.threads = 1 + len % 4;
        in.calls = 1;
        in.interleave = 0x0123456789abcdefULL * len;
        for (size_t i = 0; i < len % 9; i++)
            assert_true(ta_fuzz_sid_push(&in, (ta_fuzz_sid_event)((i + len) % 4)));
        size_t n = ta_fuzz_sid_encode(&in, buf, sizeof(buf));
        assert_true(n <= sizeof(buf));
        ta_fuzz_sid_decode(buf, n, &out);
        assert_memory_equal(&in, &out, sizeof(in));
    }
    /* The needed length is reported even when the buffer is too small. */
    assert_int_equal(ta_fuzz_sid_encode(&in, buf, 3), 11 + in.nevents);
}

/* Work grows with length: one call per boundary, capped at 64 calls. */
static void sid_calls_follow_boundaries(void **state)
{
    uint8_t raw[11 + 200];
    ta_fuzz_sid s;
    (void)state;

    memset(raw, 0, sizeof(raw));
    ta_fuzz_sid_decode(raw, 11, &s);
    assert_int_equal(s.calls, 1);
    raw[11] = TA_FUZZ_CACHE_TAKEN;
    raw[12] = 4 + TA_FUZZ_SID_NEXT_CALL; /* bytes are taken modulo 4 */
    ta_fuzz_sid_decode(raw, 13, &s);
    assert_int_equal(s.calls, 2);
    assert_int_equal(s.nevents, 2);
    assert_int_equal(s.event[1], TA_FUZZ_SID_NEXT_CALL);
    memset(raw + 11, TA_FUZZ_SID_NEXT_CALL, 200);
    ta_fuzz_sid_decode(raw, sizeof(raw), &s);
    assert_int_equal(s.calls, TA_FUZZ_SID_MAX_CALLS);
    assert_int_equal(s.nevents, TA_FUZZ_SID_MAX_CALLS - 1);
    assert_false(ta_fuzz_sid_push(&s, TA_FUZZ_SID_NEXT_CALL));
    assert_true(ta_fuzz_sid_push(&s, TA_FUZZ_CACHE_TAKEN));
    memset(raw + 11, TA_FUZZ_CACHE_TAKEN, 200);
    ta_fuzz_sid_decode(raw, sizeof(raw), &s);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.nevents, TA_FUZZ_SID_MAX_EVENTS);
}

static void sid_random_bytes_decode_canonically(void **state)
{
    ta_rng rng;
    uint8_t raw[240], buf[256];
    (void)state;

    ta_rng_init(&rng, 42);
    for (int i = 0; i < RANDOM_INPUTS; i++) {
        ta_fuzz_sid a, b;
        size_t len = ta_rng_next(&rng) % sizeof(raw);
        ta_rng_bytes(&rng, raw, len);
        ta_fuzz_sid_decode(raw, len, &a);
        assert_true(a.offered_len >= 1 && a.offered_len <= 32);
        assert_true(a.threads >= 1 && a.threads <= 4);
        assert_true(a.calls >= 1 && a.calls <= TA_FUZZ_SID_MAX_CALLS);
        assert_true(a.nevents <= TA_FUZZ_SID_MAX_EVENTS);
        unsigned boundaries = 0;
        for (size_t k = 0; k < a.nevents; k++) {
            assert_true(a.event[k] < TA_FUZZ_SID_EVENT_COUNT);
            boundaries += a.event[k] == TA_FUZZ_SID_NEXT_CALL;
        }
        assert_int_equal(a.calls, 1 + boundaries);
        size_t n = ta_fuzz_sid_encode(&a, buf, sizeof(buf));
        ta_fuzz_sid_decode(buf, n, &b);
        assert_memory_equal(&a, &b, sizeof(a));
    }
}

static void sid_print_is_readable(void **state)
{
    ta_fuzz_sid s;
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    (void)state;

    assert_non_null(f);
    memset(&s, 0, sizeof(s));
    s.version = TA_TLS13;
    s.offered_len = 16;
    s.threads = 2;
    s.calls = 1;
    s.interleave = 0x5eed;
    assert_true(ta_fuzz_sid_push(&s, TA_FUZZ_CACHE_TAKEN));
    assert_true(ta_fuzz_sid_push(&s, TA_FUZZ_CACHE_ALL_TAKEN));
    assert_true(ta_fuzz_sid_push(&s, TA_FUZZ_SID_NEXT_CALL));
    assert_true(ta_fuzz_sid_push(&s, TA_FUZZ_SID_NEXT_CALL));
    assert_true(ta_fuzz_sid_push(&s, TA_FUZZ_CACHE_TAKEN));
    ta_fuzz_sid_print(&s, f);
    fclose(f);
    assert_string_equal(text, "tls13 offered=16 threads=2 interleave=0x0000000000005eed calls=3 "
                              "cache: taken,all-taken | free | taken\n");
    free(text);
}

/* ------------------------------------------------------------ shutdown schedules */

static void format(const ta_sd_schedule *s, char *buf, size_t cap)
{
    assert_true(ta_sd_schedule_format(s, buf, cap) < cap);
}

static int in_alphabet(const ta_sd_schedule *s, ta_fuzz_sd_alphabet a)
{
    for (size_t i = 0; i < s->n; i++)
        if (strchr(ta_fuzz_sd_alphabet_chars(a), s->act[i].op) == NULL)
            return 0;
    return 1;
}

/* Every named scenario (what gen_corpus turns into seeds) survives the trip. */
static void sd_scenarios_round_trip(void **state)
{
    size_t nsc, checked = 0;
    const ta_sd_scenario *sc = ta_sd_scenario_table(&nsc);
    (void)state;

    assert_true(nsc > 0);
    for (size_t i = 0; i < nsc; i++) {
        for (int v = 0; v < TA_TLS_COUNT; v++) {
            for (int r = 0; r < TA_ROLE_COUNT; r++) {
                ta_sd_schedule s, back;
                uint8_t buf[4096];
                char want[2048], got[2048];
                if (!ta_sd_scenario_applies(&sc[i], (ta_tls)v, (ta_role)r))
                    continue;
                assert_int_equal(ta_sd_scenario_schedule(&sc[i], (ta_tls)v, (ta_role)r, &s), TA_OK);
                format(&s, want, sizeof(want));
                for (int a = 0; a < 2; a++) {
                    if (!in_alphabet(&s, (ta_fuzz_sd_alphabet)a))
                        continue;
                    size_t n = ta_fuzz_sd_encode(&s, (ta_fuzz_sd_alphabet)a, buf, sizeof(buf));
                    assert_true(n <= sizeof(buf));
                    ta_fuzz_sd_decode(buf, n, (ta_fuzz_sd_alphabet)a, &back);
                    format(&back, got, sizeof(got));
                    if (strcmp(want, got) != 0)
                        fail_msg("scenario %s: '%s' came back as '%s'", sc[i].name, want, got);
                    checked++;
                }
            }
        }
    }
    assert_true(checked >= nsc);
}

static void sd_random_bytes_decode_canonically(void **state)
{
    ta_rng rng;
    uint8_t raw[200], buf[4096];
    (void)state;

    ta_rng_init(&rng, 7);
    for (int i = 0; i < RANDOM_INPUTS; i++) {
        ta_fuzz_sd_alphabet a = (ta_fuzz_sd_alphabet)(i & 1);
        ta_sd_schedule s1, s2;
        char f1[2048], f2[2048];
        size_t len = ta_rng_next(&rng) % sizeof(raw);
        ta_rng_bytes(&rng, raw, len);
        ta_fuzz_sd_decode(raw, len, a, &s1);
        assert_true(s1.n <= TA_SD_MAX_ACTIONS);
        assert_true(s1.pool_len <= TA_SD_POOL_BYTES);
        assert_true(in_alphabet(&s1, a));
        size_t n = ta_fuzz_sd_encode(&s1, a, buf, sizeof(buf));
        assert_true(n <= sizeof(buf));
        ta_fuzz_sd_decode(buf, n, a, &s2);
        format(&s1, f1, sizeof(f1));
        format(&s2, f2, sizeof(f2));
        assert_string_equal(f1, f2);
        /* The printed form is the reproducer `tlsaudit shutdown --schedule` replays. */
        ta_sd_schedule s3;
        memset(&s3, 0, sizeof(s3));
        assert_int_equal(ta_sd_schedule_parse(f1, &s3), TA_OK);
        format(&s3, f2, sizeof(f2));
        assert_string_equal(f1, f2);
    }
}

static void sd_bytes_are_actions(void **state)
{
    /* flags 0x07: TLS 1.3, server, ignore-eof; then ASCII actions with their
     * argument bytes; byte 0 is the first action of the alphabet ('s'). */
    static const uint8_t b[] = {0x07, 's', '>', 0, 'c', '<', 255, 'd', 5, 0, 'i', 2, 0x15, 0x03};
    ta_sd_schedule s;
    char text[256];
    (void)state;

    ta_fuzz_sd_decode(b, sizeof(b), TA_FUZZ_SD_RECORDS, &s);
    format(&s, text, sizeof(text));
    assert_string_equal(text, "tls13/server+ignore-eof:s>c<*d5si1503.");
    /* The schedule alphabet has no 'i': the same byte picks another action. */
    ta_fuzz_sd_decode(b, sizeof(b), TA_FUZZ_SD_SCHEDULE, &s);
    assert_true(in_alphabet(&s, TA_FUZZ_SD_SCHEDULE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(consumer_reads_big_endian_then_zeros),
        cmocka_unit_test(consumer_pick_and_chunk_stay_in_bounds),
        cmocka_unit_test(sid_decode_of_nothing_is_defined),
        cmocka_unit_test(sid_encode_decode_round_trip),
        cmocka_unit_test(sid_calls_follow_boundaries),
        cmocka_unit_test(sid_random_bytes_decode_canonically),
        cmocka_unit_test(sid_print_is_readable),
        cmocka_unit_test(sd_scenarios_round_trip),
        cmocka_unit_test(sd_random_bytes_decode_canonically),
        cmocka_unit_test(sd_bytes_are_actions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
