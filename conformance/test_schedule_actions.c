/*
 * test_schedule_actions.c - the one table of schedule actions
 * (ta_sd_action_table, src/shutdown/sd_action.c) and everything that reads it.
 *
 * What it proves: every action of the table survives format -> parse -> format
 * with each argument form its kind allows, so any schedule a report prints
 * replays as itself; letters are unique and cannot be mistaken for an argument;
 * the alphabets (fuzz schedule, fuzz records, exhaustive) are the table's rows
 * in its order and are exactly the ones the committed corpora were encoded with;
 * the documented list in tlsaudit/shutdown.h names the same actions, in the same
 * order, with the same syntax and first line of meaning as the table; the
 * fuzz dictionaries offer a token for every action of their target's alphabet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tlsaudit.h"
#include "tlsaudit/unstable.h"

/* The syntax of an action as the documented list writes it. */
static void syntax_of(const ta_sd_action_info *a, char *buf, size_t cap)
{
    static const char *const suffix[] = {"", "[N]", "HEX."};
    snprintf(buf, cap, "%c%s", a->op, suffix[a->arg]);
}

/* format(s) parses back into s, and formats again to the same string. */
static void check_round_trip(const ta_sd_schedule *s, const char *what)
{
    char text[2048], again[2048];
    ta_sd_schedule back;

    assert_true(ta_sd_schedule_format(s, text, sizeof(text)) < sizeof(text));
    memset(&back, 0, sizeof(back));
    if (ta_sd_schedule_parse(text, &back) != TA_OK)
        fail_msg("%s: '%s' does not parse: %s", what, text, ta_last_error()->message);
    assert_int_equal(back.tls, s->tls);
    assert_int_equal(back.role, s->role);
    assert_int_equal(back.flags, s->flags);
    assert_int_equal(back.n, s->n);
    for (size_t i = 0; i < s->n; i++) {
        const ta_sd_action *a = &s->act[i], *b = &back.act[i];
        if (a->op != b->op || a->arg != b->arg || a->len != b->len
            || memcmp(s->pool + a->off, back.pool + b->off, a->len) != 0)
            fail_msg("%s: action %zu of '%s' came back different", what, i, text);
    }
    assert_true(ta_sd_schedule_format(&back, again, sizeof(again)) < sizeof(again));
    if (strcmp(text, again) != 0)
        fail_msg("%s: '%s' formats back as '%s'", what, text, again);
}

static void every_action_round_trips_through_format_and_parse(void **state)
{
    static const uint16_t counts[] = {0, 1, 16, 254, 1000, TA_SD_ALL_BYTES - 1, TA_SD_ALL_BYTES};
    static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00};
    size_t n, checked = 0;
    const ta_sd_action_info *t = ta_sd_action_table(&n);
    (void)state;

    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        for (int v = 0; v < TA_TLS_COUNT; v++) {
            for (int r = 0; r < TA_ROLE_COUNT; r++) {
                /* Each argument form alone, then all of them in one schedule
                 * between two other actions (an argument must not swallow the
                 * next letter). */
                ta_sd_schedule all;
                char what[64];
                memset(&all, 0, sizeof(all));
                all.tls = (ta_tls)v;
                all.role = (ta_role)r;
                all.flags = TA_SD_F_IGNORE_EOF;
                assert_int_equal(ta_sd_schedule_add(&all, 's', 0, NULL, 0), TA_OK);
                size_t forms = t[i].arg == TA_SD_ARG_COUNT   ? sizeof(counts) / sizeof(counts[0])
                               : t[i].arg == TA_SD_ARG_BYTES ? 2
                                                             : 1;
                for (size_t k = 0; k < forms; k++) {
                    ta_sd_schedule one;
                    uint16_t arg = t[i].arg == TA_SD_ARG_COUNT ? counts[k] : 0;
                    size_t len = t[i].arg == TA_SD_ARG_BYTES && k == 0 ? sizeof(alert) : 0;
                    memset(&one, 0, sizeof(one));
                    one.tls = (ta_tls)v;
                    one.role = (ta_role)r;
                    assert_int_equal(ta_sd_schedule_add(&one, t[i].op, arg, alert, len), TA_OK);
                    snprintf(what, sizeof(what), "'%c' form %zu", t[i].op, k);
                    check_round_trip(&one, what);
                    assert_int_equal(ta_sd_schedule_add(&all, t[i].op, arg, alert, len), TA_OK);
                    assert_int_equal(ta_sd_schedule_add(&all, 'c', 0, NULL, 0), TA_OK);
                    checked++;
                }
                snprintf(what, sizeof(what), "every form of '%c'", t[i].op);
                check_round_trip(&all, what);
            }
        }
    }
    assert_true(checked >= n * TA_TLS_COUNT * TA_ROLE_COUNT);
}

static void letters_are_unique_and_never_an_argument(void **state)
{
    size_t n;
    const ta_sd_action_info *t = ta_sd_action_table(&n);
    (void)state;

    for (size_t i = 0; i < n; i++) {
        /* Digits and '*' continue a count, '.' ends injected bytes, ' ' and ','
         * separate actions, ':' ends the prefix. */
        if (t[i].op == '\0' || strchr("0123456789*. ,:", t[i].op) != NULL)
            fail_msg("action letter '%c' is part of the schedule syntax", t[i].op);
        assert_non_null(t[i].meaning);
        assert_true(t[i].meaning[0] != '\0' && strchr(t[i].meaning, '\n') == NULL);
        assert_non_null(t[i].handler);
        assert_ptr_equal(ta_sd_action_find(t[i].op), &t[i]);
        for (size_t k = i + 1; k < n; k++)
            if (t[k].op == t[i].op)
                fail_msg("action '%c' is in the table twice", t[i].op);
    }
    assert_null(ta_sd_action_find('\0'));
    assert_null(ta_sd_action_find('Q'));
    ta_sd_schedule s;
    memset(&s, 0, sizeof(s));
    assert_int_not_equal(ta_sd_schedule_add(&s, 'Q', 0, NULL, 0), TA_OK);
    assert_int_not_equal(ta_sd_schedule_parse("tls13/client:sQ", &s), TA_OK);
}

/* The letters of the rows with `flag`, in table order. */
static void letters_with(unsigned flag, char *buf, size_t cap)
{
    size_t n, k = 0;
    const ta_sd_action_info *t = ta_sd_action_table(&n);
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        if (t[i].flags & flag)
            buf[k++] = t[i].op;
    buf[k] = '\0';
}

static void alphabets_are_the_table_in_corpus_order(void **state)
{
    char want[64];
    (void)state;

    letters_with(TA_SD_A_FUZZ_SCHEDULE, want, sizeof(want));
    assert_string_equal(ta_fuzz_sd_alphabet_chars(TA_FUZZ_SD_SCHEDULE), want);
    letters_with(TA_SD_A_FUZZ_RECORDS, want, sizeof(want));
    assert_string_equal(ta_fuzz_sd_alphabet_chars(TA_FUZZ_SD_RECORDS), want);
    letters_with(TA_SD_A_EXHAUSTIVE, want, sizeof(want));
    assert_string_equal(ta_sd_action_letters(TA_SD_A_EXHAUSTIVE), want);
    /* The committed corpora were encoded with these (a byte that is not a letter
     * of the alphabet is an index into it), and the exhaustive figures of the
     * benches with that order: reordering the table changes both. */
    assert_string_equal(ta_fuzz_sd_alphabet_chars(TA_FUZZ_SD_SCHEDULE), "sdcktrhem<>x!w");
    assert_string_equal(ta_fuzz_sd_alphabet_chars(TA_FUZZ_SD_RECORDS), "sdcktrhem<>x!wgazfibj");
    assert_string_equal(ta_sd_action_letters(TA_SD_A_EXHAUSTIVE), "dcke<>xgfbj");
    /* Every action is fuzzed by the records target. */
    size_t n;
    (void)ta_sd_action_table(&n);
    assert_int_equal(strlen(ta_fuzz_sd_alphabet_chars(TA_FUZZ_SD_RECORDS)), n);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Collapse runs of spaces and the comment's " * " line starts into one space. */
static void squeeze(char *s)
{
    char *o = s;
    for (char *p = s; *p != '\0'; p++) {
        if (*p == ' ' && (o == s || o[-1] == ' '))
            continue;
        *o++ = *p;
    }
    while (o > s && o[-1] == ' ')
        o--;
    *o = '\0';
}

static void header_list_matches_the_table(void **state)
{
    const char *src = getenv("TLSAUDIT_SOURCE_DIR");
    char path[1024];
    size_t n, k = 0;
    const ta_sd_action_info *t = ta_sd_action_table(&n);
    (void)state;

    if (src == NULL)
        skip(); /* run outside ctest: the header is not to be found */
    snprintf(path, sizeof(path), "%s/src/include/tlsaudit/shutdown.h", src);
    char *text = slurp(path);
    if (text == NULL)
        fail_msg("cannot read %s", path);
    char *begin = strstr(text, " * A schedule is what happens around the driver");
    assert_non_null(begin);
    char *end = strstr(begin, " * Prefix ");
    assert_non_null(end);
    *end = '\0';
    /* Entries are " *   SYNTAX  first line of the meaning"; deeper-indented
     * lines continue the entry and are not compared. */
    for (char *line = strtok(begin, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (strncmp(line, " *   ", 5) != 0 || line[5] == ' ')
            continue;
        char syntax[16], want[16];
        size_t sl = strcspn(line + 5, " ");
        assert_true(sl < sizeof(syntax));
        memcpy(syntax, line + 5, sl);
        syntax[sl] = '\0';
        char meaning[256];
        snprintf(meaning, sizeof(meaning), "%s", line + 5 + sl);
        squeeze(meaning);
        const char *m = meaning[0] == ' ' ? meaning + 1 : meaning;
        if (k >= n)
            fail_msg("shutdown.h lists '%s', which the table does not have", syntax);
        syntax_of(&t[k], want, sizeof(want));
        if (strcmp(syntax, want) != 0)
            fail_msg("shutdown.h entry %zu is '%s', the table's is '%s'", k, syntax, want);
        if (strcmp(m, t[k].meaning) != 0)
            fail_msg("shutdown.h says '%s' means \"%s\", the table \"%s\"", syntax, m,
                     t[k].meaning);
        k++;
    }
    if (k != n)
        fail_msg("shutdown.h lists %zu actions, the table has %zu", k, n);

    /* ta_sd_explore's comment names the exhaustive alphabet. */
    text = slurp(path);
    char *set = strstr(text, "the exhaustive actions {");
    assert_non_null(set);
    set += strlen("the exhaustive actions {");
    char listed[64];
    size_t nl = 0;
    for (; *set != '}' && *set != '\0' && nl + 1 < sizeof(listed); set++)
        if (*set != ',' && *set != ' ')
            listed[nl++] = *set;
    listed[nl] = '\0';
    assert_string_equal(listed, ta_sd_action_letters(TA_SD_A_EXHAUSTIVE));
}

/* The fuzz dictionaries (fuzz/<target>.dict) offer every action of their
 * target's alphabet as the first byte of some token, and only actions there. */
static void dictionaries_offer_every_action(void **state)
{
    static const struct {
        const char *file;
        ta_fuzz_sd_alphabet alphabet;
    } dicts[] = {{"fuzz/shutdown_schedule.dict", TA_FUZZ_SD_SCHEDULE},
                 {"fuzz/shutdown_records.dict", TA_FUZZ_SD_RECORDS}};
    const char *src = getenv("TLSAUDIT_SOURCE_DIR");
    (void)state;

    if (src == NULL)
        skip();
    for (size_t d = 0; d < sizeof(dicts) / sizeof(dicts[0]); d++) {
        char path[1024], seen[256] = {0};
        const char *ops = ta_fuzz_sd_alphabet_chars(dicts[d].alphabet);
        snprintf(path, sizeof(path), "%s/%s", src, dicts[d].file);
        char *text = slurp(path);
        if (text == NULL)
            fail_msg("cannot read %s", path);
        for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
            char *q = strchr(line, '"');
            if (line[0] == '#' || q == NULL || q[1] == '\\')
                continue; /* comments, and tokens that start with a flags byte */
            if (strchr(ops, q[1]) == NULL)
                fail_msg("%s: '%s' starts with '%c', not an action of its alphabet", dicts[d].file,
                         line, q[1]);
            seen[(unsigned char)q[1]] = 1;
        }
        for (const char *o = ops; *o != '\0'; o++)
            if (!seen[(unsigned char)*o])
                fail_msg("%s offers no token for action '%c'", dicts[d].file, *o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_action_round_trips_through_format_and_parse),
        cmocka_unit_test(letters_are_unique_and_never_an_argument),
        cmocka_unit_test(alphabets_are_the_table_in_corpus_order),
        cmocka_unit_test(header_list_matches_the_table),
        cmocka_unit_test(dictionaries_offer_every_action),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
