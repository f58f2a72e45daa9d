/* sid_set.c - a set of session ids (length + bytes), open addressing.
 * Sized once from the planned number of ids, so an audit of 1,000,000 ids costs
 * 33 bytes per id plus 8 bytes of slots per id, with no rehash on the way. */
#include <stdlib.h>
#include <string.h>

#include "sid_internal.h"

#define TA__ENTRY (1 + TA__SID_MAX)

static uint64_t ta__sid_hash(const uint8_t *id, unsigned len)
{
    /* FNV-1a then a splitmix finaliser: every byte matters, since the ids under
     * audit are often constant in their first bytes. */
    uint64_t h = 1469598103934665603ULL ^ len;
    for (unsigned i = 0; i < len; i++)
        h = (h ^ id[i]) * 1099511628211ULL;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    return h;
}

static ta_status ta__sid_set_rehash(ta__sid_set *s, size_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof(*slots));
    TA_ENSURE(slots != NULL, TA_E_NOMEM, "id set: %zu slots", nslots);
    for (size_t i = 0; i < s->n; i++) {
        const uint8_t *e = s->ids + i * TA__ENTRY;
        size_t j = ta__sid_hash(e + 1, e[0]) & (nslots - 1);
        while (slots[j] != 0)
            j = (j + 1) & (nslots - 1);
        slots[j] = (uint32_t)(i + 1);
    }
    free(s->slots);
    s->slots = slots;
    s->nslots = nslots;
    return TA_OK;
}

ta_status ta__sid_set_init(ta__sid_set *s, size_t expected)
{
    size_t nslots = 64;
    memset(s, 0, sizeof(*s));
    if (expected < 16)
        expected = 16;
    while (nslots < expected * 2)
        nslots <<= 1;
    s->ids = malloc(expected * TA__ENTRY);
    TA_ENSURE(s->ids != NULL, TA_E_NOMEM, "id set: %zu ids", expected);
    s->cap = expected;
    return ta__sid_set_rehash(s, nslots);
}

void ta__sid_set_free(ta__sid_set *s)
{
    if (s == NULL)
        return;
    free(s->ids);
    free(s->slots);
    memset(s, 0, sizeof(*s));
}

static size_t ta__sid_set_find(const ta__sid_set *s, const uint8_t *id, unsigned len,
                               int *found)
{
    size_t j = ta__sid_hash(id, len) & (s->nslots - 1);
    *found = 0;
    while (s->slots[j] != 0) {
        const uint8_t *e = s->ids + (size_t)(s->slots[j] - 1) * TA__ENTRY;
        if (e[0] == len && memcmp(e + 1, id, len) == 0) {
            *found = 1;
            break;
        }
        j = (j + 1) & (s->nslots - 1);
    }
    return j;
}

int ta__sid_set_has(const ta__sid_set *s, const uint8_t *id, unsigned len)
{
    int found;
    if (s == NULL || s->nslots == 0 || len > TA__SID_MAX)
        return 0;
    (void)ta__sid_set_find(s, id, len, &found);
    return found;
}

int ta__sid_set_add(ta__sid_set *s, const uint8_t *id, unsigned len)
{
    int found;
    size_t j;

    if (len > TA__SID_MAX)
        return 0;
    j = ta__sid_set_find(s, id, len, &found);
    if (found)
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap * 2;
        uint8_t *ids = realloc(s->ids, cap * TA__ENTRY);
        TA_ENSURE(ids != NULL, TA_E_NOMEM, "id set: %zu ids", cap);
        s->ids = ids;
        s->cap = cap;
    }
    if ((s->n + 1) * 2 > s->nslots) {
        TA_GUARD(ta__sid_set_rehash(s, s->nslots * 2));
        j = ta__sid_set_find(s, id, len, &found);
    }
    uint8_t *e = s->ids + s->n * TA__ENTRY;
    e[0] = (uint8_t)len;
    memcpy(e + 1, id, len);
    memset(e + 1 + len, 0, TA__SID_MAX - len);
    s->slots[j] = (uint32_t)(++s->n);
    return 1;
}

const uint8_t *ta__sid_set_get(const ta__sid_set *s, size_t i, unsigned *out_len)
{
    const uint8_t *e = s->ids + i * TA__ENTRY;
    *out_len = e[0];
    return e + 1;
}
