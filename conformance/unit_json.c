/*
 * unit_json.c - the report writer emits exactly the JSON we mean (RFC 8259):
 * exact strings for the common shapes, string escaping (§7), and a small
 * validating parser run over documents generated from a seeded stream of
 * writer calls, so commas and nesting are checked in shapes nobody wrote by hand.
 */
#define _GNU_SOURCE
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tlsaudit.h"
#include "tlsaudit/unstable.h"

/* A writer into memory. */
typedef struct mem {
    char *buf;
    size_t len;
    FILE *f;
    ta_json j;
} mem;

static void mem_open(mem *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    assert_non_null(m->f);
    ta_json_init(&m->j, m->f);
}

static const char *mem_text(mem *m)
{
    fflush(m->f);
    return m->buf;
}

static void mem_close(mem *m)
{
    fclose(m->f);
    free(m->buf);
}

/* ------------------------------------------------------------ a tiny validator */

typedef struct cur {
    const char *p;
    int depth;
} cur;

static void ws(cur *c)
{
    while (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r')
        c->p++;
}

static int value(cur *c);

static int string(cur *c)
{
    if (*c->p++ != '"')
        return 0;
    for (;;) {
        unsigned char ch = (unsigned char)*c->p++;
        if (ch == '"')
            return 1;
        if (ch < 0x20)
            return 0; /* control characters must be escaped (RFC 8259 §7) */
        if (ch == '\\') {
            char e = *c->p++;
            if (e == 'u') {
                for (int i = 0; i < 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", *c->p++) || c->p[-1] == '\0')
                        return 0;
            } else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
                return 0;
            }
        }
    }
}

static int number(cur *c)
{
    char *end;
    if (*c->p != '-' && (*c->p < '0' || *c->p > '9'))
        return 0; /* rejects nan, inf */
    (void)strtod(c->p, &end);
    c->p = end;
    return 1;
}

static int members(cur *c, char close, int keyed)
{
    c->p++;
    ws(c);
    if (*c->p == close) {
        c->p++;
        return 1;
    }
    for (;;) {
        ws(c);
        if (keyed) {
            if (!string(c))
                return 0;
            ws(c);
            if (*c->p++ != ':')
                return 0;
        }
        if (!value(c))
            return 0;
        ws(c);
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p++ != close)
            return 0;
        return 1;
    }
}

static int value(cur *c)
{
    ws(c);
    switch (*c->p) {
    case '{':
        return members(c, '}', 1);
    case '[':
        return members(c, ']', 0);
    case '"':
        return string(c);
    case 't':
        return strncmp(c->p, "true", 4) == 0 ? (c->p += 4, 1) : 0;
    case 'f':
        return strncmp(c->p, "false", 5) == 0 ? (c->p += 5, 1) : 0;
    case 'n':
        return strncmp(c->p, "null", 4) == 0 ? (c->p += 4, 1) : 0;
    default:
        return number(c);
    }
}

static int valid_json(const char *s)
{
    cur c = {s, 0};
    if (!value(&c))
        return 0;
    ws(&c);
    return *c.p == '\0';
}

static void test_validator_rejects(void **state)
{
    static const char *const bad[] = {"{\"a\":1,}", "[1 2]",      "{\"a\" 1}", "[nan]",
                                      "\"a\nb\"",   "{\"a\":1}}", "[,1]"};
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(valid_json(bad[i]));
    assert_true(valid_json("{\"a\":[1,-2.5e3,{\"b\":null}],\"c\":\"\\u0001\"}\n"));
}

/* ------------------------------------------------------------ exact output */

static void test_object_shapes(void **state)
{
    mem m;
    (void)state;

    mem_open(&m);
    ta_json_object(&m.j);
    ta_json_key(&m.j, "rule");
    ta_json_string(&m.j, "SID-X");
    ta_json_key(&m.j, "n");
    ta_json_int(&m.j, -42);
    ta_json_key(&m.j, "ok");
    ta_json_bool(&m.j, 1);
    ta_json_key(&m.j, "no");
    ta_json_bool(&m.j, 0);
    ta_json_key(&m.j, "none");
    ta_json_null(&m.j);
    ta_json_key(&m.j, "half");
    ta_json_double(&m.j, 0.5);
    ta_json_key(&m.j, "list");
    ta_json_array(&m.j);
    ta_json_int(&m.j, 1);
    ta_json_object(&m.j);
    ta_json_key(&m.j, "a");
    ta_json_array(&m.j);
    ta_json_end_array(&m.j);
    ta_json_end_object(&m.j);
    ta_json_string(&m.j, "z");
    ta_json_end_array(&m.j);
    ta_json_key(&m.j, "empty");
    ta_json_object(&m.j);
    ta_json_end_object(&m.j);
    ta_json_end_object(&m.j);
    assert_string_equal(mem_text(&m),
                        "{\"rule\":\"SID-X\",\"n\":-42,\"ok\":true,\"no\":false,\"none\":null,"
                        "\"half\":0.5,\"list\":[1,{\"a\":[]},\"z\"],\"empty\":{}}\n");
    assert_true(valid_json(m.buf));
    mem_close(&m);
}

/* Two top-level documents: each ends with its own newline (JSON lines). */
static void test_two_documents(void **state)
{
    mem m;
    (void)state;

    mem_open(&m);
    for (int i = 0; i < 2; i++) {
        ta_json_object(&m.j);
        ta_json_key(&m.j, "i");
        ta_json_int(&m.j, i);
        ta_json_end_object(&m.j);
    }
    assert_string_equal(mem_text(&m), "{\"i\":0}\n{\"i\":1}\n");
    mem_close(&m);
}

static void test_escaping(void **state)
{
    mem m;
    (void)state;

    mem_open(&m);
    ta_json_array(&m.j);
    ta_json_string(&m.j, "q\"b\\s/n\nr\rt\t\x01\x1f\x7f \xc3\xa9");
    ta_json_string(&m.j, NULL);
    ta_json_end_array(&m.j);
    assert_string_equal(mem_text(&m),
                        "[\"q\\\"b\\\\s/n\\nr\\rt\\t\\u0001\\u001f\x7f \xc3\xa9\",\"\"]");
    assert_true(valid_json(m.buf));
    mem_close(&m);

    mem_open(&m);
    ta_json_object(&m.j);
    ta_json_key(&m.j, "k\"\n");
    ta_json_int(&m.j, 0);
    ta_json_end_object(&m.j);
    assert_string_equal(mem_text(&m), "{\"k\\\"\\n\":0}\n");
    mem_close(&m);
}

/* JSON has no NaN or infinity (RFC 8259 §6): they are written as null. */
static void test_non_finite(void **state)
{
    mem m;
    (void)state;

    mem_open(&m);
    ta_json_array(&m.j);
    ta_json_double(&m.j, NAN);
    ta_json_double(&m.j, INFINITY);
    ta_json_double(&m.j, -INFINITY);
    ta_json_double(&m.j, 1e300);
    ta_json_end_array(&m.j);
    assert_string_equal(mem_text(&m), "[null,null,null,1e+300]");
    assert_true(valid_json(m.buf));
    mem_close(&m);
}

/* ------------------------------------------------------------ generated documents */

/* Writer calls chosen by a seeded stream; nesting kept within the writer's depth. */
static void gen_value(ta_json *j, ta_rng *r, int depth)
{
    static const char *const strs[] = {"", "a", "\"", "\\", "x\ny", "\t\x02"};
    uint64_t k = ta_rng_next(r) % (depth < TA_JSON_MAX_DEPTH - 1 ? 8 : 6);
    int n = (int)(ta_rng_next(r) % 4);

    switch (k) {
    case 0:
        ta_json_int(j, (long long)ta_rng_next(r));
        break;
    case 1:
        ta_json_string(j, strs[ta_rng_next(r) % 6]);
        break;
    case 2:
        ta_json_bool(j, (int)(ta_rng_next(r) & 1));
        break;
    case 3:
        ta_json_null(j);
        break;
    case 4:
        ta_json_double(j, (double)(int64_t)ta_rng_next(r) / 1e9);
        break;
    case 5:
        ta_json_int(j, 0);
        break;
    case 6:
        ta_json_array(j);
        for (int i = 0; i < n; i++)
            gen_value(j, r, depth + 1);
        ta_json_end_array(j);
        break;
    default:
        ta_json_object(j);
        for (int i = 0; i < n; i++) {
            ta_json_key(j, strs[ta_rng_next(r) % 6]);
            gen_value(j, r, depth + 1);
        }
        ta_json_end_object(j);
        break;
    }
}

static void test_generated_documents(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 300; seed++) {
        ta_rng r;
        mem m;
        ta_rng_init(&r, seed);
        mem_open(&m);
        ta_json_object(&m.j);
        for (int i = 0; i < 3; i++) {
            ta_json_key(&m.j, "k");
            gen_value(&m.j, &r, 1);
        }
        ta_json_end_object(&m.j);
        if (!valid_json(mem_text(&m)))
            fail_msg("seed %llu: invalid JSON: %s", (unsigned long long)seed, m.buf);
        assert_int_equal(m.j.depth, 0);
        mem_close(&m);
    }
}

/* Nesting deeper than TA_JSON_MAX_DEPTH must not write outside the writer
 * (run under ASan). */
static void test_too_deep(void **state)
{
    mem m;
    (void)state;

    mem_open(&m);
    for (int i = 0; i < TA_JSON_MAX_DEPTH + 4; i++) {
        ta_json_array(&m.j);
        ta_json_int(&m.j, i);
    }
    for (int i = 0; i < TA_JSON_MAX_DEPTH + 4; i++)
        ta_json_end_array(&m.j);
    assert_int_equal(m.j.depth, 0);
    assert_non_null(mem_text(&m));
    mem_close(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validator_rejects), cmocka_unit_test(test_object_shapes),
        cmocka_unit_test(test_two_documents),     cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_non_finite),        cmocka_unit_test(test_generated_documents),
        cmocka_unit_test(test_too_deep),
    };
    return cmocka_run_group_tests_name("unit_json", tests, NULL, NULL);
}
